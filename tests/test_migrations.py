"""Alembic builds the schema from nothing, on SQLite and PostgreSQL, and it matches the models."""

import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, inspect

REPO = Path(__file__).resolve().parent.parent


def _alembic(db_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "alembic", "-x", f"db={db_url}", *args],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )


def test_alembic_upgrade_head_builds_the_schema_from_nothing(db_url):
    result = _alembic(db_url, "upgrade", "head")
    assert result.returncode == 0, result.stderr
    tables = set(inspect(create_engine(db_url)).get_table_names())
    assert {"reports", "drops", "captures", "report_statistics", "runs", "page_validators", "payload_digests"} <= tables
    # the migrations and the models agree: autogenerate finds nothing to add
    check = _alembic(db_url, "check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_database_made_before_migrations_is_adopted(tmp_path):
    from govcrawl.store.models import Base
    from govcrawl.store.store import Store

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_engine(url)
    # how govcrawl made databases before it had migrations (the first revision's tables)
    later = ("attachments", "near_duplicate_signatures", "near_duplicate_bands")  # tables of revisions 0002, 0003
    first_revision = [t for name, t in Base.metadata.tables.items() if name not in later]
    Base.metadata.create_all(engine, tables=first_revision)
    with engine.begin() as conn:  # columns of later revisions: 0004 added reports.reporting_body, 0005 ...
        conn.exec_driver_sql("ALTER TABLE reports DROP COLUMN reporting_body")
        conn.exec_driver_sql("ALTER TABLE page_validators DROP COLUMN payload_digest")
        conn.exec_driver_sql("DROP INDEX ix_payload_digests_key_hash")
        # ... and replaced captures' unique (url, payload_digest) by a row per change, with last_confirmed
        conn.exec_driver_sql("DROP TABLE captures")
        conn.exec_driver_sql(
            "CREATE TABLE captures (id INTEGER NOT NULL PRIMARY KEY, url VARCHAR(2048) NOT NULL, "
            "payload_digest VARCHAR(64), warc_filename VARCHAR(256), warc_offset INTEGER, etag VARCHAR(256), "
            "last_modified VARCHAR(64), first_seen DATETIME NOT NULL, last_seen DATETIME NOT NULL, "
            "CONSTRAINT uq_captures_url_digest UNIQUE (url, payload_digest))")
        conn.exec_driver_sql("CREATE INDEX ix_captures_url ON captures (url)")
    engine.dispose()
    store = Store(url)
    assert store.save_report({"url": "http://a.gov.cn/r", "portal": "a"}) == "new"
    tables = inspect(store.engine).get_table_names()
    assert "alembic_version" in tables and "attachments" in tables  # stamped, then upgraded
    # 0005: an edit and its revert are three capture rows
    page = "http://a.gov.cn/r"
    for digest in ("sha1:A", "sha1:B", "sha1:A"):
        store.save_report({"url": page, "portal": "a", "payload_digest": digest})
    assert [c.payload_digest for c in store.captures(page)] == [None, "sha1:A", "sha1:B", "sha1:A"]
    assert "uq_captures_url_digest" not in {c["name"] for c in inspect(store.engine).get_unique_constraints("captures")}
    store.close()
