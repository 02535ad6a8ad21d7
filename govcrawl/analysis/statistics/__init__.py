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

from govcrawl.analysis.statistics.checks import leaf_rows, run_checks
from govcrawl.analysis.statistics.grid import html_section_rows
from govcrawl.analysis.statistics.schema import (  # noqa: F401  (the public names)
    ACTIVE_COLUMNS,
    ACTIVE_ROWS,
    APPLICATION_COLUMNS,
    APPLICATION_ROWS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    TABLES,
    Number,
    Statistics,
)
from govcrawl.analysis.statistics.sections import (
    app_format,
    parse_active_html,
    parse_applications_html,
    parse_reviews_html,
)
from govcrawl.analysis.statistics.text_tables import (
    parse_active_text,
    parse_applications_text,
    parse_reviews_text,
    section_lines,
    text_counts,
)
from govcrawl.analysis.statistics.values import get_path
from govcrawl.analysis.text import (
    is_traditional,
    looks_like_html,
    parse_html,
    to_simplified,
    tree_to_text,
)

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
            rows = html_section_rows(root)
            if rows.get("applications"):
                parse_applications_html(rows["applications"], stats)
            if rows.get("active_disclosure"):
                sub = Statistics()
                active_fmt = parse_active_html(rows["active_disclosure"], sub)
                _merge(stats, sub)
            if rows.get("reviews_litigation"):
                parse_reviews_html(rows["reviews_litigation"], stats)
            text = text_of_root if text_of_root is not None else tree_to_text(root)
    if text is None:
        text = s
    # sections not found in any HTML table: from the text (one cell per line)
    done = set(stats.tables) | {k.split(".")[0] for k in stats.unparsed}
    for name, body in section_lines(text.splitlines()).items():
        if name in done:
            continue
        if name == "applications":
            parse_applications_text(body, stats)
        elif name == "active_disclosure":
            sub = Statistics()
            fmt = parse_active_text(body, sub)
            _merge(stats, sub)
            active_fmt = active_fmt if active_fmt not in (None, "unknown") else fmt
        elif name == "reviews_litigation":
            parse_reviews_text(body, stats)
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
        for r in leaf_rows(t):
            for col, v in get_path(t, r).items():
                out.append((table, r, col, v))
    return out
