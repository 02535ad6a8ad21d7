"""The analysis pool: page analysis and attachments' text in worker processes, off the reactor.

A crawl spends about half its CPU analysing pages (decode, parse, classify, junk, fields, statistics) and
extracting attachments' text. Done in the crawl process, that work holds the reactor and leaves the machine's
other cores idle. ``AnalysisPool`` runs it in ``GOVCRAWL_ANALYSIS_WORKERS`` worker processes (``spawn``: no
copy of the reactor's threads or sockets), one pool per crawl process shared by its portals' crawlers:

* the pipelines ``await`` a job (``analyze`` / ``attachment_text``); the reactor goes on downloading meanwhile;
* the event loop itself writes the jobs into each worker's pipe and reads the results as they come (``add_reader``):
  no executor threads in the crawl process, which would contend for its GIL with the reactor, and a worker finds
  its next jobs (up to ``JOBS_PER_WORKER``) already in its pipe when it finishes one;
* back-pressure, not an unbounded queue: once ``BACKLOG_PER_WORKER x workers`` pages wait for (or are in) the
  analysis, the crawl's downloads wait (``AnalysisBackpressure``, a downloader middleware) -- so memory stays
  bounded over any number of portals (Scrapy's own bound is per portal: 5 MB of responses in each crawler's
  scraper slot);
* the results are the same objects the in-process call returns (the same functions run; a test compares them);
* a worker that dies (a crash, the OOM killer) loses nothing: a new worker takes its place, the job it was running
  goes to a worker once more and, should that one die too, runs in the crawl process; the jobs waiting in its pipe
  go to the others; workers that die six times in a row (they cannot start, or die on everything) are given up
  and the rest of the crawl analyses in its own process;
* workers ignore SIGINT/SIGTERM (the crawl process decides how a run ends) and die with their parent
  (``PR_SET_PDEATHSIG``), so an interrupted or killed crawl leaves no orphans;
* each result carries its worker's CPU time and peak RSS: the crawl's stats report the workers apart
  (``govcrawl/analysis_workers/*``).

``workers <= 1`` turns the pool off: every job runs in the crawl process, as before.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import gc
import logging
import multiprocessing
import multiprocessing.util  # noqa: F401  (its exit handler registered before ours, so ours runs first)
import os
import pickle
import resource
import signal
import struct
import sys
import time
import weakref
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
    """A worker: deaf to the terminal's and the service manager's signals (its parent ends the run), killed with
    its parent, a lower priority than its parent's (``WORKER_NICENESS``); the analysis imported once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass
    try:  # the crawl process feeds the workers and drains their answers: it goes first for a core
        os.nice(WORKER_NICENESS)
    except (OSError, AttributeError):  # not permitted, or no nice() on this system: the same priority as it
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


#: Jobs sent to each worker ahead of its results: enough that a worker never idles while the crawl process (busy)
#: gets round to reading its last result; a worker's jobs wait in its pipe, the rest in the pool's queue.
JOBS_PER_WORKER = 8
#: Pages waiting for (or in) the analysis, per worker, beyond which the crawl's downloads wait (back-pressure:
#: each portal's Scrapy scraper slot alone would hold 5 MB of responses, and a process runs 64 portals at once).
BACKLOG_PER_WORKER = 32

#: How much lower the workers' scheduling priority is than their crawl process's (``nice``). The crawl process is
#: the crawl's bottleneck (its reactor downloads, archives and stores every page) and the workers wait for it: at
#: equal priority it waited for a core 19 % of the time behind them. 200 portals, alternating: 198.7 / 216.2
#: pages/s against 189.4 / 190.1 at equal priority, 1.67-1.68 cores used against 1.60-1.61.
WORKER_NICENESS = 10

#: The crawl process's GIL switch interval (seconds) once it has workers.
SWITCH_INTERVAL = 0.001

#: Worker deaths in a row (no job done between them) after which a crawl process stops using its workers.
GIVE_UP_AFTER = 6

_HEADER = struct.Struct("!i")  # multiprocessing.Connection's framing: a signed length; -1 and a "!Q" beyond 2 GB
_LONG = struct.Struct("!Q")


def _frame(data: bytes) -> bytes:
    if len(data) > 0x7FFFFFFF:
        return _HEADER.pack(-1) + _LONG.pack(len(data)) + data
    return _HEADER.pack(len(data)) + data


def _worker_main(jobs: Any, results: Any) -> None:
    """A worker process: run each job read from ``jobs`` and write back ("ok", _measured(...)) or ("error", exc),
    in order, until its crawl process closes the pipe."""
    _init_worker()
    while True:
        try:
            message = jobs.recv_bytes()
        except EOFError:  # the crawl process is done with this worker, which now ends: nothing it holds is
            gc.freeze()  # garbage worth the exit's collections walking every object (~0.1 s)
            return
        try:
            job, args = pickle.loads(message)
            answer = pickle.dumps(("ok", _measured(job, *args)), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # the job's own error (or an unpicklable result): raised in the crawl process
            try:
                answer = pickle.dumps(("error", exc), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:
                answer = pickle.dumps(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
        results.send_bytes(answer)


class WorkerLost(Exception):
    """A job's worker died under it twice (or the workers were given up): the job runs in the crawl process."""


class _Job:
    __slots__ = ("job", "args", "future", "deaths")

    def __init__(self, job: Callable[..., Any], args: tuple, future: asyncio.Future) -> None:
        self.job, self.args, self.future, self.deaths = job, args, future, 0


class _Worker:
    """One worker process and the crawl process's ends of its two pipes, read and written by the event loop."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")  # no copy of the reactor's threads or sockets
        jobs_in, self.jobs = context.Pipe(duplex=False)
        self.results, results_out = context.Pipe(duplex=False)
        self.process = context.Process(target=_worker_main, args=(jobs_in, results_out), daemon=True,
                                       name="govcrawl-analysis")
        self.process.start()
        jobs_in.close()  # the worker's ends: only the worker holds them, so its death is an end of file here
        results_out.close()
        os.set_blocking(self.jobs.fileno(), False)
        os.set_blocking(self.results.fileno(), False)
        self.sent: collections.deque[_Job] = collections.deque()  # in the order the worker answers them
        self.unwritten = bytearray()
        self.read = bytearray()
        self.loop: asyncio.AbstractEventLoop | None = None

    def watch(self, loop: asyncio.AbstractEventLoop, readable: Callable[[], None],
              writable: Callable[[], None]) -> None:
        if self.loop is loop:
            return
        self.unwatch()
        self.loop = loop
        loop.add_reader(self.results.fileno(), readable)
        if self.unwritten:
            loop.add_writer(self.jobs.fileno(), writable)

    def unwatch(self) -> None:
        loop, self.loop = self.loop, None
        if loop is not None and not loop.is_closed():
            loop.remove_reader(self.results.fileno())
            loop.remove_writer(self.jobs.fileno())

    def write(self, data: bytes, writable: Callable[[], None]) -> None:
        """Queue ``data`` for the worker; never blocks (what the pipe cannot take now waits for it to drain)."""
        if not self.unwritten:
            try:
                done = os.write(self.jobs.fileno(), data)
            except BlockingIOError:
                done = 0
            except OSError:  # the worker is gone: its end of file (on the results) says so
                return
            if done == len(data):
                return
            data = data[done:]
            if self.loop is not None:
                self.loop.add_writer(self.jobs.fileno(), writable)
        self.unwritten += data

    def flush(self) -> None:
        try:
            done = os.write(self.jobs.fileno(), self.unwritten)
        except BlockingIOError:
            return
        except OSError:
            done = len(self.unwritten)
        del self.unwritten[:done]
        if not self.unwritten and self.loop is not None:
            self.loop.remove_writer(self.jobs.fileno())

    def answers(self) -> tuple[list[bytearray], bool]:
        """The complete answers the worker has written so far, and whether it is still there (no end of file)."""
        fd, alive = self.results.fileno(), True
        while True:
            try:
                chunk = os.read(fd, 1 << 20)
            except BlockingIOError:
                break
            except OSError:
                chunk = b""
            if not chunk:
                alive = False
                break
            self.read += chunk
            if len(chunk) < 1 << 20:
                break
        messages, at, buffer = [], 0, self.read
        while len(buffer) - at >= 4:
            (size,), head = _HEADER.unpack_from(buffer, at), 4
            if size == -1:
                if len(buffer) - at < 12:
                    break
                (size,), head = _LONG.unpack_from(buffer, at + 4), 12
            if len(buffer) - at - head < size:
                break
            messages.append(buffer[at + head:at + head + size])  # (a bytearray: pickle reads it as it is)
            at += head + size
        del buffer[:at]
        return messages, alive

    def stop(self, timeout: float = 5.0) -> None:
        self.hang_up()
        self.join(timeout)

    def hang_up(self) -> None:
        self.unwatch()
        self.jobs.close()  # end of file: the worker finishes its job and leaves
        self.results.close()

    def join(self, timeout: float = 5.0) -> None:
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(1)


class AnalysisPool:
    """Worker processes for the analysis; ``run(job, *args)`` is awaited from a pipeline.

    The event loop itself writes the jobs to the workers' pipes and reads their results (``add_reader``): no
    executor threads contend for the crawl process's GIL, and a worker's next jobs are already in its pipe when
    it finishes one."""

    def __init__(self, workers: int, backlog: int | None = None) -> None:
        self.workers = workers
        self.live: list[_Worker] = []
        self.queue: collections.deque[_Job] = collections.deque()  # jobs not yet sent to a worker
        self.loop: asyncio.AbstractEventLoop | None = None
        self.room: asyncio.Event | None = None
        self.outstanding = 0  # pages handed to run() and not yet back
        self.backlog = backlog if backlog is not None else BACKLOG_PER_WORKER * workers
        self.jobs = 0
        self.cpu_seconds = 0.0
        self.peak_rss_kb: dict[int, int] = {}  # per worker pid
        self.worker_cpu: dict[int, float] = {}  # per worker pid: its whole CPU time (start-up included)
        self.restarts = 0
        self.fallbacks = 0
        self.failures_in_a_row = 0
        self.in_process = 0
        _OPEN.add(self)

    @property
    def enabled(self) -> bool:
        return self.workers > 1

    def pids(self) -> list[int]:
        return [worker.process.pid for worker in self.live]

    def _bind(self) -> asyncio.AbstractEventLoop:
        """The running loop: the workers' pipes are watched by it (each loop its own; tests run several)."""
        loop = asyncio.get_running_loop()
        if self.loop is not loop:
            self.loop = loop
            self.room = asyncio.Event()
            self.room.set()
            for worker in self.live:
                self._watch(worker)
        return loop

    def _watch(self, worker: _Worker) -> None:
        worker.watch(self.loop, lambda: self._readable(worker), worker.flush)

    def start(self) -> None:
        """Start the workers that are missing. A crawl starts them before its first page arrives (``shared_pool``):
        their own start-up, importing the analysis, then overlaps the crawl process's instead of delaying its first
        pages."""
        if not self.enabled or len(self.live) >= self.workers:
            return
        # the SQL writer thread shares the reactor's GIL: hand it over every millisecond, not every 5
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        while len(self.live) < self.workers:
            try:
                worker = _Worker()
            except Exception:  # no process can be started (limits, memory): the crawl goes on without them
                logger.exception("cannot start an analysis worker; analysing in the crawl process")
                self._give_up()
                return
            self.live.append(worker)
            if self.loop is not None and not self.loop.is_closed():  # else watched once a loop runs (_bind)
                self._watch(worker)

    def _dispatch(self) -> None:
        """Send queued jobs to the workers with room, the least busy first; start the workers that are missing."""
        if not self.queue:
            return
        self.start()
        if not self.enabled:  # given up: _give_up settled the queued jobs
            return
        while self.queue:
            worker = min(self.live, key=lambda w: len(w.sent))
            if len(worker.sent) >= JOBS_PER_WORKER:
                return
            job = self.queue.popleft()
            worker.sent.append(job)
            worker.write(_frame(pickle.dumps((job.job, job.args), protocol=pickle.HIGHEST_PROTOCOL)), worker.flush)

    def _readable(self, worker: _Worker) -> None:
        if worker not in self.live:  # stopped since its pipe was seen readable
            return
        answers, alive = worker.answers()
        for message in answers:
            job = worker.sent.popleft()
            self.failures_in_a_row = 0
            if job.future.done() or job.future.get_loop().is_closed():
                continue
            try:
                status, value = pickle.loads(message)
            except Exception as exc:  # an answer that cannot be read here fails its page, not the crawl
                status, value = "error", exc
            if status == "ok":
                job.future.set_result(value)
            else:
                job.future.set_exception(value)
        if not alive:
            self._lost(worker)
        self._dispatch()

    def _lost(self, worker: _Worker) -> None:
        """A worker died (a crash, the OOM killer): the job it was running goes to another worker once -- should
        that one die too, to the crawl process -- and the jobs waiting in its pipe go back to the queue."""
        self.live.remove(worker)
        worker.stop(timeout=1.0)
        self.restarts += 1
        self.failures_in_a_row += 1
        logger.error("analysis worker %s died (%d in a row)", worker.process.pid, self.failures_in_a_row)
        waiting = list(worker.sent)
        if waiting:
            waiting[0].deaths += 1
        if self.failures_in_a_row >= GIVE_UP_AFTER:
            # workers that cannot even start (or die on every page): the crawl goes on without them
            logger.error("analysis workers failed %d times in a row; analysing in the crawl process from now on",
                         self.failures_in_a_row)
            self.queue.extendleft(reversed(waiting))
            self._give_up()
            return
        if waiting and waiting[0].deaths >= 2:
            dead = waiting.pop(0)
            if not dead.future.done():
                dead.future.set_exception(WorkerLost())
        self.queue.extendleft(reversed(waiting))

    def _stop_workers(self) -> list[_Job]:
        """Stop every worker; the jobs still waiting for one (queued, or sent and not answered), whose futures are
        still to be settled."""
        waiting = list(self.queue) + [job for worker in self.live for job in worker.sent]
        self.queue.clear()
        live, self.live = self.live, []
        for worker in live:  # all told first, then waited for: they leave together
            worker.hang_up()
        for worker in live:
            worker.join()
        return [job for job in waiting if not job.future.done() and not job.future.get_loop().is_closed()]

    def _give_up(self) -> None:
        """No more workers: every page waiting for one is analysed in the crawl process."""
        self.workers = 1
        for job in self._stop_workers():
            job.future.set_exception(WorkerLost())

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
        loop = self._bind()
        self.outstanding += 1
        try:
            pending = _Job(job, args, loop.create_future())
            self.queue.append(pending)
            self._dispatch()
            try:
                result, cpu, pid, total_cpu, rss = await pending.future
            except WorkerLost:
                self.fallbacks += 1
                return job(*args)
        finally:
            self.outstanding -= 1
            if self.outstanding < self.backlog:
                self.room.set()
        self.jobs += 1
        self.cpu_seconds += cpu
        self.worker_cpu[pid] = max(total_cpu, self.worker_cpu.get(pid, 0.0))
        self.peak_rss_kb[pid] = max(rss, self.peak_rss_kb.get(pid, 0))
        if stats is not None:
            stats.inc_value("govcrawl/analysis_workers/jobs")
            stats.inc_value("govcrawl/analysis_workers/cpu_ms", round(cpu * 1000))
        return result

    def stats(self) -> dict[str, Any]:
        return {"workers": self.workers if self.enabled else 0, "jobs": self.jobs, "in_process": self.in_process,
                "cpu_seconds": round(self.cpu_seconds, 3),  # in the jobs themselves
                "process_cpu_seconds": round(sum(self.worker_cpu.values()), 3),  # the workers' whole CPU
                "processes": len(self.worker_cpu),
                "peak_rss_mb": round(sum(self.peak_rss_kb.values()) / 1024, 1),
                "restarts": self.restarts, "fallbacks": self.fallbacks}

    def close(self) -> None:
        for job in self._stop_workers():
            job.future.cancel()


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
    """The crawl process's pool of ``workers`` (its portals' crawlers share it), its workers started; closed at exit."""
    pool = _POOLS.get(workers)
    if pool is None:
        pool = _POOLS[workers] = AnalysisPool(workers)
    pool.start()
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


#: Every pool of this process, closed at its exit.
_OPEN: "weakref.WeakSet[AnalysisPool]" = weakref.WeakSet()


def close_pools() -> None:
    for pool in list(_OPEN):
        pool.close()


# runs before multiprocessing's own exit handler, which would wait for the workers (deaf to SIGTERM) forever
atexit.register(close_pools)
