"""The researchers' archive browser: the Starlette app (``app``), its read-only database access (``db``) and
full-text search (``search``). The commands that start it (``govcrawl serve``, ``govcrawl search-index``) are in
``govcrawl.cli.web``; Starlette, Jinja2 and uvicorn are imported only when a command runs.
"""

from __future__ import annotations

from govcrawl.errors import CliError


def build_index(db_url: str, quiet: bool = False) -> str:
    """Build the search index if missing; returns what happened. Raises CliError when it cannot."""
    from govcrawl.web.db import DatabaseError, sqlite_path, writable_engine
    from govcrawl.web.search import ensure_search_index

    try:
        path = sqlite_path(db_url)
    except DatabaseError as exc:
        raise CliError(str(exc)) from exc
    if path is not None and not path.is_file():
        raise CliError(f"{path}: no such database file")
    from govcrawl.store.store import StorageError

    try:
        engine = writable_engine(db_url)
    except StorageError as exc:
        raise CliError(str(exc)) from exc
    try:
        return ensure_search_index(engine)
    except Exception as exc:
        raise CliError(f"cannot build the search index in {db_url}: {exc.__class__.__name__}: {exc}") from exc
    finally:
        engine.dispose()


