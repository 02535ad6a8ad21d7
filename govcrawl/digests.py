"""The payload-digest index: which payloads are already archived, and where (deduplication).

One row per (capture key, payload digest) first archived as a full ``response`` record. When the
same key answers the same payload again, the WARC capture writes a ``revisit`` record (profile
identical-payload-digest) pointing at that first capture instead of the payload again.

The capture key is the URL for GET; for other methods it also names the method and a digest of
the request body, so that two POSTs to one URL with different bodies never stand for each other.

The table lives in the crawl's database (``govcrawl.storage.Base``): importing this module before
``Store(...)`` opens makes ``create_all`` build it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from base64 import b32encode
from dataclasses import dataclass

from sqlalchemy import DateTime, Index, Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from govcrawl.storage import Base, Store, utcnow


def sha1_digest(data: bytes) -> str:
    """``sha1:BASE32``, the form WARC-Payload-Digest and WARC-Block-Digest take."""
    return "sha1:" + b32encode(hashlib.sha1(data).digest()).decode("ascii")


def capture_key(url: str, method: str = "GET", request_body: bytes = b"") -> str:
    method = (method or "GET").upper()
    if method == "GET":
        return url
    return f"{method} {url} {sha1_digest(request_body or b'')}"


class PayloadDigest(Base):
    __tablename__ = "payload_digests"
    __table_args__ = (Index("ix_payload_digests_digest_key", "digest", "key_hash", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    # sha1 of the capture key: a short, indexable stand-in for keys of any length
    key_hash: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(String(2048))
    method: Mapped[str] = mapped_column(String(16), default="GET")
    warc_date: Mapped[str] = mapped_column(String(32))  # WARC-Date of the original record
    record_id: Mapped[str] = mapped_column(String(64))
    warc_filename: Mapped[str] = mapped_column(String(256))
    warc_offset: Mapped[int] = mapped_column(Integer)
    payload_length: Mapped[int] = mapped_column(Integer)
    crawl_id: Mapped[str | None] = mapped_column(String(128))  # the crawl that archived it
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revisits: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(frozen=True)
class Original:
    """Where a payload was first archived: what a revisit record refers to."""

    url: str
    warc_date: str
    record_id: str
    warc_filename: str
    warc_offset: int
    crawl_id: str | None = None


def key_hash(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


class DigestIndex:
    """Look up and record archived payloads in the database (any SQLAlchemy URL ``Store`` takes)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[tuple[str, str], Original] = {}

    @classmethod
    def open(cls, db_url: str) -> "DigestIndex":
        return cls(Store(db_url))

    def lookup(self, key: str, digest: str, exclude_crawl: str | None = None) -> Original | None:
        """The first archived capture of this payload under this key; with ``exclude_crawl``,
        only one archived by an earlier crawl (duplicates within a crawl are then kept in full)."""
        hit = self._cache.get((digest, key))
        if hit is not None:
            return None if exclude_crawl and hit.crawl_id == exclude_crawl else hit
        with self.store.session() as session:
            row = session.scalar(
                select(PayloadDigest).where(PayloadDigest.digest == digest, PayloadDigest.key_hash == key_hash(key))
            )
            if row is None:
                return None
            original = Original(
                row.url, row.warc_date, row.record_id, row.warc_filename, row.warc_offset, row.crawl_id
            )
        self._cache[(digest, key)] = original
        return None if exclude_crawl and original.crawl_id == exclude_crawl else original

    def latest(self, url: str, method: str = "GET", request_body: bytes = b"") -> Original | None:
        """The most recent payload archived in full under this URL (for rebuilding an unchanged page)."""
        with self.store.session() as session:
            row = session.scalar(
                select(PayloadDigest)
                .where(PayloadDigest.key_hash == key_hash(capture_key(url, method, request_body)))
                .order_by(PayloadDigest.id.desc())
                .limit(1)
            )
            if row is None:
                return None
            return Original(row.url, row.warc_date, row.record_id, row.warc_filename, row.warc_offset, row.crawl_id)

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
        try:
            with self.store.session() as session:
                session.add(
                    PayloadDigest(
                        digest=digest,
                        key_hash=key_hash(key),
                        url=url,
                        method=method,
                        warc_date=warc_date,
                        record_id=record_id,
                        warc_filename=warc_filename,
                        warc_offset=warc_offset,
                        payload_length=payload_length,
                        crawl_id=crawl_id,
                    )
                )
        except IntegrityError:  # archived already (e.g. twice within one crawl): the first stays the original
            self._cache.pop((digest, key), None)
            return
        self._cache[(digest, key)] = Original(url, warc_date, record_id, warc_filename, warc_offset, crawl_id)

    def seen_again(self, key: str, digest: str) -> None:
        with self.store.session() as session:
            row = session.scalar(
                select(PayloadDigest).where(PayloadDigest.digest == digest, PayloadDigest.key_hash == key_hash(key))
            )
            if row is not None:
                row.revisits = (row.revisits or 0) + 1
                row.last_seen = utcnow()

    def all(self) -> list[PayloadDigest]:
        with self.store.session() as session:
            return list(session.scalars(select(PayloadDigest).order_by(PayloadDigest.id)))

    def close(self) -> None:
        self.store.close()
