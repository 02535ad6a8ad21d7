"""The web application's read-only view of the database (SQLite or PostgreSQL).

SQLite files are opened with ``mode=ro`` (URI filename) and ``PRAGMA query_only``; PostgreSQL
sessions with ``default_transaction_read_only``. Every query takes its values as bound parameters.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import QueuePool

from govcrawl.web.search import has_search_index


class DatabaseError(Exception):
    """The database URL cannot be used (bad URL, missing file, not a govcrawl database)."""


def sqlite_path(url: str) -> Path | None:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"cannot use database URL {url!r}: {exc}") from exc
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise DatabaseError(f"{url}: serve needs a database file")
    return Path(parsed.database)


def writable_engine(url: str) -> Engine:
    """An ordinary engine (to build the search index before serving)."""
    from govcrawl.store.store import make_engine

    return make_engine(url)


def readonly_engine(url: str) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        if not path.is_file():
            raise DatabaseError(f"{path}: no such database file")
        uri = f"file:{quote(str(path.resolve()))}?mode=ro"

        def connect() -> sqlite3.Connection:
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=10)
            conn.execute("PRAGMA query_only = 1")
            return conn

        return create_engine("sqlite://", creator=connect, poolclass=QueuePool, pool_size=8, max_overflow=8)
    try:
        return create_engine(
            url, connect_args={"options": "-c default_transaction_read_only=on"}, pool_pre_ping=True
        )
    except (ArgumentError, ImportError, ValueError) as exc:
        raise DatabaseError(f"cannot use database URL {url!r}: {exc}") from exc


def _json(value: Any, default: Any) -> Any:
    if value is None:
        return default
    if isinstance(value, (dict, list)):
        return value
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return default


def _dt(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


class ReadOnlyDB:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = readonly_engine(url)
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT COUNT(*) FROM reports WHERE 1 = 0")).scalar_one()
                self.fts = has_search_index(conn)
                self.dialect = conn.dialect.name
        except Exception as exc:
            self.engine.dispose()
            raise DatabaseError(f"cannot read reports from {url}: {exc.__class__.__name__}: {exc}") from exc

    def connect(self):
        return self.engine.connect()

    def close(self) -> None:
        self.engine.dispose()

    # --- one report ---------------------------------------------------------------------------

    def report(self, report_id: int) -> dict[str, Any] | None:
        with self.connect() as conn:
            row = conn.execute(text("SELECT * FROM reports WHERE id = :id"), {"id": report_id}).mappings().first()
        if row is None:
            return None
        out = dict(row)
        for key, default in (("sources", {}), ("original", {}), ("classification_reasons", []),
                             ("statistics_checks", []), ("statistics_unparsed", {}), ("text_counts", {})):
            out[key] = _json(out.get(key), default)
        for key in ("first_seen", "last_seen"):
            out[key] = _dt(out.get(key))
        return out

    def statistics(self, url: str) -> list[dict[str, Any]]:
        with self.connect() as conn:
            rows = conn.execute(
                text("SELECT table_name, row_key, column_key, value FROM report_statistics "
                     "WHERE report_url = :url ORDER BY id"),
                {"url": url},
            ).mappings().all()
        return [dict(r) for r in rows]

    def statistics_for(self, urls: list[str]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        with self.connect() as conn:
            for start in range(0, len(urls), 500):
                chunk = urls[start:start + 500]
                names = {f"u{n}": u for n, u in enumerate(chunk)}
                placeholders = ", ".join(f":{k}" for k in names)
                rows = conn.execute(
                    text("SELECT report_url, table_name, row_key, column_key, value FROM report_statistics "
                         f"WHERE report_url IN ({placeholders}) ORDER BY id"),
                    names,
                ).mappings().all()
                for r in rows:
                    out.setdefault(r["report_url"], []).append(dict(r))
        return out

    def captures(self, url: str) -> list[dict[str, Any]]:
        with self.connect() as conn:
            rows = conn.execute(
                # (all columns: a database from before revision 0005 has no last_confirmed)
                text("SELECT * FROM captures WHERE url = :url ORDER BY first_seen, id"),
                {"url": url},
            ).mappings().all()
        out = []
        for r in rows:
            d = dict(r)
            d["first_seen"], d["last_seen"] = _dt(d["first_seen"]), _dt(d["last_seen"])
            d["last_confirmed"] = _dt(d.get("last_confirmed"))
            out.append(d)
        return out

    def capture(self, capture_id: int) -> dict[str, Any] | None:
        with self.connect() as conn:
            row = conn.execute(
                text("SELECT id, url, payload_digest, warc_filename, warc_offset, first_seen, last_seen "
                     "FROM captures WHERE id = :id"),
                {"id": capture_id},
            ).mappings().first()
        return dict(row) if row else None

    # --- the digest index --------------------------------------------------------------------------

    def original(self, url: str, digest: str | None, record_id: str | None = None) -> tuple[str, int] | None:
        """Where the payload a revisit record stands for was archived in full."""
        from govcrawl.archive.digests import key_hash

        if not digest:
            return None
        try:
            with self.connect() as conn:
                row = conn.execute(
                    text("SELECT warc_filename, warc_offset FROM payload_digests "
                         "WHERE digest = :digest AND key_hash = :key"),
                    {"digest": digest, "key": key_hash(url)},
                ).first()
                if row is None and record_id:
                    row = conn.execute(
                        text("SELECT warc_filename, warc_offset FROM payload_digests WHERE record_id = :rid"),
                        {"rid": record_id},
                    ).first()
        except Exception:  # no digest index in this database
            return None
        return (row[0], int(row[1])) if row else None

    def archived(self, urls: list[str]) -> dict[str, tuple[str, int, str]]:
        """url -> (file, offset, WARC-Date) of the latest full capture of each URL (GET) in the archive."""
        from govcrawl.archive.digests import key_hash

        if not urls:
            return {}
        hashes = {f"k{n}": key_hash(u) for n, u in enumerate(urls[:200])}
        out: dict[str, tuple[str, int, str]] = {}
        try:
            with self.connect() as conn:
                rows = conn.execute(
                    text("SELECT url, warc_filename, warc_offset, warc_date FROM payload_digests "
                         f"WHERE key_hash IN ({', '.join(':' + k for k in hashes)}) ORDER BY warc_date"),
                    hashes,
                ).all()
        except Exception:
            return {}
        for url, name, offset, date in rows:
            out[url] = (name, int(offset), date)
        return out

    # --- overview ----------------------------------------------------------------------------------

    def overview(self) -> dict[str, Any]:
        with self.connect() as conn:
            total = conn.execute(text("SELECT COUNT(*) FROM reports")).scalar_one()
            years = [y for (y,) in conn.execute(
                text("SELECT DISTINCT report_year FROM reports WHERE report_year IS NOT NULL ORDER BY report_year"))]
            portals = [p for (p,) in conn.execute(
                text("SELECT DISTINCT portal FROM reports WHERE portal IS NOT NULL ORDER BY portal"))]
        return {"total": total, "years": years, "portals": portals}

    def coverage_counts(self, year_from: int, year_to: int) -> dict[tuple[str, int], tuple[int, int]]:
        """(portal, year) -> (reports, smallest id)."""
        with self.connect() as conn:
            rows = conn.execute(
                text("SELECT portal, report_year, COUNT(*), MIN(id) FROM reports "
                     "WHERE report_year BETWEEN :a AND :b GROUP BY portal, report_year"),
                {"a": year_from, "b": year_to},
            ).all()
        return {(p, y): (n, i) for p, y, n, i in rows}
