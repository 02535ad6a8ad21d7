"""Field extraction from a page's HTML or visible text.

Sources, in order of trust: the 信息公开 metadata block ("table": V1 xxgktab table, V2 li/span list, V3 Traditional
labels, V4 label：value lines), meta tags ("meta"), header lines under the title ("header"), the closing signature
("signature"); the title from meta/heading/<title>/first lines; report year from the title, else the body.
Values are returned as found (possibly Traditional); analysis.py simplifies them and keeps the originals.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from . import text as T

# ---------------------------------------------------------------------------
# dates and numerals

_FW_DIGITS = str.maketrans("０１２３４５６７８９：／－．", "0123456789:/-.")
_CN_DIGIT = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "0": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUM = "〇○零Ｏ一二三四五六七八九十"

DATE_RE = re.compile(r"((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?!\d)\s*日?")
CN_DATE_RE = re.compile(r"([〇○零Ｏ一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,4})\s*日")
YEAR_RE = re.compile(r"((?:19|20)\d{2})")


def fw_to_ascii(s: str) -> str:
    return s.translate(_FW_DIGITS)


def cn_small_number(s: str) -> int | None:
    """一..三十一 -> int."""
    if not s:
        return None
    if "十" in s:
        a, _, b = s.partition("十")
        tens = _CN_DIGIT.get(a, None) if a else 1
        ones = _CN_DIGIT.get(b, None) if b else 0
        if tens is None or ones is None:
            return None
        return tens * 10 + ones
    if len(s) == 1 and s in _CN_DIGIT:
        return _CN_DIGIT[s]
    return None


def cn_year(s: str) -> int | None:
    if len(s) != 4 or any(c not in _CN_DIGIT for c in s):
        return None
    return int("".join(str(_CN_DIGIT[c]) for c in s))


def _mk_date(y: int, m: int, d: int) -> str | None:
    if not (1990 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"


def parse_date(s: str | None, anchored: bool = False) -> str | None:
    """First date in s as YYYY-MM-DD (2021-01-29 15:25, 2021年1月29日, 2021/1/29, 二〇二一年一月二十二日)."""
    if not s:
        return None
    s = fw_to_ascii(s)
    m = DATE_RE.match(s.strip()) if anchored else DATE_RE.search(s)
    if m:
        return _mk_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = CN_DATE_RE.match(s.strip()) if anchored else CN_DATE_RE.search(s)
    if m:
        y, mo, d = cn_year(m.group(1)), cn_small_number(m.group(2)), cn_small_number(m.group(3))
        if y and mo and d:
            return _mk_date(y, mo, d)
    return None


def _valid_year(y: int) -> bool:
    return 1995 <= y <= 2100


# ---------------------------------------------------------------------------
# labels (script-agnostic: each Simplified label char also matches its Traditional form)

_EXTRA_VARIANTS = {"布": "佈", "发": "發髮", "号": "號", "机": "機", "构": "構", "单": "單", "关": "關", "开": "開",
                   "题": "題", "类": "類", "组": "組", "编": "編", "来": "來", "统": "統", "时": "時", "间": "間",
                   "效": "效", "览": "覽", "数": "數", "击": "擊", "词": "詞", "围": "圍", "责": "責", "门": "門",
                   "废": "廢", "务": "務", "阅": "閱", "访": "訪", "问": "問", "态": "態", "称": "稱",
                   "录": "錄", "标": "標", "资": "資", "体": "體", "裁": "裁", "维": "維", "护": "護", "产": "產",
                   "属": "屬", "层": "層", "级": "級", "实": "實", "施": "施", "归": "歸", "内": "內", "容": "容",
                   "摘": "摘", "划": "劃", "区": "區", "处": "處", "长": "長", "签": "簽", "写": "寫", "稿": "稿",
                   "讯": "訊", "报": "報", "导": "導"}


@functools.lru_cache(maxsize=1)
def _s2t_converters() -> tuple:
    try:
        import opencc

        return tuple(opencc.OpenCC(cfg) for cfg in ("s2t", "s2tw", "s2hk"))
    except Exception:  # noqa: BLE001 - variants are a best effort
        return ()


def _char_variants(ch: str) -> str:
    """ch plus its Traditional forms (OpenCC s2t / s2tw / s2hk) and a few hand-listed variants."""
    alts = ch + _EXTRA_VARIANTS.get(ch, "")
    for conv in _s2t_converters():
        alts += conv.convert(ch)
    return "".join(dict.fromkeys(c for c in alts if c.strip()))


def _label_pattern(label: str) -> str:
    out = []
    for ch in label:
        alts = _char_variants(ch)
        out.append(f"[{alts}]" if len(alts) > 1 else re.escape(ch))
    return r"[ \u3000]{0,3}".join(out) if len(label) <= 4 else "".join(out)


# field -> labels (Simplified). Order matters only for documentation; matching is longest-first.
BLOCK_LABELS: dict[str, tuple[str, ...]] = {
    "index_no": ("索引号",),
    "publisher": ("发布机构", "发布单位", "发文机关", "发文单位", "发布机关", "信息发布机构", "公开机构", "制发机关",
                  "发文机构"),
    "written_date": ("成文日期", "生成日期", "成文时间", "发文日期", "印发日期"),
    "doc_no": ("文号", "文件编号", "发文字号", "发文文号", "文件文号"),
    "subject": ("主题分类", "组配分类", "信息分类", "主题词分类"),
    "disclosure_mode": ("公开方式", "公开形式", "公开属性"),
    "validity": ("有效性", "时效性"),
    "unified_no": ("统一编号", "统一登记号"),
}
HEADER_LABELS: dict[str, tuple[str, ...]] = {
    "published_date": ("发布日期", "发布时间", "公开日期", "公开时间", "发表时间", "上网时间", "发稿时间", "更新时间",
                       "日期", "时间"),
    "source": ("信息来源", "文章来源", "稿件来源", "来源单位", "来源"),
}
# labels that only end a value
STOP_LABELS = ("主办单位", "承办单位", "协办单位", "技术支持", "联系电话", "浏览次数", "访问次数", "阅读次数", "点击数", "点击率", "访问量", "字体", "字号", "分享到", "分享",
               "打印", "关闭", "责任部门", "公开范围", "公开时限", "体裁分类", "关键词", "主题词", "名称", "标题",
               "内容概述", "废止日期", "生效日期", "作者", "责任编辑", "编辑", "所属机构", "发文机关代字", "截止日期",
               "有效期", "实施日期", "生效时间", "文种", "服务对象", "载体类型")

_LABEL_FIELD: dict[str, tuple[str, str]] = {}  # simplified label (no spaces) -> (field, kind)
for _f, _ls in BLOCK_LABELS.items():
    for _l in _ls:
        _LABEL_FIELD[_l.replace(" ", "")] = (_f, "block")
for _f, _ls in HEADER_LABELS.items():
    for _l in _ls:
        _LABEL_FIELD[_l] = (_f, "header")
for _l in STOP_LABELS:
    _LABEL_FIELD.setdefault(_l, ("_stop", "stop"))

_ALL_LABELS = sorted(_LABEL_FIELD, key=len, reverse=True)
# a label followed by a colon (half/full width) or a cell separator; '日期' must not be the tail of 成文日期 etc.
_label_alts = "|".join(_label_pattern(l) for l in _ALL_LABELS)
LABEL_RE = re.compile(
    r"(?P<label>" + _label_alts + r")\s*(?:[:：]|\s\|(?=\s))\s*\|?\s*")
_DATE_LABEL_BAD_PREV = set("成生印文止始效废截布开表网")
# what every LABEL_RE match holds: a label's last character (any of its forms), then the colon or cell separator.
# Searched first, as a line without it cannot match (a cheap scan: the pattern opens with a character set).
_LABEL_END_RE = re.compile(
    "[" + "".join(sorted({re.escape(c) for l in _ALL_LABELS for c in _char_variants(l[-1])})) + r"]"
    r"\s*(?:[:：]|\s\|(?=\s))")


def _has_label(line: str) -> bool:
    """LABEL_RE.search(line), skipping the costly scan when the cheap one finds no label end."""
    return bool(_LABEL_END_RE.search(line) and LABEL_RE.search(line))


_WS_CHAR_RE = re.compile(r"\s")
_CJK_CHAR_RE = re.compile(r"[\u4e00-\u9fff]")


@functools.lru_cache(maxsize=1024)
def _canon_label(raw: str) -> str:
    """A label as found (any script, inner spaces) -> its Simplified key in _LABEL_FIELD. Memoised: pure, and
    the same few labels recur on every page."""
    s = T.to_simplified(_WS_CHAR_RE.sub("", raw))
    return s.replace("佈", "布")


@dataclass
class Pair:
    field: str
    kind: str          # block | header | stop
    label: str         # label as on the page
    value: str         # raw value as on the page
    line_no: int
    line_has_block: bool


_VALUE_END_RE = re.compile(r"\s\|\s|\s\||\|\s| {2,}|\t")


def _cut_value(v: str) -> str:
    v = v.strip()
    v = _VALUE_END_RE.split(v, maxsplit=1)[0]
    v = v.strip(" |:：,，;；•·")
    # drop an unbalanced bracket that wrapped the whole pair: [ 来源：XX ]  【发布日期：…】
    for o, c in (("[", "]"), ("【", "】"), ("(", ")"), ("（", "）")):
        if v.endswith(c) and o not in v:
            v = v[:-1].rstrip()
        if v.startswith(o) and c not in v:
            v = v[1:].lstrip()
    return v.strip(" |:：,，;；•·")


def find_pairs(lines: list[str], max_line: int = 400) -> list[Pair]:
    """All `label：value` pairs on short lines, in document order."""
    out: list[Pair] = []
    for i, line in enumerate(lines):
        if len(line) > max_line:
            continue
        if not _LABEL_END_RE.search(line):
            continue  # no label end before a colon or cell separator: LABEL_RE cannot match
        ms = list(LABEL_RE.finditer(line))
        good = []
        for m in ms:
            raw = m.group("label")
            canon = _canon_label(raw)
            if canon not in _LABEL_FIELD:
                continue
            fld, kind = _LABEL_FIELD[canon]
            start = m.start()
            prev = line[start - 1] if start > 0 else ""
            if canon in ("日期", "来源", "时间") and prev and (prev in _DATE_LABEL_BAD_PREV or _CJK_CHAR_RE.match(prev)):
                # 日期 inside 成文日期/截止日期…, 来源 inside 资金来源…
                continue
            if kind != "stop" and prev and _CJK_CHAR_RE.match(prev) and len(canon) <= 2:
                continue
            good.append((m, fld, kind, raw))
        if not good:
            continue
        has_block = any(k == "block" for _, _, k, _ in good)
        for j, (m, fld, kind, raw) in enumerate(good):
            end = good[j + 1][0].start() if j + 1 < len(good) else len(line)
            value = _cut_value(line[m.end():end])
            if kind == "stop":
                continue
            out.append(Pair(fld, kind, raw, value, i, has_block))
    return out


# ---------------------------------------------------------------------------
# value checks

_EMPTY_VALUES = {"", "无", "暂无", "-", "--", "—", "——", "/", "空", "null", "none", "无文号", "未知"}


_INDEX_NO_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/_.·—()（）]*[A-Za-z0-9)）]?")
_DIGIT_RE = re.compile(r"\d")
_WORD_CHAR_RE = re.compile(r"[\w\u4e00-\u9fff]")


def clean_index_no(v: str) -> str | None:
    v = fw_to_ascii(v.strip())
    m = _INDEX_NO_RE.match(v)
    if not m:
        return None
    val = m.group(0).rstrip("-/._")
    return val if _DIGIT_RE.search(val) and len(val) >= 4 else None


def clean_text_value(v: str, max_len: int = 60) -> str | None:
    v = v.strip().strip("|:：").strip()
    if v.lower() in _EMPTY_VALUES or not v:
        return None
    if len(v) > max_len:
        return None
    if not _WORD_CHAR_RE.search(v):
        return None
    return v


def clean_publisher(v: str) -> str | None:
    v = clean_text_value(v, 50)
    if not v:
        return None
    if DATE_RE.match(fw_to_ascii(v)):
        return None
    return v


def clean_doc_no(v: str) -> str | None:
    v = clean_text_value(v, 60)
    if not v:
        return None
    return v


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


BODY_SELECTORS = ("zoom", "ivs_content", "artibody", "main-txt", "TRS_Editor", "article-content", "article-conter",
                  "art_con", "artCon", "art-con", "news_content", "newsContent", "detail-content", "xxgk_content",
                  "content", "Content", "article", "con", "detail", "wzcon", "bt-content")


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
_NOT_TITLE_START_RE = re.compile(r"^(?:日期|发布日期|来源|索引号|当前位置|您的位置|首页|主页)")
_CN_YEAR_RE = re.compile(r"[〇○零一二][〇○零一二三四五六七八九]{3}年")
_HEADER_LINE_RE = re.compile(r"(?:发布日期|日期|来源)\s*[:：]")


def _title_score(line: str) -> float:
    """How much a line looks like a page title. Memoised for lines of a title's length (pure): candidates are
    scored more than once, and site names and menu lines recur on every page."""
    return _title_score_memo(line) if len(line) <= 200 else _score_title(line)


def _score_title(line: str) -> float:
    s = T.to_simplified(line)
    if len(s) < 6 or len(s) > 100:
        return -10
    if _SENTENCE_END_RE.search(s) or s.count("，") >= 2 or s.count(",") >= 2:
        return -10
    if _NOT_TITLE_START_RE.match(s) or " | " in s:
        return -10
    if _has_label(line):
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
    best, best_score = None, 0.5
    for i, ln in enumerate(lines[:limit]):
        ln = ln.strip(" •·|")
        sc = _title_score(ln)
        # a line followed by a header line (日期:/发布日期:) is the heading
        if i + 1 < len(lines) and sc > -10 and _HEADER_LINE_RE.search(lines[i + 1]):
            sc += 1.5
        if sc > best_score:
            best, best_score = ln, sc
    return best


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


# ---------------------------------------------------------------------------
# report year

_TITLE_YEAR_RES = (
    re.compile(r"[(（]\s*((?:19|20)\d{2})\s*年度?\s*[)）]"),
    re.compile(r"((?:19|20)\d{2})\s*年度?"),
    re.compile(r"((?:19|20)\d{2})"),
)

_BODY_YEAR_RES = (
    re.compile(r"现将(?:[^。\n]{0,20}?)((?:19|20)\d{2})\s*年度?[^。\n]{0,30}?(?:报告如下|汇报如下|公布如下|总结如下|如下)"),
    re.compile(r"统计(?:期限|期间|时限|区间|时间)[^。\n\d]{0,8}((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日"),
    re.compile(r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日(?:起)?\s*(?:至|到|—|-)\s*\1\s*年\s*12\s*月\s*31\s*日"),
    re.compile(r"(?:编制了?|特编制|现公布|发布)[^。\n]{0,30}?((?:19|20)\d{2})\s*年度?[^。\n]{0,30}?报告"),
    re.compile(r"本报告[^。\n]{0,40}?((?:19|20)\d{2})\s*年"),
    re.compile(r"(?:^|\n)\s*[一1][、.．]?\s*[^\n]{0,6}?((?:19|20)\d{2})\s*年(?:度)?[^\n]{0,12}?(?:工作完成情况|工作情况|总体情况)"),
    re.compile(r"(?:^|\n|。)\s*((?:19|20)\d{2})\s*年[，,]\s*(?:我|全|本)[委局厅市县区省办院镇乡街中署部社会行司]"),
)


def year_from_title(title: str | None) -> int | None:
    if not title:
        return None
    s = fw_to_ascii(T.to_simplified(title))
    m = re.search(r"([〇○零Ｏ一二三四五六七八九]{4})\s*年", s)
    cn = cn_year(m.group(1)) if m else None
    for rx in _TITLE_YEAR_RES:
        m2 = rx.search(s)
        if m2:
            y = int(m2.group(1))
            if _valid_year(y):
                return y
    if cn and _valid_year(cn):
        return cn
    return None


def year_from_body(text: str) -> int | None:
    s = fw_to_ascii(text[:20000])
    for rx in _BODY_YEAR_RES:
        m = rx.search(s)
        if m:
            y = int(m.group(1))
            if _valid_year(y):
                return y
    return None


def dominant_year(text: str) -> int | None:
    from collections import Counter

    ys = [int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})\s*年", fw_to_ascii(text[:30000]))]
    ys = [y for y in ys if _valid_year(y)]
    if not ys:
        return None
    c = Counter(ys).most_common(2)
    if len(c) == 1 or c[0][1] >= 2 * c[1][1]:
        return c[0][0]
    return None


def year_of_doc_no(doc_no: str | None) -> int | None:
    if not doc_no:
        return None
    m = re.search(r"[〔\[［【(（]\s*((?:19|20)\d{2})\s*[〕\]］】)）]", fw_to_ascii(doc_no)) or YEAR_RE.search(fw_to_ascii(doc_no))
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------------------
# signature

_ORG_END_RE = re.compile(r"(?:委员会|人民政府|政府|办公室|办公厅|局|厅|委|办|中心|院|署|部|所|站|会|管委会|街道|镇|乡|公司|集团|队)$")


_DATE_ONLY_RES = (
    re.compile(r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}日"),
    re.compile(r"(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}"),
)
_CN_DATE_ONLY_RE = re.compile(r"[〇○零Ｏ一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,4}日")
_ORG_AND_DATE_RE = re.compile(r"(.{3,40}?)\s*((?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|"
                              r"[〇○零Ｏ一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,4}日)")
_SENTENCE_MARK_RE = re.compile(r"[：:，。]")


def signature(lines: list[str], tail: int = 40) -> tuple[str | None, str | None]:
    """(date, organisation) from the closing signature: the last line that is only a date, and the line above it
    when it looks like an organisation name."""
    start = max(0, len(lines) - tail)
    for i in range(len(lines) - 1, start - 1, -1):
        ln = lines[i].strip()
        if len(ln) > 60:
            continue
        core = _WS_CHAR_RE.sub("", ln)
        d = None
        if _DATE_ONLY_RES[0].fullmatch(fw_to_ascii(core)) or _DATE_ONLY_RES[1].fullmatch(fw_to_ascii(core)) or \
                _CN_DATE_ONLY_RE.fullmatch(core):
            d = parse_date(core)
        if d is None and len(ln) <= 60:
            # organisation and date on one line: 浙江省发展和改革委员会 2021年1月22日
            m = _ORG_AND_DATE_RE.fullmatch(fw_to_ascii(ln))
            if m and _ORG_END_RE.search(T.to_simplified(m.group(1).strip())) and not _SENTENCE_MARK_RE.search(m.group(1)):
                return parse_date(m.group(2)), ln[:len(m.group(1))].strip()
            continue
        if d:
            org = None
            for j in (i - 1, i - 2):
                if j >= 0:
                    cand = lines[j].strip()
                    if 3 <= len(cand) <= 40 and _ORG_END_RE.search(T.to_simplified(cand)) and "：" not in cand and ":" not in cand:
                        org = cand
                        break
            return d, org
    return None, None


# ---------------------------------------------------------------------------
# main entry

_CLAUSE_MARK_RE = re.compile(r"[，。；,;]")


def _body_start(lines: list[str], body_text: str | None) -> int:
    """Index of the first line of the article body in lines (header lines come before it)."""
    if body_text:
        blines = T.text_lines(body_text)
        # the first prose line of the body (body containers sometimes wrap the title and header too)
        probe = next((b for b in blines if len(b) >= 15 and _CLAUSE_MARK_RE.search(b) and not _has_label(b)),
                     None) or next((b for b in blines if len(b) >= 8), blines[0] if blines else None)
        if probe:
            for i, ln in enumerate(lines):
                if ln == probe:
                    return i + 1  # a header may sit in the body's first line
    # plain text: the header sits under the title, near the top
    return max(40, len(lines) // 3)


@dataclass
class Extracted:
    title: str | None = None
    report_year: int | None = None
    index_no: str | None = None
    publisher: str | None = None
    written_date: str | None = None
    published_date: str | None = None
    doc_no: str | None = None
    extra: dict[str, str] = field(default_factory=dict)      # subject, disclosure_mode, validity, unified_no
    sources: dict[str, str] = field(default_factory=dict)
    title_candidates: list[tuple[str, str]] = field(default_factory=list)  # (text, source)


def extract_fields(text: str, root=None, body_text: str | None = None) -> Extracted:
    """Extract metadata from visible text (and the lxml root when the page is HTML).

    text: visible text of the whole page (one block per line). body_text: visible text of the article body, used
    for the signature (defaults to text).
    """
    ex = Extracted()
    lines = T.text_lines(text)
    metas = meta_tags(root)

    # --- title
    cands: list[tuple[str, str]] = []
    mt = metas.get("articletitle") or metas.get("title") or metas.get("dc.title")
    if mt and len(mt.strip()) >= 4:
        cands.append((mt.strip(), "meta"))
    if root is not None:
        heads = heading_candidates(root)
        scored = sorted(((_title_score(h), -k, h) for k, h in enumerate(heads)), reverse=True)
        if scored and scored[0][0] > -10:
            cands.append((scored[0][2], "header"))
        tt = title_tag(root)
        if tt:
            cands.append((tt, "title"))
    tl = title_from_lines(lines)
    if tl:
        cands.append((tl, "header"))
    tb = title_from_body(text)
    if tb:
        cands.append((tb, "body"))
    ex.title_candidates = cands
    if cands:
        ex.title, ex.sources["title"] = cands[0]
        # prefer a candidate that scores clearly better than a weak first pick (e.g. a site name in <h1>)
        first_score = _title_score(cands[0][0])
        if cands[0][1] != "meta":
            for c, src in cands[1:]:
                if _title_score(c) >= first_score + 3:
                    ex.title, ex.sources["title"] = c, src
                    break

    # --- labelled pairs (blocks and header lines)
    pairs = find_pairs(lines)
    for p in pairs:
        if p.field == "index_no" and "index_no" not in ex.sources:
            v = clean_index_no(p.value)
            if v:
                ex.index_no, ex.sources["index_no"] = v, "table"
        elif p.field == "publisher" and "publisher" not in ex.sources:
            v = clean_publisher(p.value)
            if v:
                ex.publisher, ex.sources["publisher"] = v, "table"
        elif p.field == "written_date" and "written_date" not in ex.sources:
            d = parse_date(p.value, anchored=True)
            if d:
                ex.written_date, ex.sources["written_date"] = d, "table"
        elif p.field == "doc_no" and "doc_no" not in ex.sources:
            v = clean_doc_no(p.value)
            if v:
                ex.doc_no, ex.sources["doc_no"] = v, "table"
        elif p.field in ("subject", "disclosure_mode", "validity", "unified_no") and p.field not in ex.extra:
            v = clean_text_value(p.value, 40)
            if v:
                ex.extra[p.field] = v
    # header lines: published date and source (first occurrence wins), only above the article body
    # (related-document lists and footers below it carry their own 发布日期/来源)
    header_limit = _body_start(lines, body_text)
    pub_src = None
    source_hdr = None
    for p in pairs:
        if p.line_no >= header_limit and not p.line_has_block:
            continue
        if p.field == "published_date" and ex.published_date is None:
            d = parse_date(p.value, anchored=True)
            if d:
                ex.published_date = d
                pub_src = "table" if p.line_has_block else "header"
        elif p.field == "source" and source_hdr is None:
            v = clean_publisher(p.value)
            if v:
                source_hdr = v
    if pub_src:
        ex.sources["published_date"] = pub_src
    else:
        for key in ("pubdate", "publishdate", "firstpublishedtime", "publishtime", "dc.date", "article:published_time"):
            d = parse_date(metas.get(key))
            if d:
                ex.published_date, ex.sources["published_date"] = d, "meta"
                break
    if ex.publisher is None:
        if source_hdr:
            ex.publisher, ex.sources["publisher"] = source_hdr, "header"
        elif metas.get("contentsource"):
            v = clean_publisher(metas["contentsource"])
            if v:
                ex.publisher, ex.sources["publisher"] = v, "meta"

    # --- signature
    sig_lines = T.text_lines(body_text) if body_text else lines
    sd, sorg = signature(sig_lines)
    if sd is None and body_text and len(body_text) < 200:
        # the body element found is probably not the whole article: look at the page's last lines
        sd, sorg = signature(lines)
    if ex.written_date is None and sd:
        ex.written_date, ex.sources["written_date"] = sd, "signature"
    if ex.publisher is None and sorg:
        ex.publisher, ex.sources["publisher"] = sorg, "signature"

    # --- report year
    y = None
    for cand, src in ([(ex.title, ex.sources.get("title"))] if ex.title else []):
        y = year_from_title(cand)
        if y:
            ex.report_year, ex.sources["report_year"] = y, ("title" if src != "body" else "body")
    if ex.report_year is None:
        y = year_from_body(T.to_simplified(body_text or text))
        if y is None and body_text:
            y = year_from_body(T.to_simplified(text))
        if y:
            ex.report_year, ex.sources["report_year"] = y, "body"
    return ex
