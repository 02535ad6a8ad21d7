"""End-to-end: `govcrawl demo` crawls the bundled replica over 127.0.0.1 into WARC + SQLite.

Judged against the replica's ground truth: every report exactly once with the right metadata,
spam copies and non-reports dropped with recorded reasons, every WARC file valid.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from collections import Counter

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import REPO, run_govcrawl, wait_for_port
from tests.pgserver import free_port

pytestmark = pytest.mark.e2e
FIELDS = ("title", "report_year", "index_no", "publisher", "written_date", "published_date", "doc_no", "portal")


def test_demo_exits_zero_and_prints_the_summary(demo_run):
    result = demo_run["result"]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    out = result.stdout
    for heading in ("Reports in", "Crawl health", "Drops:", "WARC files in"):
        assert heading in out
    for slug in ("zj_gov", "zj_fzggw", "zhoushan", "hz_drc", "web_search"):
        assert slug in out
    assert "FAILED" not in out


def test_every_report_exactly_once_with_ground_truth_metadata(demo_run, ground_truth):
    rows = demo_run["rows"]
    urls = Counter(row["url"] for row in rows)
    assert [u for u, n in urls.items() if n > 1] == []
    expected = {r["url"]: r for r in ground_truth["reports"]}
    assert set(urls) == set(expected), {
        "missing": sorted(set(expected) - set(urls)),
        "unexpected": sorted(set(urls) - set(expected)),
    }
    mismatches = []
    for row in rows:
        truth = expected[row["url"]]
        for field in FIELDS:
            if row[field] != truth[field]:
                mismatches.append((row["url"], field, row[field], truth[field]))
    assert mismatches == []
    assert all(row["warc_filename"] and row["warc_offset"] is not None for row in rows)


def test_the_reporting_body_is_the_one_the_title_names(demo_run, ground_truth):
    """A report titled "<portal's name><year>年…" is that body's (exported with it); a title that names a place only
    (台州市2016年…) names no body."""
    names = {k: p.get("name") for k, p in ground_truth["portals"].items()}
    checked = 0
    for row in demo_run["rows"]:
        title, name = row["title"], names.get(row["portal"])
        if name and title.startswith(name) and title[len(name):len(name) + 4].isdigit():
            assert row["reporting_body"] == name, (row["url"], title, row["reporting_body"])
            checked += 1
        elif title[:3].endswith("市") and title[3:7].isdigit():
            assert row["reporting_body"] is None, (row["url"], title, row["reporting_body"])
    assert checked >= 50


def test_spam_and_non_reports_are_dropped_with_reasons(demo_run, ground_truth):
    con = sqlite3.connect(demo_run["work"] / "govcrawl.sqlite3")
    drops = {url: (kind, reasons) for url, kind, reasons in con.execute("select url, kind, reasons from drops")}
    exported = {row["url"] for row in demo_run["rows"]}
    for page in ground_truth["non_reports"]:
        assert page["url"] not in exported
        assert page["url"] in drops, page
        kind, reasons = drops[page["url"]]
        assert kind == page["kind"], page
        assert json.loads(reasons), page
    # seed 002's shop copy and seed 004 (the provincial work plan) among them, with their reasons
    seed_002 = next(p for p in ground_truth["non_reports"] if "seed 002" in p["note"])
    assert "commerce_navigation" in drops[seed_002["url"]][1]
    seed_004 = next(p for p in ground_truth["non_reports"] if "seed 004" in p["note"])
    assert drops[seed_004["url"]][0] == "other"


def test_every_warc_file_passes_warcio_check_and_holds_the_exchanges(demo_run):
    files = sorted(demo_run["warc_dir"].glob("*.warc.gz"))
    assert files and not list(demo_run["warc_dir"].glob("*.open"))
    types: Counter = Counter()
    uris = set()
    for path in files:
        check = subprocess.run(["warcio", "check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                types[record.rec_type] += 1
                uris.add(record.rec_headers.get_header("WARC-Target-URI") or "")
    assert types["response"] == types["request"] > 0
    assert types["conversion"] >= 1  # the JavaScript-built listing, rendered by the browser
    assert any(u.endswith("/robots.txt") for u in uris)
    # https portals archived under their https URLs (the browser's included), the others under http
    assert "https://drc.hangzhou.gov.cn/robots.txt" in uris and "http://www.zhoushan.gov.cn/robots.txt" in uris
    assert any(u.startswith("https://drc.hangzhou.gov.cn/gate/big5/") for u in uris)
    assert not any(u.startswith("http://www.zj.gov.cn/") for u in uris)
    assert any("dataproxy.jsp" in u for u in uris)
    assert any("/front/page/build/unit" in u for u in uris)
    assert any(u.endswith(".pdf") for u in uris)
    # each report row points at its own response record
    for row in demo_run["rows"][:5]:
        with open(demo_run["warc_dir"] / row["warc_filename"], "rb") as fh:
            fh.seek(row["warc_offset"])
            record = next(iter(ArchiveIterator(fh)))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Target-URI") == row["url"]


def test_crawl_through_a_separately_started_replica(tmp_path, ground_truth):
    """`govcrawl replica --port N` + `govcrawl crawl --proxy`, the way a user runs them by hand."""
    import sys

    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO), GOVCRAWL_REPLICA_STATE_DIR=str(tmp_path / "replica"))
    server = subprocess.Popen([sys.executable, "-m", "govcrawl", "replica", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, text=True)
    try:
        wait_for_port(port)
        ca = tmp_path / "replica" / "ca.pem"
        assert f"CA certificate: {ca}" in server.stdout.readline() + server.stdout.readline()
        db = f"sqlite:///{tmp_path / 'z.sqlite3'}"
        result = run_govcrawl(  # zhoushan serves http, zj_fzggw https (with the CA the replica printed)
            "crawl", "--portal", "zhoushan", "--portal", "zj_fzggw", "--proxy", f"http://127.0.0.1:{port}",
            "--ca-file", str(ca), "--db", db, "--warc-dir", str(tmp_path / "warc"), cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        rows = run_govcrawl("export", "--db", db, "--format", "csv", cwd=tmp_path).stdout.splitlines()
        assert rows[0].startswith("url,portal,title,report_year")
        expected = [r for r in ground_truth["reports"] if r["portal"] in ("zhoushan", "zj_fzggw")]
        assert len(rows) - 1 == len(expected) > 0
        assert {r.split(",")[0] for r in rows[1:]} == {r["url"] for r in expected}
    finally:
        server.terminate()
        server.wait(10)


def test_a_window_of_portals_crawls_every_portal_a_few_at_a_time(replica, ground_truth, tmp_path):
    """--parallel-portals 2: the next portal starts when one ends; all complete, never more than 2 at once."""
    import datetime as dt

    slugs = ["zj_gov", "zj_fzggw", "zhoushan", "hangzhou", "ningbo"]  # plain portals: no browser needed
    db = f"sqlite:///{tmp_path / 'w.sqlite3'}"
    args = [a for s in slugs for a in ("--portal", s)]
    result = run_govcrawl(
        "crawl", *args, "--parallel-portals", "2", "--proxy", replica.proxy_url, "--ca-file", replica.ca_path, "--db", db,
        "--warc-dir", str(tmp_path / "warc"), "--stats-json", str(tmp_path / "stats.json"), cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    portals = json.loads((tmp_path / "stats.json").read_text())["portals"]
    assert [p["portal"] for p in portals] == slugs and all(p["ok"] for p in portals)
    spans = [(dt.datetime.fromisoformat(p["stats"]["start_time"]), dt.datetime.fromisoformat(p["stats"]["finish_time"]))
             for p in portals]
    most = max(sum(1 for a, b in spans if a <= t < b) for t, _ in spans)
    assert most == 2
    rows = [json.loads(l) for l in run_govcrawl("export", "--db", db, "--format", "jsonl").stdout.splitlines()]
    assert {r["url"] for r in rows} == {r["url"] for r in ground_truth["reports"] if r["portal"] in slugs}


def test_unreachable_proxy_fails_loudly(tmp_path):
    result = run_govcrawl(
        "crawl", "--portal", "zj_gov", "--proxy", "http://127.0.0.1:9",
        "--db", f"sqlite:///{tmp_path / 'x.sqlite3'}", "--warc-dir", str(tmp_path / "w"), cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "FAILED portal zj_gov: no page could be downloaded" in result.stderr
    assert "Traceback" not in result.stderr.split("FAILED")[-1]


@pytest.mark.parametrize(
    "args, message",
    [
        (["crawl", "--portal", "no_such_portal"], "unknown portal no_such_portal"),
        (["crawl", "--proxy", "not-a-url"], "expected a URL like"),
        (["export", "--format", "xml"], "invalid choice"),
        (["inspect", "/no/such/file.html"], "no such file"),
        (["crawl", "--db", "nosuchdb://x"], "cannot use database URL"),
        (["replica", "--port", "70000"], "not a port number"),
        (["crawl", "--parallel-portals", "-1"], "--parallel-portals -1: 0 (all at once) or more"),
    ],
)
def test_bad_arguments_give_a_clear_message(tmp_path, args, message):
    result = run_govcrawl(*args, cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_inspect_gives_the_statistics_of_seed_000():
    import json as _json

    result = run_govcrawl("inspect", "govcrawl/replica/seeds/000_c329f63d9b8143d2.txt", timeout=60)
    assert result.returncode == 0, result.stderr
    stats = _json.loads(result.stdout)["statistics"]
    apps = stats["applications"]
    assert (apps["new_received"]["total"], apps["carried_over"]["total"]) == (142, 6)
    assert (apps["total_handled"]["total"], apps["carried_forward"]["total"]) == (146, 2)
    assert apps["new_received"]["natural_person"] == 120
    assert stats["consistency_ok"] is True


def test_export_with_statistics_is_wide_and_keeps_empty_cells_empty(demo_run):
    import csv
    import io

    result = run_govcrawl("export", "--db", demo_run["db"], "--format", "csv", "--statistics", cwd=demo_run["work"])
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(demo_run["rows"])
    with_tables = [r for r in rows if r.get("applications.new_received.total")]
    assert with_tables, "some replica reports carry the national template's tables"
    for row in with_tables:
        assert row["statistics_format"] in ("2019", "2021")


def test_a_wrong_drop_can_be_found_and_undone(demo_run, ground_truth, tmp_path):
    import shutil

    # work on a copy: the other end-to-end tests read the demo's database
    db_file = tmp_path / "copy.sqlite3"
    shutil.copy(demo_run["work"] / "govcrawl.sqlite3", db_file)
    db = f"sqlite:///{db_file}"
    listed = run_govcrawl("drops", "--db", db, "--kind", "other", cwd=tmp_path)
    assert listed.returncode == 0
    plan = next(p for p in ground_truth["non_reports"] if "seed 004" in p["note"])
    assert plan["url"] in listed.stdout and "工作要点" in listed.stdout
    accepted = run_govcrawl("accept", plan["url"], "--db", db, "--warc-dir", str(demo_run["warc_dir"]), cwd=tmp_path)
    assert accepted.returncode == 0, accepted.stderr
    rows = [json.loads(l) for l in run_govcrawl("export", "--db", db, "--format", "jsonl").stdout.splitlines()]
    [row] = [r for r in rows if r["url"] == plan["url"]]
    assert "工作要点" in row["title"] and row["warc_filename"]
    assert plan["url"] not in run_govcrawl("drops", "--db", db, cwd=tmp_path).stdout
    missing = run_govcrawl("accept", "http://no.such/page", "--db", db, cwd=tmp_path)
    assert missing.returncode == 2 and "not among the drops" in missing.stderr


def test_attachments_are_archived_with_their_text(demo_run):
    con = sqlite3.connect(demo_run["work"] / "govcrawl.sqlite3")
    rows = con.execute("select url, report_url, text, text_note, warc_filename from attachments").fetchall()
    pdf = [r for r in rows if r[0].endswith(".pdf")]
    assert pdf, rows
    # the Zhejiang report's PDF among them (rows come in the order portals happened to store them) ...
    assert [r for r in pdf if r[1].startswith("https://www.zj.gov.cn/art/")], pdf
    # ... and every PDF archived with its text, linked to the report that links it (never to the download script a
    # redirect came from: downfile.jsp -> 302 -> /attach/0/<file>)
    for url, report_url, text, note, warc_filename in pdf:
        assert warc_filename and report_url != url and "downfile.jsp" not in report_url, (url, report_url)
        assert "government information disclosure annual report" in text and note.startswith("pdf"), url


def test_missing_lists_exactly_the_portals_without_a_report_for_the_year(demo_run, ground_truth):
    import csv
    import io

    result = run_govcrawl("missing", "--year", "2017", "--db", demo_run["db"], "--format", "csv", cwd=demo_run["work"])
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    have = {r["portal"] for r in ground_truth["reports"] if r["report_year"] == 2017}
    expected = {slug for slug in ground_truth["portals"] if slug not in have and slug != "web_search"}
    assert {r["portal"] for r in rows} == expected and "lishui" in expected
    lishui = next(r for r in rows if r["portal"] == "lishui")
    assert (lishui["deadline"], lishui["status"]) == ("2018-03-31", "overdue")  # a government: 31 March
    departments = [r for r in rows if r["level"] == "department"]
    assert all(r["deadline"] == "2018-01-31" for r in departments)
    table = run_govcrawl("missing", "--year", "2017", "--db", demo_run["db"], cwd=demo_run["work"])
    assert f"Portals with no report for 2017: {len(expected)} of" in table.stdout
    bad = run_govcrawl("missing", "--year", "1999", "--db", demo_run["db"], cwd=demo_run["work"])
    assert bad.returncode == 2 and "reports exist from 2008" in bad.stderr


def test_missing_by_unit_lists_the_reporting_units_without_a_report_for_the_year(demo_run, ground_truth):
    """Units, not portals: a reporting body is expected every year from the first year it is archived; its deadline
    follows its name (政府: 31 March, any other body: 31 January). Checked against the exported reports."""
    import csv
    import io

    year = 2021
    units: dict[str, dict] = {}
    for row in demo_run["rows"]:
        if row["reporting_body"] and row["report_year"]:
            u = units.setdefault(row["reporting_body"], {"years": set(), "portals": set()})
            u["years"].add(row["report_year"])
            u["portals"].add(row["portal"])
    expected = {name for name, u in units.items() if min(u["years"]) <= year and year not in u["years"]}
    assert len(expected) >= 3, sorted(expected)  # the replica's portals that skip a year: the check is not empty
    result = run_govcrawl("missing", "--year", str(year), "--by", "unit", "--db", demo_run["db"], "--format", "csv",
                          cwd=demo_run["work"])
    assert result.returncode == 0, result.stderr
    rows = {r["unit"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert set(rows) == expected
    for name, r in rows.items():
        assert set(r["portals"].split()) == units[name]["portals"]
        assert int(r["first year"]) == min(units[name]["years"]) <= year
        assert r["deadline"] == (f"{year + 1}-03-31" if name.endswith("政府") else f"{year + 1}-01-31"), r
        assert r["status"] == "overdue"
    table = run_govcrawl("missing", "--year", str(year), "--by", "unit", "--db", demo_run["db"], cwd=demo_run["work"])
    assert f"Reporting units with no report for {year}: {len(expected)} of " in table.stdout
    bad = run_govcrawl("missing", "--year", str(year), "--by", "county", "--db", demo_run["db"], cwd=demo_run["work"])
    assert bad.returncode == 2 and "invalid choice: 'county'" in bad.stderr
