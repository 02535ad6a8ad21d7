"""Field extraction from a page's HTML or visible text.

Sources, in order of trust: the 信息公开 metadata block ("table": V1 xxgktab table, V2 li/span list, V3 Traditional
labels, V4 label：value lines), meta tags ("meta"), header lines under the title ("header"), the closing signature
("signature"); the title from meta/heading/<title>/first lines; report year from the title, else the body.
Values are returned as found (possibly Traditional); page.py simplifies them and keeps the originals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from govcrawl.analysis import text as T
from govcrawl.analysis.dates import (
    fw_to_ascii,
    parse_date,
    year_from_body,
    year_from_title,
)
from govcrawl.analysis.labels import (
    WS_CHAR_RE,
    clean_doc_no,
    clean_index_no,
    clean_publisher,
    clean_text_value,
    find_bare_pairs,
    find_column_pairs,
    find_pairs,
    find_stacked_pairs,
    has_label,
)
from govcrawl.analysis.structure import (
    heading_candidates,
    meta_tags,
    title_from_body,
    title_from_lines,
    title_score,
    title_tag,
)

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
_TRUNCATED_DATE_RE = re.compile(r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}")


def signature(lines: list[str], tail: int = 40) -> tuple[str | None, str | None]:
    """(date, organisation) from the closing signature: the last line that is only a date, and the line above it
    when it looks like an organisation name. After the signature there may be an appended table (附表: short cells),
    never more prose."""
    start = max(0, len(lines) - tail)
    for k in range(len(lines) - 1, max(-1, len(lines) - 400), -1):
        if len(lines[k]) > 40 and _SENTENCE_MARK_RE.search(lines[k]):
            start = k  # the last prose: the signature, if any, follows it (a date above it is a header's)
            break
    for i in range(len(lines) - 1, start - 1, -1):
        ln = lines[i].strip()
        if len(ln) > 60:
            continue
        core = WS_CHAR_RE.sub("", ln)
        d = None
        if i == len(lines) - 1 and _TRUNCATED_DATE_RE.fullmatch(fw_to_ascii(core)):
            core += "日"  # the page (or its stored copy) ends inside the closing date: 2010年3月18
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
# a metadata row's label taken along with the title: 标      题 西藏自治区审计厅2025年…, 公报标题…, 名称：…
_TITLE_LABEL_RE = re.compile(r"^\s*(?:公报|文件|信息)?(?:标\s*题|名\s*称|题\s*目)\s*[:：|]?\s*")


_TRAILING_DATE_RE = re.compile(r"\s+(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*$")
_LABELLED_TITLE_RE = re.compile(r"^[|\s]*(?:标\s*题|名\s*称)\s*[:：]\s*\|?\s*(?P<value>.+)")
_CELL_END_RE = re.compile(r"\s*\|\s*|\s{2,}|\s+[\u4e00-\u9fff]{1,6}\s*[:：]")


def labelled_title(lines: list[str], limit: int = 40) -> str | None:
    """A title given as a metadata value (标题: X, | 名  称: | X |) near the top, when it reads as a title."""
    for ln in lines[:limit]:
        m = _LABELLED_TITLE_RE.match(ln)
        if m:
            value = _CELL_END_RE.split(m.group("value").strip(), maxsplit=1)[0].strip()
            if title_score(value) > 0.5:
                return value
    return None


_BRACKETED_DATE_RE = re.compile(r"^[(（]\s*(?P<date>(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*[)）]$")


def dated_under_title(lines: list[str], title: str | None, reach: int = 4) -> str | None:
    """A date alone in brackets within a few lines under the title (the last line of a title broken over two)."""
    if not title:
        return None
    tail = re.sub(r"\s+", "", title)[-4:]
    for i, ln in enumerate(lines[:60]):
        if tail and tail in re.sub(r"\s+", "", ln):
            for nxt in lines[i + 1:i + 1 + reach]:
                m = _BRACKETED_DATE_RE.match(nxt.strip())
                if m:
                    return parse_date(m.group("date"), anchored=True)
    return None


def _body_start(lines: list[str], body_text: str | None) -> int:
    """Index of the first line of the article body in lines (header lines come before it)."""
    if body_text:
        blines = T.text_lines(body_text)
        # the first prose line of the body (body containers sometimes wrap the title and header too)
        probe = next((b for b in blines if len(b) >= 15 and _CLAUSE_MARK_RE.search(b) and not has_label(b)),
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
    extra: dict[str, str] = field(default_factory=dict)      # subject, disclosure_mode, validity, unified_no, issued_date
    sources: dict[str, str] = field(default_factory=dict)
    title_candidates: list[tuple[str, str]] = field(default_factory=list)  # (text, source)
    signature_org: str | None = None  # the organisation above the closing date (a publisher of last resort)


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
    lt = labelled_title(lines)
    if lt:
        cands.append((lt, "table"))
    if root is not None:
        heads = heading_candidates(root)
        scored = sorted(((title_score(h), -k, h) for k, h in enumerate(heads)), reverse=True)
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
        first_score = title_score(cands[0][0])
        if cands[0][1] != "meta":
            for c, src in cands[1:]:
                if title_score(c) >= first_score + 3:
                    ex.title, ex.sources["title"] = c, src
                    break

    if ex.title:
        ex.title = _TITLE_LABEL_RE.sub("", ex.title) or ex.title
        ex.title = _TRAILING_DATE_RE.sub("", ex.title) or ex.title  # …年度报告 2025-01-22: the date is the page's

    # --- labelled pairs (blocks and header lines)
    pairs = find_pairs(lines)
    # after the colon pairs (those win): label rows over value rows, labels alone over their values, runs without colons
    pairs += find_column_pairs(lines[:80]) + find_stacked_pairs(lines[:80]) + find_bare_pairs(lines[:80])
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
        elif p.field == "issued_date" and p.field not in ex.extra:
            d = parse_date(p.value, anchored=True)
            if d:
                ex.extra[p.field] = d
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
    if ex.published_date is None and root is not None:
        # <publishtime>2023-01-06 10:00</publishtime>: a CMS's own tag for the publication time
        for el in root.iter("publishtime", "pubtime", "publishdate"):
            d = parse_date("".join(el.itertext()))
            if d:
                ex.published_date, ex.sources["published_date"] = d, "header"
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
    if ex.written_date is None:
        # the document's date in brackets on its own line under the title: （2017年1月12日）
        d = dated_under_title(lines, ex.title)
        if d:
            ex.written_date, ex.sources["written_date"] = d, "heading"
    ex.signature_org = sorg

    # --- report year
    y = None
    if ex.title and ex.sources.get("title") != "body":
        y = year_from_title(ex.title)
        if y:
            ex.report_year, ex.sources["report_year"] = y, "title"
    if ex.report_year is None:
        y = year_from_body(T.to_simplified(body_text or text))
        if y is None and body_text:
            y = year_from_body(T.to_simplified(text))
        if y is None and ex.title:
            y = year_from_title(ex.title)  # a title found in the body (a sentence naming the report)
        if y:
            ex.report_year, ex.sources["report_year"] = y, "body"
    return ex
