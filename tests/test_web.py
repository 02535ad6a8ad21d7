"""The archive browser (`govcrawl serve`) on a real crawl of the replica: search, report pages, captures,
coverage, export, and its safety (sandboxed archived pages, no file outside the archive, bound
parameters, read-only database, 400/404). Starlette's TestClient; the browser test is test_web_browser.py.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import warnings
from pathlib import Path
from urllib.parse import quote

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from tests.conftest import REPO, run_govcrawl  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore:Using `httpx`")]

SEED000_PHRASE = "甬舟铁路可行性研究报告批复"  # a phrase of seed 000 (浙江省发展和改革委员会, 2020)
SEED000_TITLE = "浙江省发展和改革委员会2020年政府信息公开工作年度报告"


def copy_db(src: str, dst: Path) -> str:
    """A consistent copy of a SQLite database (backup API: the WAL is folded in)."""
    source = sqlite3.connect(src[len("sqlite:///"):])
    target = sqlite3.connect(dst)
    source.backup(target)
    source.close()
    target.close()
    return f"sqlite:///{dst}"


def make_client(db_url: str, warc_dir: Path, **kw):
    from starlette.testclient import TestClient

    from govcrawl.web.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TestClient(create_app(db_url, warc_dir, **kw))


@pytest.fixture(scope="module")
def site(demo_run, tmp_path_factory):
    """A copy of the demo crawl's database with the search index built, and a client over it."""
    assert demo_run["result"].returncode == 0, demo_run["result"].stderr[-2000:]
    work = tmp_path_factory.mktemp("web")
    db = copy_db(demo_run["db"], work / "govcrawl.sqlite3")
    from govcrawl.web import build_index

    assert build_index(db) == "present"  # every crawl leaves the index built (govcrawl/cli.py)
    client = make_client(db, demo_run["warc_dir"], replay_url="http://127.0.0.1:8080/govcrawl/")
    return {"db": db, "path": Path(db[len("sqlite:///"):]), "warc_dir": demo_run["warc_dir"], "client": client,
            "work": work}


def sql(site, query: str, *args):
    conn = sqlite3.connect(site["path"])
    try:
        return conn.execute(query, args).fetchall()
    finally:
        conn.close()


def result_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<a class="title" href="/report/(\d+)"', html)]


def total_of(html: str) -> int:
    return int(re.search(r'id="total">(\d+)<', html).group(1))


# --- search -------------------------------------------------------------------------------------


def test_home_has_the_search_form(site):
    r = site["client"].get("/")
    assert r.status_code == 200
    assert '<form class="search" action="/search"' in r.text
    assert 'name="q"' in r.text and 'name="level"' in r.text and 'name="region"' in r.text


def test_a_phrase_of_seed_000_finds_its_report(site):
    from govcrawl.replica.content import seed_text

    assert SEED000_PHRASE in seed_text("000")
    r = site["client"].get("/search", params={"q": SEED000_PHRASE})
    assert r.status_code == 200
    ids = result_ids(r.text)
    assert len(ids) == 1 and total_of(r.text) == 1
    assert sql(site, "SELECT title, portal FROM reports WHERE id = ?", ids[0]) == [(SEED000_TITLE, "zj_fzggw")]
    assert "<mark>" + SEED000_PHRASE + "</mark>" in r.text  # the snippet shows where


def test_every_seed_000_sentence_finds_the_report(site):
    """Longer phrases from several places of seed 000 (through the FTS5 trigram index)."""
    from govcrawl.replica.content import seed_text

    body = sql(site, "SELECT id, body_text FROM reports WHERE title = ?", SEED000_TITLE)
    assert body
    report_id, text = body[0]
    lines = [line.strip() for line in seed_text("000").splitlines() if len(line.strip()) > 40]
    checked = 0
    for line in lines[:: max(1, len(lines) // 6)]:
        phrase = line[10:24]
        if phrase not in text:
            continue
        # a phrase of the national template's preamble is in most reports: read every page of the results
        ids, page = [], 1
        while report_id not in ids:
            found = result_ids(site["client"].get("/search", params={"q": phrase, "per_page": 200, "page": page}).text)
            if not found:
                break
            ids += found
            page += 1
        assert report_id in ids, phrase
        checked += 1
    assert checked >= 3


def test_traditional_query_finds_simplified_text(site):
    r = site["client"].get("/search", params={"q": "甬舟鐵路可行性研究報告批覆"})
    assert total_of(r.text) == 1


def test_short_queries_fall_back_to_substring_match(site):
    """One or two characters are below the trigram length: LIKE, same answer as SQL's instr()."""
    for q in ("复议", "诉"):
        r = site["client"].get("/search", params={"q": q, "per_page": 200})
        assert r.status_code == 200
        expected = sql(site, "SELECT COUNT(*) FROM reports WHERE instr(title, ?) OR instr(publisher, ?) OR instr(body_text, ?)",
                       q, q, q)[0][0]
        assert total_of(r.text) == expected > 0
        assert "below the trigram length" in r.text


def test_two_words_are_both_required(site):
    a, b = "重大行政决策", "行政复议"
    r = site["client"].get("/search", params={"q": f"{a} {b}", "per_page": 200})
    expected = sql(site, "SELECT COUNT(*) FROM reports WHERE (instr(title, ?) OR instr(publisher, ?) OR instr(body_text, ?)) "
                         "AND (instr(title, ?) OR instr(publisher, ?) OR instr(body_text, ?))", a, a, a, b, b, b)[0][0]
    assert total_of(r.text) == expected > 0


def test_filters(site):
    from govcrawl.crawl.registry import default_registry

    registry = default_registry()
    departments = {s for s, p in registry.portals.items() if p.level == "department"}
    c = site["client"]
    r = c.get("/export.json", params={"level": "department"})
    rows = r.json()["reports"]
    assert rows and {row["portal"] for row in rows} <= departments
    assert len(rows) == sql(site, f"SELECT COUNT(*) FROM reports WHERE portal IN ({','.join('?' * len(departments))})",
                            *departments)[0][0]
    r = c.get("/export.json", params={"portal": "zj_gov", "year": "2021"})
    assert [(x["portal"], x["report_year"]) for x in r.json()["reports"]] == [("zj_gov", 2021)]
    r = c.get("/export.json", params={"year_from": "2019", "year_to": "2020", "publisher": "杭州"})
    rows = r.json()["reports"]
    assert rows and all(2019 <= x["report_year"] <= 2020 and "杭州" in x["publisher"] for x in rows)
    region = next(p.region for p in registry.portals.values() if p.level == "county")
    r = c.get("/export.json", params={"region": region})
    assert {x["region"] for x in r.json()["reports"]} == {region}
    # a filter nothing matches gives nothing, not everything
    assert total_of(c.get("/search", params={"region": "火星"}).text) == 0


def test_search_paginates(site):
    c = site["client"]
    first = c.get("/search", params={"q": "政府信息", "per_page": 10})
    second = c.get("/search", params={"q": "政府信息", "per_page": 10, "page": 2})
    assert total_of(first.text) > 20
    assert len(result_ids(first.text)) == 10 and not set(result_ids(first.text)) & set(result_ids(second.text))
    assert 'rel="next"' in first.text


def test_query_text_never_reaches_sql_as_sql(site):
    c = site["client"]
    for q in ("'; DROP TABLE reports; --", '" OR 1=1 --', "100%", "a_b", "NEAR(政府 公开)", "\\", "政府\" OR \"公开"):
        r = c.get("/search", params={"q": q})
        assert r.status_code == 200, q
    for q in ("100%", "0%", "a_b"):  # LIKE's wildcards are matched literally
        expected = sql(site, "SELECT COUNT(*) FROM reports WHERE instr(title, ?) OR instr(publisher, ?) OR instr(body_text, ?)",
                       q, q, q)[0][0]
        assert total_of(c.get("/search", params={"q": q}).text) == expected, q
    assert sql(site, "SELECT COUNT(*) FROM reports")[0][0] > 200


@pytest.mark.parametrize(
    "params, message",
    [
        ({"year": "abc"}, "year='abc': expected a whole number"),
        ({"year": "1900"}, "year=1900: expected"),
        ({"per_page": "0"}, "per_page=0"),
        ({"per_page": "100000"}, "per_page=100000"),
        ({"page": "-1"}, "page='-1'"),
        ({"level": "planet"}, "level='planet'"),
        ({"portal": "../etc"}, "not a portal slug"),
        ({"year_from": "2020", "year_to": "2019"}, "is after"),
        ({"q": "政" * 201}, "query too long"),
        ({"q": " ".join(f"政府公开{n}" for n in range(9))}, "too many words"),
        ({"order": "id; DROP TABLE reports"}, "unknown parameter 'order'"),
    ],
)
def test_bad_parameters_are_400_with_a_message(site, params, message):
    for path in ("/search", "/export.csv"):
        r = site["client"].get(path, params=params)
        assert r.status_code == 400, (path, params)
        assert message in r.text.replace("&#39;", "'"), r.text[-500:]
    r = site["client"].get("/export.json", params=params)
    assert r.status_code == 400 and message in r.json()["error"]


def test_unknown_ids_are_404(site):
    c = site["client"]
    assert c.get("/report/99999999").status_code == 404
    assert c.get("/report/abc").status_code == 404
    assert c.get("/report/1/diff", params={"a": "99999999", "b": "1"}).status_code == 404
    assert c.get("/report/1/diff", params={"a": "x", "b": "1"}).status_code == 400
    assert c.get("/nothing-here").status_code == 404
    assert c.get("/archived", params={"url": "http://nowhere.example/x"}).status_code == 404
    assert c.get("/archived", params={"url": "file:///etc/passwd"}).status_code == 400


# --- a report --------------------------------------------------------------------------------


def report_id(site, title: str) -> int:
    return sql(site, "SELECT id FROM reports WHERE title = ?", title)[0][0]


def test_report_page_shows_metadata_sources_statistics_checks_history(site):
    rid, url = sql(site, "SELECT id, url FROM reports WHERE statistics_checks != '[]' AND statistics_checks IS NOT NULL LIMIT 1")[0]
    r = site["client"].get(f"/report/{rid}")
    assert r.status_code == 200
    html = r.text
    title, sources = sql(site, "SELECT title, sources FROM reports WHERE id = ?", rid)[0]
    assert title in html
    for field, source in json.loads(sources).items():  # each field's source is shown
        assert re.search(rf"<th>{field}</th><td>[^<]*</td><td class=\"source\">{re.escape(source)}</td>", html), field
    assert "<th>reporting_body</th>" in html  # whose report it is, beside the publisher
    assert 'id="checks"' in html and 'class="flag"' in html  # flagged checks, flagged cells
    assert "三、收到和处理政府信息公开申请情况" in html  # statistics tables with their labels
    n_captures = sql(site, "SELECT COUNT(*) FROM captures WHERE url = ?", url)[0][0]
    assert html.count('name="a"') == n_captures >= 1
    assert 'id="replay"' in html and "http://127.0.0.1:8080/govcrawl/" in html and url in html


def test_report_lists_its_archived_attachment(site):
    rid = report_id(site, "浙江省2022年政府信息公开工作年度报告")
    html = site["client"].get(f"/report/{rid}").text
    block = re.search(r'<ul id="attachments">(.*?)</ul>', html, re.S).group(1)
    assert "(PDF版).pdf" in block
    download = re.search(r'href="(/archive/[^"]+/content)"', block).group(1)
    r = site["client"].get(download)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert r.headers["content-type"].startswith("application/pdf")
    assert r.headers["content-disposition"].startswith("attachment")
    assert r.headers["content-security-policy"].startswith("sandbox")


@pytest.mark.parametrize("portal", ["zj_fzggw", "zhoushan", "hz_drc"])
def test_captured_page_is_served_sandboxed_with_its_chinese_text(site, portal):
    """UTF-8, GBK (zhoushan) and Big5 (hz_drc's /gate/big5/ view) pages, decoded as served."""
    from govcrawl.analysis.text import decode_body

    rid, title, name, offset = sql(site, "SELECT id, title, warc_filename, warc_offset FROM reports WHERE portal = ? "
                                         "ORDER BY report_year DESC LIMIT 1", portal)[0]
    c = site["client"]
    page = c.get(f"/report/{rid}").text
    view = re.search(r'id="view-capture" href="([^"]+)"', page).group(1)
    assert view == f"/archive/{name}/{offset}"
    wrapper = c.get(view)
    assert wrapper.status_code == 200
    assert re.search(r'<iframe id="capture" class="capture" sandbox="" ', wrapper.text)
    assert "script-src" not in wrapper.headers["content-security-policy"]  # default-src 'none': no script in the UI
    assert "default-src 'none'" in wrapper.headers["content-security-policy"]
    content = c.get(view + "/content")
    assert content.status_code == 200
    csp = content.headers["content-security-policy"]
    assert csp.split(";")[0].strip() == "sandbox" and "default-src 'none'" in csp and "script" not in csp
    assert content.headers["x-content-type-options"] == "nosniff"
    assert "content-encoding" not in content.headers  # decoded from the WARC (gzip undone)
    text, _ = decode_body(content.content, content.headers["content-type"])
    from govcrawl.analysis.text import to_simplified

    assert title in to_simplified(text)


def test_raw_record_is_the_exact_gzip_member(site):
    from warcio.archiveiterator import ArchiveIterator

    rid, url, name, offset = sql(site, "SELECT id, url, warc_filename, warc_offset FROM reports LIMIT 1")[0]
    r = site["client"].get(f"/archive/{name}/{offset}/record.warc.gz")
    assert r.status_code == 200 and r.headers["content-type"] == "application/warc"
    data = r.content
    with open(site["warc_dir"] / name, "rb") as fh:
        fh.seek(offset)
        assert fh.read(len(data)) == data
    assert gzip.decompress(data).startswith(b"WARC/1.")
    records = list(ArchiveIterator(io.BytesIO(data)))
    assert len(records) == 1 and records[0].rec_headers.get_header("WARC-Target-URI") == url


def test_diff_between_two_captures(site, tmp_path):
    """A second version of a page (a capture row pointing at another record): the diff shows both."""
    db = copy_db(site["db"], tmp_path / "two.sqlite3")
    (url, name, offset), (name2, offset2) = (
        sql(site, "SELECT url, warc_filename, warc_offset FROM reports WHERE portal = 'zj_gov' AND report_year = 2021")[0],
        sql(site, "SELECT warc_filename, warc_offset FROM reports WHERE portal = 'zj_gov' AND report_year = 2022")[0],
    )
    conn = sqlite3.connect(tmp_path / "two.sqlite3")
    conn.execute("INSERT INTO captures (url, payload_digest, warc_filename, warc_offset, first_seen, last_seen) "
                 "VALUES (?, 'sha1:SECOND', ?, ?, '2030-01-01 00:00:00', '2030-01-01 00:00:00')", (url, name2, offset2))
    conn.commit()
    conn.close()
    client = make_client(db, site["warc_dir"])
    rid = sql(site, "SELECT id FROM reports WHERE url = ?", url)[0][0]
    html = client.get(f"/report/{rid}").text
    ids = [int(x) for x in re.findall(r'name="a" value="(\d+)"', html)]
    assert len(ids) == 2 and "Compare versions" in html
    r = client.get(f"/report/{rid}/diff", params={"a": ids[0], "b": ids[1]})
    assert r.status_code == 200
    assert 'class="changed"' in r.text or 'class="added"' in r.text
    assert "2021年" in r.text and "2022年" in r.text
    same = client.get(f"/report/{rid}/diff", params={"a": ids[0], "b": ids[0]})
    assert 'id="no-change"' in same.text
    other = sql(site, "SELECT id FROM captures WHERE url != ? LIMIT 1", url)[0][0]
    assert client.get(f"/report/{rid}/diff", params={"a": ids[0], "b": other}).status_code == 404


def test_revisit_records_show_their_original(site, replica, tmp_path):
    """A second crawl writes revisit records; the capture of one shows the original's payload."""
    from govcrawl.archive.files import warc_files
    from govcrawl.archive.index import iter_captures

    warc = tmp_path / "warc"
    shutil.copytree(site["warc_dir"], warc)
    db = copy_db(site["db"], tmp_path / "re.sqlite3")
    run = run_govcrawl("crawl", "--portal", "zj_gov", "--proxy", replica.proxy_url, "--ca-file", replica.ca_path,
                       "--db", db, "--warc-dir", str(warc), cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    report_urls = {u for (u,) in sql({"path": tmp_path / "re.sqlite3"}, "SELECT url FROM reports WHERE portal = 'zj_gov'")}
    revisit = next(c for c in iter_captures(warc_files(warc)) if c.record_type == "revisit" and c.url in report_urls)
    client = make_client(db, warc)
    r = client.get(f"/archive/{revisit.filename}/{revisit.offset}/content")
    assert r.status_code == 200
    title = sql({"path": tmp_path / "re.sqlite3"}, "SELECT title FROM reports WHERE url = ?", revisit.url)[0][0]
    assert title in r.content.decode("utf-8")
    page = client.get(f"/archive/{revisit.filename}/{revisit.offset}").text
    assert "identical payload: shown from the original" in page


# --- safety ---------------------------------------------------------------------------------------


def test_no_file_outside_the_archive_can_be_read(site, tmp_path):
    c = site["client"]
    name, offset = sql(site, "SELECT warc_filename, warc_offset FROM reports LIMIT 1")[0]
    secret = tmp_path / "secret.warc.gz"
    shutil.copy(site["warc_dir"] / name, secret)
    link = site["warc_dir"] / "zz-link-to-outside.warc.gz"
    link.symlink_to(secret)
    try:
        attempts = [
            "/archive/..%2F..%2F..%2Fetc%2Fpasswd/0",
            "/archive/..%2F..%2F..%2Fetc%2Fpasswd/0/content",
            "/archive/../../../../etc/passwd/0/content",
            "/archive/%2Fetc%2Fpasswd/0/record.warc.gz",
            "/archive/%252Fetc%252Fpasswd/0/content",
            f"/archive/..%2F{secret.parent.name}%2Fsecret.warc.gz/{offset}/content",
            f"/archive/{quote(str(secret), safe='')}/{offset}/content",
            f"/archive/{link.name}/{offset}/content",  # a symbolic link in the archive folder, to a file outside
            f"/archive/{link.name}/{offset}/record.warc.gz",
            "/archive/passwd/0/content",
            "/archive/.warc.gz/0/content",
            f"/archive/{name}/-1/content",
            f"/archive/{name}/1/content",  # not the start of a record
            f"/archive/{name}/99999999999/record.warc.gz",
            "/static/../../../etc/passwd",
            "/static/..%2F..%2F..%2Fetc%2Fpasswd",
            "/static/%2Fetc%2Fpasswd",
        ]
        for path in attempts:
            r = c.get(path)
            assert r.status_code in (400, 404), (path, r.status_code)
            assert b"root:" not in r.content
    finally:
        link.unlink()


def test_archived_script_cannot_run_against_the_ui(site):
    """The archived payload gets its own policy (sandbox: opaque origin, no script); the UI no script at all."""
    name, offset = sql(site, "SELECT warc_filename, warc_offset FROM reports LIMIT 1")[0]
    r = site["client"].get(f"/archive/{name}/{offset}/content")
    assert r.headers["content-security-policy"].startswith("sandbox;")
    assert "allow-scripts" not in r.headers["content-security-policy"]
    assert "allow-same-origin" not in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "SAMEORIGIN"
    home = site["client"].get("/")
    assert home.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in home.headers["content-security-policy"]
    assert "<script" not in home.text


def test_the_database_is_opened_read_only(site):
    from sqlalchemy import text

    webapp = site["client"].app.state.webapp
    before = site["path"].stat().st_mtime_ns
    with pytest.raises(Exception, match="readonly|read-only|query_only|attempt to write"):
        with webapp.db.engine.begin() as conn:
            conn.execute(text("DELETE FROM reports"))
    for path in ("/", "/search?q=政府信息公开", "/coverage", "/export.csv?year=2021"):
        assert site["client"].get(path).status_code == 200
    assert site["path"].stat().st_mtime_ns == before
    assert sql(site, "SELECT COUNT(*) FROM reports")[0][0] > 200


# --- coverage and export ---------------------------------------------------------------------------


def test_coverage_grid_matches_govcrawl_missing(site):
    year = 2020
    r = site["client"].get("/coverage", params={"from": year, "to": year})
    assert r.status_code == 200
    missing = run_govcrawl("missing", "--year", str(year), "--db", site["db"], "--format", "csv")
    assert missing.returncode == 0, missing.stderr
    expected = {row["portal"]: row["status"] for row in csv.DictReader(io.StringIO(missing.stdout))}
    grid = {}
    for slug, cell in re.findall(r'<tr><th title="([^"]+)">.*?</td>\s*(<td.*?</td>)\s*</tr>', r.text, re.S):
        grid[slug] = cell
    assert grid
    for slug, cell in grid.items():
        if slug in expected:
            assert ('class="missing"' if expected[slug] == "overdue" else 'class="pending"') in cell, slug
        else:
            assert 'class="have"' in cell or "not in the registry" in r.text, slug
    have = sql(site, "SELECT portal, id FROM reports WHERE report_year = ? AND portal = 'zj_gov'", year)
    assert f'href="/report/{have[0][1]}"' in r.text
    assert site["client"].get("/coverage", params={"from": "20x"}).status_code == 400
    assert site["client"].get("/coverage", params={"from": "2022", "to": "2010"}).status_code == 400


def test_export_csv_and_json_with_statistics(site):
    c = site["client"]
    params = {"q": "政府信息公开", "year": "2021"}
    total = total_of(c.get("/search", params=params).text)
    r = c.get("/export.csv", params=params)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == total > 0
    assert {"url", "portal", "title", "report_year", "level", "region", "report_page"} <= set(rows[0])
    stat_cols = [k for k in rows[0] if k.startswith("applications.")]
    assert stat_cols
    url = rows[0]["url"]
    cells = sql(site, "SELECT table_name, row_key, column_key, value FROM report_statistics WHERE report_url = ?", url)
    for t, row, col, value in cells[:20]:
        got = rows[0][f"{t}.{row}.{col}"]
        assert (got == "" if value is None else float(got) == value)
    j = c.get("/export.json", params=params).json()
    assert j["count"] == total and len(j["reports"]) == total
    first = next(x for x in j["reports"] if x["url"] == url)
    for t, row, col, value in cells[:20]:
        assert first["statistics"][t][row][col] == value
    assert "浙江" in json.dumps(j, ensure_ascii=False)


# --- the command --------------------------------------------------------------------------------


def serve_cmd(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    from govcrawl.cli import build_parser

    env = dict(os.environ, PYTHONPATH=str(REPO))
    import argparse

    subs = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    module = "govcrawl" if args[0] in subs.choices else "govcrawl.web"
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60)


def test_serve_rejects_bad_arguments(site, tmp_path):
    r = serve_cmd("serve", "--db", site["db"], "--warc-dir", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert r.returncode == 2 and "no such WARC folder" in r.stderr
    r = serve_cmd("serve", "--db", f"sqlite:///{tmp_path / 'none.sqlite3'}", "--warc-dir", str(site["warc_dir"]),
                  "--no-index", cwd=tmp_path)
    assert r.returncode == 2 and "no such database file" in r.stderr
    r = serve_cmd("serve", "--db", "nonsense://", "--warc-dir", str(site["warc_dir"]), cwd=tmp_path)
    assert r.returncode == 2 and "error" in r.stderr
    r = serve_cmd("serve", "--port", "99999", cwd=tmp_path)
    assert r.returncode == 2 and "not a port number" in r.stderr


def test_search_without_the_index_still_works(site, tmp_path):
    """A database nobody indexed (read-only serve): LIKE search, the same answers."""
    db = copy_db(site["db"], tmp_path / "plain.sqlite3")
    conn = sqlite3.connect(tmp_path / "plain.sqlite3")
    conn.executescript("DROP TRIGGER reports_fts_ai; DROP TRIGGER reports_fts_ad; DROP TRIGGER reports_fts_au; "
                       "DROP TABLE reports_fts;")
    conn.close()
    client = make_client(db, site["warc_dir"])
    r = client.get("/search", params={"q": SEED000_PHRASE})
    assert total_of(r.text) == 1
    assert "index is not built" in client.get("/").text


def test_index_follows_new_and_changed_reports(tmp_path):
    """The triggers keep the FTS table current when the crawler adds or changes a report."""
    from govcrawl.store.store import Store
    from govcrawl.web import build_index

    db = f"sqlite:///{tmp_path / 'g.sqlite3'}"
    store = Store(db)
    store.save_report({"url": "http://a.gov.cn/1", "portal": "zj_gov", "title": "甲年报", "report_year": 2020,
                       "body_text": "这是第一段文字，关于依申请公开。", "payload_digest": "sha1:A"})
    build_index(db)
    store.save_report({"url": "http://a.gov.cn/2", "portal": "zj_gov", "title": "乙年报", "report_year": 2021,
                       "body_text": "第二份报告讲行政复议案件。", "payload_digest": "sha1:B"})
    store.save_report({"url": "http://a.gov.cn/1", "portal": "zj_gov", "title": "甲年报", "report_year": 2020,
                       "body_text": "改过的文字：主动公开目录。", "payload_digest": "sha1:C"})
    store.close()
    warc = tmp_path / "warc"
    warc.mkdir()
    client = make_client(db, warc)
    assert total_of(client.get("/search", params={"q": "行政复议案件"}).text) == 1
    assert total_of(client.get("/search", params={"q": "主动公开目录"}).text) == 1
    assert total_of(client.get("/search", params={"q": "关于依申请公开"}).text) == 0
    # short words through the vocabulary: at the end of a column too, and one in no report
    assert total_of(client.get("/search", params={"q": "年报"}).text) == 2
    assert total_of(client.get("/search", params={"q": "报"}).text) == 2
    assert total_of(client.get("/search", params={"q": "复议"}).text) == 1
    assert total_of(client.get("/search", params={"q": "录"}).text) == 1  # 目录。: the sentence's end
    assert total_of(client.get("/search", params={"q": "乾坤"}).text) == 0


# --- PostgreSQL ----------------------------------------------------------------------------------


def test_search_on_postgresql(site, postgres_url):
    import uuid

    import sqlalchemy

    from govcrawl.store.store import Store
    from govcrawl.web import build_index

    name = "web_" + uuid.uuid4().hex[:10]
    admin = sqlalchemy.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = postgres_url.rsplit("/", 1)[0] + "/" + name
    Store(url).close()  # the schema
    src = sqlite3.connect(site["path"])
    src.row_factory = sqlite3.Row
    engine = sqlalchemy.create_engine(url)
    cols = ["id", "url", "portal", "title", "report_year", "publisher", "body_text", "warc_filename", "warc_offset",
            "sources", "original", "classification_reasons", "statistics_checks", "statistics_unparsed", "text_counts",
            "first_seen", "last_seen"]
    with engine.begin() as conn:
        rows = [dict(r) for r in src.execute(f"SELECT {', '.join(cols)} FROM reports")]
        conn.execute(sqlalchemy.text(f"INSERT INTO reports ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"),
                     rows)
        stats = [dict(r) for r in src.execute("SELECT report_url, table_name, row_key, column_key, value FROM report_statistics")]
        conn.execute(sqlalchemy.text("INSERT INTO report_statistics (report_url, table_name, row_key, column_key, value) "
                                     "VALUES (:report_url, :table_name, :row_key, :column_key, :value)"), stats)
    engine.dispose()
    src.close()
    assert build_index(url) == "created"
    client = make_client(url, site["warc_dir"])
    assert client.app.state.webapp.db.fts
    r = client.get("/search", params={"q": SEED000_PHRASE})
    assert total_of(r.text) == 1 and SEED000_TITLE in r.text
    for q in ("复议", "100%", "'; DROP TABLE reports; --"):
        sqlite_total = total_of(site["client"].get("/search", params={"q": q}).text)
        assert total_of(client.get("/search", params={"q": q}).text) == sqlite_total, q
    rid = result_ids(r.text)[0]
    page = client.get(f"/report/{rid}")
    assert page.status_code == 200 and SEED000_TITLE in page.text
    assert client.get("/export.json", params={"q": SEED000_PHRASE}).json()["count"] == 1
    assert client.get("/coverage").status_code == 200
    # the reports as data read the same figures from PostgreSQL
    for path in ("/trends.json?chart=outcomes", "/trends.json?chart=reviews"):
        assert client.get(path).json()["charts"] == site["client"].get(path).json()["charts"]
    assert client.get("/compare.json", params={"year": "2022", "portal": "zj_gov"}).json()["rows"] == \
        site["client"].get("/compare.json", params={"year": "2022", "portal": "zj_gov"}).json()["rows"]
    assert client.get("/quality").status_code == 200
    with pytest.raises(Exception, match="read-only"):
        with client.app.state.webapp.db.engine.begin() as conn:
            conn.execute(sqlalchemy.text("DELETE FROM reports"))
