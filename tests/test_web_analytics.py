"""The reports as data in the archive browser: /trends, /compare, /quality and the coverage chart and per-unit
view, on the demo crawl of the replica (Starlette's TestClient); the browser test is test_web_browser.py.

The figures are checked against SQL written here independently (sums of report_statistics cells per year),
the charts against their tables and downloads, the data-quality lists against the replica's ground truth and
against changes made to a copy of the database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sqlite3
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from tests.test_web import copy_db, make_client  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore:Using `httpx`")]

MARK_RE = re.compile(r'<(?:rect|circle) class="mark" data-series="([^"]+)" data-category="([^"]+)" data-value="([^"]+)"')


@pytest.fixture(scope="module")
def site(demo_run, tmp_path_factory):
    assert demo_run["result"].returncode == 0, demo_run["result"].stderr[-2000:]
    work = tmp_path_factory.mktemp("analytics")
    db = copy_db(demo_run["db"], work / "govcrawl.sqlite3")
    return {"db": db, "path": Path(db[len("sqlite:///"):]), "warc_dir": demo_run["warc_dir"],
            "client": make_client(db, demo_run["warc_dir"]), "work": work}


def sql(path: Path, query: str, *args):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query, args).fetchall()
    finally:
        conn.close()


def cell_sums(path: Path, row: str, col: str, table: str = "applications", where: str = "", args=()) -> dict[int, tuple]:
    """year -> (sum, reports that printed the cell), straight from SQL."""
    rows = sql(path, "SELECT r.report_year, SUM(s.value), COUNT(s.value) FROM report_statistics s "
                     "JOIN reports r ON r.url = s.report_url WHERE s.table_name = ? AND s.row_key = ? AND s.column_key = ? "
                     f"AND s.value IS NOT NULL {where} GROUP BY r.report_year", table, row, col, *args)
    return {y: (int(v), n) for y, v, n in rows}


def chart_marks(html: str, chart: str) -> set[tuple[str, str, str]]:
    svg = re.search(rf'<svg[^>]* id="chart-{chart}".*?</svg>', html, re.S).group(0)
    return set(MARK_RE.findall(svg))


def as_number(v: str) -> float:
    return float(v)


# --- trends -----------------------------------------------------------------------------------------------

def test_trends_figures_are_the_sums_of_the_printed_cells(site):
    c = site["client"]
    r = c.get("/trends")
    assert r.status_code == 200 and "<script" not in r.text
    rows = list(csv.DictReader(io.StringIO(c.get("/trends.csv").content.decode("utf-8-sig"))))
    got = {(x["series"], int(x["year"])): (float(x["value"]), int(x["reports"])) for x in rows}
    for series, (row, col) in {"new.natural_person": ("new_received", "natural_person"),
                               "new.total": ("new_received", "total"),
                               "handled": ("total_handled", "total"),
                               "disclosed": ("results.disclosed", "total")}.items():
        expected = cell_sums(site["path"], row, col)
        assert expected
        for year, (total, n) in expected.items():
            assert got[(series, year)] == (total, n), (series, year)
    reviews = cell_sums(site["path"], "review", "corrected", table="reviews_litigation")
    for year, (total, n) in reviews.items():
        assert got[("review.corrected", year)] == (total, n)
    # a group is the sum of its rows: 不予公开 = its eight reasons
    for year in (2020, 2022):
        parts = sql(site["path"], "SELECT SUM(s.value) FROM report_statistics s JOIN reports r ON r.url = s.report_url "
                                  "WHERE r.report_year = ? AND s.row_key LIKE 'results.not_disclosed.%' "
                                  "AND s.column_key = 'total'", year)[0][0]
        assert got[("not_disclosed", year)][0] == parts


def test_the_two_templates_map_onto_one_series(site):
    """其他处理: one row in 2019-format reports, three rows in 2021-format ones; the series adds the three."""
    c = site["client"]
    data = c.get("/trends.json", params={"chart": "outcomes"}).json()
    [chart] = data["charts"]
    other = next(s for s in chart["series"] if s["series"] == "other")
    values = dict(zip(chart["years"], other["values"]))
    def other(year: int, rows: tuple[str, ...]) -> float:
        marks = ",".join("?" * len(rows))
        return sql(site["path"], "SELECT SUM(s.value) FROM report_statistics s JOIN reports r ON r.url = s.report_url "
                                 f"WHERE r.report_year = ? AND s.row_key IN ({marks}) AND s.column_key = 'total'",
                   year, *rows)[0][0] or 0

    one_row, three_rows = ("results.other",), ("results.other.overdue_correction", "results.other.overdue_fee",
                                               "results.other.other")
    assert other(2020, one_row) and not other(2020, three_rows)
    assert values[2020] == other(2020, one_row)
    # 2022: most reports print the 2021 rows, two still the 2019 table (one row): each report by its own template
    assert other(2022, three_rows) and other(2022, one_row) is not None
    assert values[2022] == other(2022, three_rows) + other(2022, one_row)
    assert sql(site["path"], "SELECT COUNT(*) FROM reports WHERE report_year = 2020 AND statistics_format = '2021'")[0][0] == 0
    # the page says which rows do not correspond
    html = c.get("/trends").text
    section = re.search(r'<section id="formats">.*?</section>', html, re.S).group(0)
    assert "行政事业性收费" in section and "do not correspond" in section and "现行有效件数" in section
    # 2019's 本年新制作数量 and 2021's 本年制发件数 are one series
    docs = c.get("/trends.json", params={"chart": "documents"}).json()["charts"][0]
    rules = dict(zip(docs["years"], next(s for s in docs["series"] if s["series"] == "active.rules")["values"]))
    assert rules[2020] == cell_sums(site["path"], "rules", "new_made", table="active_disclosure")[2020][0]
    # 2022: the reports of the 2021 template print 本年制发件数, the two still on the 2019 one 本年新制作数量
    issued = cell_sums(site["path"], "rules", "issued", table="active_disclosure")[2022][0]
    made = cell_sums(site["path"], "rules", "new_made", table="active_disclosure").get(2022, (0, 0))[0]
    assert issued and rules[2022] == issued + made


def test_every_chart_draws_what_its_table_and_downloads_hold(site):
    c = site["client"]
    html = c.get("/trends").text
    charts = re.findall(r'<section class="chart-block" id="([a-z_]+)">', html)
    assert len(charts) == 8
    for chart in charts:
        marks = chart_marks(html, chart)
        assert marks, chart
        rows = list(csv.DictReader(io.StringIO(c.get("/trends.csv", params={"chart": chart}).content.decode("utf-8-sig"))))
        assert {(x["series"], x["year"], x["value"]) for x in rows} == marks, chart
        assert len(rows) == len(marks)
        table = re.search(rf'<table class="figures" id="table-{chart}">.*?</table>', html, re.S).group(0)
        cells = set()
        for series, tds in re.findall(r'<tr data-series="([^"]+)">(.*?)</tr>', table, re.S):
            for year, value in re.findall(r'<td data-year="(\d+)"[^>]*>([^<]*)</td>', tds):
                cells.add((series, year, value))
        assert cells == marks, chart
        j = c.get("/trends.json", params={"chart": chart}).json()["charts"][0]
        drawn = {(s["series"], str(y), str(v)) for s in j["series"] for y, v in zip(j["years"], s["values"]) if v is not None}
        assert drawn == marks


def test_selection_by_level_and_reporting_body(site):
    from govcrawl.crawl.registry import default_registry

    c = site["client"]
    departments = sorted(s for s, p in default_registry().portals.items() if p.level == "department")
    where = f"AND r.portal IN ({','.join('?' * len(departments))})"
    expected = cell_sums(site["path"], "new_received", "total", where=where, args=departments)
    data = c.get("/trends.json", params={"level": "department", "chart": "workload"}).json()
    series = next(s for s in data["charts"][0]["series"] if s["series"] == "new.total")
    got = {y: (v, n) for y, v, n in zip(data["charts"][0]["years"], series["values"], series["reports"]) if v is not None}
    assert got == expected
    body = "发展和改革委员会"
    expected = cell_sums(site["path"], "new_received", "total", where="AND r.reporting_body LIKE ?", args=(f"%{body}%",))
    data = c.get("/trends.json", params={"body": body, "chart": "workload", "year_from": "2019"}).json()
    series = next(s for s in data["charts"][0]["series"] if s["series"] == "new.total")
    got = {y: (v, n) for y, v, n in zip(data["charts"][0]["years"], series["values"], series["reports"]) if v is not None}
    assert got == expected and expected
    assert "reporting body containing “发展和改革委员会”" in c.get("/trends", params={"body": body}).text
    # a selection nothing matches: charts say so, nothing drawn
    html = c.get("/trends", params={"region": "火星"}).text
    assert "no figures for this selection" in html and not MARK_RE.search(html)


@pytest.mark.parametrize("path, params, message", [
    ("/trends", {"year_from": "2022", "year_to": "2020"}, "is after"),
    ("/trends", {"year_from": "abc"}, "expected a whole number"),
    ("/trends", {"portal": "../x"}, "not a portal slug"),
    ("/trends", {"order": "1"}, "unknown parameter 'order'"),
    ("/trends.csv", {"chart": "pie"}, "chart='pie'"),
    ("/trends.json", {"level": "galaxy"}, "level='galaxy'"),
    ("/compare", {"year": "1900"}, "year=1900"),
    ("/compare.json", {"body": "x" * 101}, "too long"),
    ("/quality", {"section": "everything"}, "section='everything'"),
    ("/quality.csv", {}, "section: required"),
    ("/quality/missing", {"field": "title"}, "field='title'"),
    ("/coverage", {"view": "galaxy"}, "view='galaxy'"),
])
def test_bad_parameters_are_400(site, path, params, message):
    r = site["client"].get(path, params=params)
    assert r.status_code == 400, (path, params, r.status_code)
    text = r.json()["error"] if path.endswith(".json") else r.text.replace("&#39;", "'")
    assert message in text


# --- compare ----------------------------------------------------------------------------------------------

def test_compare_puts_bodies_and_portals_side_by_side_with_ratios(site):
    c = site["client"]
    params = [("year", "2022"), ("portal", "zj_gov"), ("portal", "hangzhou"), ("body", "浙江省财政厅")]
    html = c.get("/compare", params=params).text
    assert "<script" not in html and '<svg' in html
    rows = list(csv.DictReader(io.StringIO(c.get("/compare.csv", params=params).content.decode("utf-8-sig"))))
    got = {(x["entity"], x["measure"]): x["value"] for x in rows}

    def cell(where: str, arg: str, row: str, col: str = "total", table: str = "applications") -> float:
        return sql(site["path"], "SELECT SUM(s.value) FROM report_statistics s JOIN reports r ON r.url = s.report_url "
                                 f"WHERE r.report_year = 2022 AND {where} = ? AND s.table_name = ? AND s.row_key = ? "
                                 "AND s.column_key = ?", arg, table, row, col)[0][0] or 0

    for entity, where in (("zj_gov", "r.portal"), ("浙江省财政厅", "r.reporting_body")):
        handled = cell(where, entity, "total_handled")
        refused = sum(cell(where, entity, f"results.not_disclosed.{k}") for k in (
            "state_secret", "prohibited_by_law", "three_safety_one_stability", "third_party_rights", "internal_affairs",
            "process_info", "law_enforcement_files", "query_items"))
        disclosed = cell(where, entity, "results.disclosed")
        new = cell(where, entity, "new_received")
        reviews = cell(where, entity, "review", "total", "reviews_litigation")
        assert handled and new
        assert float(got[(entity, "share_refused")]) == round(refused / handled * 100, 2)
        assert float(got[(entity, "share_disclosed")]) == round(disclosed / handled * 100, 2)
        assert float(got[(entity, "reviews_per_100")]) == round(reviews / new * 100, 2)
        assert float(got[(entity, "handled")]) == handled
    marks = chart_marks(html, "ratios")
    assert {(s, cat) for s, cat, _ in marks} >= {("portal:zj_gov", "不予公开 %"), ("body:浙江省财政厅", "复议/百件")}
    assert ("portal:zj_gov", "不予公开 %", got[("zj_gov", "share_refused")]) in marks
    j = c.get("/compare.json", params=params).json()
    assert {(x["entity"], x["measure"]) for x in j["rows"]} == set(got)
    assert 'id="nothing"' in c.get("/compare").text


# --- data quality -------------------------------------------------------------------------------------------

def test_the_deliberate_arithmetic_error_is_listed_with_its_cells(site, ground_truth):
    [bad] = [r for r in ground_truth["reports"] if r.get("statistics_errors")]
    error = bad["statistics_errors"][0]
    rid = sql(site["path"], "SELECT id FROM reports WHERE url = ?", bad["url"])[0][0]
    html = site["client"].get("/quality").text
    section = re.search(r'<section id="checks">.*?</section>', html, re.S).group(0)
    [row] = [part for part in section.split('<tr data-report="')[1:] if part.startswith(f'{rid}"')]
    key = f"{error['row']}.{error['column']}"
    assert re.search(rf'<code class="suspect-cell">{re.escape(key)}</code> \([^)]*, printed {error["printed"]}\)', row)
    checks = json.loads(sql(site["path"], "SELECT statistics_checks FROM reports WHERE id = ?", rid)[0][0])
    for check in checks:
        if check["severity"] != "error":
            continue
        assert f"<strong>{check['rule']}</strong> (error)" in row
        for cell in check["cells"]:
            assert f"<code>{cell}</code>" in row
    # only reports whose checks fail (errors) are listed by default
    listed = {int(x) for x in re.findall(r'<tr data-report="(\d+)">', re.search(r'<section id="checks">.*?</section>',
                                                                              html, re.S).group(0))}
    assert listed == {i for (i,) in sql(site["path"], "SELECT id FROM reports WHERE consistency_ok = 0")}
    with_warnings = site["client"].get("/quality", params={"warnings": "1"}).text
    listed = set(re.findall(r'<tr data-report="(\d+)">', re.search(r'<section id="checks">.*?</section>',
                                                                   with_warnings, re.S).group(0)))
    assert len(listed) == sql(site["path"], "SELECT COUNT(*) FROM reports WHERE statistics_checks != '[]'")[0][0] > 1
    rows = list(csv.DictReader(io.StringIO(site["client"].get("/quality.csv", params={"section": "checks"})
                                           .content.decode("utf-8-sig"))))
    assert {r["report_id"] for r in rows} == {str(rid)} and any(f"{key}={error['printed']}" in r["cells"] for r in rows)


def test_fields_missing_per_portal_and_their_lists(site):
    c = site["client"]
    html = c.get("/quality").text
    table = re.search(r'<table class="quality" id="fields-table">.*?</table>', html, re.S).group(0)
    expected = dict(sql(site["path"], "SELECT portal, SUM(reporting_body IS NULL OR reporting_body = '') FROM reports GROUP BY portal"))
    for slug, n in expected.items():
        row = re.search(rf'<tr data-portal="{slug}">(.*?)</tr>', table, re.S).group(1)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        last = re.sub(r"<[^>]+>", "", cells[-1])  # reporting_body is the last column
        assert int(last) == n, slug
    slug = max(expected, key=expected.get)
    listing = c.get("/quality/missing", params={"portal": slug, "field": "reporting_body"}).text
    ids = {int(x) for x in re.findall(r'href="/report/(\d+)"', listing)}
    assert ids == {i for (i,) in sql(site["path"], "SELECT id FROM reports WHERE portal = ? AND reporting_body IS NULL", slug)}


def test_unparsed_tables_and_reports_without_statistics(site, tmp_path):
    unparsed = sql(site["path"], "SELECT id FROM reports WHERE statistics_unparsed != '{}'")
    assert unparsed
    html = site["client"].get("/quality").text
    section = re.search(r'<section id="unparsed">.*?</section>', html, re.S).group(0)
    assert {int(x) for x in re.findall(r'data-report="(\d+)"', section)} == {i for (i,) in unparsed}
    assert "flattened text" in section
    # a report of 2020 whose tables were not read
    db = copy_db(site["db"], tmp_path / "q.sqlite3")
    rid, url = sql(tmp_path / "q.sqlite3", "SELECT id, url FROM reports WHERE report_year = 2020 AND portal = 'zj_gov'")[0]
    conn = sqlite3.connect(tmp_path / "q.sqlite3")
    conn.execute("DELETE FROM report_statistics WHERE report_url = ?", (url,))
    conn.execute("UPDATE reports SET statistics_format = NULL, consistency_ok = NULL WHERE id = ?", (rid,))
    conn.commit()
    conn.close()
    html = make_client(db, site["warc_dir"]).get("/quality").text
    section = re.search(r'<section id="no_statistics">.*?</section>', html, re.S).group(0)
    assert re.findall(r'data-report="(\d+)"', section) == [str(rid)]


def test_late_publications_by_the_statutory_deadline(site, tmp_path):
    db = copy_db(site["db"], tmp_path / "late.sqlite3")
    path = tmp_path / "late.sqlite3"
    dept = sql(path, "SELECT id, report_year FROM reports WHERE portal = 'zj_fzggw' AND report_year = 2021")[0]
    gov = sql(path, "SELECT id, report_year FROM reports WHERE portal = 'zj_gov' AND report_year = 2021")[0]
    conn = sqlite3.connect(path)
    conn.execute("UPDATE reports SET published_date = '2022-02-15' WHERE id IN (?, ?)", (dept[0], gov[0]))
    conn.execute("UPDATE reports SET published_date = '2022-04-03', reporting_body = NULL WHERE portal = 'ningbo' "
                 "AND report_year = 2021")
    # 2024 is a leap year: 31 March is still on time, 1 April a day late
    conn.execute("UPDATE reports SET published_date = '2024-04-01' WHERE portal = 'zj_gov' AND report_year = 2023")
    conn.execute("UPDATE reports SET published_date = '2024-03-31' WHERE portal = 'quzhou' AND report_year = 2023")
    conn.commit()
    conn.close()
    client = make_client(db, site["warc_dir"])

    def late(c) -> dict[str, str]:
        text = c.get("/quality.csv", params={"section": "late"}).content.decode("utf-8-sig")
        return {r["report_id"]: r["days_late"] for r in csv.DictReader(io.StringIO(text))}

    before = late(site["client"])  # what the replica itself publishes late
    rows = late(client)
    html = client.get("/quality", params={"section": "late"}).text
    section = re.search(r'<section id="late">.*?</section>', html, re.S).group(0)
    assert dict(re.findall(r'<tr data-report="(\d+)">.*?<td>(\d+)</td></tr>', section, re.S)) == rows
    ningbo = sql(path, "SELECT id FROM reports WHERE portal = 'ningbo' AND report_year = 2021")[0][0]
    changed = {str(i) for i in (dept[0], gov[0], ningbo)}
    changed |= {str(i) for (i,) in sql(path, "SELECT id FROM reports WHERE report_year = 2023 AND portal IN "
                                             "('zj_gov', 'quzhou')")}
    assert {k: v for k, v in rows.items() if k not in changed} == {k: v for k, v in before.items() if k not in changed}
    rows = {k: v for k, v in rows.items() if k in changed}
    leap = sql(path, "SELECT id FROM reports WHERE portal = 'zj_gov' AND report_year = 2023")[0][0]
    # a department by 31 January; a government by 31 March; without a body, by the portal's level
    assert rows == {str(dept[0]): "15", str(ningbo): "3", str(leap): "1"}
    assert sql(site["path"], "SELECT COUNT(*) FROM reports")[0][0] > 200


def test_a_report_found_twice_is_counted_once(site, tmp_path):
    db = copy_db(site["db"], tmp_path / "dup.sqlite3")
    path = tmp_path / "dup.sqlite3"
    before = site["client"].get("/trends.json", params={"chart": "workload"}).json()
    url = sql(path, "SELECT url FROM reports WHERE portal = 'zj_czt' AND report_year = 2022")[0][0]
    conn = sqlite3.connect(path)
    cols = [r[1] for r in conn.execute("PRAGMA table_info(reports)") if r[1] not in ("id", "url")]
    conn.execute(f"INSERT INTO reports (url, {', '.join(cols)}) SELECT 'http://copy.example.gov.cn/x.html', "
                 f"{', '.join(cols)} FROM reports WHERE url = ?", (url,))
    conn.execute("INSERT INTO report_statistics (report_url, table_name, row_key, column_key, value) SELECT "
                 "'http://copy.example.gov.cn/x.html', table_name, row_key, column_key, value FROM report_statistics "
                 "WHERE report_url = ?", (url,))
    conn.commit()
    conn.close()
    client = make_client(db, site["warc_dir"])
    assert client.get("/trends.json", params={"chart": "workload"}).json()["charts"] == before["charts"]
    html = client.get("/quality").text
    section = re.search(r'<section id="duplicates">.*?</section>', html, re.S).group(0)
    copy_id = sql(path, "SELECT id FROM reports WHERE url = 'http://copy.example.gov.cn/x.html'")[0][0]
    assert re.findall(r'data-report="(\d+)"', section) == [str(copy_id)]


# --- coverage -----------------------------------------------------------------------------------------------

def test_coverage_chart_adds_up_to_the_expected_portals(site):
    from govcrawl.crawl.registry import default_registry

    registry = default_registry()
    html = site["client"].get("/coverage", params={"from": "2018", "to": "2024"}).text
    marks = chart_marks(html, "coverage")
    per_year: dict[str, dict[str, int]] = {}
    for series, year, value in marks:
        per_year.setdefault(year, {})[series] = int(value)
    assert sorted(per_year) == [str(y) for y in range(2018, 2025)]
    for year, parts in per_year.items():
        assert sum(parts.values()) == len(registry.portals)
        have = sql(site["path"], "SELECT COUNT(DISTINCT portal) FROM reports WHERE report_year = ? AND portal IN "
                                 f"({','.join('?' * len(registry.portals))})", int(year), *registry.portals)[0][0]
        assert parts["found"] == have


def test_coverage_per_reporting_unit(site):
    html = site["client"].get("/coverage", params={"view": "unit", "from": "2014", "to": "2024"}).text
    assert "<script" not in html
    bodies = {b for (b,) in sql(site["path"], "SELECT DISTINCT reporting_body FROM reports WHERE reporting_body IS NOT NULL")}
    table = re.search(r'<table class="coverage" id="coverage">.*?</table>', html, re.S).group(0)
    names = set(re.findall(r"<tr><th>([^<]+)</th>", table)) - {"reporting unit"}
    assert names == bodies
    # 杭州市人民政府 is archived for 2015 and 2020 only: the years between are missing after their deadline
    row = re.search(r"<tr><th>杭州市人民政府</th>(.*?)</tr>", table, re.S).group(1)
    cells = re.findall(r"<td[^>]*>.*?</td>", row)[1:]
    years = dict(zip(range(2014, 2025), cells))
    have = {y for (y,) in sql(site["path"], "SELECT report_year FROM reports WHERE reporting_body = '杭州市人民政府'")}
    first = min(have)
    for y, cell in years.items():
        if y in have:
            assert 'class="have"' in cell, y
        elif y < first:
            assert cell == "<td></td>", y
        elif dt.date.today() > dt.date(y + 1, 3, 31):
            assert 'class="missing"' in cell and "due %d-03-31" % (y + 1) in cell, y
    assert marks_sum(html) > 0


def marks_sum(html: str) -> int:
    return sum(int(v) for _, _, v in chart_marks(html, "coverage"))


# --- the figures follow the database -----------------------------------------------------------------------

def test_the_figures_are_rebuilt_when_the_database_changes(site, tmp_path):
    from govcrawl.web.dataset import DatasetCache
    from govcrawl.web.db import readonly_engine

    db = copy_db(site["db"], tmp_path / "live.sqlite3")
    engine = readonly_engine(db)
    cache = DatasetCache(engine, check_every=0.0)
    first = cache.get()
    assert cache.get() is first  # nothing changed: the same figures
    conn = sqlite3.connect(tmp_path / "live.sqlite3")
    conn.execute("INSERT INTO reports (url, portal, title, report_year, sources, original, classification_reasons, "
                 "statistics_checks, statistics_unparsed, text_counts, first_seen, last_seen) VALUES "
                 "('http://new.example.gov.cn/1.html', 'zj_gov', '新的年报', 2024, '{}', '{}', '[]', '[]', '{}', '{}', "
                 "'2025-01-01', '2025-01-01')")
    conn.commit()
    conn.close()
    assert cache.get() is first  # answered from what was read while the new figures are built
    deadline = time.monotonic() + 10
    while cache.get() is first and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(cache.get()) == len(first) + 1
    engine.dispose()


# --- the charts themselves ----------------------------------------------------------------------------------

def test_svg_charts_escape_text_and_mark_every_value():
    from govcrawl.web.svg import Line, bar_chart, line_chart, nice_ticks

    assert nice_ticks(0, 95) == [0, 25, 50, 75, 100]
    assert nice_ticks(0, 4000)[-1] >= 4000
    lines = [Line("a", "<b>甲</b>", [1, None, 3]), Line("b", "乙 & 丙", [2, 2, 0])]
    svg = str(bar_chart("t", "Title <x>", ["2019", "2020", "2021"], lines))
    assert "<b>" not in svg and "&lt;b&gt;甲" in svg and "乙 &amp; 丙" in svg and "Title &lt;x&gt;" in svg
    assert set(MARK_RE.findall(svg)) == {("a", "2019", "1"), ("a", "2021", "3"), ("b", "2019", "2"),
                                         ("b", "2020", "2"), ("b", "2021", "0")}
    svg = str(line_chart("l", "T", ["2019", "2020", "2021"], lines))
    assert svg.count('class="mark"') == 5 and svg.count("<polyline") == 1  # a gap breaks the line of a
    assert "style=" not in svg and "<script" not in svg  # the UI's policy: no inline style, no script
