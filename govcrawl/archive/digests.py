"""The payload-digest index: which payloads are already archived, and where (deduplication).

One row per (capture key, payload digest) first archived as a full ``response`` record. When the
same key answers the same payload again, the WARC capture writes a ``revisit`` record (profile
identical-payload-digest) pointing at that first capture instead of the payload again.

The capture key is the URL for GET; for other methods it also names the method and a digest of
the request body, so that two POSTs to one URL with different bodies never stand for each other.

The table (``payload_digests``) is one of the store's (``govcrawl.store.models.PayloadDigest``).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import weakref
from collections import OrderedDict
from base64 import b32encode
from dataclasses import dataclass

from sqlalchemy import (
    bindparam,
    func,
    insert,
    select,
    update,
)

from govcrawl.store.models import PayloadDigest, utcnow
from govcrawl.store.store import Store, param_mark

logger = logging.getLogger(__name__)


def sha1_digest(data: bytes) -> str:
    """``sha1:BASE32``, the form WARC-Payload-Digest and WARC-Block-Digest take."""
    return "sha1:" + b32encode(hashlib.sha1(data).digest()).decode("ascii")


def capture_key(url: str, method: str = "GET", request_body: bytes = b"") -> str:
    method = (method or "GET").upper()
    if method == "GET":
        return url
    return f"{method} {url} {sha1_digest(request_body or b'')}"



@dataclass(frozen=True)
class Original:
    """Where a payload was first archived: what a revisit record refers to."""

    url: str
    warc_date: str
    record_id: str
    warc_filename: str
    warc_offset: int
    crawl_id: str | None = None
    digest: str | None = None  # its payload digest


def key_hash(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


class DigestFilter:
    """The payload digests that may be in the index: a Bloom filter (12 bits and 8 probes a digest: ~0.3 % false
    positives, never a false negative) that grows by levels of 4x the capacity as it fills, so it holds any number of
    digests in ~2 bytes each. Hashes are this process's own (``hash``): it is never stored."""

    PROBES = 8
    BITS_PER_DIGEST = 12
    GROWTH = 4

    def __init__(self, capacity: int = 1 << 16) -> None:
        self.levels: list[tuple[bytearray, int]] = []  # (bits, their number); the newest last
        self.capacity = 0
        self.count = 0
        self._level_capacity = capacity
        self._grow(capacity)

    def _grow(self, capacity: int) -> None:
        nbits = capacity * self.BITS_PER_DIGEST
        self.levels.append((bytearray((nbits + 7) // 8), nbits))
        self.capacity += capacity
        self._level_capacity = capacity

    @staticmethod
    def _hashes(digest: str) -> tuple[int, int]:
        h = hash(digest) & 0xFFFF_FFFF_FFFF_FFFF
        return h & 0xFFFF_FFFF, (h >> 32) | 1

    def add(self, digest: str) -> None:
        if self.count >= self.capacity:
            self._grow(self.GROWTH * self._level_capacity)
        bits, nbits = self.levels[-1]
        h1, h2 = self._hashes(digest)
        for i in range(self.PROBES):
            pos = (h1 + i * h2) % nbits
            bits[pos >> 3] |= 1 << (pos & 7)
        self.count += 1

    def __contains__(self, digest: str) -> bool:
        h1, h2 = self._hashes(digest)
        for bits, nbits in reversed(self.levels):
            for i in range(self.PROBES):
                pos = (h1 + i * h2) % nbits
                if not bits[pos >> 3] & (1 << (pos & 7)):
                    break
            else:
                return True
        return False


class DigestIndex:
    """Look up and record archived payloads in the database (any SQLAlchemy URL ``Store`` takes).

    Rows are written in batches (``BATCH`` rows, or when asked: ``flush``, ``close``, a reader's query),
    not one transaction per record: a crawl writes one per response. A row is only ever written after
    its record is on disk, so a crash loses at most the last batch's rows -- the next crawl then
    archives those payloads in full again instead of as revisits, and nothing points at a missing record.

    ``exclusive``: no other process writes the table while this index is open (a crawl holds its database's lock;
    a distributed crawl's workers share theirs). The index then knows every digest the table may hold (read once
    when it opens, then each one added: ``DigestFilter``), and a payload it has never seen -- nearly every page of
    a first crawl -- is known new without a query: 294 -> 3 us a new payload on a local PostgreSQL (a round trip
    per response, on the reactor's thread), 28 -> 3 us on SQLite (no change measured in ``scale.py --quick``).
    """

    BATCH = 200
    #: Payloads remembered in memory (the latest looked up or archived), at most: a crawl's memory must not grow with
    #: its length (a national backfill is millions of pages). Far above the rows not yet written (a batch here and
    #: a few handed to the writer thread), so a payload is always found: in memory until its row is in the table.
    CACHE = 20_000

    def __init__(self, store: Store, exclusive: bool = False) -> None:
        self.store = store
        self._table = PayloadDigest.__table__
        self._cache: OrderedDict[tuple[str, str], Original] = OrderedDict()
        self._pending: list[dict] = []
        self._revisits: dict[tuple[str, str], int] = {}
        self._known: DigestFilter | None = self._shared_filter() if exclusive else None
        _LIVE.add(self)

    def _shared_filter(self) -> DigestFilter:
        """The filter of this database, shared by the process's exclusive indexes of it while one is open."""
        known = _FILTERS.get(self.store.url)
        if known is None:
            known = _FILTERS[self.store.url] = self._read_digests()
        return known

    def _read_digests(self) -> DigestFilter:
        """Every digest in the table (and those of this process's other open indexes, not yet written)."""
        flush_all(self.store.url)
        known = DigestFilter()
        with self.store.engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(self._table)).scalar() or 0
            if count > known.capacity:
                known = DigestFilter(count + count // 2)
            result = conn.execution_options(yield_per=10_000).execute(select(self._table.c.digest))
            for (digest,) in result:
                known.add(digest)
        return known

    @classmethod
    def open(cls, db_url: str) -> "DigestIndex":
        return cls(Store(db_url))

    def lookup(self, key: str, digest: str, exclude_crawl: str | None = None) -> Original | None:
        """The first archived capture of this payload under this key; with ``exclude_crawl``,
        only one archived by an earlier crawl (duplicates within a crawl are then kept in full)."""
        hit = self._cache.get((digest, key))
        if hit is None:
            if self._known is not None and digest not in self._known:
                return None  # never archived: no query
            t = self._table
            with self.store.engine.connect() as conn:
                sql = _lookup_sql(conn.dialect)
                if sql is not None:  # once per response: the driver's own statement (a third of the time)
                    row = conn.exec_driver_sql(sql, (digest, key_hash(key))).first()
                else:
                    row = conn.execute(
                        _select_original(t).where(t.c.digest == digest, t.c.key_hash == key_hash(key))
                    ).first()
            if row is None:
                return None
            hit = self._remember((digest, key), Original(*row))
        else:
            self._cache.move_to_end((digest, key))
        return None if exclude_crawl and hit.crawl_id == exclude_crawl else hit

    def _remember(self, entry: tuple[str, str], original: Original) -> Original:
        self._cache[entry] = original
        if len(self._cache) > self.CACHE:
            self._cache.popitem(last=False)  # the least recently used: its row is in the table, found there
        return original

    def latest(self, url: str, method: str = "GET", request_body: bytes = b"") -> Original | None:
        """The most recent payload archived in full under this URL (for rebuilding an unchanged page)."""
        flush_all(self.store.url)
        t = self._table
        with self.store.engine.connect() as conn:
            row = conn.execute(
                _select_original(t)
                .where(t.c.key_hash == key_hash(capture_key(url, method, request_body)))
                .order_by(t.c.id.desc())
                .limit(1)
            ).first()
        return Original(*row) if row is not None else None

    def add(
        self,
        key: str,
        digest: str,
        *,
        url: str,
        method: str,
        warc_date: str,
        record_id: str,
        warc_filename: str,
        warc_offset: int,
        payload_length: int,
        crawl_id: str | None = None,
    ) -> None:
        """Record a payload just archived in full (called after its record is on disk)."""
        if (digest, key) in self._cache:  # archived already (e.g. twice within one crawl): the first stays the original
            return
        self._remember((digest, key), Original(url, warc_date, record_id, warc_filename, warc_offset, crawl_id, digest))
        known = _FILTERS.get(self.store.url)
        if known is not None:  # the exclusive indexes of this database (this one or another) know it from now on
            known.add(digest)
        now = utcnow()
        self._pending.append(
            {"digest": digest, "key_hash": key_hash(key), "url": url, "method": method, "warc_date": warc_date,
             "record_id": record_id, "warc_filename": warc_filename, "warc_offset": warc_offset,
             "payload_length": payload_length, "crawl_id": crawl_id, "first_seen": now, "last_seen": now, "revisits": 0}
        )
        if len(self._pending) >= self.BATCH:
            self.flush(wait=False)

    def seen_again(self, key: str, digest: str) -> None:
        counted = (digest, key_hash(key))
        self._revisits[counted] = self._revisits.get(counted, 0) + 1
        if len(self._revisits) >= self.BATCH:
            self.flush(wait=False)

    def flush(self, wait: bool = True) -> None:
        """Write the batched rows and revisit counts, in one transaction: handed to the crawl's database writer
        thread (``Store.submit``), in order with its other rows; ``wait``: until written."""
        if self._pending or self._revisits:
            pending, revisits = self._pending, self._revisits
            self._pending, self._revisits = [], {}
            self.store.submit(lambda conn: _write_rows(conn, self._table, pending, revisits), _rows_failed)
        if wait:
            self.store.flush()

    def all(self) -> list[PayloadDigest]:
        self.flush()
        with self.store.session() as session:
            return list(session.scalars(select(PayloadDigest).order_by(PayloadDigest.id)))

    def release(self) -> None:
        """Done with it; the store stays open for its other users."""
        self.flush()
        _LIVE.discard(self)

    def close(self) -> None:
        self.release()
        self.store.close()


def _write_rows(conn, t, pending: list[dict], revisits: dict[tuple[str, str], int]) -> None:
    if pending:
        # Another process (a distributed worker) may have archived the same payload first: keep its row.
        conn.execute(_insert_ignoring_duplicates(conn, t), pending)
    if revisits:
        now = utcnow()
        conn.execute(
            update(t)
            .where(t.c.digest == bindparam("d"), t.c.key_hash == bindparam("k"))
            .values(revisits=func.coalesce(t.c.revisits, 0) + bindparam("n"), last_seen=now),
            [{"d": d, "k": k, "n": n} for (d, k), n in revisits.items()],
        )


def _rows_failed(error: BaseException) -> None:
    """(On the writer thread.) Lost rows of the index cost only space: the next crawl archives those payloads in
    full again instead of as revisits; nothing points at a missing record."""
    logger.error("payload-digest rows could not be written (%s: %s); the next crawl archives those payloads in "
                 "full again", type(error).__name__, error)


@functools.lru_cache(maxsize=4)
def _lookup_sql(dialect) -> str | None:
    """``_select_original`` of one (digest, key hash), in the driver's positional parameter style."""
    mark = param_mark(dialect)
    if mark is None:
        return None
    t = PayloadDigest.__table__
    columns = ", ".join(c.name for c in _select_original(t).selected_columns)
    return f"SELECT {columns} FROM {t.name} WHERE digest = {mark} AND key_hash = {mark}"


def _select_original(t):
    """The columns of an ``Original``, in its order."""
    return select(t.c.url, t.c.warc_date, t.c.record_id, t.c.warc_filename, t.c.warc_offset, t.c.crawl_id, t.c.digest)


def _insert_ignoring_duplicates(conn, table):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()
    return insert(table)


# The digest filter of each database an exclusive index of this process has open (shared by them; gone with them).
_FILTERS: "weakref.WeakValueDictionary[str, DigestFilter]" = weakref.WeakValueDictionary()

# Every open index, so that a reader of the table (``latest``) first writes what any of them still holds.
_LIVE: "weakref.WeakSet[DigestIndex]" = weakref.WeakSet()


def flush_all(db_url: str) -> None:
    for index in list(_LIVE):
        if index.store.url == db_url:
            index.flush()
