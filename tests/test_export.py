"""`govcrawl export` as open data: the reports and the long statistics table in Parquet (read back with pyarrow)
and CSV, equal to what SQL holds, and the data dictionary in docs/ naming every column and cell."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import REPO, run_govcrawl

pq = pytest.importorskip("pyarrow.parquet")
pytestmark = pytest.mark.e2e


def db_path(demo_run) -> Path:
    return Path(demo_run["db"][len("sqlite:///"):])


def test_reports_in_parquet_are_the_rows_of_the_jsonl_export(demo_run, tmp_path):
    out = tmp_path / "reports.parquet"
    r = run_govcrawl("export", "--db", demo_run["db"], "--format", "parquet", "-o", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    table = pq.read_table(out)
    assert str(table.schema.field("report_year").type) == "int32"
    assert str(table.schema.field("warc_offset").type) == "int64"
    assert table.to_pylist() == demo_run["rows"]  # the same rows and columns as JSON lines, typed


def test_wide_parquet_keeps_empty_cells_null(demo_run, tmp_path):
    out = tmp_path / "wide.parquet"
    r = run_govcrawl("export", "--db", demo_run["db"], "--format", "parquet", "--statistics", "-o", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = {row["url"]: row for row in pq.read_table(out).to_pylist()}
    conn = sqlite3.connect(db_path(demo_run))
    cells = conn.execute("SELECT report_url, table_name, row_key, column_key, value FROM report_statistics").fetchall()
    conn.close()
    assert any(v is None for *_, v in cells)
    for url, t, row, col, value in cells:
        assert rows[url][f"{t}.{row}.{col}"] == value
    assert {row["consistency_ok"] for row in rows.values()} == {True, False, None}


def test_the_long_statistics_table_in_parquet_and_csv(demo_run, tmp_path):
    out = tmp_path / "statistics.parquet"
    r = run_govcrawl("export", "--db", demo_run["db"], "--format", "parquet", "--table", "statistics", "-o", str(out),
                     cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    table = pq.read_table(out)
    assert table.column_names == ["report_url", "portal", "report_year", "statistics_format", "table_name", "row_key",
                                  "column_key", "value"]
    conn = sqlite3.connect(db_path(demo_run))
    expected = conn.execute(
        "SELECT s.report_url, r.portal, r.report_year, r.statistics_format, s.table_name, s.row_key, s.column_key, "
        "s.value FROM report_statistics s JOIN reports r ON r.url = s.report_url ORDER BY s.id").fetchall()
    conn.close()
    assert [tuple(row.values()) for row in table.to_pylist()] == expected
    r = run_govcrawl("export", "--db", demo_run["db"], "--format", "csv", "--table", "statistics", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == len(expected)
    for row, want in zip(rows[:500], expected[:500]):
        assert row["report_url"] == want[0] and row["row_key"] == want[5]
        assert (row["value"] == "") if want[7] is None else (float(row["value"]) == want[7])
    r = run_govcrawl("export", "--db", demo_run["db"], "--format", "jsonl", "--table", "statistics", cwd=tmp_path)
    first = json.loads(r.stdout.splitlines()[0])
    assert set(first) == set(table.column_names)


@pytest.mark.parametrize("args, message", [
    (["--format", "parquet"], "give it with -o FILE"),
    (["--table", "statistics", "--statistics", "--format", "csv"], "already one row per cell"),
    ([], "--format is required"),
])
def test_export_arguments_give_one_line_errors(demo_run, tmp_path, args, message):
    r = run_govcrawl("export", "--db", demo_run["db"], *args, cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_the_data_dictionary_in_docs_is_current_and_names_every_cell(demo_run):
    from govcrawl.cli.export import REPORT_COLUMNS, STATISTICS_COLUMNS, data_dictionary

    doc = (REPO / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert doc == data_dictionary(), "docs/data-dictionary.md is out of date: govcrawl export --dictionary -o docs/data-dictionary.md"
    for name, _, _ in REPORT_COLUMNS + STATISTICS_COLUMNS:
        assert f"| `{name}` |" in doc
    conn = sqlite3.connect(db_path(demo_run))
    cells = conn.execute("SELECT DISTINCT table_name, row_key, column_key FROM report_statistics").fetchall()
    conn.close()
    sections = {t: doc.split(f"### `{t}`", 1)[1].split("###", 1)[0] for t, _, _ in cells}
    for table, row, col in cells:  # every cell the crawl stored: its row and its column have their template label
        assert f"| `{row}` |" in sections[table], (table, row)
        assert f"| `{col}` |" in sections[table], (table, col)
