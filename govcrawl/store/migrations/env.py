"""Alembic environment: govcrawl's models, the database from -x db=URL, GOVCRAWL_DB_URL or the caller."""

from __future__ import annotations

import os

from alembic import context

from govcrawl.store.models import Base
from govcrawl.store.store import make_engine

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001
    """Leave out the full-text search index `govcrawl serve` builds (govcrawl/web/search.py)."""
    if name and (name.startswith("reports_fts") or name.endswith("_trgm") or name == "ix_payload_digests_key_hash"):
        return False
    return True


def database_url() -> str:
    return (
        context.get_x_argument(as_dictionary=True).get("db")
        or config.attributes.get("url")
        or os.environ.get("GOVCRAWL_DB_URL")
        or "sqlite:///govcrawl.sqlite3"
    )


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True, include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True, include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(database_url())
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True, include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
