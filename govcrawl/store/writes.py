"""Reports and drops written in batches: one transaction, and a handful of statements, for many pages.

A crawl stores a row per page. Written one transaction each, a report cost about a dozen statements (its row, its
capture, its statistics cells, its signature, the drop it replaces) and a commit; here a batch of up to ``BATCH``
pages costs about as many statements in all: the existing rows are read with one ``IN`` query per table, new rows
go to ``executemany``, the deletions take ``IN`` lists.

What stays true:
- a row is queued only once its WARC record is on disk (the pipelines check first), so nothing points at a missing
  record; a crash (SIGKILL, power) loses at most the rows of the pages of the last ``MAX_DELAY_S`` seconds (and no
  more than ``BATCH``), and on the writer thread the transactions handed over and not yet written (``WRITER_QUEUE``
  at most): their pages are in the WARC archive, and the next crawl, finding no row, fetches them again;
- readers in the same process see every write: each read of the ``Store`` flushes what is pending first;
- the pages of one URL are written in the order they came (a second write of a URL flushes the first);
- a batch that cannot be written is reported page by page (``done(None, error)``), never dropped silently.

A crawl writes its batches on a thread of their own (``background()``): the reactor hands a batch over and goes
on downloading while the database works (SQLite and the PostgreSQL driver let go of the GIL while they do, so that
work takes the machine's other core). The thread writes the batches in the order they came, at most
``WRITER_QUEUE`` behind (further hand-overs wait: back-pressure, not an unbounded queue); the pages' ``done``
callbacks still run on the thread that queued them (at its next ``add``, ``tick`` or ``flush``), and ``flush``
returns once everything handed over is written. Other writers of the crawl's database (the payload-digest index)
hand their transactions to the same thread (``submit``): on SQLite, a second writer would wait for the lock.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from govcrawl.store.models import (
    Attachment,
    Capture,
    Drop,
    NearDuplicateBand,
    NearDuplicateSignature,
    Report,
    StatisticValue,
    utcnow,
)

logger = logging.getLogger(__name__)

BATCH = 64
MAX_DELAY_S = 1.0
IN_LIST = 500  # rows per IN (...) list
WRITER_QUEUE = 4  # transactions handed to the writer thread and not yet written, at most


@dataclass
class PendingReport:
    values: dict[str, Any]
    validators: dict[str, str | None] | None
    statistics: list[tuple[str, str, str, float | None]] | None
    signature: Callable[[], tuple[str, bytes, list[int]] | None] | None
    done: Callable[[str | None, BaseException | None], None] | None


@dataclass
class PendingDrop:
    values: dict[str, Any]
    done: Callable[[str | None, BaseException | None], None] | None


@dataclass
class PendingAttachment:
    values: dict[str, Any]
    done: Callable[[str | None, BaseException | None], None] | None


Pending = PendingReport | PendingDrop | PendingAttachment


class WriterThread:
    """One thread writing a database's transactions in the order they are handed over: ``submit(job)`` runs
    ``job(connection)`` in a transaction of its own; ``wait()`` returns once every job handed over is done. A job's
    outcome is its own business (``PendingWrites`` records it for its caller's thread); one that raises is logged."""

    def __init__(self, engine: Engine, depth: int = WRITER_QUEUE) -> None:
        self.engine = engine
        self.jobs: queue.Queue = queue.Queue(maxsize=depth)
        self.thread = threading.Thread(target=self._run, name="govcrawl-db-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            job = self.jobs.get()
            try:
                if job is None:
                    return
                job()
            except Exception:  # a job reports its own failures; never let the thread die
                logger.exception("a database write on the writer thread failed")
            finally:
                self.jobs.task_done()

    def submit(self, job: Callable[[], None]) -> None:
        """Hand ``job`` over; waits while ``WRITER_QUEUE`` jobs are already waiting (the database is behind)."""
        if not self.thread.is_alive():
            raise RuntimeError("the database writer thread has stopped")
        self.jobs.put(job)

    def wait(self) -> None:
        self.jobs.join()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.jobs.put(None)
            self.thread.join()


class PendingWrites:
    """The queue of one ``Store``: reports, drops and attachments, flushed at ``BATCH`` pages, after
    ``MAX_DELAY_S``, or when asked (a read, the end of a crawl); written here, or on a writer thread
    (``background()``)."""

    def __init__(self, engine: Engine, cells_sql: Callable[[Any], str | None],
                 bands_sql: Callable[[Any], str | None] | None = None, batch: int = BATCH,
                 max_delay_s: float = MAX_DELAY_S) -> None:
        """``cells_sql`` / ``bands_sql``: the driver-level INSERT of statistics cells / band keys for a dialect."""
        self.engine = engine
        self.cells_sql = cells_sql
        self.bands_sql = bands_sql
        self.batch = batch
        self.max_delay_s = max_delay_s
        self._ops: list[Pending] = []
        self._urls: set[str] = set()
        self._since: float | None = None
        self.writer: WriterThread | None = None
        # batches handed to the writer and not yet delivered: their URLs (a read of one of them waits for it)
        self._in_flight: collections.deque[set[str]] = collections.deque()
        # written batches whose callbacks are still to run on the queueing thread: (ops, statuses, error)
        self._written: collections.deque[tuple[list[Pending], list[str], BaseException | None]] = collections.deque()

    def background(self) -> None:
        """Write the batches on a thread of their own from now on."""
        if self.writer is None:
            self.writer = WriterThread(self.engine)

    def __len__(self) -> int:
        return len(self._ops)

    def __contains__(self, url: str) -> bool:
        """Is a write of ``url`` queued or not yet written?"""
        return url in self._urls or any(url in urls for urls in self._in_flight)

    def add(self, op: Pending) -> None:
        url = op.values["url"]
        if url in self._urls:
            self._send()  # the earlier write of this URL goes first
        self._ops.append(op)
        self._urls.add(url)
        if self._since is None:
            self._since = time.monotonic()
        if len(self._ops) >= self.batch or time.monotonic() - self._since >= self.max_delay_s:
            self._send()
        self._deliver()

    def tick(self) -> None:
        """Hand over what has waited ``MAX_DELAY_S`` and run the callbacks of what is written, without waiting
        for the database (a crawl calls it every ``MAX_DELAY_S``)."""
        if self._since is not None and time.monotonic() - self._since >= self.max_delay_s:
            self._send()
        self._deliver()

    def flush(self) -> None:
        """Write what is pending, and wait until everything handed over is written; each page's ``done`` gets its
        status, or the error."""
        self._send()
        if self.writer is not None:
            self.writer.wait()
        self._deliver()

    def submit(self, job: Callable[[Connection], None], failed: Callable[[BaseException], None]) -> None:
        """Another writer's transaction (``job(connection)``), in order with the batches: on the writer thread
        (``failed(error)`` is told there if it cannot be written), or here (the error raised)."""
        if self.writer is None:
            with self.engine.begin() as conn:
                job(conn)
            return

        def run() -> None:
            try:
                with self.engine.begin() as conn:
                    job(conn)
            except Exception as exc:
                failed(exc)

        self.writer.submit(run)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            if self.writer is not None:
                self.writer.stop()
                self.writer = None

    def _send(self) -> None:
        if not self._ops:
            return
        ops, urls = self._ops, self._urls
        self._ops, self._urls, self._since = [], set(), None
        if self.writer is None:
            self._write(ops)
            return
        self._in_flight.append(urls)
        self.writer.submit(lambda: self._write(ops))

    def _write(self, ops: list[Pending]) -> None:
        """One transaction for the batch (any thread); the outcome waits in ``_written`` for ``_deliver``."""
        reports = [op for op in ops if isinstance(op, PendingReport)]
        try:
            now = utcnow()
            with self.engine.begin() as conn:
                statuses = write_reports(conn, reports, now, self.cells_sql(conn.dialect),
                                         self.bands_sql(conn.dialect) if self.bands_sql else None)
                write_drops(conn, [op for op in ops if isinstance(op, PendingDrop)], now)
                write_attachments(conn, [op for op in ops if isinstance(op, PendingAttachment)], now)
        except Exception as exc:
            self._written.append((ops, [], exc))
        else:
            status_of = {id(op): status for op, status in zip(reports, statuses)}
            self._written.append((ops, [status_of.get(id(op), "dropped" if isinstance(op, PendingDrop) else "stored")
                                        for op in ops], None))

    def _deliver(self) -> None:
        """Run the callbacks of the written batches, in the order they came (on the thread that queued them)."""
        while self._written:
            ops, statuses, error = self._written.popleft()
            if self.writer is not None and self._in_flight:
                self._in_flight.popleft()
            if error is not None:
                for op in ops:
                    if op.done is not None:
                        op.done(None, error)
                if not any(op.done is not None for op in ops):
                    raise error
                continue
            for op, status in zip(ops, statuses):
                if op.done is not None:
                    op.done(status, None)


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(items), IN_LIST):
        yield items[i : i + IN_LIST]


def _insert_runs(conn: Connection, table: Any, rows: Iterable[dict[str, Any]]) -> None:
    """``executemany`` over consecutive rows with the same keys (the order of the rows is kept)."""
    run: list[dict[str, Any]] = []
    for row in rows:
        if run and row.keys() != run[0].keys():
            conn.execute(insert(table), run)
            run = []
        run.append(row)
    if run:
        conn.execute(insert(table), run)


def write_reports(conn: Connection, ops: list[PendingReport], now: Any, cells_sql: str | None,
                  bands_sql: str | None = None) -> list[str]:
    """Insert or refresh each report and its capture history (``Store.save_report``); returns their statuses."""
    if not ops:
        return []
    reports, captures, cells = Report.__table__, Capture.__table__, StatisticValue.__table__
    urls = [op.values["url"] for op in ops]
    old: dict[str, tuple[int, str | None]] = {}
    latest: dict[str, tuple[int, str | None]] = {}
    for chunk in _chunks(urls):
        for url, rid, digest in conn.execute(
            select(reports.c.url, reports.c.id, reports.c.payload_digest).where(reports.c.url.in_(chunk))
        ):
            old[url] = (rid, digest)
        newest = select(func.max(captures.c.id)).where(captures.c.url.in_(chunk)).group_by(captures.c.url)
        for url, cid, digest in conn.execute(
            select(captures.c.url, captures.c.id, captures.c.payload_digest).where(captures.c.id.in_(newest))
        ):
            latest[url] = (cid, digest)
    statuses, new_rows, new_captures, recomputed, cell_rows, signatures = [], [], [], [], [], []
    for op in ops:
        url, digest = op.values["url"], op.values.get("payload_digest")
        previous = old.get(url)
        status = "new" if previous is None else ("changed" if digest and previous[1] != digest else "unchanged")
        # an unchanged page keeps pointing at its capture
        row = {k: v for k, v in op.values.items()
               if not (status == "unchanged" and k in ("warc_filename", "warc_offset"))}
        row["last_seen"] = now
        if previous is None:
            new_rows.append({**row, "first_seen": now})
        else:
            conn.execute(update(reports).where(reports.c.id == previous[0]).values(**row))
        capture_row = {"last_seen": now, **(op.validators or {})}
        newest_capture = latest.get(url)
        if newest_capture is not None and newest_capture[1] == digest:
            conn.execute(update(captures).where(captures.c.id == newest_capture[0])
                         .values(last_confirmed=now, **capture_row))
        else:
            new_captures.append({"url": url, "payload_digest": digest, "warc_filename": op.values.get("warc_filename"),
                                 "warc_offset": op.values.get("warc_offset"), "first_seen": now, **capture_row})
        if op.statistics is not None and status != "unchanged":
            recomputed.append(url)
            cell_rows += [(url, t, r, c, v) for t, r, c, v in op.statistics]
        # the near-duplicate signature: made (or taken from the worker) only for a new or changed report
        record = op.signature() if op.signature is not None and status != "unchanged" else None
        if record is not None:
            signatures.append((url, *record))
        statuses.append(status)
    _insert_runs(conn, reports, new_rows)
    _insert_runs(conn, captures, new_captures)
    for chunk in _chunks(recomputed):
        conn.execute(delete(cells).where(cells.c.report_url.in_(chunk)))
    if cell_rows and cells_sql:
        # ~180 cells a report: the driver's executemany over tuples (no SQLAlchemy processing per row)
        conn.exec_driver_sql(cells_sql, cell_rows)
    elif cell_rows:
        conn.execute(insert(cells), [{"report_url": u, "table_name": t, "row_key": r, "column_key": c, "value": v}
                                     for u, t, r, c, v in cell_rows])
    write_signatures(conn, signatures, bands_sql)
    # a page once dropped and now a report (accepted, or the filter changed its mind) lives in one table only
    for chunk in _chunks(urls):
        conn.execute(delete(Drop.__table__).where(Drop.__table__.c.url.in_(chunk)))
    return statuses


def write_signatures(conn: Connection, records: list[tuple[str, str, bytes, list[int]]],
                     bands_sql: str | None = None) -> None:
    """Keep reports' near-duplicate signatures and LSH band keys, replacing earlier ones: (url, scheme, signature,
    band keys) each."""
    if not records:
        return
    signatures, bands = NearDuplicateSignature.__table__, NearDuplicateBand.__table__
    urls = [url for url, *_ in records]
    for chunk in _chunks(urls):
        conn.execute(delete(signatures).where(signatures.c.url.in_(chunk)))
        conn.execute(delete(bands).where(bands.c.url.in_(chunk)))
    conn.execute(insert(signatures), [{"url": url, "scheme": scheme, "signature": signature}
                                      for url, scheme, signature, _ in records])
    band_rows = [(key, url) for url, _, _, keys in records for key in keys]
    if band_rows and bands_sql:
        conn.exec_driver_sql(bands_sql, band_rows)  # (as the cells: the driver's executemany over tuples)
    elif band_rows:
        conn.execute(insert(bands), [{"band_key": key, "url": url} for key, url in band_rows])


def write_drops(conn: Connection, ops: list[PendingDrop], now: Any) -> None:
    """Insert or refresh each drop (``Store.save_drop``); a report of the same URL goes, with its statistics cells
    and signature: a URL lives in one of the two tables only."""
    if not ops:
        return
    reports, drops = Report.__table__, Drop.__table__
    urls = [op.values["url"] for op in ops]
    were_reports: list[str] = []
    existing: dict[str, int] = {}
    for chunk in _chunks(urls):
        were_reports += conn.scalars(select(reports.c.url).where(reports.c.url.in_(chunk)))
        existing.update((url, did) for url, did in conn.execute(select(drops.c.url, drops.c.id)
                                                                .where(drops.c.url.in_(chunk))))
    for chunk in _chunks(were_reports):
        conn.execute(delete(reports).where(reports.c.url.in_(chunk)))
        conn.execute(delete(StatisticValue.__table__).where(StatisticValue.__table__.c.report_url.in_(chunk)))
        conn.execute(delete(NearDuplicateSignature.__table__).where(NearDuplicateSignature.__table__.c.url.in_(chunk)))
        conn.execute(delete(NearDuplicateBand.__table__).where(NearDuplicateBand.__table__.c.url.in_(chunk)))
    new_rows = []
    for op in ops:
        did = existing.get(op.values["url"])
        if did is None:
            new_rows.append({**op.values, "first_seen": now, "last_seen": now})
        else:
            conn.execute(update(drops).where(drops.c.id == did).values(**op.values, last_seen=now))
    _insert_runs(conn, drops, new_rows)


def write_attachments(conn: Connection, ops: list[PendingAttachment], now: Any) -> None:
    """Insert or refresh each attachment (``Store.save_attachment``); an unchanged one keeps pointing at its first
    full capture."""
    if not ops:
        return
    table = Attachment.__table__
    existing: dict[str, tuple[int, str | None]] = {}
    for chunk in _chunks([op.values["url"] for op in ops]):
        existing.update((url, (aid, digest)) for url, aid, digest in conn.execute(
            select(table.c.url, table.c.id, table.c.payload_digest).where(table.c.url.in_(chunk))))
    new_rows: list[dict[str, Any]] = []
    for op in ops:  # a URL comes once a batch (PendingWrites.add hands the batch over before a second write)
        values, old = op.values, existing.get(op.values["url"])
        if old is None:
            new_rows.append({**values, "first_seen": now, "last_seen": now})
            continue
        unchanged = old[1] is not None and old[1] == values.get("payload_digest")
        row = {k: v for k, v in values.items() if not (unchanged and k in ("warc_filename", "warc_offset"))}
        conn.execute(update(table).where(table.c.id == old[0]).values(**row, last_seen=now))
    _insert_runs(conn, table, new_rows)
