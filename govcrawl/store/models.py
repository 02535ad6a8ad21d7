"""The SQL tables (SQLAlchemy 2 models): reports, their statistics cells and attachments, captures,
page validators, runs, near-duplicate signatures and drops."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

EXPORT_FIELDS = (
    "url",
    "portal",
    "title",
    "report_year",
    "index_no",
    "publisher",
    "reporting_body",
    "written_date",
    "published_date",
    "doc_no",
    "warc_filename",
    "warc_offset",
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    portal: Mapped[str | None] = mapped_column(String(64), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    report_year: Mapped[int | None] = mapped_column(Integer, index=True)
    index_no: Mapped[str | None] = mapped_column(String(128))
    publisher: Mapped[str | None] = mapped_column(String(256))
    reporting_body: Mapped[str | None] = mapped_column(String(256))  # whose report it is (title / first sentence)
    written_date: Mapped[str | None] = mapped_column(String(10))
    published_date: Mapped[str | None] = mapped_column(String(10))
    doc_no: Mapped[str | None] = mapped_column(String(128))
    sources: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    original: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    classification_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    payload_digest: Mapped[str | None] = mapped_column(String(64))
    warc_filename: Mapped[str | None] = mapped_column(String(256))
    warc_offset: Mapped[int | None] = mapped_column(Integer)
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    body_text: Mapped[str | None] = mapped_column(Text)  # main text, Simplified (full-text search)
    # The national template's tables (values in report_statistics), and their checks
    statistics_format: Mapped[str | None] = mapped_column(String(16))
    consistency_ok: Mapped[bool | None] = mapped_column(Boolean)
    statistics_checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    statistics_unparsed: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    text_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)


class StatisticValue(Base):
    """One cell of a report's statistics, long format: (report, table, row, column, value); None = left empty."""

    __tablename__ = "report_statistics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_url: Mapped[str] = mapped_column(String(2048), index=True)
    table_name: Mapped[str] = mapped_column(String(32))
    row_key: Mapped[str] = mapped_column(String(128))
    column_key: Mapped[str] = mapped_column(String(64))
    value: Mapped[float | None] = mapped_column(Float)


class Attachment(Base):
    """A file a report links (PDF, DOC/DOCX, WPS, OFD ...): where it is archived, and its text where readable."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    report_url: Mapped[str | None] = mapped_column(String(2048), index=True)
    portal: Mapped[str | None] = mapped_column(String(64))
    content_type: Mapped[str | None] = mapped_column(String(128))
    size: Mapped[int | None] = mapped_column(Integer)
    payload_digest: Mapped[str | None] = mapped_column(String(64))
    warc_filename: Mapped[str | None] = mapped_column(String(256))
    warc_offset: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    text_note: Mapped[str | None] = mapped_column(String(256))  # how the text was read, or why not
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Capture(Base):
    """The capture history of a report page: one row each time it was found changed (a payload other than its
    previous capture's), so an edit and its revert (A -> B -> A) are three rows, the newest A again.

    ``first_seen``: when this version was captured; ``last_seen``: when it was last served (in full or as
    unchanged); ``last_confirmed``: when the server last confirmed it unchanged (a 304 to a conditional request,
    or the same payload again), None if never since its capture.
    """

    __tablename__ = "captures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), index=True)
    payload_digest: Mapped[str | None] = mapped_column(String(64))
    warc_filename: Mapped[str | None] = mapped_column(String(256))
    warc_offset: Mapped[int | None] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(String(256))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_confirmed: Mapped[dt.datetime | None] = mapped_column(DateTime)


class PageValidator(Base):
    """The ETag / Last-Modified each archived page was served with, for conditional requests, and the payload
    digest of that response (the capture a later 304 confirms)."""

    __tablename__ = "page_validators"

    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(256))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    payload_digest: Mapped[str | None] = mapped_column(String(64))


class Run(Base):
    """One govcrawl run (crawl, backfill, nightly, demo): when, what it did, and whether it succeeded."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_id: Mapped[str] = mapped_column(String(64), index=True)
    command: Mapped[str] = mapped_column(String(32))
    started: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    ended: Mapped[dt.datetime | None] = mapped_column(DateTime)
    exit_status: Mapped[int | None] = mapped_column(Integer)
    portals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class NearDuplicateSignature(Base):
    """The MinHash signature of a report held from a government host (``govcrawl.neardup``), kept so that
    copies on other hosts are recognised in later runs without recomputing every report's signature."""

    __tablename__ = "near_duplicate_signatures"

    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    # what makes two signatures comparable (shingles, hash, permutations): govcrawl.neardup.SCHEME
    scheme: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class NearDuplicateBand(Base):
    """One LSH band of a signature, hashed: reports sharing a band key with a page are its candidate originals."""

    __tablename__ = "near_duplicate_bands"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    band_key: Mapped[int] = mapped_column(BigInteger, index=True)
    url: Mapped[str] = mapped_column(String(2048), index=True)


class Drop(Base):
    __tablename__ = "drops"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    portal: Mapped[str | None] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # "junk" | "other"
    title: Mapped[str | None] = mapped_column(Text)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    score: Mapped[float | None] = mapped_column(Float)
    warc_filename: Mapped[str | None] = mapped_column(String(256))
    warc_offset: Mapped[int | None] = mapped_column(Integer)
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

class PayloadDigest(Base):
    __tablename__ = "payload_digests"
    __table_args__ = (
        Index("ix_payload_digests_digest_key", "digest", "key_hash", unique=True),
        Index("ix_payload_digests_key_hash", "key_hash"),  # a URL's captures (the nightly's 304s)
    )

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
