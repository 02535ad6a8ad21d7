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


def _args(command: str, srv: ReplicaServer, work: Path, portals, stats: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "govcrawl", command, *extra, *[a for p in portals for a in ("--portal", p)],
            "--proxy", srv.proxy_url, "--ca-file", srv.ca_path,
            "--db", f"sqlite:///{work / 'db.sqlite3'}", "--warc-dir", str(work / "warc"),
            "--stats-json", str(work / f"{stats}.json")]


def _warc_sizes(work: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in (work / "warc").glob("*.warc.gz")}


def _run(command: str, srv: ReplicaServer, work: Path, portals, stats: str, *extra: str) -> dict:
    """One govcrawl run; with what the replica was asked (the portals' side) and the WARC bytes it added."""
    asked, sizes = len(srv.requests), _warc_sizes(work) if (work / "warc").is_dir() else {}
    result = subprocess.run(_args(command, srv, work, portals, stats, *extra), cwd=REPO, env=_env(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads((work / f"{stats}.json").read_text())
    return {"result": result, "portals": {p["portal"]: p for p in data["portals"]},
            "bytes": sum(p["bytes"] for p in data["portals"]), "rows": _rows(work),
            "requests": srv.requests[asked:],
            "warc_bytes": sum(size for name, size in _warc_sizes(work).items() if name not in sizes)}


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


def _age_archive(work: Path, days: int) -> None:
    """As if the archive's crawls had run ``days`` days earlier (what the revisit schedule weighs is in SQL)."""
    columns = {"reports": ("first_seen", "last_seen"), "drops": ("first_seen", "last_seen"),
               "captures": ("first_seen", "last_seen", "last_confirmed")}
    with sqlite3.connect(work / "db.sqlite3") as conn:
        for table, names in columns.items():
            moved = ", ".join(f"{c} = strftime('%Y-%m-%d %H:%M:%f', {c}, '-{days} days')" for c in names)
            conn.execute(f"UPDATE {table} SET {moved}")


def _asked(run: dict) -> set[str]:
    return {url for method, url in run["requests"] if method == "GET"}


# --- incremental: unchanged, then edits asked on their schedule or at once ------------------------------


@pytest.fixture(scope="module")
def nightly(tmp_path_factory, ground_truth):
    work = tmp_path_factory.mktemp("nightly")
    edited = next(r["url"] for r in ground_truth["reports"]
                  if r["portal"] == EDITED_PORTAL and r["report_year"] == EDITED_YEAR)
    later = next(r["url"] for r in ground_truth["reports"] if r["portal"] == "zj_gov" and r["report_year"] == 2021)
    runs = {}
    with ReplicaServer(port=0) as srv:
        runs["full"] = _run("crawl", srv, work, NIGHTLY_PORTALS, "full")
        runs["archived_full"] = _archived(work)
        runs["unchanged"] = _run("nightly", srv, work, NIGHTLY_PORTALS, "unchanged")
        runs["archived_unchanged"] = _archived(work)
        srv.edit(edited, EDIT_TEXT)
        runs["not_due"] = _run("nightly", srv, work, NIGHTLY_PORTALS, "not_due")  # an old report: not asked tonight
        runs["edited"] = _run("nightly", srv, work, NIGHTLY_PORTALS, "edited", "--recheck-all")
        runs["archived_edited"] = _archived(work)
        srv.clear_edits()  # the edit is taken back (A -> B -> A) ...
        _age_archive(work, 1)  # ... and a day later, the report that changed is due again; the others are not
        runs["reverted"] = _run("nightly", srv, work, NIGHTLY_PORTALS, "reverted")
        srv.edit(later, EDIT_TEXT)
        _age_archive(work, 31)  # a month later: every known page is due (the full re-check period)
        runs["month"] = _run("nightly", srv, work, NIGHTLY_PORTALS, "month")
    store = Store(f"sqlite:///{work / 'db.sqlite3'}")
    runs["captures"] = [(c.payload_digest, c.warc_filename, c.warc_offset) for c in store.captures(edited)]
    runs["confirmed"] = {url: store.captures(url)[-1].last_confirmed for url in runs["full"]["rows"]}
    store.close()
    return {**runs, "work": work, "url": edited, "later": later, "archived": _archived(work)}


def test_full_crawl_finds_every_report(nightly, ground_truth):
    expected = {r["url"] for r in ground_truth["reports"] if r["portal"] in NIGHTLY_PORTALS}
    assert set(nightly["full"]["rows"]) == expected


def test_nightly_on_an_unchanged_replica_asks_under_20_percent_and_writes_under_5_percent(nightly):
    full, unchanged = nightly["full"], nightly["unchanged"]
    requests, warc = len(unchanged["requests"]) / len(full["requests"]), unchanged["warc_bytes"] / full["warc_bytes"]
    print(f"nightly/full requests: {len(unchanged['requests'])}/{len(full['requests'])} = {requests:.1%}; "
          f"WARC bytes: {unchanged['warc_bytes']}/{full['warc_bytes']} = {warc:.1%}; "
          f"bytes fetched: {unchanged['bytes']}/{full['bytes']} = {unchanged['bytes'] / full['bytes']:.1%}")
    assert requests <= 0.20 and warc <= 0.05
    assert unchanged["bytes"] / full["bytes"] <= 0.05
    assert unchanged["rows"] == full["rows"]  # no row added, none touched (they keep their first capture)
    for slug, health in unchanged["portals"].items():
        assert health["ok"], (slug, health["problems"])
        assert health["new"] == health["changed"] == 0, slug
        assert health["not_modified"] > 0, slug  # its lists answered 304
        # every page is known, none due the night after the full crawl: no article asked
        assert health["revisit_known"] > 0 and health["revisit_due"] == health["revisit_checked"] == 0, slug
    assert not _asked(unchanged) & set(full["rows"])
    # the archive gained only revisits: no page body was stored twice
    for url, records in nightly["archived_unchanged"].items():
        new = records[len(nightly["archived_full"].get(url, [])):]
        assert all(t == "revisit" for t, _, _ in new), (url, new)


def test_a_304_is_never_a_response_and_each_names_the_capture_it_confirms(nightly):
    from warcio.archiveiterator import ArchiveIterator

    full_records, not_modified = {}, []
    for path in sorted((nightly["work"] / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                h = rec.rec_headers
                if rec.rec_type == "response":
                    assert rec.http_headers.get_statuscode() != "304", h["WARC-Target-URI"]
                    full_records[h["WARC-Record-ID"]] = (h["WARC-Target-URI"], h["WARC-Date"], h["WARC-Payload-Digest"])
                elif h["WARC-Profile"] == "http://netpreserve.org/warc/1.1/revisit/server-not-modified":
                    not_modified.append(h)
    assert len(not_modified) > 20
    for h in not_modified:
        url, date, digest = full_records[h["WARC-Refers-To"]]  # an earlier full capture ...
        assert url == h["WARC-Target-URI"] == h["WARC-Refers-To-Target-URI"]  # ... of the same page
        assert (h["WARC-Refers-To-Date"], h["WARC-Payload-Digest"]) == (date, digest)
        assert h["WARC-Etag"] or h["WARC-Last-Modified"]  # the validators the request sent


def test_an_old_edited_report_is_asked_on_its_schedule_or_at_once_with_recheck_all(nightly):
    url, full = nightly["url"], nightly["full"]
    not_due = nightly["not_due"]
    assert url not in _asked(not_due) and not any(h["changed"] for h in not_due["portals"].values())
    assert not_due["rows"] == full["rows"]

    edited = nightly["edited"]  # --recheck-all: every known page asked, conditionally
    changed = {slug: h["changed"] for slug, h in edited["portals"].items() if h["changed"]}
    assert changed == {EDITED_PORTAL: 1}
    assert sum(h["new"] for h in edited["portals"].values()) == 0
    for slug, health in edited["portals"].items():
        assert health["revisit_due"] == health["revisit_checked"] == health["revisit_known"] > 0, slug
    assert set(full["rows"]) <= _asked(edited)
    assert "Report changed since its last capture: " + url in edited["result"].stderr
    # the row follows the new version; every other row is as the full crawl left it
    assert EDIT_TEXT.replace("“", "").split(":")[0] in edited["rows"][url]["body_text"]
    assert edited["rows"][url]["payload_digest"] != full["rows"][url]["payload_digest"]
    assert {k: v for k, v in edited["rows"][url].items() if k in METADATA} == {
        k: v for k, v in full["rows"][url].items() if k in METADATA}
    assert {u: r for u, r in edited["rows"].items() if u != url} == {u: r for u, r in full["rows"].items() if u != url}
    # both versions in the archive as full responses
    responses = [d for t, status, d in nightly["archived_edited"][url] if t == "response" and status == "200"]
    assert responses == [full["rows"][url]["payload_digest"], edited["rows"][url]["payload_digest"]]

    month = nightly["month"]  # a month on, everything is due; exactly the one report edited since changed
    changed = {slug: h["changed"] for slug, h in month["portals"].items() if h["changed"]}
    assert changed == {"zj_gov": 1}
    assert month["rows"][nightly["later"]]["payload_digest"] != full["rows"][nightly["later"]]["payload_digest"]
    for slug, health in month["portals"].items():
        assert health["ok"] and health["revisit_due"] == health["revisit_checked"] == health["revisit_known"], slug


def test_edit_and_revert_leave_three_captures_newest_a_again(nightly):
    url, full, edited, reverted = nightly["url"], nightly["full"], nightly["edited"], nightly["reverted"]
    a, b = full["rows"][url]["payload_digest"], edited["rows"][url]["payload_digest"]
    # the report that changed is asked again the next day, and only it
    due = {slug: h["revisit_due"] for slug, h in reverted["portals"].items() if h["revisit_due"]}
    assert due == {EDITED_PORTAL: 1} and url in _asked(reverted)
    assert {slug: h["changed"] for slug, h in reverted["portals"].items() if h["changed"]} == {EDITED_PORTAL: 1}
    assert reverted["rows"][url]["payload_digest"] == a
    captures = nightly["captures"]
    assert [digest for digest, _, _ in captures] == [a, b, a]
    # each capture points at its own record: the revert's is a revisit of A's first response
    types = [_record_at(nightly["work"], filename, offset) for _, filename, offset in captures]
    assert types[0] == ("response", url, a) and types[1] == ("response", url, b) and types[2] == ("revisit", url, a)
    assert [t for t, status, _ in nightly["archived"][url] if t == "response"] == ["response", "response"]


def test_every_capture_knows_when_it_was_last_confirmed_unchanged(nightly):
    confirmed = nightly["confirmed"]
    # every report was asked by --recheck-all (and a month later); all but the edited ones answered 304 or the same
    assert all(confirmed[url] is not None for url in confirmed if url not in (nightly["url"], nightly["later"]))


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
        # the kill point is counted in stored reports: each written at once (GOVCRAWL_DB_BATCH=1), not 64 at a time
        # (a kill amid batches: tests/test_archive.py)
        proc = subprocess.Popen(_args("crawl", srv, tmp_path, KILL_PORTALS, "killed"), cwd=REPO,
                                env={**_env(), "GOVCRAWL_DB_BATCH": "1"},
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
