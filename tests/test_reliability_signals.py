"""Issue 17, case 3: an interrupted run is never recorded as ok.

Each signal pattern on a crawl of the replica, one portal at a time (so some portals have not started yet):
double Ctrl-C (SIGINT twice), double SIGTERM, one SIGTERM while the browser (Chromium, for the
JavaScript-built list of hz_drc) starts, and one graceful SIGTERM. Each run exits 128 + the signal, is
recorded as interrupted with every portal (those not started "not run"), and leaves its WARC files closed
and valid (or repairable), every database row pointing at its record.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from govcrawl.archive.files import verify_file
from tests.conftest import run_govcrawl
from tests.test_archive import assert_db_references_hold

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parent.parent
PORTALS = ["zj_gov", "zhoushan", "deqing", "shengsi"]


def _crawl(replica, work: Path, portals: list[str]) -> tuple[subprocess.Popen, list[str]]:
    env = dict(os.environ, PYTHONPATH=str(REPO), GOVCRAWL_DOWNLOAD_DELAY="0.2", GOVCRAWL_AUTOTHROTTLE="0")
    args = [sys.executable, "-m", "govcrawl", "crawl", "--parallel-portals", "1", "--proxy", replica.proxy_url,
            "--ca-file", replica.ca_path,
            "--db", f"sqlite:///{work / 'db.sqlite3'}", "--warc-dir", str(work / "warc"),
            "--stats-json", str(work / "stats.json")]
    for slug in portals:
        args += ["--portal", slug]
    proc = subprocess.Popen(args, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True).start()
    return proc, lines


def _wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("the crawl never reached the point to interrupt it")


def _check_interrupted(work: Path, proc: subprocess.Popen, lines: list[str], signum: int, portals: list[str]) -> dict:
    proc.wait(120)
    time.sleep(0.2)  # the reader thread drains the pipe
    stderr = "".join(lines)
    assert proc.returncode == 128 + signum, stderr[-3000:]
    assert "INTERRUPTED by " + signal.Signals(signum).name in stderr
    stats = json.loads((work / "stats.json").read_text())
    assert stats["ok"] is False and stats["interrupted"].startswith(signal.Signals(signum).name)
    health = {h["portal"]: h for h in stats["portals"]}
    assert list(health) == portals  # every portal listed, in order
    assert not any(h["ok"] for h in health.values())
    not_run = [p for p, h in health.items() if h.get("not_run")]
    assert not_run and all("not run" in health[p]["problems"][0] for p in not_run)
    assert portals[-1] in not_run
    # recorded as interrupted, with every portal
    con = sqlite3.connect(work / "db.sqlite3")
    ended, status, recorded = con.execute("select ended, exit_status, portals from runs").fetchone()
    con.close()
    assert ended is not None and status == 128 + signum
    assert [p["portal"] for p in json.loads(recorded)] == portals
    runs = run_govcrawl("runs", "--db", f"sqlite:///{work / 'db.sqlite3'}", cwd=work)
    assert "INTERRUPTED" in runs.stdout and " ok " not in runs.stdout
    # the files: closed (or repairable), valid, every row's location holds
    warc = work / "warc"
    if list(warc.glob("*.open")):
        repaired = run_govcrawl("repair", "--warc-dir", str(warc), cwd=work)
        assert repaired.returncode == 0, repaired.stdout
    assert not list(warc.glob("*.open"))
    for path in warc.glob("*.warc.gz"):
        assert verify_file(path).ok, path
    if any(warc.glob("*.warc.gz")) and (work / "db.sqlite3").exists():
        con = sqlite3.connect(work / "db.sqlite3")
        rows = con.execute("select count(*) from reports").fetchone()[0]
        con.close()
        if rows:
            assert_db_references_hold(work / "db.sqlite3", warc)
    return health


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["double-ctrl-c", "double-sigterm"])
def test_a_signal_twice_is_an_interrupted_run(tmp_path, replica, signum):
    proc, lines = _crawl(replica, tmp_path, PORTALS)
    _wait_for(lambda: list((tmp_path / "warc").glob("*.open")) if (tmp_path / "warc").exists() else False)
    time.sleep(0.5)
    proc.send_signal(signum)
    time.sleep(0.2)
    proc.send_signal(signum)
    health = _check_interrupted(tmp_path, proc, lines, signum, PORTALS)
    assert "interrupted" in health["zj_gov"]["problems"][0]


def test_one_sigterm_is_a_graceful_but_interrupted_run(tmp_path, replica):
    proc, lines = _crawl(replica, tmp_path, PORTALS)
    _wait_for(lambda: list((tmp_path / "warc").glob("*.open")) if (tmp_path / "warc").exists() else False)
    proc.send_signal(signal.SIGTERM)
    _check_interrupted(tmp_path, proc, lines, signal.SIGTERM, PORTALS)
    assert not list((tmp_path / "warc").glob("*.warc.gz.torn"))


def test_sigterm_while_the_browser_starts(tmp_path, replica):
    portals = ["hz_drc", *PORTALS]  # hz_drc's list is built by JavaScript: Chromium renders it
    proc, lines = _crawl(replica, tmp_path, portals)
    _wait_for(lambda: any("Launching browser" in line for line in lines))
    proc.send_signal(signal.SIGTERM)
    health = _check_interrupted(tmp_path, proc, lines, signal.SIGTERM, portals)
    assert "interrupted (SIGTERM)" in health["hz_drc"]["problems"][0]
    assert "Traceback" not in "".join(lines)
