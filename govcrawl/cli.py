"""The ``govcrawl`` command: demo, crawl, export, inspect, replica."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

DEFAULT_DB = "sqlite:///govcrawl.sqlite3"


from govcrawl.errors import CliError


# --- crawling ---------------------------------------------------------------------------


def _settings(args: argparse.Namespace) -> Any:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "govcrawl.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    if getattr(args, "proxy", None):
        settings.set("GOVCRAWL_PROXY", args.proxy, priority="cmdline")
    if getattr(args, "db", None):
        settings.set("GOVCRAWL_DB_URL", args.db, priority="cmdline")
    if getattr(args, "warc_dir", None):
        settings.set("GOVCRAWL_WARC_DIR", args.warc_dir, priority="cmdline")
    if getattr(args, "portals", None):
        settings.set("GOVCRAWL_PORTALS", os.pathsep.join(args.portals), priority="cmdline")
    if getattr(args, "year", None) is not None:
        settings.set("GOVCRAWL_YEAR_FROM", str(args.year), priority="cmdline")
        settings.set("GOVCRAWL_YEAR_TO", str(args.to if args.to is not None else args.year), priority="cmdline")
    if getattr(args, "log_level", None):
        settings.set("LOG_LEVEL", args.log_level, priority="cmdline")
    from pipelines.warc_capture import new_crawl_id

    settings.set("GOVCRAWL_CRAWL_ID", settings.get("GOVCRAWL_CRAWL_ID") or new_crawl_id(), priority="cmdline")
    return settings


def _check_db(url: str) -> None:
    from govcrawl.storage import StorageError, Store

    try:
        Store(url).close()
    except StorageError as exc:
        raise CliError(str(exc)) from exc


def _check_years(first: int, last: int | None) -> None:
    import datetime as dt

    this_year = dt.date.today().year
    for year in (first, last):
        if year is not None and not 2007 <= year <= this_year:
            raise CliError(f"year {year}: reports exist from 2008 (the first 条例 year) to last year ({this_year - 1})")
    if last is not None and last < first:
        raise CliError(f"--to {last} is before --year {first}")


def _check_proxy(proxy: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(proxy)
    if parts.scheme not in ("http", "https") or not parts.hostname or not parts.port:
        raise CliError(f"--proxy {proxy!r}: expected a URL like http://127.0.0.1:8080")


def run_crawl(slugs: list[str], settings: Any) -> list[dict[str, Any]]:
    """Crawl the given portals in one process; returns one health record per portal."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.spiderloader import get_spider_loader

    loader = get_spider_loader(settings)
    settings.set("LOG_INSTALL_ROOT_HANDLER", True, priority="cmdline")
    process = CrawlerProcess(settings)
    crawlers = {}
    for slug in slugs:
        crawler = process.create_crawler(loader.load(slug))
        crawlers[slug] = crawler
        process.crawl(crawler)
    process.start()
    health = []
    for slug, crawler in crawlers.items():
        stats = crawler.stats.get_stats()
        health.append({**portal_health(slug, stats), "stats": {k: _plain(v) for k, v in stats.items()}})
    return health


def _plain(value: Any) -> Any:
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)


def _write_stats(path: str | None, health: list[dict[str, Any]]) -> None:
    if path:
        Path(path).write_text(json.dumps({"portals": health}, ensure_ascii=False, indent=2), encoding="utf-8")


def portal_health(slug: str, stats: dict[str, Any]) -> dict[str, Any]:
    """``scrapy crawl`` exits 0 even when every download failed: judge the run from its stats."""
    responses = stats.get("downloader/response_count", 0)
    exceptions = {
        key.rsplit("/", 1)[-1]: value
        for key, value in stats.items()
        if key.startswith("downloader/exception_type_count/")
    }
    problems = []
    if responses == 0:
        detail = ", ".join(f"{name} x{count}" for name, count in exceptions.items()) or "no response"
        problems.append(f"no page could be downloaded ({detail})")
    if stats.get("govcrawl/empty_listing"):
        problems.append(f"{stats['govcrawl/empty_listing']} listing page(s) yielded no entries")
    if stats.get("govcrawl/dataproxy_missing"):
        problems.append("jcms dataproxy not found")
    if stats.get("govcrawl/bad_unit_api"):
        problems.append("JPaaS unit API answers not understood")
    if responses and stats.get("item_scraped_count", 0) == 0 and not any(
        k.startswith("govcrawl/dropped/") or k in ("govcrawl/entries_outside_years", "govcrawl/reports_outside_years")
        for k in stats
    ):
        problems.append("no candidate page found")
    return {
        "portal": slug,
        "ok": not problems,
        "problems": problems,
        "responses": responses,
        "list_pages": stats.get("govcrawl/list_pages", 0),
        "reports": stats.get("item_scraped_count", 0),
        "dropped": sum(v for k, v in stats.items() if k.startswith("govcrawl/dropped/")),
        "errors": stats.get("log_count/ERROR", 0),
    }


def _select_portals(requested: list[str] | None, settings: Any) -> list[str]:
    """The slugs to crawl: every portal and channel of the registry files in force, or those asked for."""
    from govcrawl.registry import default_registry

    known = list(default_registry(settings.get("GOVCRAWL_PORTALS") or None).all())
    if not requested:
        return known
    unknown = [slug for slug in requested if slug not in known]
    if unknown:
        raise CliError(f"unknown portal {', '.join(unknown)}; known portals: {', '.join(known)}")
    return list(dict.fromkeys(requested))


def _print_health(health: list[dict[str, Any]]) -> bool:
    ok = True
    for entry in health:
        if not entry["ok"]:
            ok = False
            print(f"FAILED portal {entry['portal']}: {'; '.join(entry['problems'])}", file=sys.stderr)
    return ok


def cmd_crawl(args: argparse.Namespace) -> int:
    if args.proxy:
        _check_proxy(args.proxy)
    if getattr(args, "year", None) is not None:
        _check_years(args.year, args.to)
    settings = _settings(args)
    slugs = _select_portals(args.portal, settings)
    _check_db(settings.get("GOVCRAWL_DB_URL"))
    health = run_crawl(slugs, settings)
    _write_stats(args.stats_json, health)
    print(summary(settings.get("GOVCRAWL_DB_URL"), settings.get("GOVCRAWL_WARC_DIR"), health))
    return 0 if _print_health(health) else 1


def cmd_demo(args: argparse.Namespace) -> int:
    from govcrawl.replica.server import ReplicaServer

    settings = _settings(args)
    _check_db(settings.get("GOVCRAWL_DB_URL"))
    with ReplicaServer(port=0) as replica:
        settings.set("GOVCRAWL_PROXY", replica.proxy_url, priority="cmdline")
        print(f"Replica of the portals serving on {replica.proxy_url}; crawling every portal through it ...")
        health = run_crawl(_select_portals(None, settings), settings)
    print(summary(settings.get("GOVCRAWL_DB_URL"), settings.get("GOVCRAWL_WARC_DIR"), health))
    return 0 if _print_health(health) else 1


# --- the summary table ---------------------------------------------------------------------


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    def width(text: str) -> int:  # CJK characters take two columns
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    cells = [[str(c) for c in headers]] + [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [max(width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c + " " * (widths[i] - width(c)) for i, c in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary(db_url: str, warc_dir: str, health: list[dict[str, Any]] | None = None) -> str:
    from govcrawl.storage import Store

    store = Store(db_url)
    reports, drops = store.reports(), store.drops()
    store.close()
    out = []
    years = sorted({r.report_year for r in reports if r.report_year})
    per_portal: dict[str, Counter] = defaultdict(Counter)
    for r in reports:
        per_portal[r.portal or "(none)"][r.report_year] += 1
    rows = [[p, *[per_portal[p][y] or "" for y in years], sum(per_portal[p].values())] for p in sorted(per_portal)]
    out.append(f"Reports in {db_url}: {len(reports)}")
    out.append(_table(["portal", *[str(y) for y in years], "total"], rows))
    if health:
        out.append("\nCrawl health")
        out.append(
            _table(
                ["portal", "status", "responses", "list pages", "reports", "dropped", "errors"],
                [
                    [
                        h["portal"],
                        "ok" if h["ok"] else "FAILED",
                        h["responses"],
                        h["list_pages"],
                        h["reports"],
                        h["dropped"],
                        h["errors"],
                    ]
                    for h in health
                ],
            )
        )
    out.append(f"\nDrops: {len(drops)}")
    reasons: Counter = Counter()
    for d in drops:
        for reason in d.reasons or [d.kind]:
            # junk reasons are named signals ("name: evidence"); non-report reasons are short already
            reasons[(d.kind, reason.split(":")[0] if d.kind == "junk" else reason)] += 1
    out.append(_table(["kind", "reason", "pages"], [[k, r, n] for (k, r), n in sorted(reasons.items())]))
    files = sorted(Path(warc_dir).glob("*.warc.gz*")) if Path(warc_dir).is_dir() else []
    out.append(f"\nWARC files in {warc_dir}: {len(files)}, {sum(f.stat().st_size for f in files):,} bytes")
    return "\n".join(out)


# --- export, inspect, replica ----------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    from govcrawl.storage import EXPORT_FIELDS, StorageError, Store, report_row

    try:
        store = Store(args.db, create=False)
        rows = [report_row(r) for r in store.reports()]
        store.close()
    except StorageError as exc:
        raise CliError(str(exc)) from exc
    except Exception as exc:  # no such table: not a govcrawl database
        raise CliError(f"cannot read reports from {args.db}: {exc.__class__.__name__}: {exc}") from exc
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout
    try:
        if args.format == "jsonl":
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            writer = csv.DictWriter(out, fieldnames=list(EXPORT_FIELDS))
            writer.writeheader()
            writer.writerows(rows)
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from govcrawl.analysis import analyze_page

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"{args.file}: no such file")
    analysis = analyze_page(path.read_bytes(), url=args.url)
    print(json.dumps(analysis.to_dict(), ensure_ascii=False, indent=2))
    return 0


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


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0-65535)")
    return port


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
    p.set_defaults(func=cmd_demo, log_level="WARNING")

    def crawl_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--portals", action="append", metavar="FILE", help="registry file (repeatable; default: the shipped one)")
        p.add_argument("--portal", action="append", metavar="SLUG", help="crawl only this portal (repeatable)")
        p.add_argument("--proxy", help="HTTP proxy for every request, e.g. the replica: http://127.0.0.1:8080")
        p.add_argument("--stats-json", metavar="FILE", help="write each portal's health and crawl stats as JSON")
        storage_options(p)

    p = sub.add_parser("crawl", help="crawl registry portals into WARC + SQL")
    crawl_options(p)
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("backfill", help="crawl only what the reports of some years need (idempotent)")
    p.add_argument("--year", type=int, required=True, help="first report year")
    p.add_argument("--to", type=int, help="last report year (default: --year)")
    crawl_options(p)
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("export", help="write one row per report as JSON lines or CSV")
    p.add_argument("--db", default=DEFAULT_DB, help=f"database URL (default: {DEFAULT_DB})")
    p.add_argument("--format", choices=["jsonl", "csv"], required=True)
    p.add_argument("--output", "-o", help="file to write (default: standard output)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("inspect", help="classify one saved page (HTML or text) and print its metadata as JSON")
    p.add_argument("file")
    p.add_argument("--url", help="the URL the page was served from (host-based junk signals need it)")
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("replica", help="serve the offline replica of the portals (HTTP proxy and Host-header server)")
    p.add_argument("--port", type=_port, default=8080)
    p.add_argument("--host", default="127.0.0.1")
    p.set_defaults(func=cmd_replica)
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
        from govcrawl.registry import RegistryError

        if isinstance(exc, RegistryError):
            print(f"govcrawl {args.command}: error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
