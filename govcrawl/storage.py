"""SQL storage of reports and drops (SQLAlchemy 2; SQLite by default, PostgreSQL by URL).

Two tables, one row per URL each:
- ``reports``: the annual reports found, with their metadata and where their capture sits in the WARC archive;
- ``drops``: every page the junk filter kept out of ``reports``, with its reasons, so a wrong drop can be found and undone.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Integer, String, Text, create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

EXPORT_FIELDS = (
    "url",
    "portal",
    "title",
    "report_year",
    "index_no",
    "publisher",
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


class StorageError(Exception):
    """The database URL is malformed or the database cannot be opened."""


def make_engine(url: str) -> Engine:
    try:
        # JSON columns keep Chinese readable in the database itself.
        engine = create_engine(url, json_serializer=lambda obj: json.dumps(obj, ensure_ascii=False))
    except (ArgumentError, ImportError, ValueError) as exc:
        raise StorageError(f"cannot use database URL {url!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()

    return engine


class Store:
    """The project's one door to SQL: open it with a URL, then record reports and drops."""

    def __init__(self, url: str, create: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        if create:
            try:
                Base.metadata.create_all(self.engine)
            except Exception as exc:  # OperationalError and friends: bad path, server down
                raise StorageError(f"cannot open database {url!r}: {exc}") from exc
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def save_report(self, values: dict[str, Any]) -> bool:
        """Insert or refresh the report at ``values['url']``; returns True when it is new."""
        now = utcnow()
        with self.session() as session:
            row = session.scalar(select(Report).where(Report.url == values["url"]))
            is_new = row is None
            if row is None:
                row = Report(url=values["url"], first_seen=now)
                session.add(row)
            same_payload = not is_new and values.get("payload_digest") and row.payload_digest == values["payload_digest"]
            for key, value in values.items():
                if same_payload and key in ("warc_filename", "warc_offset"):
                    continue  # unchanged page: the row keeps pointing at its first full capture
                setattr(row, key, value)
            row.last_seen = now
            # A page once dropped and now accepted (or the reverse) lives in one table only.
            old_drop = session.scalar(select(Drop).where(Drop.url == values["url"]))
            if old_drop is not None:
                session.delete(old_drop)
        return is_new

    def save_drop(self, values: dict[str, Any]) -> None:
        now = utcnow()
        with self.session() as session:
            row = session.scalar(select(Drop).where(Drop.url == values["url"]))
            if row is None:
                row = Drop(url=values["url"], first_seen=now)
                session.add(row)
            for key, value in values.items():
                setattr(row, key, value)
            row.last_seen = now

    def reports(self) -> list[Report]:
        with self.session() as session:
            return list(
                session.scalars(select(Report).order_by(Report.portal, Report.report_year, Report.url))
            )

    def drops(self) -> list[Drop]:
        with self.session() as session:
            return list(session.scalars(select(Drop).order_by(Drop.kind, Drop.url)))

    def close(self) -> None:
        self.engine.dispose()


def report_row(report: Report) -> dict[str, Any]:
    return {name: getattr(report, name) for name in EXPORT_FIELDS}
