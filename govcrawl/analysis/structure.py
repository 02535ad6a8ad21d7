"""Where things sit in a page: meta tags, headings and the <title>, the main body, and the title line
of a page given as text."""

from __future__ import annotations

import functools
import re

from govcrawl.analysis import text as T
from govcrawl.analysis.dates import YEAR_RE, fw_to_ascii
from govcrawl.analysis.labels import has_label

# ---------------------------------------------------------------------------
# HTML helpers

def meta_tags(root) -> dict[str, str]:
    out: dict[str, str] = {}
    if root is None:
        return out
    for m in root.iter("meta"):
        name = (m.get("name") or m.get("property") or m.get("itemprop") or "").strip().lower()
        content = m.get("content")
        if name and content is not None and name not in out:
            out[name] = content.strip()
    return out


_TITLE_CLASS_RE = re.compile(r"(?:^|[\s_-])(?:con-title|art-title|article-title|arttitle|art_title|news-title|"
                             r"newstitle|detail-title|detailtitle|title|tit|bt|wztitle|xxgk-title|content-title|"
                             r"main-title|doc-title|ivs_title)(?:$|[\s_-])", re.I)


_WS_RUN_RE = re.compile(r"\s+")
_HEADING_TAGS = ("h1", "h2", "h3")
_TITLE_CLASS_TAGS = ("p", "div", "span", "td", "h4", "strong")


def heading_candidates(root) -> list[str]:
    """Texts of heading-like elements in document order: h1-h3, elements whose class/id says title."""
    out: list[str] = []
    if root is None:
        return out
    body = root.find("body")
    base = body if body is not None else root
    # only these tags can qualify: lxml filters them in C (the HTML parser gives lower-case tag names)
    for el in base.iter(*_HEADING_TAGS, *_TITLE_CLASS_TAGS):
        if el.tag not in _HEADING_TAGS:
            cls = (el.get("class") or "") + " " + (el.get("id") or "")
            if cls == " " or not _TITLE_CLASS_RE.search(cls):  # (no class and no id: nothing to match)
                continue
        if len(el) > 8:
            continue
        txt = _WS_RUN_RE.sub(" ", T.text_content(el) or "").strip()
        if 4 <= len(txt) <= 150:
            out.append(txt)
    return out


_TITLE_SEP_RE = re.compile(r"\s*(?:_|\||｜| - | — |--)\s*")


def title_tag(root) -> str | None:
    if root is None:
        return None
    t = root.find(".//title")
    if t is None or not (T.text_content(t) or "").strip():
        return None
    s = _WS_RUN_RE.sub(" ", T.text_content(t)).strip()
    parts = [p.strip() for p in _TITLE_SEP_RE.split(s) if p.strip()]
    if not parts:
        return None
    return parts[0] if len(parts[0]) >= 6 else max(parts, key=len)


BODY_SELECTORS = ("zoom", "ivs_content", "artibody", "main-txt", "TRS_Editor", "UCAP-CONTENT", "article_content",
                  "article-content", "article-conter", "art_con", "artCon", "art-con", "news_content", "newsContent",
                  "detail-content", "xxgk_content", "content", "Content", "article", "con", "detail", "wzcon", "bt-content")


_XPATH_TOKEN_RE = re.compile(r"[^ \t\r\n]+")  # the tokens normalize-space(@class) separates


def main_body(root):
    """The article body element (div#zoom etc.) or None.

    The first element in document order whose id is a selector, by selector order; else whose class list
    holds one. Two XPath queries in all (elements with an id, elements with a class), not two per selector."""
    if root is None:
        return None
    first_by_id: dict[str, object] = {}
    for el in root.xpath("//*[@id]"):
        first_by_id.setdefault(el.get("id"), el)
    for key in BODY_SELECTORS:
        if key in first_by_id:
            return first_by_id[key]
    first_by_class: dict[str, object] = {}
    for el in root.xpath("//*[@class]"):
        for token in _XPATH_TOKEN_RE.findall(el.get("class")):
            first_by_class.setdefault(token, el)
    for key in BODY_SELECTORS:
        if key in first_by_class:
            return first_by_class[key]
    return None


# ---------------------------------------------------------------------------
# titles

REPORT_TITLE_HINT = re.compile(r"(?:政府信息公开|政务公开|信息公开).{0,12}(?:报告|年报)|年度报告|工作报告")
DOC_TYPE_END = re.compile(r"(?:报告|通知|要点|方案|意见|决定|办法|公告|通告|计划|规划|总结|规定|细则|批复|函|公示|"
                          r"报告\)|年度\)|年度）|报告）|解读|纪要|会|[(（]\d{4}年度?[)）])$")


_SENTENCE_END_RE = re.compile(r"[。；;]$|[：:]$")
_NOT_TITLE_START_RE = re.compile(r"^(?:日期|发布日期|来源|索引号|当前位置|您的位置|首页|主页|[\[【(（]?(?:关键词|关键字|主题词|摘\s*要))")
_YEAR_END_RE = re.compile(r"[\u4e00-\u9fff]\s*(?:19|20)\d{2}\s*年度?$")
_DISCLOSURE_START_RE = re.compile(r"(?:政府|政务)?信息公开|政务公开")
_CJK_END_RE = re.compile(r"[\u4e00-\u9fff]$")
_CJK_START_RE = re.compile(r"[\u4e00-\u9fff]")
# a date or a time and nothing else (2023-01-18 10:36, 2023年1月18日): a header's value, never a title
_DATE_ONLY_RE = re.compile(r"[\d\s年月日号时分秒:：/.\-]+")
_CN_YEAR_RE = re.compile(r"[〇○零一二][〇○零一二三四五六七八九]{3}年")
_HEADER_LINE_RE = re.compile(r"(?:发布日期|日期|来源)\s*[:：]")


def title_score(line: str) -> float:
    """How much a line looks like a page title. Memoised for lines of a title's length (pure): candidates are
    scored more than once, and site names and menu lines recur on every page."""
    return _title_score_memo(line) if len(line) <= 200 else _score_title(line)


def _score_title(line: str) -> float:
    s = T.to_simplified(line)
    if len(s) < 6 or len(s) > 100:
        return -10
    if _SENTENCE_END_RE.search(s) or s.count("，") >= 2 or s.count(",") >= 2 or s.count("；") + s.count(";") >= 2:
        return -10
    if _NOT_TITLE_START_RE.match(s) or " | " in s or _DATE_ONLY_RE.fullmatch(fw_to_ascii(s)):
        return -10
    if has_label(line):
        return -10
    score = 0.0
    if REPORT_TITLE_HINT.search(s):
        score += 3
    if DOC_TYPE_END.search(s):
        score += 2
    if YEAR_RE.search(fw_to_ascii(s)) or _CN_YEAR_RE.search(s):
        score += 1
    if " > " in s or ">" in s or "»" in s:
        score -= 4
    if len(s) < 10:
        score -= 1
    return score


_title_score_memo = functools.lru_cache(maxsize=4096)(_score_title)


def title_from_lines(lines: list[str], limit: int = 25) -> str | None:
    best, best_score, at = None, 0.5, -1
    for i, ln in enumerate(lines[:limit]):
        ln = ln.strip(" •·|")
        sc = title_score(ln)
        # a line followed by a header line (日期:/发布日期:) is the heading
        if i + 1 < len(lines) and sc > -10 and _HEADER_LINE_RE.search(lines[i + 1]):
            sc += 1.5
        if sc > best_score:
            best, best_score, at = ln, sc, i
    if best is not None and at > 0:
        best = _rejoined_title(lines, at, best)
    return best


_STRADDLE = 3  # characters each side of a line break that must recur elsewhere for the break to be inside a name


def _rejoined_title(lines: list[str], at: int, title: str) -> str:
    """A title broken inside its body's name (重庆市沙坪坝区人民政府小龙坎街道 / 办事处2023年…年度报告) is put back together:
    when the line above is a short fragment that is no title itself, and the words across the break recur elsewhere
    in the page (the body names itself again: 小龙坎街道办事处)."""
    head = lines[at - 1].strip(" •·|")
    if (len(head) <= 40 and _YEAR_END_RE.search(head) and _DISCLOSURE_START_RE.match(title)
            and not re.search(r"[:：，,、（）()《》]", head) and not has_label(head)):
        return head + title  # 天津市城市管理委员会2025年度 / 政府信息公开工作报告: broken after the year
    if not 2 <= len(head) <= 40 or title_score(head) > 0.5 or has_label(head) or _SENTENCE_END_RE.search(head):
        return title
    if re.search(r"[\d:：，,、（）()《》]", head) or not (_CJK_END_RE.search(head) and _CJK_START_RE.match(title)):
        return title
    joined = head + title
    if len(joined) > 100 or title_score(joined) < title_score(title):
        return title
    straddle = head[-_STRADDLE:] + title[:_STRADDLE]
    elsewhere = "\n".join(lines[:at - 1] + lines[at + 1:at + 200])  # the page's opening, where it names itself
    return joined if straddle in elsewhere else title


_BODY_TITLE_RE = re.compile(
    r"(?:编制了?|编制本|发布|现公布|特发布|特编制)(?:《)?([^。，,《》\n]{4,50}?(?:政府信息公开|政务公开|信息公开)[^。，,《》\n]{0,20}?报告)")


def title_from_body(text: str) -> str | None:
    """A report title named in the opening sentences (编制了XX2018年政务公开工作总结报告), as the page has it."""
    orig = text[:3000]
    simp = T.to_simplified(orig)
    m = _BODY_TITLE_RE.search(simp)
    if m:
        a, b = m.span(1)
        t = (orig[a:b] if len(simp) == len(orig) else simp[a:b]).strip()
        if not re.match(r"^[本该此]", t):
            return t
    return None


