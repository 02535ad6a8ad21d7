"""The analysis pool: page analysis and attachments' text in worker processes, off the reactor.

A crawl spends about half its CPU analysing pages (decode, parse, classify, junk, fields, statistics) and
extracting attachments' text. Done in the crawl process, that work holds the reactor and leaves the machine's
other cores idle. ``AnalysisPool`` runs it in ``GOVCRAWL_ANALYSIS_WORKERS`` worker processes (``spawn``: no
copy of the reactor's threads or sockets), one pool per crawl process shared by its portals' crawlers:

* the pipelines ``await`` a job (``analyze`` / ``attachment_text``); the reactor goes on downloading meanwhile;
* back-pressure, not an unbounded queue: at most ``JOBS_PER_WORKER x workers`` jobs are out at once; further
  pages wait in the pipeline, and once ``BACKLOG_PER_WORKER x workers`` pages wait, the crawl's downloads wait
  too (``AnalysisBackpressure``, a downloader middleware) -- so memory stays bounded over any number of portals
  (Scrapy's own bound is per portal: 5 MB of responses in each crawler's scraper slot);
* the results are the same objects the in-process call returns (the same functions run; a test compares them);
* a worker that dies (a crash, the OOM killer) loses nothing: the pool is rebuilt once per job and, should it
  break again, the job runs in the crawl process; workers that fail six times in a row (they cannot start, or
  die on everything) are given up and the rest of the crawl analyses in its own process;
* workers ignore SIGINT/SIGTERM (the crawl process decides how a run ends) and die with their parent
  (``PR_SET_PDEATHSIG``), so an interrupted or killed crawl leaves no orphans;
* each result carries its worker's CPU time and peak RSS: the crawl's stats report the workers apart
  (``govcrawl/analysis_workers/*``).

``workers <= 1`` turns the pool off: every job runs in the crawl process, as before.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

logger = logging.getLogger(__name__)


def default_workers() -> int:
    """Sized to the machine: one worker per core the process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def parse_workers(value: Any) -> int:
    """``GOVCRAWL_ANALYSIS_WORKERS``: "auto" (or empty) -> one per core; a number >= 0 (0 or 1: no pool)."""
    text = str(value if value is not None else "").strip().lower()
    if text in ("", "auto"):
        return default_workers()
    try:
        n = int(text)
    except ValueError:
        raise ValueError(f"analysis workers {value!r}: a number (0 or 1: in the crawl process) or 'auto'") from None
    if n < 0:
        raise ValueError(f"analysis workers {n}: 0 or more")
    return n


# --- the jobs (run in a worker, or in the crawl process when the pool is off) ---------------------------------
def analyze_job(body: bytes, url: str, content_type: str | None, settings: Any) -> Any:
    from govcrawl.analysis.page import analyze_page

    return analyze_page(body, url=url, content_type=content_type, settings=settings)


def page_job(body: bytes, url: str, content_type: str | None, settings: Any) -> tuple[Any, bool, Any, Any]:
    """A crawled page's analysis and, for a report, what the metadata pipeline would otherwise make of it in the
    crawl process: on a government host its near-duplicate signature (the MinHash kept with it; the costliest step
    after the analysis), and its statistics cells as rows. (analysis, whether a signature was made, the signature,
    the cells' rows or None)."""
    from govcrawl.analysis.junk import host_of, is_government_host
    from govcrawl.analysis.neardup import signature_record
    from govcrawl.analysis.statistics import long_rows

    analysis = analyze_job(body, url, content_type, settings)
    if analysis.kind != "annual_report":
        return analysis, False, None, None
    rows = long_rows(analysis.statistics) if analysis.statistics else []
    if is_government_host(host_of(url)):
        return analysis, True, signature_record(analysis.text), rows
    return analysis, False, None, rows


def attachment_job(body: bytes, url: str, content_type: str | None) -> tuple[str | None, str]:
    from govcrawl.analysis.attachments import extract_text

    return extract_text(body, url, content_type)


def _init_worker() -> None:
    """A worker: deaf to the terminal's and the service manager's signals (its parent ends the run) and killed
    with its parent; the analysis imported once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass
    import govcrawl.analysis.attachments  # noqa: F401
    import govcrawl.analysis.neardup  # noqa: F401
    import govcrawl.analysis.page  # noqa: F401


def _measured(job: Callable[..., Any], *args: Any) -> tuple[Any, float, int, float, int]:
    """Run ``job`` in a worker: (its result, the CPU seconds it took, the worker's pid, the worker's whole CPU
    seconds so far -- start-up and the passing of pages included -- and its peak RSS in KB)."""
    start = time.process_time()
    result = job(*args)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return result, time.process_time() - start, os.getpid(), usage.ru_utime + usage.ru_stime, _peak_rss_kb(usage)


def _peak_rss_kb(usage: Any) -> int:
    """This process's own peak RSS (KB): /proc's VmHWM where there is one -- Linux carries a parent's peak into
    ``ru_maxrss`` across fork and exec, so a spawned worker's ru_maxrss would count the crawl process's."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return usage.ru_maxrss


#: Jobs out to the workers at once, per worker: enough that a worker never idles while the crawl process (busy,
#: holding the GIL) gets round to handing it the next page and taking its result.
JOBS_PER_WORKER = 8
#: Pages waiting for (or in) the analysis, per worker, beyond which the crawl's downloads wait (back-pressure:
#: each portal's Scrapy scraper slot alone would hold 5 MB of responses, and a process runs 64 portals at once).
BACKLOG_PER_WORKER = 32

#: The crawl process's GIL switch interval (seconds) once it has workers.
SWITCH_INTERVAL = 0.001

#: Pool failures in a row (no job done between them) after which a crawl process stops using its workers.
GIVE_UP_AFTER = 6


class AnalysisPool:
    """Worker processes for the analysis; ``run(job, *args)`` is awaited from a pipeline."""

    def __init__(self, workers: int, backlog: int | None = None) -> None:
        self.workers = workers
        self.executor: concurrent.futures.ProcessPoolExecutor | None = None
        self.slots: asyncio.Semaphore | None = None
        self.slots_loop: asyncio.AbstractEventLoop | None = None
        self.room: asyncio.Event | None = None
        self.outstanding = 0  # pages handed to run() and not yet back
        self.backlog = backlog if backlog is not None else BACKLOG_PER_WORKER * workers
        self.lock = threading.Lock()
        self.jobs = 0
        self.cpu_seconds = 0.0
        self.peak_rss_kb: dict[int, int] = {}  # per worker pid
        self.worker_cpu: dict[int, float] = {}  # per worker pid: its whole CPU time (start-up included)
        self.restarts = 0
        self.fallbacks = 0
        self.failures_in_a_row = 0
        self.in_process = 0

    @property
    def enabled(self) -> bool:
        return self.workers > 1

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor:
        with self.lock:
            if self.executor is None:
                # the executor's own threads (pickling pages out, results in) need the GIL the busy crawl thread
                # holds: hand it over every millisecond instead of every 5 (CPython's default), or the workers idle
                sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
                self.executor = concurrent.futures.ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_worker)
            return self.executor

    def _restart(self) -> None:
        with self.lock:
            broken, self.executor = self.executor, None
            self.restarts += 1
        if broken is not None:
            broken.shutdown(wait=False, cancel_futures=True)

    def _bind(self) -> None:
        """The asyncio primitives of the running loop (each belongs to one loop; tests run several)."""
        loop = asyncio.get_running_loop()
        if self.slots is None or self.slots_loop is not loop:
            self.slots, self.slots_loop = asyncio.Semaphore(JOBS_PER_WORKER * self.workers), loop
            self.room = asyncio.Event()
            self.room.set()

    async def wait_for_room(self) -> None:
        """Until fewer than ``backlog`` pages wait for (or are in) the analysis: the crawl's downloads wait here
        (``AnalysisBackpressure``), so pages never pile up in memory faster than the workers analyse them."""
        if not self.enabled:
            return
        self._bind()
        while self.outstanding >= self.backlog:
            self.room.clear()
            await self.room.wait()

    async def run(self, job: Callable[..., Any], *args: Any, stats: Any = None) -> Any:
        """``job(*args)`` in a worker (or here, with the pool off); the same result either way. ``stats``: a crawler's
        stats, counting its jobs and their CPU time in the workers (``govcrawl/analysis_workers/*``)."""
        if not self.enabled:
            self.in_process += 1
            return job(*args)
        self._bind()
        self.outstanding += 1
        try:
            return await self._run(job, *args, stats=stats)
        finally:
            self.outstanding -= 1
            if self.outstanding < self.backlog:
                self.room.set()

    async def _run(self, job: Callable[..., Any], *args: Any, stats: Any = None) -> Any:
        async with self.slots:
            for attempt in (1, 2):
                try:
                    future = self._executor().submit(_measured, job, *args)
                    result, cpu, pid, total_cpu, rss = await asyncio.wrap_future(future)
                except BrokenProcessPool:
                    logger.error("analysis worker died (attempt %d); %s", attempt,
                                 "restarting the pool" if attempt == 1 else "analysing in the crawl process")
                    self._restart()
                    self.failures_in_a_row += 1
                    if self.failures_in_a_row >= GIVE_UP_AFTER and self.enabled:
                        # workers that cannot even start (or die on every page): the crawl goes on without them
                        logger.error("analysis workers failed %d times in a row; analysing in the crawl process "
                                     "from now on", self.failures_in_a_row)
                        self.workers = 1
                    if not self.enabled:
                        break
                    continue
                self.failures_in_a_row = 0
                self.jobs += 1
                self.cpu_seconds += cpu
                self.worker_cpu[pid] = max(total_cpu, self.worker_cpu.get(pid, 0.0))
                self.peak_rss_kb[pid] = max(rss, self.peak_rss_kb.get(pid, 0))
                if stats is not None:
                    stats.inc_value("govcrawl/analysis_workers/jobs")
                    stats.inc_value("govcrawl/analysis_workers/cpu_ms", round(cpu * 1000))
                return result
        self.fallbacks += 1
        return job(*args)

    def stats(self) -> dict[str, Any]:
        return {"workers": self.workers if self.enabled else 0, "jobs": self.jobs, "in_process": self.in_process,
                "cpu_seconds": round(self.cpu_seconds, 3),  # in the jobs themselves
                "process_cpu_seconds": round(sum(self.worker_cpu.values()), 3),  # the workers' whole CPU
                "processes": len(self.worker_cpu),
                "peak_rss_mb": round(sum(self.peak_rss_kb.values()) / 1024, 1),
                "restarts": self.restarts, "fallbacks": self.fallbacks}

    def close(self) -> None:
        with self.lock:
            executor, self.executor = self.executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


_POOLS: dict[int, AnalysisPool] = {}


class AnalysisBackpressure:
    """Downloader middleware: a request waits while the process's analysis backlog is full, so downloads never
    run ahead of the analysis workers (its requests stay active in Scrapy's downloader, which then takes no more
    from the scheduler). Nothing waits with the pool off: the pipelines then analyse as they receive."""

    def __init__(self, pool: AnalysisPool, stats: Any = None) -> None:
        self.pool = pool
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> "AnalysisBackpressure":
        return cls(shared_pool(parse_workers(crawler.settings.get("GOVCRAWL_ANALYSIS_WORKERS", "auto"))),
                   crawler.stats)

    async def process_request(self, request: Any) -> None:
        if self.pool.enabled and self.pool.outstanding >= self.pool.backlog:
            started = time.monotonic()
            await self.pool.wait_for_room()
            if self.stats is not None:  # how often, and how long, the downloads waited for the analysis
                self.stats.inc_value("govcrawl/analysis_workers/backpressure_waits")
                self.stats.inc_value("govcrawl/analysis_workers/backpressure_wait_ms",
                                     round(1000 * (time.monotonic() - started)))
        return None


def shared_pool(workers: int) -> AnalysisPool:
    """The crawl process's pool of ``workers`` (its portals' crawlers share it); closed at exit."""
    pool = _POOLS.get(workers)
    if pool is None:
        pool = _POOLS[workers] = AnalysisPool(workers)
    return pool


def pools_stats() -> dict[str, Any]:
    """This process's analysis pool(s), summed: workers, jobs, CPU seconds, their peak RSS together (MB)."""
    total: dict[str, Any] = {"workers": 0, "jobs": 0, "in_process": 0, "cpu_seconds": 0.0,
                             "process_cpu_seconds": 0.0, "processes": 0, "peak_rss_mb": 0.0, "restarts": 0,
                             "fallbacks": 0}
    for pool in _POOLS.values():
        for key, value in pool.stats().items():
            total[key] = round(total[key] + value, 3)
    return total


def close_pools() -> None:
    for pool in list(_POOLS.values()):
        pool.close()


atexit.register(close_pools)
