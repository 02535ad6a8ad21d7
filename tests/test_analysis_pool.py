"""The analysis pool (govcrawl/crawl/workers.py): the page analysis in worker processes gives exactly what it gives
in the crawl process -- on every real page of the corpus and on a crawl of the replica (reports, fields, drops, WARC
payloads) -- survives a worker's death without losing the page, and leaves no worker behind its crawl process."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from govcrawl.analysis.junk import DEFAULT_SETTINGS
from govcrawl.crawl.workers import AnalysisPool, analyze_job, attachment_job, parse_workers
from tests.conftest import REPO, run_govcrawl, run_python

CORPUS = REPO / "tests" / "fixtures" / "realpages"


def _corpus_pages() -> list[tuple[str, bytes]]:
    pages = []
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix in (".txt", ".html", ".htm") and path.name.lower() != "readme.md":
            pages.append((path.name, path.read_bytes()))
    return pages


def _comparable(analysis) -> dict:
    stats = analysis.statistics
    return {**analysis.to_dict(), "text": analysis.text, "encoding": analysis.encoding,
            "traditional": analysis.traditional,
            "statistics": stats.to_dict() if stats is not None else None}


def test_parse_workers():
    assert parse_workers("auto") == parse_workers("") == parse_workers(None) == len(os.sched_getaffinity(0))
    assert parse_workers("0") == 0 and parse_workers(" 3 ") == 3
    for bad in ("-1", "two", "1.5"):
        with pytest.raises(ValueError, match="analysis workers"):
            parse_workers(bad)


def test_the_pool_gives_what_the_crawl_process_gives_on_every_real_page():
    pages = _corpus_pages()
    assert len(pages) >= 250, len(pages)
    pool = AnalysisPool(2)

    async def analyse_all():
        return await asyncio.gather(*(pool.run(analyze_job, body, f"http://example.gov.cn/{name}", None,
                                               DEFAULT_SETTINGS) for name, body in pages))

    try:
        pooled = asyncio.run(analyse_all())
    finally:
        pool.close()
    here = [analyze_job(body, f"http://example.gov.cn/{name}", None, DEFAULT_SETTINGS) for name, body in pages]
    differ = [name for (name, _), a, b in zip(pages, pooled, here) if _comparable(a) != _comparable(b)]
    assert not differ, differ
    assert any(a.statistics is not None for a in pooled)  # the statistics tables came back across the process line
    stats = pool.stats()
    assert stats["jobs"] == len(pages) and stats["in_process"] == 0 and stats["workers"] == 2
    assert stats["cpu_seconds"] > 0 and stats["peak_rss_mb"] > 0


def test_attachment_text_in_a_worker_is_the_same():
    pdf = next(REPO.glob("govcrawl/replica/**/*.pdf"), None)
    body = pdf.read_bytes() if pdf else b"%PDF-1.4 not really a pdf"
    pool = AnalysisPool(2)
    try:
        pooled = asyncio.run(pool.run(attachment_job, body, "http://example.gov.cn/a.pdf", "application/pdf"))
    finally:
        pool.close()
    assert pooled == attachment_job(body, "http://example.gov.cn/a.pdf", "application/pdf")


def die_in_a_worker(value: int) -> int:
    """A job that kills any worker running it (as a segfault or the OOM killer would); in the crawl process it works."""
    if str(os.getpid()) != os.environ["GOVCRAWL_TEST_CRAWL_PID"]:
        os._exit(1)
    return value * 2


def test_a_dead_worker_loses_no_page(monkeypatch):
    monkeypatch.setenv("GOVCRAWL_TEST_CRAWL_PID", str(os.getpid()))  # (the workers inherit it)
    pool = AnalysisPool(2)
    try:
        assert asyncio.run(pool.run(die_in_a_worker, 21)) == 42  # died twice; done in the crawl process
        assert pool.restarts == 2 and pool.fallbacks == 1
        # the pool works again afterwards
        page = analyze_job(b"<html><title>t</title><body>x</body></html>", "http://a.gov.cn/", None, DEFAULT_SETTINGS)
        again = asyncio.run(pool.run(analyze_job, b"<html><title>t</title><body>x</body></html>", "http://a.gov.cn/",
                                     None, DEFAULT_SETTINGS))
        assert _comparable(again) == _comparable(page) and pool.jobs == 1
    finally:
        pool.close()


def test_workers_that_die_on_everything_are_given_up(monkeypatch):
    from govcrawl.crawl.workers import GIVE_UP_AFTER

    monkeypatch.setenv("GOVCRAWL_TEST_CRAWL_PID", str(os.getpid()))
    pool = AnalysisPool(2)

    async def many():
        return [await pool.run(die_in_a_worker, n) for n in range(GIVE_UP_AFTER)]

    try:
        assert asyncio.run(many()) == [2 * n for n in range(GIVE_UP_AFTER)]  # every page done all the same
        # after GIVE_UP_AFTER failures in a row (two per job) the pool was given up: no more restarts
        assert not pool.enabled and pool.restarts == GIVE_UP_AFTER
        assert pool.fallbacks == GIVE_UP_AFTER // 2 and pool.in_process == GIVE_UP_AFTER - GIVE_UP_AFTER // 2
    finally:
        pool.close()


def slow_job(value: int) -> int:
    time.sleep(0.4)
    return value


def test_downloads_wait_while_the_analysis_backlog_is_full():
    """Back-pressure across portals: with ``backlog`` pages out, a download (AnalysisBackpressure) waits until one
    comes back; with the pool off nothing ever waits."""
    from govcrawl.crawl.workers import AnalysisBackpressure

    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    pool = AnalysisPool(2, backlog=2)
    stats = MemoryStatsCollector(get_crawler())
    middleware = AnalysisBackpressure(pool, stats)

    async def scenario():
        jobs = [asyncio.ensure_future(pool.run(slow_job, n)) for n in range(2)]
        await asyncio.sleep(0.05)
        assert pool.outstanding == 2
        download = asyncio.ensure_future(middleware.process_request(object()))
        await asyncio.sleep(0.1)
        assert not download.done()  # the backlog is full: the request waits
        assert await asyncio.gather(*jobs) == [0, 1]
        assert await asyncio.wait_for(download, 5) is None  # room again: it goes on
        assert pool.outstanding == 0
        await asyncio.wait_for(middleware.process_request(object()), 1)  # room: no wait at all

    try:
        asyncio.run(scenario())
    finally:
        pool.close()
    # the wait is in the crawl's stats: one wait, for the rest of the slow jobs' 0.4 s
    assert stats.get_value("govcrawl/analysis_workers/backpressure_waits") == 1
    assert 150 <= stats.get_value("govcrawl/analysis_workers/backpressure_wait_ms") <= 5000
    off = AnalysisBackpressure(AnalysisPool(1, backlog=0))
    assert asyncio.run(asyncio.wait_for(off.process_request(object()), 1)) is None


def test_workers_die_with_their_crawl_process(tmp_path):
    """A crawl process killed outright (SIGKILL: no atexit, no shutdown) leaves no worker running."""
    script = (
        "import asyncio, os, sys, time\n"
        "from govcrawl.crawl.workers import AnalysisPool\n"
        "pool = AnalysisPool(2)\n"
        "asyncio.run(pool.run(os.getpid))\n"
        "print(' '.join(str(p) for p in pool.pids()), flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(REPO)))
    try:
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert pids and os.getpid() not in pids
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in pids):
            time.sleep(0.1)
        assert not [p for p in pids if Path(f"/proc/{p}").exists()], "workers outlived their crawl process"
    finally:
        proc.kill()


def test_a_bad_worker_count_is_a_clear_error(tmp_path):
    result = run_govcrawl("crawl", "--portal", "zj_gov", "--analysis-workers", "many", "--db",
                          f"sqlite:///{tmp_path / 'd.sqlite3'}", "--warc-dir", str(tmp_path / "w"), cwd=tmp_path)
    assert result.returncode == 2 and "analysis workers 'many'" in result.stderr
    assert "Traceback" not in result.stderr


# --- a crawl of the replica with and without the pool ------------------------------------------------------------
# jcms with a PDF attachment, GBK, TRS units, gkmlpt list metadata, Hanweb outside Zhejiang, Ucap, and the web
# search channel's spam copies (junk drops)
PORTALS = ["zj_gov", "zhoushan", "trs_district", "gkmlpt_wlt", "hw_city", "ucap_prov", "web_search"]
RUN_FIELDS = {"crawled_at", "warc_filename", "warc_offset", "first_seen", "last_seen", "id", "run_id"}


def _crawl(tmp_path: Path, workers: str, srv) -> dict:
    work = tmp_path / f"w{workers}"
    work.mkdir()
    db = f"sqlite:///{work / 'db.sqlite3'}"
    result = run_govcrawl("crawl", *[a for p in PORTALS for a in ("--portal", p)], "--analysis-workers", workers,
                          "--proxy", srv.proxy_url, "--ca-file", srv.ca_path, "--db", db,
                          "--warc-dir", str(work / "warc"), "--stats-json", str(work / "stats.json"), cwd=work)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [json.loads(line) for line in run_govcrawl("export", "--db", db, "--format", "jsonl", cwd=work)
            .stdout.splitlines() if line.strip()]
    payloads = {}
    for path in sorted((work / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type in ("response", "revisit", "resource"):
                    key = (record.rec_headers.get_header("WARC-Target-URI"), record.rec_type)
                    payloads.setdefault(key, set()).add(record.rec_headers.get_header("WARC-Payload-Digest"))
    import sqlite3

    con = sqlite3.connect(work / "db.sqlite3")
    signatures = {url: (scheme, bytes(sig)) for url, scheme, sig in
                  con.execute("select url, scheme, signature from near_duplicate_signatures")}
    bands = sorted(con.execute("select band_key, url from near_duplicate_bands"))
    cells = sorted(con.execute("select report_url, table_name, row_key, column_key, value from report_statistics"),
                   key=repr)
    con.close()
    return {"signatures": signatures, "bands": bands, "cells": cells,
            "rows": {r["url"]: {k: v for k, v in r.items() if k not in RUN_FIELDS and not k.startswith("warc_")}
                     for r in rows},
            "drops": sorted(line for line in run_govcrawl("drops", "--db", db, cwd=work).stdout.splitlines()),
            "payloads": payloads,
            "stats": json.loads((work / "stats.json").read_text())}


@pytest.mark.e2e
def test_a_crawl_with_the_pool_stores_what_a_crawl_without_it_stores(tmp_path):
    from govcrawl.replica.server import ReplicaServer

    with ReplicaServer(port=0) as srv:
        alone = _crawl(tmp_path, "1", srv)
        pooled = _crawl(tmp_path, "2", srv)
    assert alone["rows"] and any(line for line in alone["drops"] if "junk" in line)
    assert pooled["rows"] == alone["rows"]
    assert pooled["drops"] == alone["drops"]
    assert pooled["payloads"] == alone["payloads"]
    # the reports' near-duplicate signatures (made in the workers with the analysis, or in the crawl process)
    assert alone["signatures"] and pooled["signatures"] == alone["signatures"] and pooled["bands"] == alone["bands"]
    # the statistics cells (made into rows in the workers, or in the crawl process)
    assert alone["cells"] and pooled["cells"] == alone["cells"]
    # the analysis ran where each run said: in the workers (their CPU counted apart), or in the crawl process
    assert alone["stats"]["analysis_workers"]["workers"] == 0 and alone["stats"]["analysis_workers"]["jobs"] == 0
    workers = pooled["stats"]["analysis_workers"]
    assert workers["workers"] == 2 and workers["in_process"] == 0 and workers["fallbacks"] == 0
    assert workers["jobs"] >= len(pooled["rows"]) and workers["cpu_seconds"] > 0
    assert 0 < pooled["stats"]["crawl_process"]["cpu_seconds"] and 0 < pooled["stats"]["crawl_process"]["peak_rss_mb"]


def fail_in_a_worker(value: int) -> int:
    raise ValueError(f"bad page {value}")


def echo_length(body: bytes) -> tuple[int, bytes]:
    return len(body), body[-16:]


def test_a_jobs_own_error_is_raised_where_it_was_awaited():
    pool = AnalysisPool(2)
    try:
        with pytest.raises(ValueError, match="bad page 7"):
            asyncio.run(pool.run(fail_in_a_worker, 7))
        assert asyncio.run(pool.run(echo_length, b"abc")) == (3, b"abc")  # the worker goes on
        assert pool.restarts == 0 and pool.fallbacks == 0
    finally:
        pool.close()


def test_pages_bigger_than_a_pipe_go_and_come_back_whole():
    """A 20 MB page is written to its worker's pipe as the pipe drains, the loop running meanwhile."""
    body = os.urandom(20 * 1024 * 1024)
    pool = AnalysisPool(2)
    ticks = []

    async def scenario():
        async def tick():
            while True:
                ticks.append(time.monotonic())
                await asyncio.sleep(0.001)

        ticker = asyncio.ensure_future(tick())
        results = await asyncio.gather(*(pool.run(echo_length, body + bytes([n])) for n in range(4)))
        ticker.cancel()
        return results

    try:
        results = asyncio.run(scenario())
    finally:
        pool.close()
    assert results == [(len(body) + 1, body[-15:] + bytes([n])) for n in range(4)]
    assert len(ticks) > 1  # the loop was not held while the pages went out


def test_a_dead_worker_s_waiting_jobs_go_to_the_others(monkeypatch):
    """Jobs queued behind a job that kills its worker are analysed all the same (by a worker), and only the
    killer is counted as failed."""
    monkeypatch.setenv("GOVCRAWL_TEST_CRAWL_PID", str(os.getpid()))
    pool = AnalysisPool(2)

    async def scenario():
        jobs = [pool.run(echo_length, bytes(n)) for n in range(20)]
        jobs.insert(3, pool.run(die_in_a_worker, 5))
        return await asyncio.gather(*jobs)

    try:
        results = asyncio.run(scenario())
    finally:
        pool.close()
    assert results[3] == 10 and [r for i, r in enumerate(results) if i != 3] == [(n, bytes(n)[-16:])
                                                                                  for n in range(20)]
    assert pool.fallbacks == 1 and pool.restarts == 2 and pool.jobs == 20 and pool.in_process == 0


def test_a_process_with_a_pool_exits_promptly():
    """The workers ignore SIGTERM, so multiprocessing's exit handler (terminate, then join) would wait for them
    forever: the pools are closed first."""
    script = ("import asyncio, os\n"
              "from govcrawl.crawl.workers import AnalysisPool\n"
              "if __name__ == '__main__':\n"
              "    pool = AnalysisPool(2)\n"
              "    print(asyncio.run(pool.run(os.getpid)) != os.getpid(), flush=True)\n")
    started = time.monotonic()
    result = run_python(script)
    assert result.returncode == 0 and result.stdout.strip() == "True", result.stderr
    assert time.monotonic() - started < 30


def test_workers_yield_a_core_to_their_crawl_process():
    """The crawl process feeds the workers: they run at a lower priority (WORKER_NICENESS), so it never waits for a
    core behind them."""
    from govcrawl.crawl.workers import WORKER_NICENESS

    pool = AnalysisPool(2)
    try:
        assert asyncio.run(pool.run(echo_length, b"abc")) == (3, b"abc")
        mine = os.getpriority(os.PRIO_PROCESS, 0)
        for pid in pool.pids():
            assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, mine + WORKER_NICENESS)
    finally:
        pool.close()


def test_a_crawls_pool_starts_its_workers_before_the_first_page(monkeypatch):
    """``shared_pool`` (what a crawl's pipelines and middleware ask for) starts the workers at once: importing the
    analysis in them overlaps the crawl process's own start-up; they are watched once a loop runs."""
    from govcrawl.crawl import workers as pool_module

    monkeypatch.setattr(pool_module, "_POOLS", {})
    pool = pool_module.shared_pool(2)
    try:
        pids = pool.pids()
        assert len(pids) == 2 and all(pid for pid in pids)
        assert pool_module.shared_pool(2) is pool and pool.pids() == pids  # asked again: the same workers
        assert asyncio.run(pool.run(echo_length, b"abcd")) == (4, b"abcd")
        assert pool.pids() == pids and pool.restarts == 0 and pool.in_process == 0
    finally:
        pool.close()
    assert pool_module.shared_pool(1).pids() == []  # one worker asked for: the analysis stays in the crawl process


def test_closing_the_pool_tells_every_worker_before_waiting_for_any():
    """The workers are told (their pipes closed) all at once and then waited for, so they end side by side rather
    than one after the other."""
    calls = []

    class Worker:
        def __init__(self, name: str) -> None:
            self.name, self.sent = name, []

        def hang_up(self) -> None:
            calls.append(("hang_up", self.name))

        def join(self, timeout: float = 5.0) -> None:
            calls.append(("join", self.name))

    pool = AnalysisPool(2)
    pool.live = [Worker("a"), Worker("b")]
    pool.close()
    assert calls == [("hang_up", "a"), ("hang_up", "b"), ("join", "a"), ("join", "b")]
    assert pool.live == []


def test_a_worker_told_to_end_leaves_its_objects_to_the_exit_uncollected():
    """A worker whose pipe closes freezes what it holds (the analysis' tables and caches): the interpreter's
    collections at exit do not walk them, so its crawl process does not wait for that (~0.1 s a worker)."""
    script = ("import gc, multiprocessing\n"
              "from govcrawl.crawl import workers\n"
              "workers._init_worker = lambda: None  # this process's signals and priority left alone\n"
              "jobs_in, jobs_out = multiprocessing.Pipe(duplex=False)\n"
              "results_in, results_out = multiprocessing.Pipe(duplex=False)\n"
              "jobs_out.close()\n"
              "assert gc.get_freeze_count() == 0\n"
              "workers._worker_main(jobs_in, results_out)\n"
              "print(gc.get_freeze_count() > 0)\n")
    result = run_python(script)
    assert result.returncode == 0 and result.stdout.strip() == "True", result.stderr
