"""Full-text search over the reports: trigram indexes (Chinese has no spaces), filters, bound parameters only.

- SQLite: a contentless FTS5 table ``reports_fts`` with the ``trigram`` tokenizer over title,
  publisher and body_text (the text itself stays in ``reports``), kept current by triggers. A word
  of three characters or more is an FTS5 phrase (a substring match through the index). Shorter words
  (one or two Chinese characters are common queries: 公开, 复议, 诉) are below the trigram length: the
  vocabulary (``fts5vocab``) gives the trigrams that start with them (each column is indexed with two
  sentinel characters appended, so every occurrence starts one) and they are searched as an OR of
  those; a word starting too many trigrams is common, and is a plain substring test instead (newest
  reports first, stopping early).
- PostgreSQL: ``pg_trgm`` and GIN trigram indexes on the same columns; every term is an
  ``ILIKE '%term%'`` (the trigram indexes answer those of three characters or more).

Every value reaches SQL as a bound parameter; the only text put into SQL is column names and
placeholders built here. User text is quoted for FTS5 as a phrase (double quotes doubled), and
``%``, ``_`` and ``\\`` are escaped for LIKE.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

FTS_TABLE = "reports_fts"
TRIGRAM = 3  # shorter terms cannot use a trigram index
SEARCH_COLUMNS = ("title", "publisher", "body_text")
MAX_QUERY = 200
MAX_TERMS = 8
COUNT_CAP = 1000  # results are counted exactly up to this many

# Contentless (the text stays in ``reports`` only), each column indexed with two sentinel characters
# appended: then every occurrence of a 1-2 character word starts some trigram of the index, and the
# vocabulary (``reports_fts_vocab``) turns a short word into the trigrams that start with it.
PAD = "char(1, 1)"
_INDEXED = ", ".join(f"coalesce({{row}}.{col}, '') || {PAD}" for col in SEARCH_COLUMNS)
_SQLITE_DDL = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        title, publisher, body_text, content='', tokenize='trigram')""",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE}_vocab USING fts5vocab({FTS_TABLE}, 'row')",
    f"""CREATE TRIGGER IF NOT EXISTS reports_fts_ai AFTER INSERT ON reports BEGIN
        INSERT INTO {FTS_TABLE}(rowid, title, publisher, body_text) VALUES (new.id, {_INDEXED.format(row="new")});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS reports_fts_ad AFTER DELETE ON reports BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, publisher, body_text)
        VALUES ('delete', old.id, {_INDEXED.format(row="old")});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS reports_fts_au AFTER UPDATE OF title, publisher, body_text ON reports BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, publisher, body_text)
        VALUES ('delete', old.id, {_INDEXED.format(row="old")});
        INSERT INTO {FTS_TABLE}(rowid, title, publisher, body_text) VALUES (new.id, {_INDEXED.format(row="new")});
    END""",
]
_SQLITE_FILL = (f"INSERT INTO {FTS_TABLE}(rowid, title, publisher, body_text) "
                f"SELECT id, {_INDEXED.format(row='reports')} FROM reports")
MAX_EXPANSION = 400  # a short word starting more distinct trigrams than this is common: scanned instead

_PG_DDL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_reports_title_trgm ON reports USING gin (title gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_reports_publisher_trgm ON reports USING gin (publisher gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_reports_body_text_trgm ON reports USING gin (body_text gin_trgm_ops)",
]


def ensure_search_index(bind: Engine | Connection) -> str:
    """Create the full-text index if it is missing (idempotent; needs a writable database).

    SQLite: the FTS5 trigram table and its triggers, filled from ``reports`` when just made.
    PostgreSQL: ``pg_trgm`` and the GIN trigram indexes. Returns what was done:
    ``"created"``, ``"present"`` or ``"unsupported"`` (another database: search uses LIKE).
    """
    from contextlib import nullcontext

    def transaction():  # an Engine: a transaction of our own; a Connection (Alembic's op.get_bind()): its own
        return bind.begin() if isinstance(bind, Engine) else nullcontext(bind)

    dialect = bind.dialect.name
    if dialect == "sqlite":
        with transaction() as conn:
            existed = has_search_index(conn)
            for ddl in _SQLITE_DDL:
                conn.exec_driver_sql(ddl)
            if not existed:
                conn.exec_driver_sql(_SQLITE_FILL)
            _digest_lookup_index(conn)
        return "present" if existed else "created"
    if dialect == "postgresql":
        with transaction() as conn:
            existed = has_search_index(conn)
            for ddl in _PG_DDL:
                conn.exec_driver_sql(ddl)
            _digest_lookup_index(conn)
        return "present" if existed else "created"
    return "unsupported"


def _digest_lookup_index(conn: Connection) -> None:
    """The web looks archived URLs (attachments) up by key in the digest index: index that column too."""
    from sqlalchemy import inspect

    if "payload_digests" in inspect(conn).get_table_names():
        conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_payload_digests_key_hash ON payload_digests (key_hash)")


def has_search_index(conn: Connection) -> bool:
    dialect = conn.dialect.name
    if dialect == "sqlite":
        return conn.execute(
            text("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN (:a, :b)"),
            {"a": FTS_TABLE, "b": FTS_TABLE + "_vocab"},
        ).scalar_one() == 2
    if dialect == "postgresql":
        return conn.execute(
            text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_reports_body_text_trgm'")
        ).first() is not None
    return False


# --- queries ------------------------------------------------------------------------------------


class QueryError(ValueError):
    """A search parameter that cannot be used (the web answers 400 with this message)."""


@dataclass
class SearchParams:
    q: str = ""
    portals: list[str] = field(default_factory=list)  # slugs (level/region filters resolve to these too)
    publisher: str = ""
    year: int | None = None
    year_from: int | None = None
    year_to: int | None = None
    page: int = 1
    per_page: int = 20

    def terms(self) -> list[str]:
        return query_terms(self.q)


def query_terms(q: str) -> list[str]:
    """The words of a query: split on white space (Chinese words are substrings anyway), converted to
    Simplified (stored text is Simplified), duplicates dropped."""
    q = (q or "").strip()
    if len(q) > MAX_QUERY:
        raise QueryError(f"query too long ({len(q)} characters; at most {MAX_QUERY})")
    if not q:
        return []
    try:
        from govcrawl.analysis.text import to_simplified

        q = to_simplified(q)
    except Exception:  # pragma: no cover - opencc missing: search as typed
        pass
    terms = list(dict.fromkeys(t for t in re.split(r"[\s\u3000]+", q) if t))
    if len(terms) > MAX_TERMS:
        raise QueryError(f"too many words ({len(terms)}; at most {MAX_TERMS})")
    return terms


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


@dataclass
class Built:
    where: str
    params: dict[str, Any]
    join: str = ""
    # newest first; (report_year, id) is what the report_year index gives in order: no sort, early stop
    order: str = "r.report_year DESC, r.id DESC"


def expand_short(conn: Connection, term: str) -> list[str] | None:
    """The indexed trigrams that start with a 1-2 character word (SQLite index), or None if too many."""
    low = term.lower()  # the trigram tokenizer folds case
    rows = conn.execute(
        text(f"SELECT term FROM {FTS_TABLE}_vocab WHERE term >= :lo AND term < :hi LIMIT {MAX_EXPANSION + 1}"),
        {"lo": low, "hi": low + "\U0010ffff"},
    ).all()
    return None if len(rows) > MAX_EXPANSION else [r[0] for r in rows]


def build_where(params: SearchParams, dialect: str, fts: bool,
                expansions: dict[str, list[str] | None] | None = None) -> Built:
    """The FROM/WHERE parts for a search (placeholders only; values in ``params``)."""
    clauses: list[str] = []
    values: dict[str, Any] = {}
    join = ""
    terms = params.terms()
    long_terms = [t for t in terms if len(t) >= TRIGRAM]
    short_terms = [t for t in terms if len(t) < TRIGRAM]
    expansions = expansions or {}
    if dialect == "sqlite" and fts:
        parts = [_fts_phrase(t) for t in long_terms]
        like_terms = []
        for t in short_terms:
            grams = expansions.get(t)
            if grams is None:  # common: a plain substring test (early stop in year order)
                like_terms.append(t)
            elif not grams:  # no indexed trigram starts with it: in no report
                clauses.append("1 = 0")
            else:
                parts.append("(" + " OR ".join(_fts_phrase(g) for g in grams) + ")")
        if parts:
            join = f" JOIN {FTS_TABLE} f ON f.rowid = r.id"
            clauses.append(f"{FTS_TABLE} MATCH :fts")
            values["fts"] = " AND ".join(parts)
    else:
        like_terms = terms
    op = "ILIKE" if dialect == "postgresql" else "LIKE"
    for n, term in enumerate(like_terms):
        name = f"t{n}"
        if dialect == "sqlite":  # instr(): a plain substring test, faster than LIKE over long texts
            values[name] = term
            clauses.append("(" + " OR ".join(f"instr(r.{col}, :{name}) > 0" for col in SEARCH_COLUMNS) + ")")
        else:
            values[name] = f"%{_like_escape(term)}%"
            clauses.append(
                "(" + " OR ".join(f"r.{col} {op} :{name} ESCAPE '\\'" for col in SEARCH_COLUMNS) + ")"
            )
    if params.portals:
        names = []
        for n, slug in enumerate(params.portals):
            values[f"p{n}"] = slug
            names.append(f":p{n}")
        clauses.append(f"r.portal IN ({', '.join(names)})")
    if params.publisher:
        values["publisher"] = f"%{_like_escape(params.publisher)}%"
        clauses.append(f"r.publisher {op} :publisher ESCAPE '\\'")
    if params.year is not None:
        values["year"] = params.year
        clauses.append("r.report_year = :year")
    if params.year_from is not None:
        values["year_from"] = params.year_from
        clauses.append("r.report_year >= :year_from")
    if params.year_to is not None:
        values["year_to"] = params.year_to
        clauses.append("r.report_year <= :year_to")
    where = " AND ".join(clauses) if clauses else "1 = 1"
    return Built(where=where, params=values, join=join)


LIST_COLUMNS = (
    "id", "url", "portal", "title", "report_year", "index_no", "publisher", "reporting_body", "written_date",
    "published_date", "doc_no", "warc_filename", "warc_offset", "statistics_format", "consistency_ok",
)


def search(conn: Connection, params: SearchParams, fts: bool, *, limit: int | None = None,
           with_total: bool = True, columns: tuple[str, ...] = LIST_COLUMNS) -> tuple[list[dict[str, Any]], int | None]:
    """Matching reports (a page of them, or up to ``limit`` for exports) and the total count."""
    expansions = {}
    if fts and conn.dialect.name == "sqlite":
        expansions = {t: expand_short(conn, t) for t in params.terms() if len(t) < TRIGRAM}
    built = build_where(params, conn.dialect.name, fts, expansions)
    cols = ", ".join(f"r.{c}" for c in columns)
    base = f"FROM reports r{built.join} WHERE {built.where}"
    values = dict(built.params)
    if limit is None:
        values["limit"] = params.per_page
        values["offset"] = (params.page - 1) * params.per_page
    else:
        values["limit"] = limit
        values["offset"] = 0
    rows = conn.execute(
        text(f"SELECT {cols} {base} ORDER BY {built.order} LIMIT :limit OFFSET :offset"), values
    ).mappings().all()
    total = None
    if with_total:  # counted up to COUNT_CAP + 1: "more than 1000" needs no full scan
        total = conn.execute(
            text(f"SELECT COUNT(*) FROM (SELECT 1 {base} LIMIT {COUNT_CAP + 1}) AS hits"), built.params
        ).scalar_one()
    return [dict(r) for r in rows], total


def snippet(body: str | None, terms: list[str], width: int = 60) -> tuple[str, str, str] | None:
    """(before, match, after) around the first term found in the text, for highlighting."""
    if not body:
        return None
    best = None
    for term in terms:
        at = body.find(term)
        if at >= 0 and (best is None or at < best[0]):
            best = (at, term)
    if best is None:
        return ("", "", body[: width * 2].replace("\n", " ")) if not terms else None
    at, term = best
    start = max(0, at - width)
    before = ("…" if start else "") + body[start:at]
    after = body[at + len(term): at + len(term) + width] + ("…" if at + len(term) + width < len(body) else "")
    return before.replace("\n", " "), term, after.replace("\n", " ")
