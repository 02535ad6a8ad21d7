"""Reading the template's sections from HTML rows: 三 (applications), 二 (active disclosure),
四 (reviews and litigation), by their labels, never by fixed positions."""

from __future__ import annotations

import re

from govcrawl.analysis.statistics.grid import Cell
from govcrawl.analysis.statistics.schema import (
    ACTIVE_COL_PATTERNS,
    ACTIVE_ROW_PATTERNS,
    ACTIVE_TEMPLATE,
    APP_COLS,
    APP_ROW_PATTERNS,
    APPLICATION_COLUMNS,
    REVIEW_COL_PATTERNS,
    REVIEW_ORDER,
    Number,
    Statistics,
    application_rows,
)
from govcrawl.analysis.statistics.values import (
    get_path,
    is_number,
    is_value,
    match_label,
    norm,
    parse_value,
    set_path,
    strip_numbering,
)


# --------------------------------------------------------------------------- section 三 (applications)
class AppBuilder:
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
        key = match_label(APP_ROW_PATTERNS, leaf_n)
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
        if key.startswith("results.other.") and isinstance(get_path(self.table, "results.other"), dict) \
                and any(c in self.table["results"]["other"] for c in APP_COLS):
            # a 其他处理 row parsed as a leaf turns out to head the 2021 sub-rows
            prev = self.table["results"].pop("other")
            if any(v is not None for v in prev.values()):
                self.stats.note("applications", "（六）其他处理 has its own values besides its sub-rows: kept as results.other.subtotal")
                set_path(self.table, "results.other.subtotal", prev)
        if key in self.seen:
            self.stats.note("applications", f"row {key} appears twice ({label!r}); the first one is kept")
            return
        if key == "results.other" and isinstance(get_path(self.table, "results.other"), dict) \
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
        set_path(self.table, key, row)

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
    other = get_path(app, "results.other")
    if isinstance(other, dict):
        if any(k in other for k in ("overdue_correction", "overdue_fee", "other")):
            return "2021"
        if any(k in other for k in APP_COLS):
            return "2019"
    return "unknown"


_APPLICATION_COLUMN_LABELS = frozenset(lab for _, lab in APPLICATION_COLUMNS)


def parse_applications_html(rows, stats: Statistics) -> None:
    b = AppBuilder(stats, "html")
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


def item_of(t: str) -> str | None:
    m = _ITEM_RE.search(norm(t))
    return f"（{m.group(1)}）" if m else None


class ActiveBuilder:
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
        for pat, key, fmt in ACTIVE_COL_PATTERNS:
            if re.search(pat, n):
                out.append((i, key, fmt))
                break
    return out


def parse_active_html(rows, stats: Statistics) -> str:
    b = ActiveBuilder(stats, "html")
    header: list[tuple[int, str, str]] | None = None
    htable, hwidth = None, None
    for tno, cells in rows:
        texts = [c.text for c in cells]
        if any(item_of(t) for t in texts) and not any(is_number(t) for t in texts):
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
        key = match_label(ACTIVE_ROW_PATTERNS, norm(label)) if len(norm(label)) <= 16 else None
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
            leaf = match_label(REVIEW_COL_PATTERNS, norm(t))
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


def put_reviews(stats: Statistics, values: dict[tuple[str, str], tuple[str, bool]], source: str) -> None:
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


def parse_reviews_html(rows, stats: Statistics) -> None:
    header_rows: list[list[Cell]] = []
    header_table = None
    has_leaf = False
    for tno, cells in rows:
        texts = [c.text for c in cells]
        if not header_rows and not any(norm(t) for t in texts):
            continue
        data = all(is_value(t) for t in texts) and (any(is_number(t) for t in texts) or has_leaf)
        if not data:
            if header_rows and header_table != tno and not any(match_label(REVIEW_COL_PATTERNS, norm(t)) for t in texts) \
                    and not any(_review_group_of(t) for t in texts):
                continue
            header_rows.append(cells)
            header_table = tno
            has_leaf = has_leaf or any(match_label(REVIEW_COL_PATTERNS, norm(t)) for t in texts)
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
        put_reviews(stats, values, "html")
        return
    if has_leaf:
        stats.unparsed["reviews_litigation"] = "header found but no row of numbers"


