"""The statistics tables of the national annual-report template, as data, with their arithmetic checked.

Pure functions, no network. Sections 二 (主动公开政府信息情况), 三 (收到和处理政府信息公开申请情况) and
四 (政府信息公开行政复议、行政诉讼情况) of the template of 国办公开办函〔2019〕60号 ("2019") and of its
revision 国办公开办函〔2021〕30号 ("2021") are read from a page's HTML tables, by their labels (never by
fixed positions): rowspan/colspan are expanded, a table may be split over several ``<table>``s, empty
cells stay empty (``None``), placeholders (``—`` ``-`` ``/`` …) are empty too and recorded as given.

From flattened text (one cell per line, like the seeds) a table is parsed only where every row has
all its cells, so that the column of every number is certain; otherwise it is recorded in
``unparsed`` with the reason. Reports before 2019 (free text) give ``text_counts``: the counts stated
with clear labels (申请 received, 同意公开, 行政复议, 行政诉讼 …).

Every key, its Chinese label and the checks are documented in ``docs/statistics.md``.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable

from lxml import etree

from .text import is_traditional, looks_like_html, parse_html, to_simplified, tree_to_text

__all__ = [
    "Statistics",
    "parse_statistics",
    "long_rows",
    "APPLICATION_COLUMNS",
    "APPLICATION_ROWS",
    "ACTIVE_ROWS",
    "ACTIVE_COLUMNS",
    "REVIEW_GROUPS",
    "REVIEW_COLUMNS",
    "TABLES",
]

Number = int | float
TABLES = ("active_disclosure", "applications", "reviews_litigation")

# --------------------------------------------------------------------------- keys and labels
#: section 三 columns: (key, label), in the template's order
APPLICATION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("natural_person", "自然人"),
    ("commercial_enterprise", "商业企业"),
    ("research_institution", "科研机构"),
    ("public_interest_org", "社会公益组织"),
    ("legal_service_org", "法律服务机构"),
    ("other_org", "其他"),
    ("total", "总计"),
)
APP_COLS = tuple(k for k, _ in APPLICATION_COLUMNS)
APP_PERSON_COLS = APP_COLS[:-1]

#: section 三 rows: (dotted key, label, formats). Matching is by the patterns in ``_APP_ROW_PATTERNS``.
APPLICATION_ROWS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("new_received", "一、本年新收政府信息公开申请数量", ("2019", "2021")),
    ("carried_over", "二、上年结转政府信息公开申请数量", ("2019", "2021")),
    ("results.disclosed", "三、本年度办理结果 （一）予以公开", ("2019", "2021")),
    ("results.partially_disclosed", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ("2019", "2021")),
    ("results.not_disclosed.state_secret", "（三）不予公开 1.属于国家秘密", ("2019", "2021")),
    ("results.not_disclosed.prohibited_by_law", "（三）不予公开 2.其他法律行政法规禁止公开", ("2019", "2021")),
    ("results.not_disclosed.three_safety_one_stability", "（三）不予公开 3.危及“三安全一稳定”", ("2019", "2021")),
    ("results.not_disclosed.third_party_rights", "（三）不予公开 4.保护第三方合法权益", ("2019", "2021")),
    ("results.not_disclosed.internal_affairs", "（三）不予公开 5.属于三类内部事务信息", ("2019", "2021")),
    ("results.not_disclosed.process_info", "（三）不予公开 6.属于四类过程性信息", ("2019", "2021")),
    ("results.not_disclosed.law_enforcement_files", "（三）不予公开 7.属于行政执法案卷", ("2019", "2021")),
    ("results.not_disclosed.query_items", "（三）不予公开 8.属于行政查询事项", ("2019", "2021")),
    ("results.unable_to_provide.not_held", "（四）无法提供 1.本机关不掌握相关政府信息", ("2019", "2021")),
    ("results.unable_to_provide.need_creation", "（四）无法提供 2.没有现成信息需要另行制作", ("2019", "2021")),
    ("results.unable_to_provide.unclear_after_correction", "（四）无法提供 3.补正后申请内容仍不明确", ("2019", "2021")),
    ("results.not_processed.petition_complaint", "（五）不予处理 1.信访举报投诉类申请", ("2019", "2021")),
    ("results.not_processed.repeated", "（五）不予处理 2.重复申请", ("2019", "2021")),
    ("results.not_processed.publications", "（五）不予处理 3.要求提供公开出版物", ("2019", "2021")),
    ("results.not_processed.massive_repeated", "（五）不予处理 4.无正当理由大量反复申请", ("2019", "2021")),
    ("results.not_processed.confirm_or_reissue", "（五）不予处理 5.要求行政机关确认或重新出具已获取信息", ("2019", "2021")),
    ("results.other", "（六）其他处理", ("2019",)),
    ("results.other.overdue_correction",
     "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", ("2021",)),
    ("results.other.overdue_fee",
     "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", ("2021",)),
    ("results.other.other", "（六）其他处理 3.其他", ("2021",)),
    ("total_handled", "（七）总计", ("2019", "2021")),
    ("carried_forward", "四、结转下年度继续办理", ("2019", "2021")),
)


def application_rows(fmt: str) -> list[str]:
    """The dotted row keys of section 三 in a format, top to bottom."""
    return [k for k, _, fmts in APPLICATION_ROWS if fmt in fmts]


# leaf-label patterns (on the normalized label): order matters, the specific ones first
_APP_ROW_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"本年新收", "new_received"),
    (r"上年结转", "carried_over"),
    (r"结转下年", "carried_forward"),
    (r"国家秘密", "results.not_disclosed.state_secret"),
    (r"法律行政法规禁止|法律法规禁止", "results.not_disclosed.prohibited_by_law"),
    (r"三安全一稳定", "results.not_disclosed.three_safety_one_stability"),
    (r"第三方合法权益", "results.not_disclosed.third_party_rights"),
    (r"内部事务", "results.not_disclosed.internal_affairs"),
    (r"过程性信息", "results.not_disclosed.process_info"),
    (r"行政执法案卷", "results.not_disclosed.law_enforcement_files"),
    (r"行政查询", "results.not_disclosed.query_items"),
    (r"不掌握", "results.unable_to_provide.not_held"),
    (r"另行制作", "results.unable_to_provide.need_creation"),
    (r"补正后.*不明确", "results.unable_to_provide.unclear_after_correction"),
    (r"信访|举报投诉", "results.not_processed.petition_complaint"),
    (r"大量反复", "results.not_processed.massive_repeated"),
    (r"重复申请", "results.not_processed.repeated"),
    (r"公开出版物", "results.not_processed.publications"),
    (r"重新出具|确认.*已获取", "results.not_processed.confirm_or_reissue"),
    (r"逾期不补正|不补正", "results.other.overdue_correction"),
    (r"收费通知|缴纳费用|信息处理费", "results.other.overdue_fee"),
    (r"部分公开", "results.partially_disclosed"),
    (r"(?<!不)予以公开", "results.disclosed"),
    (r"其他处理", "@other"),            # 2019 row with values, or the 2021 group
    (r"^总计$|^合计$|^\(七\)", "total_handled"),
    (r"本年度办理结果", "@results"),
    (r"不予公开", "@not_disclosed"),
    (r"无法提供", "@unable_to_provide"),
    (r"不予处理", "@not_processed"),
)

#: section 二: sub-table -> rows (key, label) and columns per format
ACTIVE_ROWS: tuple[tuple[str, str, str], ...] = (
    # (key, label, 第二十条 item)
    ("rules", "规章", "（一）"),
    ("normative_documents", "规范性文件（2021：行政规范性文件）", "（一）"),
    ("licensing", "行政许可", "（五）"),
    ("other_services", "其他对外管理服务事项（2019）", "（五）"),
    ("punishment", "行政处罚", "（六）"),
    ("enforcement", "行政强制", "（六）"),
    ("fees", "行政事业性收费", "（八）"),
    ("procurement", "政府集中采购（2019）", "（九）"),
)
_ACTIVE_ROW_PATTERNS = (
    (r"其他对外管理服务", "other_services"),
    (r"规范性文件", "normative_documents"),
    (r"规章", "rules"),
    (r"行政许可", "licensing"),
    (r"行政处罚", "punishment"),
    (r"行政强制", "enforcement"),
    (r"行政事业性收费|事业性收费", "fees"),
    (r"政府集中采购|集中采购", "procurement"),
)
#: section 二 columns: (key, label, format)
ACTIVE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("new_made", "本年新制作数量", "2019"),
    ("new_published", "本年新公开数量", "2019"),
    ("total_published", "对外公开总数量", "2019"),
    ("prev_count", "上一年项目数量", "2019"),
    ("change", "本年增/减", "2019"),
    ("decisions", "处理决定数量（2021：本年处理决定数量）", "2019/2021"),
    ("items", "采购项目数量", "2019"),
    ("amount", "采购总金额（2019，政府集中采购）/ 本年收费金额（单位：万元）（2021，行政事业性收费）", "2019/2021"),
    ("issued", "本年制发件数", "2021"),
    ("repealed", "本年废止件数", "2021"),
    ("in_force", "现行有效件数", "2021"),
)
_ACTIVE_COL_PATTERNS = (
    (r"本年新制作", "new_made", "2019"),
    (r"本年新公开", "new_published", "2019"),
    (r"对外公开总", "total_published", "2019"),
    (r"上一?年项目", "prev_count", "2019"),
    (r"增/?减", "change", "2019"),
    (r"本年处理决定", "decisions", "2021"),
    (r"处理决定", "decisions", "2019"),
    (r"采购项目", "items", "2019"),
    (r"采购总?金额", "amount", "2019"),
    (r"本年制发", "issued", "2021"),
    (r"本年废止", "repealed", "2021"),
    (r"现行有效", "in_force", "2021"),
    (r"收费金额", "amount", "2021"),
)
#: the template's sub-tables of section 二: 第二十条 item -> (row keys, column keys), per format
ACTIVE_TEMPLATE = {
    "2019": {"（一）": (("rules", "normative_documents"), ("new_made", "new_published", "total_published")),
             "（五）": (("licensing", "other_services"), ("prev_count", "change", "decisions")),
             "（六）": (("punishment", "enforcement"), ("prev_count", "change", "decisions")),
             "（八）": (("fees",), ("prev_count", "change")),
             "（九）": (("procurement",), ("items", "amount"))},
    "2021": {"（一）": (("rules", "normative_documents"), ("issued", "repealed", "in_force")),
             "（五）": (("licensing",), ("decisions",)),
             "（六）": (("punishment", "enforcement"), ("decisions",)),
             "（八）": (("fees",), ("amount",))},
}

#: section 四
REVIEW_GROUPS: tuple[tuple[str, str], ...] = (
    ("review", "行政复议"), ("litigation_direct", "行政诉讼 未经复议直接起诉"),
    ("litigation_after_review", "行政诉讼 复议后起诉"))
REVIEW_COLUMNS: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"), ("pending", "尚未审结"), ("total", "总计"))
_REVIEW_COL_PATTERNS = ((r"维持", "upheld"), (r"纠正", "corrected"), (r"其他结果", "other"), (r"尚未审结|未审结", "pending"),
                        (r"总计|合计", "total"))
REVIEW_ORDER = [(g, c) for g, _ in REVIEW_GROUPS for c, _ in REVIEW_COLUMNS]

# --------------------------------------------------------------------------- result


@dataclass
class Statistics:
    format: str = "unknown"                      # "2019" | "2021" | "text" | "unknown"
    source: str = "html"                         # "html" | "text"
    tables: dict[str, dict] = field(default_factory=dict)
    unparsed: dict[str, str] = field(default_factory=dict)
    checks: list[dict] = field(default_factory=list)   # violations only
    text_counts: dict[str, int] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)   # table -> remarks (missing rows, duplicates…)
    raw: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> "row.path.column" -> cell as printed
    sources: dict[str, str] = field(default_factory=dict)        # table -> "html" | "text"
    checks_run: int = 0

    @property
    def consistency_ok(self) -> bool | None:
        """No arithmetic error (sums, and the 勾稽 balance of the 总计 column); None when nothing was checked.

        Warnings do not count: the 勾稽 balance of a single applicant column (every sum and the 总计 column
        hold, applications moved between applicant kinds, as in seed 000), and a check whose total cell the
        page left empty (an omission, not a contradiction between printed numbers)."""
        if not self.tables or not self.checks_run:
            return None
        return not any(c.get("severity", "error") == "error" for c in self.checks)

    @property
    def strictly_consistent(self) -> bool | None:
        """No violation at all, warnings included."""
        if not self.tables or not self.checks_run:
            return None
        return not self.checks

    def to_dict(self) -> dict:
        return {
            "format": self.format,
            "source": self.source,
            "applications": self.tables.get("applications"),
            "active_disclosure": self.tables.get("active_disclosure"),
            "reviews_litigation": self.tables.get("reviews_litigation"),
            "unparsed": dict(self.unparsed),
            "checks": list(self.checks),
            "checks_run": self.checks_run,
            "consistency_ok": self.consistency_ok,
            "strictly_consistent": self.strictly_consistent,
            "text_counts": dict(self.text_counts),
            "notes": {k: list(v) for k, v in self.notes.items()},
            "raw": {k: dict(v) for k, v in self.raw.items()},
            "sources": dict(self.sources),
        }

    def note(self, table: str, msg: str) -> None:
        self.notes.setdefault(table, []).append(msg)


# --------------------------------------------------------------------------- normalization and values
_WS_RE = re.compile(r"\s+")
_PLACEHOLDERS = {"", "-", "--", "—", "——", "–", "―", "─", "/", "\\", "／", "_", "无", "空", "×", "x", "X", "…", "...",
                 "-/-", "—/—"}
_VALUE_RE = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(项|件|个|条|次|人次|宗|万元|元|亿元|万)?$")
_PLAIN_INT_RE = re.compile(r"-?\d+")
_NUMBERING_RE = re.compile(r"^(?:[(（]?[一二三四五六七八九十]+[)）、.．]|[(（]?\d+[)）、.．])+")


def _memoise_short(fn):
    """fn(s), memoised for short strings (fn pure, its result immutable): cell texts and labels are tested
    many times over and recur on every report; long texts (paragraphs) are not kept, to bound the memory."""
    cached = functools.lru_cache(maxsize=8192)(fn)

    @functools.wraps(fn)
    def memoised(s):
        return cached(s) if s is None or len(s) <= 100 else fn(s)

    memoised.cache_clear = cached.cache_clear
    return memoised


@_memoise_short
def norm(s: str | None) -> str:
    """NFKC (full-width digits, brackets and spaces to ASCII), all whitespace removed."""
    if not s:
        return ""
    s = unicodedata.normalize("NFKC", s)
    return _WS_RE.sub("", s)


def is_placeholder(s: str) -> bool:
    return norm(s) in _PLACEHOLDERS


@_memoise_short
def is_value(s: str) -> bool:
    t = norm(s)
    return t in _PLACEHOLDERS or bool(_VALUE_RE.match(t))


@_memoise_short
def is_number(s: str) -> bool:
    return bool(_VALUE_RE.match(norm(s)))


@_memoise_short
def parse_value(s: str) -> tuple[Number | None, bool]:
    """(value, exact): value None for empty cells and placeholders; exact False when the printed text is
    not a plain integer (a placeholder, a unit, a thousands separator, text) and should be kept as given."""
    t = norm(s)
    if t == "":
        return None, True
    m = _VALUE_RE.match(t)
    if not m:
        return None, False
    sign, digits, frac, unit = m.groups()
    digits = digits.replace(",", "")
    v: Number = float(digits + frac) if frac else int(digits)
    if sign == "-":
        v = -v
    return v, bool(_PLAIN_INT_RE.fullmatch((s or "").strip()))


def strip_numbering(label: str) -> str:
    return _NUMBERING_RE.sub("", label)


_COMPILED_PATTERNS: dict[int, tuple] = {}
_MEMO_SIZE = 4096


def _compiled(patterns) -> tuple:
    """(patterns, ((compiled regex, key), ...), {label: key}) of a pattern table: compiled once, with the
    results memoised (the template's labels recur on every report). Tables are module constants, found by id
    (the identity check guards against a reused id)."""
    found = _COMPILED_PATTERNS.get(id(patterns))
    if found is None or found[0] is not patterns:
        found = (patterns, tuple((re.compile(pat), key) for pat, key, *_ in patterns), {})
        _COMPILED_PATTERNS[id(patterns)] = found
    return found


def _match(patterns, label: str) -> str | None:
    _, compiled, memo = _compiled(patterns)
    if label in memo:
        return memo[label]
    key = next((key for rx, key in compiled if rx.search(label)), None)
    if len(memo) < _MEMO_SIZE and len(label) <= 100:  # (labels are short; a long text is not kept)
        memo[label] = key
    return key


def _set(d: dict, dotted: str, value) -> None:
    parts = dotted.split(".")
    for p in parts[:-1]:
        nxt = d.setdefault(p, {})
        d = nxt
    d[parts[-1]] = value


def _get(d: dict, dotted: str):
    for p in dotted.split("."):
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


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


def table_grid(table) -> list[list[Cell]]:
    """The table's rows with rowspan/colspan expanded (covered positions carry a copy of the text)."""
    if next(table.iterdescendants("table"), None) is None:  # no nested table: every row is the table's own
        rows = list(table.iter("tr"))
    else:
        rows = [tr for tr in table.iter("tr") if _own_table(tr) is table]
    grid: list[list[Cell]] = []
    pending: dict[int, tuple[int, Cell]] = {}  # column -> (rows left, cell)
    for tr in rows:
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
            for j in range(cs):
                c = Cell(text, j == 0)
                row.append(c)
                if rs > 1:
                    pending[col] = (rs - 1, Cell(text, False))
                col += 1
        if col in pending:
            fill_pending()
        # spans from above that continue beyond this row's own cells
        for cidx in sorted(k for k in pending if k >= col):
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
        grid.append(row)
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


def _heading_section(line: str):
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


def _html_section_rows(root) -> dict[str, list[tuple[int, list[Cell]]]]:
    """Table rows per section: (table number, cells)."""
    out: dict[str, list] = {}
    current = None
    tno = 0
    for kind, payload in _html_events(root):
        if kind == "text":
            if payload.isspace():  # (the usual text between tags: no heading in it)
                continue
            for line in payload.splitlines():
                sec, hit = _heading_section(line)
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
                sec, hit = _heading_section(texts[0])
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


# --------------------------------------------------------------------------- section 三 (applications)
class _AppBuilder:
    def __init__(self, stats: Statistics, source: str):
        self.stats = stats
        self.source = source
        self.table: dict = {}
        self.raw: dict[str, str] = {}
        self.group: str | None = None
        self.seen: list[str] = []

    def classify(self, leaf: str, full: str, has_values: bool) -> str | None:
        """Row key, a group ("@…"), or None."""
        leaf_n, full_n = norm(leaf), norm(full)
        key = _match(_APP_ROW_PATTERNS, leaf_n)
        bare = strip_numbering(leaf_n)
        if key is None and bare in ("其他", "其它") and (self.group == "other" or "其他处理" in full_n):
            return "results.other.other"
        if key is None:
            return None
        if key == "@other":
            return "results.other" if has_values else "@other"
        if key == "total_handled" and not re.search(r"^\(七\)|^总计$|^合计$|^七[、.]", leaf_n):
            return None
        return key

    def add(self, key: str, values: dict[str, tuple[str, bool]], label: str) -> None:
        """values: column -> (printed text, origin)."""
        if key.startswith("@"):
            self.group = key[1:]
            return
        if key.startswith("results.not_disclosed."):
            self.group = "not_disclosed"
        elif key.startswith("results.unable_to_provide."):
            self.group = "unable_to_provide"
        elif key.startswith("results.not_processed."):
            self.group = "not_processed"
        elif key.startswith("results.other"):
            self.group = "other"
        if key.startswith("results.other.") and isinstance(_get(self.table, "results.other"), dict) \
                and any(c in self.table["results"]["other"] for c in APP_COLS):
            # a 其他处理 row parsed as a leaf turns out to head the 2021 sub-rows
            prev = self.table["results"].pop("other")
            if any(v is not None for v in prev.values()):
                self.stats.note("applications", "（六）其他处理 has its own values besides its sub-rows: kept as results.other.subtotal")
                _set(self.table, "results.other.subtotal", prev)
        if key in self.seen:
            self.stats.note("applications", f"row {key} appears twice ({label!r}); the first one is kept")
            return
        if key == "results.other" and isinstance(_get(self.table, "results.other"), dict) \
                and not any(c in self.table["results"]["other"] for c in APP_COLS):
            self.stats.note("applications", "（六）其他处理 row after its sub-rows: kept as results.other.subtotal")
            key = "results.other.subtotal"
        self.seen.append(key)
        row: dict[str, Number | None] = {}
        for col in APP_COLS:
            text, origin = values.get(col, ("", True))
            if not origin:
                row[col] = None
                self.raw[f"{key}.{col}"] = f"(spanned) {text}"
                continue
            v, exact = parse_value(text)
            row[col] = v
            if not exact:
                self.raw[f"{key}.{col}"] = text
        _set(self.table, key, row)

    def finish(self) -> None:
        if not self.seen:
            return
        fmt = app_format(self.table)
        expected = application_rows(fmt if fmt != "unknown" else "2019")
        if fmt == "unknown":
            expected = [k for k in expected if k != "results.other"]
        missing = [k for k in expected if k not in self.seen]
        if missing:
            self.stats.note("applications", "rows not found: " + ", ".join(missing))
        self.stats.tables["applications"] = self.table
        self.stats.sources["applications"] = self.source
        if self.raw:
            self.stats.raw["applications"] = self.raw


def app_format(app: dict) -> str:
    other = _get(app, "results.other")
    if isinstance(other, dict):
        if any(k in other for k in ("overdue_correction", "overdue_fee", "other")):
            return "2021"
        if any(k in other for k in APP_COLS):
            return "2019"
    return "unknown"


_APPLICATION_COLUMN_LABELS = frozenset(lab for _, lab in APPLICATION_COLUMNS)


def _parse_applications_html(rows, stats: Statistics) -> None:
    b = _AppBuilder(stats, "html")
    col_map: dict[str, int] = {}
    header_table, header_width = None, None
    problems: list[str] = []
    for tno, cells in rows:
        texts = [c.text for c in cells]
        ntexts = [norm(t) for t in texts]
        has_num = any(is_number(t) for t in texts)
        if not has_num and any(t in _APPLICATION_COLUMN_LABELS for t in ntexts):
            for i, (c, t) in enumerate(zip(cells, ntexts)):
                if not c.origin:
                    continue
                for key, lab in APPLICATION_COLUMNS:
                    if t == lab and key not in col_map:
                        col_map[key] = i
            header_table, header_width = tno, len(cells)
            continue
        # label cells and value cells
        if len(col_map) == len(APP_COLS) and (tno == header_table or len(cells) == header_width):
            first_val = min(col_map.values())
            label_cells = cells[:first_val]
            values = {k: ((cells[i].text, cells[i].origin) if i < len(cells) else ("", True)) for k, i in col_map.items()}
            n_vals_ok = True
        else:
            k = len(cells)
            while k > 0 and is_value(cells[k - 1].text) and (cells[k - 1].origin or not cells[k - 1].text):
                k -= 1
            label_cells, value_cells = cells[:k], cells[k:]
            while len(value_cells) > len(APP_COLS) and not norm(value_cells[0].text):
                label_cells, value_cells = label_cells + value_cells[:1], value_cells[1:]  # an empty label cell
            n_vals_ok = len(value_cells) == len(APP_COLS)
            values = {col: (c.text, c.origin) for col, c in zip(APP_COLS, value_cells)} if n_vals_ok else {}
        leaf = next((c.text for c in reversed(label_cells) if norm(c.text)), "")
        full = " ".join(dict.fromkeys(c.text for c in label_cells if norm(c.text)))
        if not leaf:
            continue
        key = b.classify(leaf, full, bool(values))  # a row with value cells, even empty ones
        if key is None:
            continue
        if not key.startswith("@") and not n_vals_ok:
            problems.append(f"row {leaf!r}: {len(cells) - len(label_cells)} value cells, 7 expected, and no column "
                            f"header to align them with")
            continue
        b.add(key, values, leaf)
    if problems and not b.seen:
        stats.unparsed["applications"] = "; ".join(problems[:3])
        return
    for p in problems:
        stats.note("applications", p)
    if not b.seen:
        if col_map:
            stats.unparsed["applications"] = "column header found but no row of the template recognized"
        return
    b.finish()


# --------------------------------------------------------------------------- section 二 (active disclosure)
_ITEM_RE = re.compile(r"第二十条第?\(?([一二三四五六七八九十]+)\)?项")


def _item_of(t: str) -> str | None:
    m = _ITEM_RE.search(norm(t))
    return f"（{m.group(1)}）" if m else None


class _ActiveBuilder:
    def __init__(self, stats: Statistics, source: str):
        self.stats, self.source = stats, source
        self.table: dict = {}
        self.raw: dict[str, str] = {}
        self.formats: set[str] = set()
        self.unparsed: dict[str, str] = {}

    def add(self, row_key: str, cols: list[str], texts: list[tuple[str, bool]]):
        if row_key in self.table:
            self.stats.note("active_disclosure", f"row {row_key} appears twice; the first one is kept")
            return
        row: dict[str, Number | None] = {}
        for col, (text, origin) in zip(cols, texts):
            if not origin:
                row[col] = None
                self.raw[f"{row_key}.{col}"] = f"(spanned) {text}"
                continue
            v, exact = parse_value(text)
            row[col] = v
            if not exact:
                self.raw[f"{row_key}.{col}"] = text
        self.table[row_key] = row

    def finish(self):
        for k, v in self.unparsed.items():
            self.stats.unparsed[f"active_disclosure.{k}"] = v
        if self.table:
            self.stats.tables["active_disclosure"] = self.table
            self.stats.sources["active_disclosure"] = self.source
            if self.raw:
                self.stats.raw["active_disclosure"] = self.raw
            fmt = self.format()
            if fmt in ACTIVE_TEMPLATE:
                expected = [r for rows, _ in ACTIVE_TEMPLATE[fmt].values() for r in rows]
                missing = [r for r in expected if r not in self.table and r not in self.unparsed]
                if missing:
                    self.stats.note("active_disclosure", "rows not found: " + ", ".join(missing))
        elif self.unparsed and "active_disclosure" not in self.stats.unparsed:
            self.stats.unparsed["active_disclosure"] = "no row parsed: " + "; ".join(
                f"{k}: {v}" for k, v in self.unparsed.items())

    def format(self) -> str:
        if self.formats == {"2019"}:
            return "2019"
        if self.formats == {"2021"}:
            return "2021"
        return "unknown"


def _active_header(texts: list[str]) -> list[tuple[int, str, str]] | None:
    """[(index, column key, format)] when the row is a 信息内容 header."""
    if not any(norm(t) == "信息内容" or norm(t).startswith("信息内容") for t in texts):
        return None
    out = []
    for i, t in enumerate(texts):
        n = norm(t)
        for pat, key, fmt in _ACTIVE_COL_PATTERNS:
            if re.search(pat, n):
                out.append((i, key, fmt))
                break
    return out


def _parse_active_html(rows, stats: Statistics) -> str:
    b = _ActiveBuilder(stats, "html")
    header: list[tuple[int, str, str]] | None = None
    htable, hwidth = None, None
    for tno, cells in rows:
        texts = [c.text for c in cells]
        if any(_item_of(t) for t in texts) and not any(is_number(t) for t in texts):
            header = None
            continue
        h = _active_header(texts)
        if h is not None:
            # keep only the origin cell of each column label
            seen, hh = set(), []
            for i, key, fmt in h:
                if cells[i].origin and key not in seen:
                    seen.add(key)
                    hh.append((i, key, fmt))
            header, htable, hwidth = hh, tno, len(cells)
            b.formats.update(f for _, _, f in hh)
            continue
        label = next((c.text for c in cells if norm(c.text) and not is_value(c.text)), "")
        key = _match(_ACTIVE_ROW_PATTERNS, norm(label)) if len(norm(label)) <= 16 else None
        if key is None:
            continue
        if not header:
            b.unparsed[key] = "no 信息内容 header row above it"
            continue
        if tno == htable or len(cells) == hwidth:
            vals = [((cells[i].text, cells[i].origin) if i < len(cells) else ("", True)) for i, _, _ in header]
        else:
            li = next(i for i, c in enumerate(cells) if c.text == label)
            rest = [c for c in cells[li + 1:] if c.origin]
            if len(rest) != len(header):
                b.unparsed[key] = f"{len(rest)} value cells for {len(header)} columns in a table without its header"
                continue
            vals = [(c.text, c.origin) for c in rest]
        b.add(key, [k for _, k, _ in header], vals)
    b.finish()
    return b.format()


# --------------------------------------------------------------------------- section 四 (reviews and litigation)
def _review_group_of(t: str) -> str | None:
    n = norm(t)
    if "复议后起诉" in n:
        return "litigation_after_review"
    if "未经复议" in n or "直接起诉" in n:
        return "litigation_direct"
    if "行政复议" in n:
        return "review"
    if "行政诉讼" in n:
        return "@litigation"
    return None


def _review_columns(header_rows: list[list[Cell]]) -> dict[int, tuple[str, str]] | None:
    """Grid column -> (group, column key), from the header rows' labels."""
    width = max(len(r) for r in header_rows)
    marks: dict[int, set[str]] = {}
    leaves: dict[int, str] = {}
    for row in header_rows:
        carry = None  # a group label covers the cells to its right until the next group label
        for i in range(width):
            t = row[i].text if i < len(row) else ""
            g = _review_group_of(t)
            if g:
                carry = g
            if carry:
                marks.setdefault(i, set()).add(carry)
            leaf = _match(_REVIEW_COL_PATTERNS, norm(t))
            if leaf:
                leaves[i] = leaf
    groups: dict[int, str] = {}
    for i, m in marks.items():
        for g in ("litigation_after_review", "litigation_direct", "review"):
            if g in m:
                groups[i] = g
                break
    cols = {i: (groups.get(i), leaves[i]) for i in sorted(leaves)}
    pairs = list(cols.values())
    if len(pairs) == 15 and set(pairs) == set(REVIEW_ORDER):
        return cols
    # the template's order, when the header lists the five results three times in that order
    if len(pairs) == 15 and [c for _, c in pairs] == [c for _, c in REVIEW_ORDER]:
        return {i: REVIEW_ORDER[n] for n, i in enumerate(sorted(cols))}
    return None


def _put_reviews(stats: Statistics, values: dict[tuple[str, str], tuple[str, bool]], source: str) -> None:
    table: dict = {}
    raw: dict[str, str] = {}
    for g, c in REVIEW_ORDER:
        text, origin = values.get((g, c), ("", True))
        if not origin:
            table.setdefault(g, {})[c] = None
            raw[f"{g}.{c}"] = f"(spanned) {text}"
            continue
        v, exact = parse_value(text)
        table.setdefault(g, {})[c] = v
        if not exact:
            raw[f"{g}.{c}"] = text
    stats.tables["reviews_litigation"] = table
    stats.sources["reviews_litigation"] = source
    if raw:
        stats.raw["reviews_litigation"] = raw


def _parse_reviews_html(rows, stats: Statistics) -> None:
    header_rows: list[list[Cell]] = []
    header_table = None
    has_leaf = False
    for tno, cells in rows:
        texts = [c.text for c in cells]
        if not header_rows and not any(norm(t) for t in texts):
            continue
        data = all(is_value(t) for t in texts) and (any(is_number(t) for t in texts) or has_leaf)
        if not data:
            if header_rows and header_table != tno and not any(_match(_REVIEW_COL_PATTERNS, norm(t)) for t in texts) \
                    and not any(_review_group_of(t) for t in texts):
                continue
            header_rows.append(cells)
            header_table = tno
            has_leaf = has_leaf or any(_match(_REVIEW_COL_PATTERNS, norm(t)) for t in texts)
            continue
        if not has_leaf:
            return  # numbers, but not the template's table
        cols = _review_columns(header_rows)
        if cols is None:
            stats.unparsed["reviews_litigation"] = "header does not name the 15 columns of the template"
            return
        width = max(len(r) for r in header_rows)
        if len(cells) == width or tno == header_table:
            values = {gc: ((cells[i].text, cells[i].origin) if i < len(cells) else ("", True)) for i, gc in cols.items()}
        else:
            vcells = [c for c in cells if is_value(c.text)]
            if len(vcells) != 15:
                stats.unparsed["reviews_litigation"] = f"{len(vcells)} value cells for 15 columns"
                return
            values = {gc: (c.text, c.origin) for gc, c in zip(REVIEW_ORDER, vcells)}
        _put_reviews(stats, values, "html")
        return
    if has_leaf:
        stats.unparsed["reviews_litigation"] = "header found but no row of numbers"


# --------------------------------------------------------------------------- flattened text
def _section_lines(lines: list[str]) -> dict[str, list[str]]:
    """Lines of sections 二, 三, 四 (between their headings); blank lines dropped."""
    out: dict[str, list[str]] = {}
    heads = []
    for i, l in enumerate(lines):
        sec, hit = _heading_section(l)
        if hit:
            heads.append((i, sec))
    # a section heading must be followed by template labels: keep the last heading of each section that is
    for n, (i, sec) in enumerate(heads):
        if sec is None:
            continue
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        body = [l.strip() for l in lines[i + 1:end] if l.strip()]
        if _looks_like_section(sec, body):
            out[sec] = body
    return out


def _looks_like_section(sec: str, body: list[str]) -> bool:
    j = norm("".join(body[:60]))
    if sec == "applications":
        return "本年新收" in j and ("自然人" in j or "申请人情况" in j)
    if sec == "reviews_litigation":
        return "结果维持" in j and "尚未审结" in j
    return "第二十条" in j and "信息内容" in j


def _runs(body: list[str]) -> list[tuple[list[str], list[str]]]:
    """[(label lines, value lines)]: consecutive label lines, then the value lines that follow them."""
    out: list[tuple[list[str], list[str]]] = []
    labels: list[str] = []
    values: list[str] = []
    for l in body:
        if is_value(l) and norm(l) != "":
            values.append(l)
        else:
            if values:
                out.append((labels, values))
                labels, values = [], []
            labels.append(l)
    out.append((labels, values))
    return out


def _parse_applications_text(body: list[str], stats: Statistics) -> None:
    b = _AppBuilder(stats, "text")
    head = norm("".join(body[:40]))
    missing_cols = [lab for _, lab in APPLICATION_COLUMNS if lab not in head]
    if missing_cols:
        stats.unparsed["applications"] = "flattened text: column labels not found: " + "、".join(missing_cols)
        return
    problems = []
    parsed: list[tuple[str, list[str], str]] = []
    started = False
    for labels, values in _runs(body):
        # the data row's label is the last label line; earlier ones are groups (or the header, before the first row)
        for n, lab in enumerate(labels):
            last = n == len(labels) - 1
            full = " ".join(labels[: n + 1])
            key = b.classify(lab, full, last and bool(values))
            if key is None:
                continue
            if key == "new_received":
                started = True
            if not started:
                continue
            if key.startswith("@"):
                b.group = key[1:]
                continue
            vals = values if last else []
            if len(vals) != len(APP_COLS):
                problems.append(f"{strip_numbering(norm(lab))[:20]}: {len(vals)} of 7 cells")
                continue
            if key.startswith("results.") and key.count(".") == 2:
                b.group = key.split(".")[1]
            parsed.append((key, vals, lab))
    if problems:
        stats.unparsed["applications"] = ("flattened text: a row lacks cells (blank cells dropped), so the column of "
                                          "its numbers is uncertain: " + "; ".join(problems[:4])
                                          + (f"; … {len(problems)} rows in all" if len(problems) > 4 else ""))
        return
    if not parsed:
        stats.unparsed["applications"] = "flattened text: no row of the template found"
        return
    for key, vals, lab in parsed:
        b.add(key, {c: (v, True) for c, v in zip(APP_COLS, vals)}, lab)
    b.finish()


def _parse_active_text(body: list[str], stats: Statistics) -> str:
    b = _ActiveBuilder(stats, "text")
    cols: list[tuple[str, str]] | None = None
    in_header = False
    item = None
    for labels, values in _runs(body):
        for n, lab in enumerate(labels):
            last = n == len(labels) - 1
            t = norm(lab)
            it = _item_of(lab)
            if it:
                item, cols, in_header = it, None, False
                continue
            if t.startswith("信息内容"):
                cols, in_header = [], True
                continue
            row_key = _match(_ACTIVE_ROW_PATTERNS, t) if len(t) <= 16 else None
            if in_header and row_key is None:
                ck = next(((k, f) for p, k, f in _ACTIVE_COL_PATTERNS if re.search(p, t)), None)
                if ck:
                    cols.append(ck)
                    continue
            if row_key is None:
                continue
            in_header = False
            vals = values if last else []
            if not cols:
                b.unparsed[row_key] = "flattened text: no 信息内容 header above the row"
                continue
            if len(vals) != len(cols):
                b.unparsed[row_key] = (f"flattened text: {len(vals)} cells for {len(cols)} columns "
                                       f"({'、'.join(k for k, _ in cols)}): the column of each number is uncertain")
                continue
            b.formats.update(f for _, f in cols)
            b.add(row_key, [k for k, _ in cols], [(v, True) for v in vals])
    b.finish()
    return b.format()


def _parse_reviews_text(body: list[str], stats: Statistics) -> None:
    runs = _runs(body)
    head = norm("".join(runs[0][0])) if runs else ""
    groups_ok = "行政复议" in head and "未经复议" in head and "复议后起诉" in head
    vals = runs[0][1] if runs else []
    if not groups_ok:
        stats.unparsed["reviews_litigation"] = "flattened text: the header does not name the three groups"
        return
    if len(vals) != 15:
        stats.unparsed["reviews_litigation"] = (f"flattened text: {len(vals)} of the 15 cells present (blank cells "
                                                "dropped), so the column of each number is uncertain")
        return
    _put_reviews(stats, {gc: (v, True) for gc, v in zip(REVIEW_ORDER, vals)}, "text")


# --------------------------------------------------------------------------- pre-2019 free text
_NUM = r"(\d[\d,]*)"
_TEXT_COUNT_PATTERNS: tuple[tuple[str, str], ...] = (
    ("received", r"(?:收到|受理|接收|接到)(?:各类|公民、法人或者?其他组织)?(?:的)?(?:政府信息公开|信息公开|依申请公开(?:政府信息)?)"
                 r"(?:的)?申请(?:共计|总计|合计|共|总数)?(?:为|达)?" + _NUM + r"(?:件|份|条|宗|人次)"),
    ("received", r"(?:收到|受理)(?:依申请公开|政府信息公开申请)(?:共计|共)?" + _NUM + r"(?:件|份)"),
    ("answered", r"(?:共|累计)?(?:答复|办结|办理)(?:依申请(?:信息)?公开|政府信息公开申请|申请)(?:共计|共)?" + _NUM + r"件"),
    ("already_public", r"已(?:经)?主动公开(?:范围数|范围|的)?(?:为|共)?" + _NUM + r"件"),
    ("disclosed", r"(?<!不)(?<!部分)同意公开(?:答复数|答复|的)?(?:为|共)?" + _NUM + r"件"),
    ("partially_disclosed", r"(?<!不)部分公开(?:答复数|的)?(?:为|共)?" + _NUM + r"件"),
    ("not_disclosed", r"不(?:同意|予)公开(?:答复数|答复|的)?(?:共有|为|共)?" + _NUM + r"件"),
    ("not_own_agency", r"不属于本(?:行政)?机关(?:公开|掌握)?(?:范围)?(?:数|的)?(?:为|共)?" + _NUM + r"件"),
    ("not_exist", r"(?:申请)?信息不存在(?:数|的)?(?:为|共)?" + _NUM + r"件"),
    ("reviews", r"行政复议(?:案件|申请)?(?:共计|共|总计)?" + _NUM + r"(?:件|起|宗)"),
    ("lawsuits", r"行政诉讼(?:案件)?(?:共计|共|总计)?" + _NUM + r"(?:件|起|宗)"),
)
_TEXT_ZERO_PATTERNS = (
    ("reviews", r"(?:没有|未|无)(?:发生|收到)?(?:因政府信息公开(?:申请)?(?:而)?)?(?:申请|提起|引发|引起)?(?:的)?行政复议"),
    ("lawsuits", r"(?:没有|未|无)(?:发生|收到)?(?:因政府信息公开(?:申请)?(?:而)?)?(?:提起|引发|引起)?(?:的)?行政诉讼"),
)


def text_counts(text: str) -> dict[str, int]:
    """Counts stated with clear labels in free text (pre-2019 reports): the first statement of each."""
    t = unicodedata.normalize("NFKC", text)
    t = re.sub(r"[ \t\u3000]+", "", t)
    found: dict[str, tuple[int, int]] = {}
    for key, pat in _TEXT_COUNT_PATTERNS:
        for m in re.finditer(pat, t):
            if key in found and found[key][0] <= m.start():
                break
            # "约150件" is not a clear count
            if t[max(0, m.start(1) - 1):m.start(1)] in ("约", "近", "余"):
                continue
            found[key] = (m.start(), int(m.group(1).replace(",", "")))
            break
    for key, pat in _TEXT_ZERO_PATTERNS:
        m = re.search(pat, t)
        if m and key not in found:
            found[key] = (m.start(), 0)
    return {k: v for k, (_, v) in sorted(found.items(), key=lambda kv: kv[1][0])}


# --------------------------------------------------------------------------- checks
def _check_row(out: list, table: str, rule: str, parts: list[tuple[str, Number | None]],
               total: tuple[str, Number | None]) -> int:
    vals = [v for _, v in parts] + [total[1]]
    if all(v is None for v in vals):
        return 0
    expected = sum(v or 0 for _, v in parts)
    found = total[1]
    if (found or 0) != expected and not (isinstance(expected, float) and abs((found or 0) - expected) < 0.005):
        # a total left empty is an omission of the page, not a contradiction between printed numbers
        out.append({"rule": rule, "table": table, "cells": [p for p, _ in parts] + [total[0]],
                    "expected": expected, "found": found, "severity": "warning" if found is None else "error"})
    return 1


def _leaf_rows(d: dict, prefix: str = "") -> list[str]:
    out = []
    for k, v in d.items():
        p = f"{prefix}{k}"
        if isinstance(v, dict) and v and all(not isinstance(x, dict) for x in v.values()):
            out.append(p)
        elif isinstance(v, dict):
            out.extend(_leaf_rows(v, p + "."))
    return out


def run_checks(stats: Statistics) -> None:
    """Arithmetic of sections 三 and 四; violations go to ``stats.checks`` (values are never corrected).

    An empty cell counts as 0 in the sums; a check whose cells are all empty is skipped."""
    checks: list[dict] = []
    n = 0
    app = stats.tables.get("applications")
    if app:
        rows = _leaf_rows(app)
        for r in rows:
            row = _get(app, r)
            if "total" in row:
                n += _check_row(checks, "applications", "row_total",
                                [(f"{r}.{c}", row.get(c)) for c in APP_PERSON_COLS], (f"{r}.total", row.get("total")))
        result_rows = [r for r in rows if r.startswith("results.") and not r.endswith(".subtotal")]
        th = app.get("total_handled")
        if th and result_rows:
            for c in APP_COLS:
                n += _check_row(checks, "applications", "results_total",
                                [(f"{r}.{c}", _get(app, r).get(c)) for r in result_rows],
                                (f"total_handled.{c}", th.get(c)))
        if all(k in app for k in ("new_received", "carried_over", "total_handled", "carried_forward")):
            for c in APP_COLS:
                a, b_ = app["new_received"].get(c), app["carried_over"].get(c)
                h, f = app["total_handled"].get(c), app["carried_forward"].get(c)
                if all(v is None for v in (a, b_, h, f)):
                    continue
                n += 1
                lhs, rhs = (a or 0) + (b_ or 0), (h or 0) + (f or 0)
                if lhs != rhs:
                    checks.append({"rule": "balance", "table": "applications",
                                   "cells": [f"new_received.{c}", f"carried_over.{c}", f"total_handled.{c}",
                                             f"carried_forward.{c}"],
                                   "expected": lhs, "found": rhs,
                                   "severity": "error" if c == "total" and None not in (a, b_, h, f) else "warning"})
    rl = stats.tables.get("reviews_litigation")
    if rl:
        for g, _ in REVIEW_GROUPS:
            row = rl.get(g) or {}
            n += _check_row(checks, "reviews_litigation", "row_total",
                            [(f"{g}.{c}", row.get(c)) for c, _ in REVIEW_COLUMNS[:-1]], (f"{g}.total", row.get("total")))
    stats.checks = checks
    stats.checks_run = n


# --------------------------------------------------------------------------- entry points
def _format_of(stats: Statistics, active_fmt: str | None) -> str:
    votes = set()
    if "applications" in stats.tables:
        f = app_format(stats.tables["applications"])
        if f != "unknown":
            votes.add(f)
    if active_fmt and active_fmt != "unknown":
        votes.add(active_fmt)
    if len(votes) == 1:
        return votes.pop()
    if len(votes) > 1:
        stats.note("format", "sections disagree on the template version (2019 labels and 2021 labels)")
    return "unknown"


def parse_statistics(html_or_text: str, report_year: int | None = None, parsed: tuple | None = None) -> Statistics | None:
    """The statistics of one report page (HTML, or text like the seeds). None when it has none at all.

    parsed: (lxml root, visible text) of html_or_text when the caller has them already (analysis.py parses
    every page once): parse_html(html_or_text) and tree_to_text of that root. Used only when the page is
    read as it is (not converted to Simplified here); the tree is only read, never changed."""
    if not html_or_text or not html_or_text.strip():
        return None
    s = html_or_text
    if is_traditional(s):
        s = to_simplified(s)
        parsed = None  # they belong to the text before conversion
    stats = Statistics()
    active_fmt = None
    text = None
    if looks_like_html(s):
        root, text_of_root = parsed if parsed is not None else (parse_html(s), None)
        if root is not None:
            rows = _html_section_rows(root)
            if rows.get("applications"):
                _parse_applications_html(rows["applications"], stats)
            if rows.get("active_disclosure"):
                sub = Statistics()
                active_fmt = _parse_active_html(rows["active_disclosure"], sub)
                _merge(stats, sub)
            if rows.get("reviews_litigation"):
                _parse_reviews_html(rows["reviews_litigation"], stats)
            text = text_of_root if text_of_root is not None else tree_to_text(root)
    if text is None:
        text = s
    # sections not found in any HTML table: from the text (one cell per line)
    done = set(stats.tables) | {k.split(".")[0] for k in stats.unparsed}
    for name, body in _section_lines(text.splitlines()).items():
        if name in done:
            continue
        if name == "applications":
            _parse_applications_text(body, stats)
        elif name == "active_disclosure":
            sub = Statistics()
            fmt = _parse_active_text(body, sub)
            _merge(stats, sub)
            active_fmt = active_fmt if active_fmt not in (None, "unknown") else fmt
        elif name == "reviews_litigation":
            _parse_reviews_text(body, stats)
    if stats.tables or stats.unparsed:
        stats.format = _format_of(stats, active_fmt)
        srcs = set(stats.sources.values())
        if srcs:
            stats.source = "html" if "html" in srcs else "text"
        else:
            flat = any(v.startswith("flattened") for v in stats.unparsed.values())
            stats.source = "text" if flat or not looks_like_html(s) else "html"
        run_checks(stats)
        if report_year is not None and report_year >= 2019 and stats.format in ("2019", "2021"):
            expect = "2021" if report_year >= 2021 else "2019"
            if expect != stats.format:
                stats.note("format", f"labels of the {stats.format} template in a report for {report_year}")
        return stats
    counts = text_counts(text)
    if counts:
        stats.format = "text"
        stats.source = "text"
        stats.text_counts = counts
        return stats
    return None


def _merge(stats: Statistics, sub: Statistics) -> None:
    stats.tables.update(sub.tables)
    stats.unparsed.update(sub.unparsed)
    stats.raw.update(sub.raw)
    stats.sources.update(sub.sources)
    for k, v in sub.notes.items():
        stats.notes.setdefault(k, []).extend(v)


def long_rows(stats: Statistics) -> list[tuple[str, str, str, Number | None]]:
    """(table, row path, column, value) for every cell, for a long-format SQL table."""
    out = []
    for table in TABLES:
        t = stats.tables.get(table)
        if not t:
            continue
        for r in _leaf_rows(t):
            for col, v in _get(t, r).items():
                out.append((table, r, col, v))
    return out
