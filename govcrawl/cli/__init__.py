"""The ``govcrawl`` command: its parser and entry point; the commands live in ``crawl``, ``data``, ``archive``
and ``web`` (``serve``, ``search-index``)."""

from __future__ import annotations

import argparse
import sys

from govcrawl.cli.args import DEFAULT_DB, port_number
from govcrawl.cli.crawl import cmd_crawl, cmd_demo
from govcrawl.cli.data import (
    cmd_accept,
    cmd_drops,
    cmd_inspect,
    cmd_missing,
    cmd_runs,
)
from govcrawl.errors import CliError


def cmd_replica(args: argparse.Namespace) -> int:
    from govcrawl.replica.server import run

    try:
        run(args.port, host=args.host)
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    except KeyboardInterrupt:
        pass
    return 0


# --- argument parsing -----------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govcrawl",
        description="Archival crawler for Chinese government information-disclosure annual reports.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def storage_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", help=f"SQLAlchemy database URL (default: {DEFAULT_DB})")
        p.add_argument("--warc-dir", help="folder for WARC files (default: warc_archive)")
        p.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="crawl log level")

    p = sub.add_parser("demo", help="start the bundled replica, crawl every portal through it, print a summary")
    storage_options(p)
    p.set_defaults(func=cmd_demo, log_level="WARNING", portal=None)

    def crawl_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--portals", action="append", metavar="FILE", help="registry file (repeatable; default: the shipped one)")
        p.add_argument("--portal", action="append", metavar="SLUG", help="crawl only this portal (repeatable)")
        p.add_argument("--proxy", help="HTTP proxy for every request, e.g. the replica: http://127.0.0.1:8080")
        p.add_argument("--ca-file", metavar="PEM",
                       help="trust only these CAs for https instead of the system's (the replica's CA: replica crawls)")
        p.add_argument("--stats-json", metavar="FILE", help="write each portal's health and crawl stats as JSON")
        p.add_argument("--distributed", metavar="REDIS_URL", help="share the frontier and dupefilter in Redis (scrapy-redis)")
        p.add_argument("--workers", type=int, default=1, help="local worker processes of a distributed crawl (default 1)")
        p.add_argument("--worker-id", help="this process's name in a distributed crawl (other machines: one each)")
        p.add_argument("--crawl-id", help="the crawl's id (the same on every worker of a distributed crawl)")
        p.add_argument("--parallel-portals", type=int, metavar="N",
                       help="portals crawled at once per process (default 64; 0: all); memory grows with it")
        p.add_argument("--analysis-workers", metavar="N",
                       help="worker processes analysing pages off the crawl's reactor (default: one per core; "
                       "0 or 1: in the crawl process)")
        storage_options(p)

    p = sub.add_parser("crawl", help="crawl registry portals into WARC + SQL")
    crawl_options(p)
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("backfill", help="crawl only what the reports of some years need (idempotent)")
    p.add_argument("--year", type=int, required=True, help="first report year")
    p.add_argument("--to", type=int, help="last report year (default: --year)")
    crawl_options(p)
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser(
        "nightly",
        help="incremental crawl of every registry portal: lists always, new pages at once, known pages "
        "conditionally when their revisit is due; exit 1 when any portal fails",
    )
    p.add_argument("--recheck-all", action="store_true",
                   help="ask every known page tonight (conditionally), whether due or not")
    crawl_options(p)
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("runs", help="show the latest runs and their health")
    p.add_argument("--db", default=DEFAULT_DB, help=f"database URL (default: {DEFAULT_DB})")
    p.add_argument("--limit", type=int, default=10)
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser("missing", help="registry portals (or reporting units) with no report for a year (statutory deadlines)")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--by", choices=["portal", "unit"], default="portal",
                   help="portal: registry portals; unit: reporting units, each expected from its first archived year")
    p.add_argument("--db", default=DEFAULT_DB, help=f"database URL (default: {DEFAULT_DB})")
    p.add_argument("--portals", action="append", metavar="FILE", help="registry file (repeatable)")
    p.add_argument("--format", choices=["table", "csv"], default="table")
    p.set_defaults(func=cmd_missing)

    p = sub.add_parser("drops", help="pages the junk filter kept out of the reports, with their reasons")
    p.add_argument("--db", default=DEFAULT_DB, help=f"database URL (default: {DEFAULT_DB})")
    p.add_argument("--kind", choices=["junk", "other"])
    p.add_argument("--portal", metavar="SLUG")
    p.set_defaults(func=cmd_drops)

    p = sub.add_parser("accept", help="undo a wrong drop: the page (read back from the archive) becomes a report")
    p.add_argument("url")
    p.add_argument("--db", default=DEFAULT_DB, help=f"database URL (default: {DEFAULT_DB})")
    p.add_argument("--warc-dir", default="warc_archive", help="folder of the WARC files (default: warc_archive)")
    p.set_defaults(func=cmd_accept)

    from govcrawl.cli.export import add_arguments as export_arguments

    p = sub.add_parser("export", help="write the reports (or the long statistics table) as JSON lines, CSV or Parquet")
    export_arguments(p, DEFAULT_DB)

    p = sub.add_parser("inspect", help="classify one saved page (HTML or text) and print its metadata as JSON")
    p.add_argument("file")
    p.add_argument("--url", help="the URL the page was served from (host-based junk signals need it)")
    p.set_defaults(func=cmd_inspect)

    from govcrawl.analysis import evaluate

    p = sub.add_parser("evaluate", help="measure the analysis on a folder of labelled real pages (scores, confusion, misses)")
    evaluate.add_arguments(p)
    p.set_defaults(func=evaluate.run)

    p = sub.add_parser("replica", help="serve the offline replica of the portals (HTTP proxy and Host-header server)")
    p.add_argument("--port", type=port_number, default=8080)
    p.add_argument("--host", default="127.0.0.1")
    p.set_defaults(func=cmd_replica)

    from govcrawl.cli.archive import register as register_archive_commands

    register_archive_commands(sub)

    from govcrawl.cli.web import register as register_web_commands

    register_web_commands(sub)

    from govcrawl.cli.portals import register as register_portal_commands

    register_portal_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # `govcrawl export ... | head`
        sys.stderr.close()
        return 0
    except CliError as exc:
        print(f"govcrawl {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # registry errors and friends: one clear line, not a traceback
        from govcrawl.crawl.registry import RegistryError

        if isinstance(exc, RegistryError):
            print(f"govcrawl {args.command}: error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
