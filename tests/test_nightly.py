"""The nightly crawl on the replica: cheap when nothing changed, exact when one report changed, and a crawl
killed at a random point (SIGKILL) resumes to the same database and archive as an uninterrupted one."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from govcrawl.replica.server import ReplicaServer
from govcrawl.store.models import EXPORT_FIELDS
from govcrawl.store.store import Store

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parent.parent
# every platform: jcms (gzip, GBK), JPaaS, the browser-rendered Big5 list, breadth portals
NIGHTLY_PORTALS = ["zj_gov", "zj_fzggw", "zhoushan", "hz_drc", "shengsi", "anji"]
EDITED_PORTAL, EDITED_YEAR = "zhoushan", 2022
EDIT_TEXT = "更正说明:本报告第三部分“收到和处理政府信息公开申请情况”中的数据经核对已更正。"
METADATA = [f for f in EXPORT_FIELDS if not f.startswith("warc_")]


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(REPO))


def _args(command: str, srv: ReplicaServer, work: Path, portals, stats: str) -> list[str]:
    return [sys.executable, "-m", "govcrawl", command, *[a for p in portals for a in ("--portal", p)],
            "--proxy", srv.proxy_url, "--ca-file", srv.ca_path,
            "--db", f"sqlite:///{work / 'db.sqlite3'}", "--warc-dir", str(work / "warc"),
            "--stats-json", str(work / f"{stats}.json")]


def _run(command: str, srv: ReplicaServer, work: Path, portals, stats: str) -> dict:
    result = subprocess.run(_args(command, srv, work, portals, stats), cwd=REPO, env=_env(), capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads((work / f"{stats}.json").read_text())
    return {"result": result, "portals": {p["portal"]: p for p in data["portals"]},
            "bytes": sum(p["bytes"] for p in data["portals"]), "rows": _rows(work)}


def _rows(work: Path) -> dict[str, dict]:
    store = Store(f"sqlite:///{work / 'db.sqlite3'}")
    rows = {r.url: {f: getattr(r, f) for f in (*EXPORT_FIELDS, "payload_digest", "body_text")} for r in store.reports()}
    store.close()
    return rows


def _archived(work: Path) -> dict[str, list[tuple[str, str, str | None]]]:
    """URL -> [(record type, status, payload digest)] of every response and revisit record in the archive."""
    from warcio.archiveiterator import ArchiveIterator

    out: dict[str, list] = {}
    for path in sorted((work / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type in ("response", "revisit"):
                    status = rec.http_headers.get_statuscode() if rec.http_headers else ""
                    out.setdefault(rec.rec_headers.get_header("WARC-Target-URI"), []).append(
                        (rec.rec_type, status, rec.rec_headers.get_header("WARC-Payload-Digest")))
    return out


def _record_at(work: Path, filename: str, offset: int):
    from warcio.archiveiterator import ArchiveIterator

    with open(work / "warc" / filename, "rb") as fh:
        fh.seek(offset)
        rec = next(iter(ArchiveIterator(fh)))
        return (rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI"),
                rec.rec_headers.get_header("WARC-Payload-Digest"))


# --- incremental: unchanged, then one report edited -----------------------------------------------------


@pytest.fixture(scope="module")
def nightly(tmp_path_factory, ground_truth):
    work = tmp_path_factory.mktemp("nightly")
    edited = next(r["url"] for r in ground_truth["reports"]
                  if r["portal"] == EDITED_PORTAL and r["report_year"] == EDITED_YEAR)
    with ReplicaServer(port=0) as srv:
        full = _run("crawl", srv, work, NIGHTLY_PORTALS, "full")
        archived_full = _archived(work)
        unchanged = _run("nightly", srv, work, NIGHTLY_PORTALS, "unchanged")
        archived_unchanged = _archived(work)
        srv.edit(edited, EDIT_TEXT)
        after_edit = _run("nightly", srv, work, NIGHTLY_PORTALS, "edited")
    store = Store(f"sqlite:///{work / 'db.sqlite3'}")
    captures = [(c.payload_digest, c.warc_filename, c.warc_offset) for c in store.captures(edited)]
    store.close()
    return {"work": work, "full": full, "unchanged": unchanged, "edited": after_edit, "url": edited,
            "captures": captures, "archived_full": archived_full, "archived_unchanged": archived_unchanged,
            "archived_edited": _archived(work)}


def test_full_crawl_finds_every_report(nightly, ground_truth):
    expected = {r["url"] for r in ground_truth["reports"] if r["portal"] in NIGHTLY_PORTALS}
    assert set(nightly["full"]["rows"]) == expected


def test_nightly_on_an_unchanged_replica_fetches_under_5_percent_and_adds_nothing(nightly):
    full, unchanged = nightly["full"], nightly["unchanged"]
    ratio = unchanged["bytes"] / full["bytes"]
    print(f"nightly/full bytes: {unchanged['bytes']}/{full['bytes']} = {ratio:.2%}")
    assert ratio <= 0.05, (unchanged["bytes"], full["bytes"])
    assert unchanged["rows"] == full["rows"]  # no row added, none touched (they keep their first capture)
    for slug, health in unchanged["portals"].items():
        assert health["ok"], (slug, health["problems"])
        assert health["new"] == health["changed"] == 0, slug
        assert health["not_modified"] > 0, slug
    # the archive gained only 304s and revisits: no page body was stored twice
    for url, records in nightly["archived_unchanged"].items():
        new = records[len(nightly["archived_full"].get(url, [])):]
        assert all(t == "revisit" or status == "304" for t, status, _ in new), (url, new)


def test_nightly_after_one_edit_captures_exactly_that_change(nightly):
    url, full, edited = nightly["url"], nightly["full"], nightly["edited"]
    changed = {slug: h["changed"] for slug, h in edited["portals"].items() if h["changed"]}
    assert changed == {EDITED_PORTAL: 1}
    assert sum(h["new"] for h in edited["portals"].values()) == 0
    assert "Report changed since its last capture: " + url in edited["result"].stderr
    # the row follows the new version; every other row is as the full crawl left it
    assert EDIT_TEXT.replace("“", "").split(":")[0] in edited["rows"][url]["body_text"]
    assert edited["rows"][url]["payload_digest"] != full["rows"][url]["payload_digest"]
    assert {k: v for k, v in edited["rows"][url].items() if k in METADATA} == {
        k: v for k, v in full["rows"][url].items() if k in METADATA}
    assert {u: r for u, r in edited["rows"].items() if u != url} == {u: r for u, r in full["rows"].items() if u != url}
    # both versions in `captures`, each pointing at its own response record in the WARC archive
    captures = nightly["captures"]
    assert len(captures) == 2 and captures[0][0] == full["rows"][url]["payload_digest"]
    assert captures[1][0] == edited["rows"][url]["payload_digest"]
    for digest, filename, offset in captures:
        assert _record_at(nightly["work"], filename, offset) == ("response", url, digest)
    responses = [d for t, status, d in nightly["archived_edited"][url] if t == "response" and status == "200"]
    assert responses == [captures[0][0], captures[1][0]]


# --- SIGKILL at a random point, then rerun --------------------------------------------------------------

KILL_PORTALS = ["zj_gov", "zhoushan", "zj_fzggw", "wenzhou"]


def _report_count(work: Path) -> int:
    try:
        with sqlite3.connect(f"file:{work / 'db.sqlite3'}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("select count(*) from reports").fetchone()[0]
    except sqlite3.Error:
        return 0


def _final_state(work: Path) -> tuple[dict, set, set]:
    rows = _rows(work)
    store = Store(f"sqlite:///{work / 'db.sqlite3'}")
    drops = {(d.url, d.kind) for d in store.drops()}
    store.close()
    for url, row in rows.items():  # every report points at a readable capture of itself
        rtype, target, _ = _record_at(work, row["warc_filename"], row["warc_offset"])
        assert target == url and rtype in ("response", "revisit"), (url, rtype, target)
    meta = {url: {k: v for k, v in row.items() if k in METADATA} for url, row in rows.items()}
    return meta, drops, set(_archived(work))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    work = tmp_path_factory.mktemp("uninterrupted")
    with ReplicaServer(port=0) as srv:
        _run("crawl", srv, work, KILL_PORTALS, "stats")
    return _final_state(work)


@pytest.mark.parametrize("point", range(3))
def test_sigkill_at_a_random_point_then_rerun_equals_an_uninterrupted_crawl(point, uninterrupted, ground_truth,
                                                                               tmp_path):
    total = sum(1 for r in ground_truth["reports"] if r["portal"] in KILL_PORTALS)
    kill_after = random.Random(20240611 + point).randint(2, total - 2)  # reports stored before the kill
    rerun = ("nightly", "crawl", "nightly")[point]
    with ReplicaServer(port=0) as srv:
        proc = subprocess.Popen(_args("crawl", srv, tmp_path, KILL_PORTALS, "killed"), cwd=REPO, env=_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while _report_count(tmp_path) < kill_after and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the crawl ended before the kill point"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        stored_at_kill = _report_count(tmp_path)
        assert 0 < stored_at_kill < total
        runs = subprocess.run([sys.executable, "-m", "govcrawl", "runs", "--db", f"sqlite:///{tmp_path / 'db.sqlite3'}"],
                              cwd=REPO, env=_env(), capture_output=True, text=True, timeout=60)
        assert "running/killed" in runs.stdout
        if list((tmp_path / "warc").glob("*.open")):
            repaired = subprocess.run([sys.executable, "-m", "govcrawl", "repair", "--warc-dir", str(tmp_path / "warc")],
                                      cwd=REPO, env=_env(), capture_output=True, text=True, timeout=60)
            assert repaired.returncode == 0, repaired.stderr
        assert not list((tmp_path / "warc").glob("*.open"))
        _run(rerun, srv, tmp_path, KILL_PORTALS, "rerun")
    meta, drops, urls = _final_state(tmp_path)
    base_meta, base_drops, base_urls = uninterrupted
    assert meta == base_meta
    assert drops == base_drops
    assert urls == base_urls
