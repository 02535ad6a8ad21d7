"""Reports and drops written in batches: one transaction, and a handful of statements, for many pages.

A crawl stores a row per page. Written one transaction each, a report cost about a dozen statements (its row, its
capture, its statistics cells, its signature, the drop it replaces) and a commit; here a batch of up to ``BATCH``
pages costs about as many statements in all: the existing rows are read with one ``IN`` query per table, new rows
go to ``executemany``, the deletions take ``IN`` lists.

What stays true:
- a row is queued only once its WARC record is on disk (the pipelines check first), so nothing points at a missing
  record; a crash (SIGKILL, power) loses at most the rows of the pages of the last ``MAX_DELAY_S`` seconds (and no
  more than ``BATCH``): their pages are in the WARC archive, and the next crawl, finding no row, fetches them again;
- readers in the same process see every write: each read of the ``Store`` flushes what is pending first;
- the pages of one URL are written in the order they came (a second write of a URL flushes the first);
- a batch that cannot be written is reported page by page (``done(None, error)``), never dropped silently.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from govcrawl.store.models import (
    Capture,
    Drop,
    NearDuplicateBand,
    NearDuplicateSignature,
    Report,
    StatisticValue,
    utcnow,
)

BATCH = 64
MAX_DELAY_S = 1.0
IN_LIST = 500  # rows per IN (...) list


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


class PendingWrites:
    """The queue of one ``Store``: reports and drops, flushed at ``BATCH`` pages, after ``MAX_DELAY_S``, or when
    asked (a read, the end of a crawl)."""

    def __init__(self, engine: Engine, cells_sql: Callable[[Any], str | None],
                 bands_sql: Callable[[Any], str | None] | None = None, batch: int = BATCH,
                 max_delay_s: float = MAX_DELAY_S) -> None:
        """``cells_sql`` / ``bands_sql``: the driver-level INSERT of statistics cells / band keys for a dialect."""
        self.engine = engine
        self.cells_sql = cells_sql
        self.bands_sql = bands_sql
        self.batch = batch
        self.max_delay_s = max_delay_s
        self._ops: list[PendingReport | PendingDrop] = []
        self._urls: set[str] = set()
        self._since: float | None = None

    def __len__(self) -> int:
        return len(self._ops)

    def __contains__(self, url: str) -> bool:
        return url in self._urls

    def add(self, op: PendingReport | PendingDrop) -> None:
        url = op.values["url"]
        if url in self._urls:
            self.flush()
        self._ops.append(op)
        self._urls.add(url)
        if self._since is None:
            self._since = time.monotonic()
        if len(self._ops) >= self.batch or time.monotonic() - self._since >= self.max_delay_s:
            self.flush()

    def flush(self) -> None:
        """Write what is pending in one transaction; each page's ``done`` gets its status, or the error."""
        if not self._ops:
            return
        ops, self._ops, self._urls, self._since = self._ops, [], set(), None
        reports = [op for op in ops if isinstance(op, PendingReport)]
        drops = [op for op in ops if isinstance(op, PendingDrop)]
        try:
            now = utcnow()
            with self.engine.begin() as conn:
                statuses = write_reports(conn, reports, now, self.cells_sql(conn.dialect),
                                         self.bands_sql(conn.dialect) if self.bands_sql else None)
                write_drops(conn, drops, now)
        except Exception as exc:
            for op in ops:
                if op.done is not None:
                    op.done(None, exc)
            if not any(op.done is not None for op in ops):
                raise
            return
        status_of = {id(op): status for op, status in zip(reports, statuses)}
        for op in ops:  # in the order they came
            if op.done is not None:
                op.done(status_of.get(id(op), "dropped"), None)


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
