"""``govcrawl serve`` (the researchers' archive browser) and ``govcrawl search-index`` (its full-text index)."""

from __future__ import annotations

import argparse
import os
import sys

from govcrawl.cli.args import DEFAULT_DB, port_number
from govcrawl.errors import CliError
from govcrawl.web import build_index

DEFAULT_WARC_DIR = "warc_archive"


def _db(args: argparse.Namespace) -> str:
    return args.db or os.environ.get("GOVCRAWL_DB_URL") or DEFAULT_DB


def _warc_dir(args: argparse.Namespace) -> str:
    return args.warc_dir or os.environ.get("GOVCRAWL_WARC_DIR") or DEFAULT_WARC_DIR


def cmd_search_index(args: argparse.Namespace) -> int:
    db_url = _db(args)
    state = build_index(db_url)
    print(f"search index in {db_url}: {state}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from pathlib import Path

    try:
        import uvicorn

        from govcrawl.web.app import create_app
        from govcrawl.web.db import DatabaseError
    except ImportError as exc:  # pragma: no cover - dependencies missing
        raise CliError(f"serve needs starlette, jinja2 and uvicorn: {exc}") from exc

    db_url, warc_dir = _db(args), _warc_dir(args)
    if not Path(warc_dir).is_dir():
        raise CliError(f"{warc_dir}: no such WARC folder")
    if not args.no_index:
        try:
            state = build_index(db_url)
            if state == "created":
                print(f"built the full-text search index in {db_url}", file=sys.stderr)
        except CliError as exc:  # read-only database: serve without the index (LIKE search), say so
            print(f"warning: {exc}; searching without the trigram index", file=sys.stderr)
    portals = os.pathsep.join(args.portals) if args.portals else None
    try:
        app = create_app(db_url, warc_dir, replay_url=args.replay_url or os.environ.get("GOVCRAWL_REPLAY_URL"),
                         portals=portals)
    except DatabaseError as exc:
        raise CliError(str(exc)) from exc
    print(f"govcrawl archive browser on http://{args.host}:{args.port}/ (database {db_url}, read-only; WARC {warc_dir})",
          file=sys.stderr)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=args.log_level == "debug")
    except KeyboardInterrupt:
        pass
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``serve`` and ``search-index`` to the ``govcrawl`` command."""
    p = subparsers.add_parser("serve", help="read-only web browser of the archive: search, reports, captures, coverage, export")
    p.add_argument("--db", help=f"database URL (default: $GOVCRAWL_DB_URL or {DEFAULT_DB})")
    p.add_argument("--warc-dir", help=f"folder of the WARC files (default: $GOVCRAWL_WARC_DIR or {DEFAULT_WARC_DIR})")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=port_number, default=8000, help="port (default: 8000)")
    p.add_argument("--replay-url", help="pywb collection URL for replay links, e.g. http://127.0.0.1:8080/govcrawl/ "
                   "(default: $GOVCRAWL_REPLAY_URL)")
    p.add_argument("--portals", action="append", metavar="FILE", help="registry file(s) for levels, regions and coverage")
    p.add_argument("--no-index", action="store_true", help="do not build a missing search index (never write to the database)")
    p.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=cmd_serve)

    p = subparsers.add_parser("search-index", help="build the full-text search index (SQLite FTS5 trigram / PostgreSQL pg_trgm)")
    p.add_argument("--db", help=f"database URL (default: $GOVCRAWL_DB_URL or {DEFAULT_DB})")
    p.set_defaults(func=cmd_search_index)
