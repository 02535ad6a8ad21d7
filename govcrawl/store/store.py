"""SQL storage of reports and drops (SQLAlchemy 2; SQLite by default, PostgreSQL by URL).

Two tables, one row per URL each:
- ``reports``: the annual reports found, with their metadata and where their capture sits in the WARC archive;
- ``drops``: every page the junk filter kept out of ``reports``, with its reasons, so a wrong drop can be found and undone.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import (
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from govcrawl.store.models import (
    EXPORT_FIELDS,
    Attachment,
    Capture,
    Drop,
    NearDuplicateBand,
    NearDuplicateSignature,
    PageValidator,
    Report,
    Run,
    StatisticValue,
    utcnow,
)
from govcrawl.store.writes import PendingAttachment, PendingDrop, PendingReport, PendingWrites, write_signatures


# report fields a listing may be the only source of (``sources[field] == "listing"``)
LISTED_FIELDS = ("reporting_body", "index_no", "publisher", "written_date", "published_date", "doc_no")


class KnownPageRow(NamedTuple):
    """A page judged by earlier runs, as the nightly's revisit policy sees it (``Store.known_pages``)."""

    url: str
    is_report: bool
    title: str | None
    published: str | None  # the report's 发布日期 (or 成文日期), YYYY-MM-DD
    report_year: int | None
    first_seen: dt.datetime
    last_seen: dt.datetime  # last served, in full or confirmed unchanged
    versions: int  # capture rows (a report's versions; 0 for a drop)
    latest_version: dt.datetime | None  # when the latest version was captured
    listing_unit: str | None = None  # its reporting body, when only the listing that named it said so
    listing_meta: dict[str, str] | None = None  # the other fields only its listing gave (index_no, publisher ...)


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
            # safe against a crash of the program in WAL mode; a power loss may drop the last commits,
            # whose pages the WARC files already hold
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()

    return engine


def check_existing(url: str) -> None:
    """Raise StorageError unless ``url`` names an existing govcrawl database (readers must not create one:
    SQLite would make an empty file of a mistyped path)."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise StorageError(f"cannot use database URL {url!r}: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        if not path or path == ":memory:" or path.startswith("file:"):
            pass
        elif not Path(path).is_file():
            raise StorageError(f"no database at {url!r}: {path} does not exist (run a crawl first, or check --db)")
    try:
        engine = create_engine(url)  # no pragmas: looking must not change the file (make_engine turns on WAL)
    except (ArgumentError, ImportError, ValueError) as exc:
        raise StorageError(f"cannot use database URL {url!r}: {exc}") from exc
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
    except Exception as exc:  # server down, no such database, not a database file
        raise StorageError(f"cannot open database {url!r}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}") from exc
    finally:
        engine.dispose()
    if "reports" not in tables:
        raise StorageError(f"{url!r} is not a govcrawl database (it has no reports table)")


MIGRATIONS = Path(__file__).with_name("migrations")
_MIGRATED: set[str] = set()


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision (the same as ``alembic upgrade head``)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        tables = set(inspect(connection).get_table_names())
        if "reports" in tables and "alembic_version" not in tables:
            command.stamp(config, "0001")  # made before migrations existed: the first revision's schema
        command.upgrade(config, "head")


class Store:
    """The project's one door to SQL: open it with a URL, then record reports and drops.

    Opening migrates the schema to the latest revision (once per process and database) unless
    ``create`` is False (readers of an existing database).
    """

    def __init__(self, url: str, create: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        if create and url not in _MIGRATED:
            try:
                migrate(self.engine)
            except Exception as exc:  # OperationalError and friends: bad path, server down
                raise StorageError(f"cannot open database {url!r}: {exc}") from exc
            _MIGRATED.add(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # reports and drops are written in batches (govcrawl/store/writes.py); every read flushes them first
        self.pending = PendingWrites(self.engine, _cells_insert_sql, _bands_insert_sql)

    def flush(self) -> None:
        """Write the reports, drops and attachments still queued (``queue_report``, ``queue_drop``,
        ``queue_attachment``), and wait for the writer thread to write them."""
        self.pending.flush()

    def tick(self) -> None:
        """Hand over the rows of a quiet spell and report what is written, without waiting for the database."""
        self.pending.tick()

    def write_in_background(self) -> bool:
        """Write the queued rows on a thread of their own (a crawl: the reactor goes on meanwhile). Not for an
        in-memory SQLite database: each thread would see a database of its own."""
        if self.engine.pool.__class__.__name__ in ("SingletonThreadPool", "StaticPool"):
            return False
        self.pending.background()
        return True

    def submit(self, job: Callable[[Any], None], failed: Callable[[BaseException], None]) -> None:
        """``job(connection)`` in a transaction, in order with the queued rows (on their writer thread, if any)."""
        self.pending.submit(job, failed)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def save_report(
        self,
        values: dict[str, Any],
        validators: dict[str, str | None] | None = None,
        statistics: list[tuple[str, str, str, float | None]] | None = None,
        signature: Callable[[], tuple[str, bytes, list[int]] | None] | None = None,
    ) -> str:
        """Insert or refresh the report at ``values['url']`` and its capture history, now.

        Returns ``"new"``, ``"changed"`` (a payload other than its latest capture's: a capture row of its own,
        the earlier ones stay -- also when the page goes back to an earlier version) or ``"unchanged"`` (the
        latest capture is confirmed again). An unchanged page keeps pointing at its capture. ``signature``
        gives the report's near-duplicate signature (scheme, signature, band keys:
        ``govcrawl.neardup.signature_record``); it is called, and the result kept in the same transaction,
        only for a new or changed report -- an unchanged one costs no MinHash.
        """
        outcome: list[Any] = []
        self.queue_report(values, validators, statistics, signature, done=lambda *result: outcome.extend(result))
        self.flush()
        status, error = outcome
        if error is not None:
            raise error
        return status

    def queue_report(
        self,
        values: dict[str, Any],
        validators: dict[str, str | None] | None = None,
        statistics: list[tuple[str, str, str, float | None]] | None = None,
        signature: Callable[[], tuple[str, bytes, list[int]] | None] | None = None,
        done: Callable[[str | None, BaseException | None], None] | None = None,
    ) -> None:
        """``save_report`` in the next batch (govcrawl/store/writes.py): ``done(status, None)`` once written, or
        ``done(None, error)``."""
        self.pending.add(PendingReport(values, validators, statistics, signature, done))

    def queue_drop(self, values: dict[str, Any],
                   done: Callable[[str | None, BaseException | None], None] | None = None) -> None:
        """``save_drop`` in the next batch."""
        self.pending.add(PendingDrop(values, done))

    def seen_again(self, url: str) -> None:
        """A conditional request answered 304: the page (a report, its latest capture, or a drop) is still
        current; the capture records when the server last confirmed it."""
        self.flush()
        now = utcnow()
        reports, captures, drops = Report.__table__, Capture.__table__, Drop.__table__
        with self.engine.begin() as conn:
            if conn.execute(update(reports).where(reports.c.url == url).values(last_seen=now)).rowcount:
                latest = select(func.max(captures.c.id)).where(captures.c.url == url).scalar_subquery()
                conn.execute(update(captures).where(captures.c.id == latest).values(last_seen=now, last_confirmed=now))
            else:
                conn.execute(update(drops).where(drops.c.url == url).values(last_seen=now))

    def confirm_unchanged(self, url: str, digest: str, validators: dict[str, str | None]) -> tuple[bool, int | None]:
        """A page served again with the very bytes of its report's latest capture: confirm the row and the
        capture (seen, confirmed, the validators it came with) without analysing it again. Returns (confirmed,
        the report's year); (False, None) when the URL holds no report or its latest capture is other bytes."""
        self.flush()
        now = utcnow()
        reports, captures = Report.__table__, Capture.__table__
        with self.engine.begin() as conn:
            report = conn.execute(select(reports.c.id, reports.c.payload_digest, reports.c.report_year)
                                  .where(reports.c.url == url)).first()
            if report is None or report.payload_digest != digest:
                return False, None
            latest = conn.execute(select(captures.c.id, captures.c.payload_digest).where(captures.c.url == url)
                                  .order_by(captures.c.id.desc()).limit(1)).first()
            if latest is None or latest.payload_digest != digest:
                return False, None
            conn.execute(update(reports).where(reports.c.id == report.id).values(last_seen=now))
            conn.execute(update(captures).where(captures.c.id == latest.id)
                         .values(last_seen=now, last_confirmed=now, **validators))
        return True, report.report_year

    def save_validators(self, validators: dict[str, tuple[str | None, str | None, str | None]]) -> None:
        """Remember how pages were served (url -> (ETag, Last-Modified, payload digest)), in one transaction."""
        if not validators:
            return
        self.flush()  # no write of the writer thread's in progress: one SQLite writer at a time
        now = utcnow()
        table = PageValidator.__table__
        rows = [{"url": url, "etag": etag, "last_modified": modified, "payload_digest": digest, "seen": now}
                for url, (etag, modified, digest) in validators.items()]
        with self.engine.begin() as conn:
            known: set[str] = set()
            urls = list(validators)
            for i in range(0, len(urls), 500):  # bound the IN list
                known.update(conn.scalars(select(table.c.url).where(table.c.url.in_(urls[i : i + 500]))))
            new = [r for r in rows if r["url"] not in known]
            old = [{**r, "u": r["url"]} for r in rows if r["url"] in known]
            if new:
                conn.execute(insert(table), new)
            if old:
                conn.execute(
                    update(table).where(table.c.url == bindparam("u"))
                    .values(etag=bindparam("etag"), last_modified=bindparam("last_modified"),
                            payload_digest=bindparam("payload_digest"), seen=bindparam("seen")),
                    old,
                )

    def validators(self, prefix: str | None = None) -> dict[str, tuple[str | None, str | None, str | None]]:
        """url -> (ETag, Last-Modified, payload digest) of every archived page that had validators; with
        ``prefix`` (e.g. ``http://host/``) only the URLs that start with it (a range scan of the key)."""
        table = PageValidator.__table__
        query = select(table.c.url, table.c.etag, table.c.last_modified, table.c.payload_digest)
        if prefix:
            # LIKE 'prefix%' (escaped); SQLite's LIKE ignores ASCII case, hence the exact check below
            query = query.where(table.c.url.startswith(prefix, autoescape=True))
        with self.engine.connect() as conn:
            return {url: (etag, modified, digest) for url, etag, modified, digest in conn.execute(query)
                    if not prefix or url.startswith(prefix)}

    def known_urls(self, portal: str) -> set[str]:
        """Every page of the portal already judged: reports and drops."""
        self.flush()
        with self.session() as session:
            reports = session.scalars(select(Report.url).where(Report.portal == portal))
            drops = session.scalars(select(Drop.url).where(Drop.portal == portal))
            return set(reports) | set(drops)

    def known_pages(self, portal: str) -> list[KnownPageRow]:
        """Every page of the portal already judged, with what the nightly's revisit policy weighs: for a
        report its dates, its number of captures (versions) and when the latest began; when it was last
        served (in full or as unchanged)."""
        self.flush()
        reports, captures, drops = Report.__table__, Capture.__table__, Drop.__table__
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(reports.c.url, reports.c.title, reports.c.published_date, reports.c.written_date,
                       reports.c.report_year, reports.c.first_seen, reports.c.last_seen,
                       func.count(captures.c.id), func.max(captures.c.first_seen), reports.c.sources,
                       *(reports.c[name] for name in LISTED_FIELDS))
                .select_from(reports.outerjoin(captures, captures.c.url == reports.c.url))
                .where(reports.c.portal == portal)
                .group_by(reports.c.id)
            ).all()
            out = []
            for url, title, published, written, year, first, last, n, latest, sources, *fields in rows:
                listed = {name: value for name, value in zip(LISTED_FIELDS, fields)
                          if value and (sources or {}).get(name) == "listing"}
                unit = listed.pop("reporting_body", None)
                out.append(KnownPageRow(url, True, title, published or written, year, first, last, n, latest,
                                        unit, listed or None))
            for url, title, first, last in conn.execute(
                select(drops.c.url, drops.c.title, drops.c.first_seen, drops.c.last_seen).where(drops.c.portal == portal)
            ):
                out.append(KnownPageRow(url, False, title, None, None, first, last, 0, None))
        return out

    def captures(self, url: str) -> list[Capture]:
        self.flush()
        with self.session() as session:
            return list(session.scalars(
                select(Capture).where(Capture.url == url).order_by(Capture.first_seen, Capture.id)))

    def portal_completed(self, portal: str, exclude_crawl_id: str | None = None) -> bool:
        """Did the latest run that crawled ``portal`` (before ``exclude_crawl_id``, the running one) end
        with it complete and healthy?"""
        with self.session() as session:
            query = select(Run).order_by(Run.id.desc()).limit(100)
            if exclude_crawl_id:
                query = query.where(Run.crawl_id != exclude_crawl_id)
            for run in session.scalars(query):
                for entry in run.portals or []:
                    if entry.get("portal") == portal:
                        return run.ended is not None and entry.get("ok") is True
        return False

    def start_run(self, crawl_id: str, command: str, portals: list[str]) -> int:
        """A run is recorded when it starts: one killed midway stays visible, with no end."""
        with self.session() as session:
            run = Run(crawl_id=crawl_id, command=command, started=utcnow(), portals=[{"portal": p, "ok": None} for p in portals])
            session.add(run)
            session.flush()
            return run.id

    def end_run(self, run_id: int, exit_status: int, portals: list[dict[str, Any]]) -> None:
        with self.session() as session:
            run = session.get(Run, run_id)
            run.ended = utcnow()
            run.exit_status = exit_status
            run.portals = portals

    def runs(self, limit: int = 10) -> list[Run]:
        with self.session() as session:
            return list(session.scalars(select(Run).order_by(Run.id.desc()).limit(limit)))

    def save_attachment(self, values: dict[str, Any]) -> None:
        """Insert or refresh the attachment at ``values['url']``; an unchanged one keeps pointing at its first full
        capture."""
        outcome: list[Any] = []
        self.queue_attachment(values, done=lambda *result: outcome.extend(result))
        self.flush()
        if outcome[1] is not None:
            raise outcome[1]

    def queue_attachment(self, values: dict[str, Any],
                         done: Callable[[str | None, BaseException | None], None] | None = None) -> None:
        """``save_attachment`` in the next batch."""
        self.pending.add(PendingAttachment(values, done))

    def attachments(self) -> list[Attachment]:
        self.flush()
        with self.session() as session:
            return list(session.scalars(select(Attachment).order_by(Attachment.url)))

    def accepted_by_hand(self, url: str) -> bool:
        """Was this URL made a report by `govcrawl accept` (a person's verdict the junk filter must not undo)?
        Only a queued write of this very URL is flushed first: the other pages' rows cannot say (a flush per
        page that is not a report would undo the batches)."""
        if url in self.pending:
            self.flush()
        with self.engine.connect() as conn:
            reasons = conn.scalar(select(Report.classification_reasons).where(Report.url == url))
        return any(str(r).startswith("accepted by hand") for r in (reasons or []))

    def save_drop(self, values: dict[str, Any]) -> None:
        """Insert or refresh the drop at ``values['url']``, now; a report of that URL (a page that stopped being
        one) goes, with its statistics cells and signature: a URL lives in one of the two tables only."""
        outcome: list[Any] = []
        self.queue_drop(values, done=lambda *result: outcome.extend(result))
        self.flush()
        if outcome[1] is not None:
            raise outcome[1]

    def save_signature(self, url: str, scheme: str, signature: bytes, band_keys: list[int]) -> None:
        """Keep a report's near-duplicate signature and its LSH band keys (replacing earlier ones)."""
        self.flush()
        with self.engine.begin() as conn:
            write_signatures(conn, [(url, scheme, signature, band_keys)], _bands_insert_sql(conn.dialect))

    def near_duplicate_candidates(self, scheme: str, band_keys: list[int]) -> list[tuple[str, bytes]]:
        """(url, signature) of the reports whose signature (of this scheme) shares a band key."""
        self.flush()
        signatures, bands = NearDuplicateSignature.__table__, NearDuplicateBand.__table__
        with self.engine.connect() as conn:
            urls = select(bands.c.url).where(bands.c.band_key.in_(band_keys)).distinct().scalar_subquery()
            rows = conn.execute(
                select(signatures.c.url, signatures.c.signature)
                .where(signatures.c.url.in_(urls), signatures.c.scheme == scheme)
            )
            return [(url, bytes(sig)) for url, sig in rows]

    def reports_without_signature(self, scheme: str) -> list[tuple[str, str]]:
        """(url, body_text) of reports with no signature of this scheme kept (older databases, older schemes)."""
        self.flush()
        signatures = NearDuplicateSignature.__table__
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(Report.url, Report.body_text)
                .outerjoin(signatures, (signatures.c.url == Report.url) & (signatures.c.scheme == scheme))
                .where(signatures.c.url.is_(None), Report.body_text.is_not(None))
            )
            return [(url, text) for url, text in rows]

    def count_signatures(self, scheme: str) -> int:
        self.flush()
        signatures = NearDuplicateSignature.__table__
        with self.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(signatures).where(signatures.c.scheme == scheme))

    def report_years(self) -> list[tuple[str | None, int | None, str | None]]:
        """(portal, report_year, reporting_body) of every report: what coverage needs, without the texts."""
        self.flush()
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(select(Report.portal, Report.report_year, Report.reporting_body))]

    def reports(self) -> list[Report]:
        self.flush()
        with self.session() as session:
            return list(
                session.scalars(select(Report).order_by(Report.portal, Report.report_year, Report.url))
            )

    def statistics(self) -> dict[str, list[StatisticValue]]:
        """report url -> its statistics cells."""
        self.flush()
        out: dict[str, list[StatisticValue]] = {}
        with self.session() as session:
            for row in session.scalars(select(StatisticValue).order_by(StatisticValue.id)):
                out.setdefault(row.report_url, []).append(row)
        return out

    def report_counts(self) -> list[tuple[str | None, int | None, int]]:
        """(portal, report year, reports) for every portal and year held."""
        self.flush()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(Report.portal, Report.report_year, func.count()).group_by(Report.portal, Report.report_year)
            )
            return [(portal, year, n) for portal, year, n in rows]

    def drop_reasons(self) -> list[tuple[str, list[str]]]:
        """(kind, reasons) of every drop."""
        self.flush()
        with self.engine.connect() as conn:
            return [(kind, reasons) for kind, reasons in conn.execute(select(Drop.kind, Drop.reasons))]

    def drops(self) -> list[Drop]:
        self.flush()
        with self.session() as session:
            return list(session.scalars(select(Drop).order_by(Drop.kind, Drop.url)))

    def close(self) -> None:
        try:
            self.pending.close()
        finally:
            self.engine.dispose()


def param_mark(dialect: Any) -> str | None:
    """The driver's positional parameter (SQLite ``?``, psycopg ``%s``), for statements run on the driver itself
    (no SQLAlchemy processing per row or per call); None for a driver with named parameters only."""
    return {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)


@functools.lru_cache(maxsize=8)
def _insert_sql(dialect: Any, table: Any, columns: tuple[str, ...]) -> str | None:
    """An INSERT in the driver's positional parameter style, for its executemany over tuples."""
    mark = param_mark(dialect)
    if mark is None:
        return None
    name = dialect.identifier_preparer.format_table(table)
    return f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"


def _cells_insert_sql(dialect: Any) -> str | None:
    return _insert_sql(dialect, StatisticValue.__table__, ("report_url", "table_name", "row_key", "column_key", "value"))


def _bands_insert_sql(dialect: Any) -> str | None:
    return _insert_sql(dialect, NearDuplicateBand.__table__, ("band_key", "url"))


def report_row(report: Report) -> dict[str, Any]:
    return {name: getattr(report, name) for name in EXPORT_FIELDS}


# --- one Store per database, shared by the running crawlers (pipelines and middlewares) -------------
# A crawl of many portals runs a crawler per portal in one process: one engine (connection pool) for all.

_STORES: dict[str, list[Any]] = {}  # url -> [Store, crawlers using it]
_CRAWLER_URLS: dict[int, str] = {}


def crawler_store(crawler: Any) -> Store:
    key = id(crawler)
    url = _CRAWLER_URLS.get(key)
    if url is None:
        url = crawler.settings.get("GOVCRAWL_DB_URL")
        entry = _STORES.get(url)
        if entry is None:
            entry = _STORES[url] = [Store(url), 0]
            entry[0].pending.batch = max(1, crawler.settings.getint("GOVCRAWL_DB_BATCH", 64))
            if crawler.settings.getbool("GOVCRAWL_DB_WRITER_THREAD", True):
                entry[0].write_in_background()
        entry[1] += 1
        _CRAWLER_URLS[key] = url
    return _STORES[url][0]


def close_crawler_store(crawler: Any) -> None:
    url = _CRAWLER_URLS.pop(id(crawler), None)
    entry = _STORES.get(url) if url is not None else None
    if entry is None:
        return
    entry[1] -= 1
    if entry[1] <= 0:
        del _STORES[url]
        entry[0].close()
