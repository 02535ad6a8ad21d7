"""``govcrawl export``: the reports, or the long statistics table, as JSON lines, CSV or Parquet; and the data
dictionary (``--dictionary``, kept in ``docs/data-dictionary.md``) naming every column and the template row each
statistic comes from.

- ``--table reports`` (default): one row per report (``REPORT_COLUMNS``); ``--statistics`` adds
  ``statistics_format``, ``consistency_ok`` and one column per statistics cell (``table.row.column``).
- ``--table statistics``: the long table, one row per cell: ``STATISTICS_COLUMNS``. Read from SQL as a stream
  and written in batches, so memory stays flat at any size.

Parquet is written with pyarrow (Apache Arrow's own implementation) and needs ``-o FILE``; CSV and JSON lines go
to standard output without it. Empty cells stay empty (null) in every format.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator
from typing import Any

from govcrawl.errors import CliError

BATCH = 50_000

#: (name, Arrow type, meaning)
REPORT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("url", "string", "the report page's URL as the portal serves it (the key: one row per URL)"),
    ("portal", "string", "the registry portal (slug, govcrawl/portals.toml) it was found on"),
    ("title", "string", "the page's title (Simplified)"),
    ("report_year", "int32", "the year the report is about (null: not found)"),
    ("index_no", "string", "索引号, from the page's metadata"),
    ("publisher", "string", "发布单位 (发布机构), from the metadata; else the reporting body"),
    ("reporting_body", "string", "the body whose report it is, as its title or first sentence names it"),
    ("written_date", "string", "成文日期, YYYY-MM-DD as printed on the page (kept as text)"),
    ("published_date", "string", "发布日期, YYYY-MM-DD (kept as text)"),
    ("doc_no", "string", "文号"),
    ("warc_filename", "string", "the WARC file holding the capture the row was read from"),
    ("warc_offset", "int64", "the offset of that record (a gzip member) in the file"),
)
WIDE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("statistics_format", "string", "the template of the tables: 2019 (〔2019〕60号), 2021 (〔2021〕30号), text (before "
     "2019, counts stated in the text), unknown; null: no statistics"),
    ("consistency_ok", "bool", "the template's arithmetic holds (no error among the checks); null: nothing checked"),
)
STATISTICS_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("report_url", "string", "the report (reports.url)"),
    ("portal", "string", "the report's portal (as in reports)"),
    ("report_year", "int32", "the report's year (as in reports)"),
    ("statistics_format", "string", "the report's template: 2019 or 2021 (or unknown)"),
    ("table_name", "string", "the template's section: active_disclosure (二), applications (三), reviews_litigation (四)"),
    ("row_key", "string", "the row, a dotted path (below: the template row it comes from)"),
    ("column_key", "string", "the column (below: the template column)"),
    ("value", "float64", "the number printed in the cell (a count, or an amount in 万元); null: the cell was left "
     "empty (never read as 0)"),
)


def _arrow_type(name: str) -> Any:
    import pyarrow as pa

    return {"string": pa.string(), "int32": pa.int32(), "int64": pa.int64(), "float64": pa.float64(),
            "bool": pa.bool_()}[name]


def _number(v: float | None) -> int | float | None:
    return int(v) if v is not None and float(v).is_integer() else v


class Sink:
    """Writes rows of known columns as JSON lines, CSV or Parquet (in batches)."""

    def __init__(self, fmt: str, columns: list[tuple[str, str]], output: str | None) -> None:
        self.fmt, self.columns = fmt, columns
        self.names = [n for n, _ in columns]
        if fmt == "parquet":
            if not output or output == "-":
                raise CliError("--format parquet writes a file: give it with -o FILE")
            try:
                import pyarrow as pa
                import pyarrow.parquet as pq
            except ImportError as exc:  # pragma: no cover - a dependency of the package
                raise CliError(f"--format parquet needs pyarrow: {exc}") from exc
            self.schema = pa.schema([(n, _arrow_type(t)) for n, t in columns])
            self.writer = pq.ParquetWriter(output, self.schema, compression="zstd")
            self.batch: list[dict[str, Any]] = []
            return
        try:
            self.out = open(output, "w", encoding="utf-8", newline="") if output and output != "-" else sys.stdout
        except OSError as exc:
            raise CliError(f"cannot write {output}: {exc.strerror or exc}") from exc
        if fmt == "csv":
            self.csv = csv.DictWriter(self.out, fieldnames=self.names, restval="", extrasaction="ignore")
            self.csv.writeheader()

    def write(self, row: dict[str, Any]) -> None:
        if self.fmt == "parquet":
            self.batch.append(row)
            if len(self.batch) >= BATCH:
                self._flush()
        elif self.fmt == "csv":
            self.csv.writerow(row)
        else:
            self.out.write(json.dumps({n: row.get(n) for n in self.names}, ensure_ascii=False) + "\n")

    def _flush(self) -> None:
        import pyarrow as pa

        if self.batch:
            arrays = {n: [r.get(n) for r in self.batch] for n in self.names}
            self.writer.write_table(pa.Table.from_pydict(arrays, schema=self.schema))
            self.batch = []

    def close(self) -> None:
        if self.fmt == "parquet":
            self._flush()
            self.writer.close()
        elif self.out is not sys.stdout:
            self.out.close()


def _reports(args: argparse.Namespace) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
    from govcrawl.store.store import Store, report_row

    store = Store(args.db, create=False)
    try:
        reports = store.reports()
        rows = [report_row(r) for r in reports]
        columns = [(n, t) for n, t, _ in REPORT_COLUMNS]
        if args.statistics:
            cells = store.statistics()
            columns += [(n, t) for n, t, _ in WIDE_COLUMNS]
            stat_columns: dict[str, None] = {}
            for report, row in zip(reports, rows):
                row["statistics_format"] = report.statistics_format
                row["consistency_ok"] = report.consistency_ok
                for cell in cells.get(report.url, []):
                    key = f"{cell.table_name}.{cell.row_key}.{cell.column_key}"
                    stat_columns[key] = None
                    row[key] = _number(cell.value) if args.format != "parquet" else cell.value
            columns += [(k, "float64") for k in stat_columns]
    finally:
        store.close()
    return columns, rows


def _statistics_rows(db: str) -> Iterator[dict[str, Any]]:
    from sqlalchemy import text

    from govcrawl.store.store import Store

    store = Store(db, create=False)
    try:
        with store.engine.connect().execution_options(stream_results=True, yield_per=BATCH) as conn:
            result = conn.execute(text(
                "SELECT s.report_url, r.portal, r.report_year, r.statistics_format, s.table_name, s.row_key, "
                "s.column_key, s.value FROM report_statistics s LEFT JOIN reports r ON r.url = s.report_url "
                "ORDER BY s.id"))
            names = [n for n, _, _ in STATISTICS_COLUMNS]
            for row in result:
                yield dict(zip(names, row))
    finally:
        store.close()


def cmd_export(args: argparse.Namespace) -> int:
    from govcrawl.crawl.guard import check_output_path
    from govcrawl.store.store import StorageError, check_existing

    if args.output and args.output != "-":
        check_output_path(args.output, "--output")
    if args.dictionary:
        text = data_dictionary()
        if args.output and args.output != "-":
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            sys.stdout.write(text)
        return 0
    if not args.format:
        raise CliError("--format is required: jsonl, csv or parquet")
    if args.table == "statistics" and args.statistics:
        raise CliError("--statistics widens the reports table; --table statistics is already one row per cell")
    try:
        check_existing(args.db)  # a read command never creates a database
        if args.table == "statistics":
            sink = Sink(args.format, [(n, t) for n, t, _ in STATISTICS_COLUMNS], args.output)
            try:
                for row in _statistics_rows(args.db):
                    if args.format != "parquet":
                        row["value"] = _number(row["value"])
                    sink.write(row)
            finally:
                sink.close()
            return 0
        columns, rows = _reports(args)
    except StorageError as exc:
        raise CliError(str(exc)) from exc
    except (CliError, BrokenPipeError):
        raise
    except Exception as exc:  # no such table: not a govcrawl database
        raise CliError(f"cannot read reports from {args.db}: {exc.__class__.__name__}: {exc}") from exc
    sink = Sink(args.format, columns, args.output)
    try:
        for row in rows:
            sink.write(row)
    finally:
        sink.close()
    return 0


def add_arguments(p: argparse.ArgumentParser, default_db: str) -> None:
    p.add_argument("--db", default=default_db, help=f"database URL (default: {default_db})")
    p.add_argument("--format", choices=["jsonl", "csv", "parquet"], help="jsonl, csv or parquet (parquet needs -o)")
    p.add_argument("--table", choices=["reports", "statistics"], default="reports",
                   help="reports: one row per report (default); statistics: one row per statistics cell")
    p.add_argument("--statistics", action="store_true", help="reports: add the statistics tables, one column per cell")
    p.add_argument("--dictionary", action="store_true",
                   help="write the data dictionary (every column, the template row of every statistic) as Markdown")
    p.add_argument("--output", "-o", help="file to write (default: standard output)")
    p.set_defaults(func=cmd_export)


# --- the data dictionary ------------------------------------------------------------------------------

def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return out + [""]


def data_dictionary() -> str:
    """The Markdown data dictionary of the exports, made from the code's own tables (docs/data-dictionary.md)."""
    from govcrawl.analysis.statistics import schema as s

    lines = [
        "# Data dictionary of `govcrawl export`",
        "",
        "Made by `govcrawl export --dictionary` from the code's own tables (a test keeps this file equal to it).",
        "Formats: `--format jsonl | csv | parquet` (Parquet: Apache Arrow types as below; CSV and JSON lines: the",
        "same columns, numbers printed as integers when whole). An empty value is null in Parquet and JSON and",
        "empty in CSV. Keys and labels of the statistics: `docs/statistics.md`.",
        "",
        "## `--table reports` (default): one row per report",
        "",
    ]
    lines += _table(["column", "type", "meaning"], [[f"`{n}`", t, m] for n, t, m in REPORT_COLUMNS])
    lines += ["With `--statistics`, also:", ""]
    lines += _table(["column", "type", "meaning"], [[f"`{n}`", t, m] for n, t, m in WIDE_COLUMNS] + [
        ["`<table_name>.<row_key>.<column_key>`", "float64",
         "one column per statistics cell found in any report (the cells below), the number printed; empty: left "
         "empty or not in this report"]])
    lines += ["## `--table statistics`: one row per statistics cell (long format)", ""]
    lines += _table(["column", "type", "meaning"], [[f"`{n}`", t, m] for n, t, m in STATISTICS_COLUMNS])
    lines += [
        "## Where each statistic comes from",
        "",
        "The template of 国办公开办函〔2019〕60号 (`2019`, reports for 2019 and 2020) and its revision 〔2021〕30号",
        "(`2021`, reports for 2021 on). A cell is (`table_name`, `row_key`, `column_key`).",
        "",
        "### `applications`: 三、收到和处理政府信息公开申请情况",
        "",
        "Columns (申请人情况):",
        "",
    ]
    lines += _table(["column_key", "template column"], [[f"`{k}`", label] for k, label in s.APPLICATION_COLUMNS])
    lines += ["Rows (every row has the seven columns):", ""]
    rows = [[f"`{k}`", label, " and ".join(fmts)] for k, label, fmts in s.APPLICATION_ROWS]
    rows.append(["`results.other.subtotal`", "（六）其他处理, values printed on the group row of a 2021 page", "2021"])
    lines += _table(["row_key", "template row", "templates"], rows)
    lines += ["### `active_disclosure`: 二、主动公开政府信息情况", "",
              "Rows, with the item of 第二十条 they report on:", ""]
    lines += _table(["row_key", "template row", "第二十条 item"], [[f"`{k}`", label, item] for k, label, item in s.ACTIVE_ROWS])
    lines += ["Columns:", ""]
    lines += _table(["column_key", "template column", "templates"],
                    [[f"`{k}`", label, fmt.replace("/", " and ")] for k, label, fmt in s.ACTIVE_COLUMNS])
    lines += ["Which columns each row has, per template:", ""]
    rows = []
    for fmt, items in s.ACTIVE_TEMPLATE.items():
        for item, (row_keys, cols) in items.items():
            rows.append([fmt, item, ", ".join(f"`{r}`" for r in row_keys), ", ".join(f"`{c}`" for c in cols)])
    lines += _table(["template", "item", "rows", "columns"], rows)
    lines += ["### `reviews_litigation`: 四、政府信息公开行政复议、行政诉讼情况", "", "Rows (the same in both templates):", ""]
    lines += _table(["row_key", "template row"], [[f"`{k}`", label] for k, label in s.REVIEW_GROUPS])
    lines += ["Columns:", ""]
    lines += _table(["column_key", "template column"], [[f"`{k}`", label] for k, label in s.REVIEW_COLUMNS])
    lines += _series_section()
    return "\n".join(lines).rstrip() + "\n"


def _series_section() -> list[str]:
    """The archive browser's headline series (``/trends.csv``, ``/compare.csv``): the cells each adds up."""
    from govcrawl.web.series import CHARTS, RATIOS, SERIES

    lines = [
        "## The archive browser's downloads (`govcrawl serve`)",
        "",
        "`/trends.csv` (and `.json`): one row per value drawn, columns `chart, series, label, year, value, reports`",
        "(`reports`: how many reports the value adds up). `/compare.csv`: `year, kind, entity, name, measure, label,",
        "value, reports`. A series is the sum of the cells below over the selected reports (each report once); a",
        "report adds to a series when it printed at least one of its cells (its empty cells beside them count as 0).",
        "Where the templates differ, the first source the report printed is used.",
        "",
    ]
    charts = {k: c.key for c in CHARTS for k in c.series}
    rows = []
    for key, series in SERIES.items():
        sources = "; ".join(f"{fmt}: " + " + ".join(f"`{t}.{r}.{c}`" for t, r, c in cells) for fmt, cells in series.sources)
        rows.append([f"`{key}`", series.label, charts.get(key, "(compare)"), sources])
    lines += _table(["series", "label", "chart", "cells added up, per template"], rows)
    lines += ["Ratios of `/compare` (over the reports that printed the denominator and whose table of the numerator",
              "was parsed):", ""]
    lines += _table(["measure", "label", "formula"],
                    [[f"`{r.key}`", r.label, f"{' + '.join(r.numerator)} / {' + '.join(r.denominator)} × {r.per}"]
                     for r in RATIOS])
    return lines
