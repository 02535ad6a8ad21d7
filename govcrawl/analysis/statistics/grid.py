"""HTML tables as grids (rowspan/colspan expanded, bounded) and the rows of each template section,
found by the section headings and row labels in document order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from lxml import etree

from govcrawl.analysis.statistics.values import is_number, is_value, norm


# --------------------------------------------------------------------------- HTML grid
@dataclass
class Cell:
    text: str
    origin: bool = True      # False for a position covered by another cell's rowspan/colspan (text copied)


def _cell_text(td) -> str:
    if not len(td):  # the usual cell: text only (the loop below adds td's text, never its tail)
        text = td.text
        return " ".join(text.replace("\xa0", " ").replace("\u3000", " ").split()) if text else ""
    parts = []
    for el in td.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag.lower() in ("script", "style"):
            continue
        if el.tag.lower() == "br":
            parts.append(" ")
        if el.text:
            parts.append(el.text)
        if el is not td and el.tail:
            parts.append(el.tail)
    return " ".join("".join(parts).replace("\xa0", " ").replace("\u3000", " ").split())


_NON_DIGITS_RE = re.compile(r"\D")


def _span(v, cap=60) -> int:
    if v is None:  # no rowspan/colspan attribute, the usual case
        return 1
    try:
        n = int(_NON_DIGITS_RE.sub("", str(v or "1")) or 1)
    except ValueError:
        return 1
    return max(1, min(n, cap))


MAX_COLUMNS = 200  # the national template's tables have under 30 columns
MAX_CELLS = 20_000  # positions of one table's grid: past them the rest of the table is not read


def table_grid(table) -> list[list[Cell]]:
    """The table's rows with rowspan/colspan expanded (covered positions carry a copy of the text).

    Bounded: a row has at most MAX_COLUMNS positions and the grid at most MAX_CELLS (hostile spans)."""
    if next(table.iterdescendants("table"), None) is None:  # no nested table: every row is the table's own
        rows = list(table.iter("tr"))
    else:
        rows = [tr for tr in table.iter("tr") if _own_table(tr) is table]
    grid: list[list[Cell]] = []
    pending: dict[int, tuple[int, Cell]] = {}  # column -> (rows left, cell)
    cells = 0
    for tr in rows:
        if cells >= MAX_CELLS:
            break
        row: list[Cell] = []
        col = 0

        def fill_pending():
            nonlocal col
            while col in pending:
                left, c = pending[col]
                row.append(Cell(c.text, False))
                if left <= 1:
                    del pending[col]
                else:
                    pending[col] = (left - 1, c)
                col += 1

        for td in tr:
            tag = td.tag
            if tag != "td" and tag != "th" and (not isinstance(tag, str) or tag.lower() not in ("td", "th")):
                continue
            if col in pending:
                fill_pending()
            text = _cell_text(td)
            rs, cs = td.get("rowspan"), td.get("colspan")
            rs, cs = 1 if rs is None else _span(rs), 1 if cs is None else _span(cs)  # (no span: the usual case)
            if col >= MAX_COLUMNS:
                break
            cs = min(cs, MAX_COLUMNS - col)
            for j in range(cs):
                c = Cell(text, j == 0)
                row.append(c)
                if rs > 1:
                    pending[col] = (rs - 1, Cell(text, False))
                col += 1
        if col in pending:
            fill_pending()
        # spans from above that continue beyond this row's own cells
        for cidx in sorted(k for k in pending if col <= k < MAX_COLUMNS):
            while col < cidx:
                row.append(Cell("", False))
                col += 1
            left, c = pending[cidx]
            row.append(Cell(c.text, False))
            if left <= 1:
                del pending[cidx]
            else:
                pending[cidx] = (left - 1, c)
            col += 1
        for k in [k for k in pending if k >= MAX_COLUMNS]:
            del pending[k]
        grid.append(row)
        cells += len(row)
    return grid


def _own_table(el):
    p = el.getparent()
    while p is not None and not (isinstance(p.tag, str) and p.tag.lower() == "table"):
        p = p.getparent()
    return p


_SEC_HEAD_RES = (
    ("active_disclosure", re.compile(r"^二[、.．]?.{0,6}主动公开")),
    ("applications", re.compile(r"^三[、.．]?.{0,12}(?:收到和处理|依申请)")),
    ("reviews_litigation", re.compile(r"^四[、.．]?.{0,16}(?:行政复议|行政诉讼)")),
    (None, re.compile(r"^[五六七][、.．]")),
)


_SEC_HEAD_FIRST_CHARS = frozenset("二三四五六七")  # every _SEC_HEAD_RES pattern starts with one of them


def heading_section(line: str):
    t = norm(line)
    if not t or t[0] not in _SEC_HEAD_FIRST_CHARS:
        return None, False
    for sec, rx in _SEC_HEAD_RES:
        if rx.match(t):
            return sec, True
    return None, False


_MARK_APPLICATIONS_RE = re.compile(r"申请人情况|本年新收|上年结转|自然人|商业企业|结转下年|勾稽")
_MARK_REVIEWS_RE = re.compile(r"行政复议|行政诉讼|复议后起诉|未经复议|结果维持")
_MARK_ACTIVE_RE = re.compile(r"第二十条|信息内容|规章|规范性文件|行政许可|行政处罚|行政强制|行政事业性收费|政府集中采购|其他对外管理服务")
_SWITCH_APPLICATIONS_RE = re.compile(r"申请人情况|本年新收|自然人|勾稽")
_SWITCH_REVIEWS_RE = re.compile(r"行政复议|行政诉讼")
_SWITCH_ACTIVE_RE = re.compile(r"第二十条|信息内容")


def _row_marker(texts: list[str]) -> str | None:
    j = norm("".join(texts))
    if _MARK_APPLICATIONS_RE.search(j):
        return "applications"
    if _MARK_REVIEWS_RE.search(j):
        return "reviews_litigation"
    if _MARK_ACTIVE_RE.search(j):
        return "active_disclosure"
    return None


_EVENT_SKIP_TAGS = frozenset(("script", "style", "head", "noscript", "template"))


def _html_events(root) -> Iterable[tuple]:
    """Document-order events: ("text", str) and ("table", grid) for innermost tables.

    Texts: each element's text and the tail of every element below root (also after a skipped element, an
    innermost table, a comment); nothing inside script/style/head/noscript/template. One non-recursive
    lxml iterwalk (a recursive generator was a hot spot)."""
    if not isinstance(root.tag, str):
        return
    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, el in walker:
        if event == "start":
            tag = el.tag.lower() if isinstance(el.tag, str) else None
            if tag in _EVENT_SKIP_TAGS:
                walker.skip_subtree()
                continue
            if tag == "table" and next(el.iterdescendants("table"), None) is None:
                walker.skip_subtree()
                yield ("table", table_grid(el))
                continue
            if tag is not None:
                text = el.text  # read once: lxml decodes the node's text on every access
                if text:
                    yield ("text", text)
        elif el is not root:  # end of an element, or a comment / processing instruction
            tail = el.tail
            if tail:
                yield ("text", tail)


def html_section_rows(root) -> dict[str, list[tuple[int, list[Cell]]]]:
    """Table rows per section: (table number, cells)."""
    out: dict[str, list] = {}
    current = None
    tno = 0
    for kind, payload in _html_events(root):
        if kind == "text":
            if payload.isspace():  # (the usual text between tags: no heading in it)
                continue
            for line in payload.splitlines():
                sec, hit = heading_section(line)
                if hit:
                    current = sec
            continue
        tno += 1
        for cells in payload:
            texts = [c.text for c in cells]
            ntexts = [norm(t) for t in texts]
            if not any(ntexts):
                continue
            if len(texts) == 1 or (len(set(ntexts)) == 1 and not is_value(texts[0])):
                sec, hit = heading_section(texts[0])
                if hit:
                    current = sec
                    continue
            m = _row_marker(texts)
            if m and (current is None or m != current):
                # a strong marker switches section (a table can hold several sections)
                if current is None or _strong_switch(m, texts):
                    current = m
            if current:
                out.setdefault(current, []).append((tno, cells))
    return out


def _strong_switch(m: str, texts: list[str]) -> bool:
    j = norm("".join(texts))
    if m == "applications":
        return bool(_SWITCH_APPLICATIONS_RE.search(j))
    if m == "reviews_litigation":
        return bool(_SWITCH_REVIEWS_RE.search(j)) and not any(is_number(t) for t in texts)
    if m == "active_disclosure":
        return bool(_SWITCH_ACTIVE_RE.search(j))
    return False


