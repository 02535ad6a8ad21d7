"""The archive end to end on the replica: dedup by revisit, a crawl killed with SIGKILL, index and WACZ.

- Recrawling the unchanged replica writes revisit records only, and payload bytes <= 2% of the first crawl's.
- A crawl killed with SIGKILL mid-write, repaired with `govcrawl repair`, then resumed, leaves files that
  pass `warcio check` and FastWARC's digest checks, and every record the database refers to is there.
- `govcrawl index` writes a CDXJ index and pages list; `govcrawl pack` a WACZ that passes `wacz validate`.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from govcrawl.archive.files import verify_file
from govcrawl.replica.server import ReplicaServer
from tests.conftest import REPO, run_govcrawl

pytestmark = pytest.mark.e2e
PORTALS = ("zj_gov", "zhoushan")  # jcms in UTF-8 and in GBK, dataproxy POSTs: plain downloads, fast


def archive_cmd(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`govcrawl repair|verify|index|pack ...`"""
    return run_govcrawl(*args, cwd=cwd)


def crawl_args(replica: ReplicaServer, db: str, warc_dir: Path, portals=PORTALS) -> list[str]:
    args = ["crawl"]
    for slug in portals:
        args += ["--portal", slug]
    return args + ["--proxy", replica.proxy_url, "--ca-file", replica.ca_path, "--db", db, "--warc-dir", str(warc_dir)]


def crawl_id_of(path: Path) -> str:
    return "-".join(path.name.split("-")[1:3])  # govcrawl-{time}-{hex}-{spider}-{time}-{serial}.warc.gz


def records_of(files) -> list[dict]:
    out = []
    for path in files:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                h = record.rec_headers
                out.append(
                    {
                        "type": record.rec_type,
                        "url": h.get_header("WARC-Target-URI"),
                        "digest": h.get_header("WARC-Payload-Digest"),
                        "payload": len(record.content_stream().read()) if record.rec_type == "response" else 0,
                        "file": path.name,
                    }
                )
    return out


def assert_valid(files) -> None:
    assert files
    for path in files:
        check = subprocess.run(["warcio", "check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        verdict = verify_file(path)
        assert verdict.ok, verdict.problems
        assert verdict.payload_digests > 0


def assert_db_references_hold(db_file: Path, warc_dir: Path) -> int:
    """Every WARC location the database holds is a response or revisit record of that URL."""
    con = sqlite3.connect(db_file)
    refs = []
    for table in ("reports", "drops", "captures", "payload_digests"):
        try:
            refs += [
                (table, *row)
                for row in con.execute(
                    f"select url, warc_filename, warc_offset from {table} where warc_filename is not null"
                )
            ]
        except sqlite3.OperationalError:  # a table another part of govcrawl may not have
            continue
    con.close()
    assert refs
    for table, url, filename, offset in refs:
        path = warc_dir / filename
        assert path.is_file(), (table, url, filename)
        with open(path, "rb") as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh)))
            assert record.rec_type in ("response", "revisit"), (table, url, record.rec_type)
            assert record.rec_headers.get_header("WARC-Target-URI") == url, (table, url)
    return len(refs)


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer(port=0) as server:
        yield server


@pytest.fixture(scope="module")
def twice(tmp_path_factory, replica):
    """The same portals crawled twice from the unchanged replica, into one WARC folder and database."""
    work = tmp_path_factory.mktemp("twice")
    db_file = work / "govcrawl.sqlite3"
    db = f"sqlite:///{db_file}"
    warc_dir = work / "warc"
    runs, rows = [], []
    for i in range(2):
        before = set(warc_dir.glob("*.warc.gz")) if warc_dir.exists() else set()
        result = run_govcrawl(*crawl_args(replica, db, warc_dir), "--stats-json", str(work / f"stats{i}.json"), cwd=work)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
        runs.append(sorted(set(warc_dir.glob("*.warc.gz")) - before))
        con = sqlite3.connect(db_file)
        rows.append(con.execute("select * from reports order by url").fetchall())
        con.close()
        time.sleep(1.1)  # file names carry the second: keep the two crawls apart
    stats = [json.loads((work / f"stats{i}.json").read_text(encoding="utf-8")) for i in range(2)]
    return {"work": work, "db": db, "db_file": db_file, "warc_dir": warc_dir, "first": runs[0], "second": runs[1],
            "stats": stats, "rows": rows}


def test_unchanged_pages_are_confirmed_without_a_second_analysis(twice):
    """The recrawl gets every report in full with the bytes of its latest capture (no conditional requests outside
    the nightly): each is confirmed (seen, last confirmed) and not analysed again; the rows keep their fields."""
    first, second = twice["stats"]
    reports = len(twice["rows"][0])
    assert reports > 20 and len(twice["rows"][1]) == reports
    assert sum(h["reports"] for h in first["portals"]) == sum(h["new"] for h in first["portals"]) == reports
    assert sum(h["attachments"] for h in first["portals"]) > 0  # counted apart from the reports
    assert sum(h["analysis_skipped"] for h in first["portals"]) == 0
    assert all(h["ok"] for h in second["portals"])
    assert sum(h["reports"] for h in second["portals"]) == reports
    assert sum(h["new"] + h["changed"] for h in second["portals"]) == 0
    assert sum(h["unchanged"] for h in second["portals"]) == sum(h["analysis_skipped"] for h in second["portals"]) \
        == reports
    con = sqlite3.connect(twice["db_file"])
    columns = [c[1] for c in con.execute("pragma table_info(reports)")]
    confirmed = con.execute("select count(*) from captures where last_confirmed is not null").fetchone()[0]
    con.close()
    assert confirmed == reports
    seen = {columns.index("last_seen"), columns.index("first_seen")}
    strip = lambda rows: [tuple(v for i, v in enumerate(r) if i not in seen) for r in rows]  # noqa: E731
    assert strip(twice["rows"][1]) == strip(twice["rows"][0])
    assert all(b[columns.index("last_seen")] > a[columns.index("last_seen")] for a, b in zip(*twice["rows"]))


def test_recrawl_of_the_unchanged_replica_writes_revisit_records_only(twice):
    first, second = records_of(twice["first"]), records_of(twice["second"])
    archived = {(r["url"], r["digest"]) for r in first if r["type"] == "response" and r["payload"]}
    answers = [r for r in second if r["type"] in ("response", "revisit")]
    assert answers
    full_again = [r["url"] for r in answers if r["type"] == "response" and (r["url"], r["digest"]) in archived]
    assert full_again == []  # every unchanged payload is a revisit record
    assert Counter(r["type"] for r in second)["revisit"] >= len(archived)
    # every exchange still has its request record, linked to its response or revisit
    assert Counter(r["type"] for r in second)["request"] == len(answers)

    first_bytes = sum(r["payload"] for r in first)
    second_bytes = sum(r["payload"] for r in second)
    ratio = second_bytes / first_bytes
    print(f"\npayload bytes: first crawl {first_bytes:,}, recrawl {second_bytes:,} ({ratio:.2%})")
    assert first_bytes > 100_000
    assert ratio <= 0.02, (first_bytes, second_bytes)
    assert_valid(twice["first"] + twice["second"])


def test_database_points_at_response_or_revisit_records_after_the_recrawl(twice, ground_truth):
    assert assert_db_references_hold(twice["db_file"], twice["warc_dir"]) > 0
    con = sqlite3.connect(twice["db_file"])
    digests = con.execute("select count(*), sum(revisits) from payload_digests").fetchone()
    reports = {url for (url,) in con.execute("select url from reports")}
    con.close()
    assert digests[0] > 0 and digests[1] >= digests[0] - 2  # (a POST or two may answer differently)
    assert {r["url"] for r in ground_truth["reports"] if r["portal"] in PORTALS} <= reports


def test_index_and_pages_list(twice):
    out = archive_cmd("index", "--warc-dir", str(twice["warc_dir"]), "--db", twice["db"], cwd=twice["work"])
    assert out.returncode == 0, out.stderr
    lines = (twice["warc_dir"] / "index.cdxj").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line.split(" ", 2)[2]) for line in lines]
    records = records_of(twice["first"] + twice["second"])
    assert len(entries) == sum(r["type"] in ("response", "revisit") for r in records)
    assert any(e.get("mime") == "warc/revisit" for e in entries)
    assert any("__wb_method=post&" in line for line in lines)  # dataproxy POSTs keyed with their bodies
    pages = [json.loads(line) for line in (twice["warc_dir"] / "pages.jsonl").read_text(encoding="utf-8").splitlines()]
    assert pages[0]["format"] == "json-pages-1.0"
    con = sqlite3.connect(twice["db_file"])
    reports = dict(con.execute("select url, title from reports"))
    con.close()
    assert {p["url"]: p["title"] for p in pages[1:]} == reports  # each report, with its title


def test_pack_writes_a_wacz_that_passes_wacz_validate(twice):
    output = twice["work"] / "second.wacz"
    crawl = crawl_id_of(twice["second"][0])
    result = archive_cmd(
        "pack", "--warc-dir", str(twice["warc_dir"]), "--db", twice["db"], "--crawl", crawl, "-o", str(output),
        cwd=twice["work"],
    )
    assert result.returncode == 0, result.stdout + result.stderr
    validate = subprocess.run(["wacz", "validate", "-f", str(output)], capture_output=True, text=True)
    assert validate.returncode == 0 and "valid" in validate.stdout, validate.stdout + validate.stderr
    import zipfile

    names = zipfile.ZipFile(output).namelist()
    archived = {n.split("/", 1)[1] for n in names if n.startswith("archive/")}
    # the recrawl's files, and the first crawl's that hold the originals its revisits refer to
    assert {p.name for p in twice["second"]} <= archived
    assert archived & {p.name for p in twice["first"]}
    assert {"datapackage.json", "pages/pages.jsonl", "indexes/index.cdx.gz"} <= set(names)


def test_pack_refuses_unfinished_files(tmp_path):
    (tmp_path / "govcrawl-x-20260101000000-00001.warc.gz.open").write_bytes(b"")
    (tmp_path / "govcrawl-y-20260101000000-00001.warc.gz").write_bytes(b"")
    result = archive_cmd("pack", "--warc-dir", str(tmp_path), "--no-db", "-o", str(tmp_path / "a.wacz"), cwd=tmp_path)
    assert result.returncode == 2 and "govcrawl repair" in result.stderr


def _stored_reports(db_file) -> int:
    """Reports with a WARC location the crawl has committed so far (0 while the database is not there yet)."""
    if not db_file.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=0.1)
        try:
            return con.execute("select count(*) from reports where warc_filename is not null").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def test_a_crawl_killed_with_sigkill_is_repaired_and_resumed(tmp_path, replica, ground_truth):
    db_file = tmp_path / "govcrawl.sqlite3"
    db = f"sqlite:///{db_file}"
    warc_dir = tmp_path / "warc"
    env = dict(os.environ, PYTHONPATH=str(REPO), GOVCRAWL_DOWNLOAD_DELAY="0.1", GOVCRAWL_AUTOTHROTTLE="0")
    crawl = subprocess.Popen(
        [sys.executable, "-m", "govcrawl", *crawl_args(replica, db, warc_dir)],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        # killed mid-crawl once records are written and the database already points at some of them (the
        # analysis runs in worker processes: rows come a little after their records)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and crawl.poll() is None:
            written = sum(p.stat().st_size for p in warc_dir.glob("*.open")) if warc_dir.exists() else 0
            if written > 40_000 and _stored_reports(db_file) > 0:
                break
            time.sleep(0.01)
        assert crawl.poll() is None, "the crawl ended before it could be killed"
        os.kill(crawl.pid, signal.SIGKILL)
    finally:
        if crawl.poll() is None:
            crawl.kill()
        crawl.wait(10)
    assert crawl.returncode == -signal.SIGKILL
    left_open = list(warc_dir.glob("*.warc.gz.open"))
    assert left_open

    repaired = archive_cmd("repair", "--warc-dir", str(warc_dir), cwd=tmp_path)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert not list(warc_dir.glob("*.open"))
    assert_valid(sorted(warc_dir.glob("*.warc.gz")))
    assert assert_db_references_hold(db_file, warc_dir) > 0  # nothing the database was told is lost

    resumed = run_govcrawl(*crawl_args(replica, db, warc_dir), cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert not list(warc_dir.glob("*.open"))
    assert_valid(sorted(warc_dir.glob("*.warc.gz")))
    assert assert_db_references_hold(db_file, warc_dir) > 0
    con = sqlite3.connect(db_file)
    reports = {url for (url,) in con.execute("select url from reports")}
    con.close()
    assert {r["url"] for r in ground_truth["reports"] if r["portal"] in PORTALS} <= reports
    verify = archive_cmd("verify", "--warc-dir", str(warc_dir), cwd=tmp_path)
    assert verify.returncode == 0 and "INVALID" not in verify.stdout, verify.stdout
