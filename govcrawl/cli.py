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


from govcrawl.cliargs import port_number
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
    if getattr(args, "parallel_portals", None) is not None:
        settings.set("GOVCRAWL_PARALLEL_PORTALS", args.parallel_portals, priority="cmdline")
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


def _select_portals(requested: list[str] | None, settings: Any, channels: bool = True) -> list[str]:
    """The slugs to crawl: every portal (and channel) of the registry files in force, or those asked for."""
    from govcrawl.registry import default_registry

    registry = default_registry(settings.get("GOVCRAWL_PORTALS") or None)
    known = list(registry.all())
    if not requested:
        return known if channels else list(registry.portals)
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


def _crawl_and_record(args: argparse.Namespace, settings: Any, slugs: list[str]) -> int:
    """Crawl under the archive lock, with a run record in SQL; print the summary; 0 only if every portal is healthy."""
    from govcrawl.runner import RunLock, run_crawl, write_stats
    from govcrawl.storage import Store

    db_url, warc_dir = settings.get("GOVCRAWL_DB_URL"), settings.get("GOVCRAWL_WARC_DIR")
    crawl_id = settings.get("GOVCRAWL_CRAWL_ID")
    if getattr(args, "worker_id", None):
        # one worker of a distributed crawl: its coordinator holds the lock, records the run and judges health
        health = run_crawl(slugs, settings)
        write_stats(getattr(args, "stats_json", None), crawl_id, health)
        return 0
    with RunLock(warc_dir):
        store = Store(db_url)
        run_id = store.start_run(crawl_id, args.command, slugs)
        if getattr(args, "distributed", None) and args.workers > 1:
            health = _run_workers(args, settings, slugs)
        else:
            health = run_crawl(slugs, settings)
        status = 0 if all(h["ok"] for h in health) else 1
        store.end_run(run_id, status, [{k: v for k, v in h.items() if k != "stats"} for h in health])
        # the full-text index for `govcrawl serve` (built once; its triggers keep it current)
        from govcrawl.web.search import ensure_search_index

        ensure_search_index(store.engine)
        store.close()
    write_stats(getattr(args, "stats_json", None), crawl_id, health)
    print(summary(db_url, warc_dir, health))
    _print_health(health)
    return status


def _run_workers(args: argparse.Namespace, settings: Any, slugs: list[str]) -> list[dict[str, Any]]:
    """Start ``--workers`` local worker processes on the shared Redis frontier; judge health from their sum."""
    import subprocess
    import tempfile

    from govcrawl.registry import default_registry
    from govcrawl.runner import portal_health

    crawl_id = settings.get("GOVCRAWL_CRAWL_ID")
    folder = Path(tempfile.mkdtemp(prefix="govcrawl-workers-"))
    base = _strip_options(sys.argv[1:], {"--workers", "--stats-json", "--crawl-id", "--worker-id"})
    workers = []
    for n in range(1, args.workers + 1):
        command = [sys.executable, "-m", "govcrawl", *base, "--crawl-id", crawl_id, "--worker-id", f"w{n}",
                   "--stats-json", str(folder / f"w{n}.json")]
        workers.append(subprocess.Popen(command))
    codes = [w.wait() for w in workers]
    failed = [f"w{n}" for n, code in enumerate(codes, start=1) if code != 0]
    totals: dict[str, dict[str, Any]] = {slug: {} for slug in slugs}
    for n in range(1, args.workers + 1):
        path = folder / f"w{n}.json"
        if not path.exists():
            continue
        for entry in json.loads(path.read_text(encoding="utf-8"))["portals"]:
            merged = totals.setdefault(entry["portal"], {})
            for key, value in entry["stats"].items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    merged[key] = merged.get(key, 0) + value
                elif key == "finish_reason" and merged.get(key) in (None, "finished"):
                    merged[key] = value
    registry = default_registry(settings.get("GOVCRAWL_PORTALS") or None).all()
    health = []
    for slug, stats in totals.items():
        empty_ok = bool(registry[slug].options.get("empty_ok")) if slug in registry else False
        entry = {**portal_health(slug, stats, empty_ok), "stats": stats}
        if failed:
            entry["ok"] = False
            entry["problems"] = entry["problems"] + [f"worker(s) {', '.join(failed)} exited abnormally"]
        health.append(entry)
    return health


def _strip_options(argv: list[str], names: set[str]) -> list[str]:
    """argv without the given options (and their values)."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in names:
            skip = True
        elif not any(arg.startswith(name + "=") for name in names):
            out.append(arg)
    return out


def _check_redis(url: str) -> None:
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except Exception as exc:  # bad URL, server down
        raise CliError(f"--distributed {url}: cannot reach Redis ({exc.__class__.__name__}: {exc})") from exc


def _clear_frontier(url: str, crawl_id: str) -> None:
    """A new distributed crawl starts from an empty frontier and dupefilter."""
    import redis

    server = redis.Redis.from_url(url)
    keys = list(server.scan_iter(f"govcrawl:{crawl_id}:*"))
    if keys:
        server.delete(*keys)


def cmd_crawl(args: argparse.Namespace) -> int:
    if args.proxy:
        _check_proxy(args.proxy)
    if getattr(args, "year", None) is not None:
        _check_years(args.year, args.to)
    if args.workers < 1:
        raise CliError(f"--workers {args.workers}: at least one")
    if args.parallel_portals is not None and args.parallel_portals < 0:
        raise CliError(f"--parallel-portals {args.parallel_portals}: 0 (all at once) or more")
    if (args.workers > 1 or args.worker_id) and not args.distributed:
        raise CliError("--workers and --worker-id need --distributed redis://HOST:PORT")
    settings = _settings(args)
    if args.crawl_id:
        settings.set("GOVCRAWL_CRAWL_ID", args.crawl_id, priority="cmdline")
    if args.command == "nightly":
        settings.set("GOVCRAWL_INCREMENTAL", True, priority="cmdline")
    if args.distributed:
        from govcrawl import distributed

        _check_redis(args.distributed)
        if not args.worker_id:  # the coordinator (or a lone worker) starts the frontier afresh
            _clear_frontier(args.distributed, settings.get("GOVCRAWL_CRAWL_ID"))
        distributed.apply(settings, args.distributed, args.worker_id or "w1")
    # The nightly crawl covers the portals; discovery channels (web search) run with `crawl`.
    slugs = _select_portals(args.portal, settings, channels=args.command != "nightly")
    _check_db(settings.get("GOVCRAWL_DB_URL"))
    return _crawl_and_record(args, settings, slugs)


def cmd_demo(args: argparse.Namespace) -> int:
    from govcrawl.replica.server import ReplicaServer

    settings = _settings(args)
    _check_db(settings.get("GOVCRAWL_DB_URL"))
    with ReplicaServer(port=0) as replica:
        settings.set("GOVCRAWL_PROXY", replica.proxy_url, priority="cmdline")
        print(f"Replica of the portals serving on {replica.proxy_url}; crawling every portal through it ...")
        return _crawl_and_record(args, settings, _select_portals(None, settings))


def cmd_runs(args: argparse.Namespace) -> int:
    store = _open_existing(args.db)
    runs = store.runs(args.limit)
    store.close()
    rows = []
    for run in runs:
        portals = run.portals or []
        total = lambda key: sum(p.get(key) or 0 for p in portals)  # noqa: E731
        failed = [p["portal"] for p in portals if p.get("ok") is False]
        status = "running/killed" if run.ended is None else ("ok" if run.exit_status == 0 else "FAILED")
        rows.append([
            run.id, run.command, run.started.strftime("%Y-%m-%d %H:%M:%S"),
            run.ended.strftime("%H:%M:%S") if run.ended else "", status, len(portals),
            total("responses"), total("bytes"), total("new"), total("changed"), total("dropped"), total("errors"),
            ", ".join(failed),
        ])
    print(_table(["run", "command", "started (UTC)", "ended", "status", "portals", "pages", "bytes", "new",
                  "changed", "drops", "errors", "failed portals"], rows))
    return 0


def cmd_missing(args: argparse.Namespace) -> int:
    """Registry portals with no report for a year, against the statutory deadlines (条例 arts. 49-50)."""
    import datetime as dt

    from govcrawl.registry import default_registry

    _check_years(args.year, None)
    registry = default_registry(os.pathsep.join(args.portals) if args.portals else None)
    store = _open_existing(args.db)
    have = {(r.portal, r.report_year) for r in store.reports()}
    store.close()
    today = dt.date.today()
    rows = []
    for portal in registry.portals.values():
        if (portal.slug, args.year) in have:
            continue
        # departments by 31 January, governments by 31 March of the following year
        deadline = dt.date(args.year + 1, 1, 31) if portal.level == "department" else dt.date(args.year + 1, 3, 31)
        status = "overdue" if today > deadline else "not yet due"
        rows.append([portal.slug, portal.name, portal.level, portal.region, deadline.isoformat(), status])
    headers = ["portal", "name", "level", "region", "deadline", "status"]
    if args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(headers)
        writer.writerows(rows)
    else:
        print(f"Portals with no report for {args.year}: {len(rows)} of {len(registry.portals)}")
        print(_table(headers, rows))
    return 0


def cmd_drops(args: argparse.Namespace) -> int:
    store = _open_existing(args.db)
    drops = [d for d in store.drops() if (not args.kind or d.kind == args.kind) and (not args.portal or d.portal == args.portal)]
    store.close()
    rows = [[d.kind, d.portal or "", f"{d.score:.1f}" if d.score is not None else "", d.url, "; ".join(d.reasons or [])]
            for d in drops]
    print(_table(["kind", "portal", "score", "url", "reasons"], rows))
    return 0


def cmd_accept(args: argparse.Namespace) -> int:
    """Undo a wrong drop: the page, read back from the WARC archive, becomes a report."""
    from sqlalchemy import select

    from govcrawl.analysis import analyze_page
    from govcrawl.archive import ArchiveError, read_capture
    from govcrawl.statistics import long_rows
    from govcrawl.storage import Drop

    store = _open_existing(args.db)
    with store.session() as session:
        drop = session.scalar(select(Drop).where(Drop.url == args.url))
    if drop is None:
        raise CliError(f"{args.url}: not among the drops in {args.db}")
    if not drop.warc_filename:
        raise CliError(f"{args.url}: its drop has no WARC location to read the page from")
    try:
        page = read_capture(args.warc_dir, drop.warc_filename, drop.warc_offset, args.db)
    except ArchiveError as exc:
        raise CliError(str(exc)) from exc
    a = analyze_page(page.body, url=page.url, content_type=page.content_type)
    stats = a.statistics
    reason = f"accepted by hand; dropped before as {drop.kind}: {'; '.join(drop.reasons or [])}"
    store.save_report(
        {
            "url": drop.url, "portal": drop.portal, "title": a.title or drop.title, "report_year": a.report_year
            or (int(a.extra["year"]) if a.extra.get("year", "").isdigit() else None),
            "index_no": a.index_no, "publisher": a.publisher, "written_date": a.written_date,
            "published_date": a.published_date, "doc_no": a.doc_no, "body_text": a.text,
            "sources": dict(a.sources), "original": dict(a.original),
            "classification_reasons": [reason, *a.classification_reasons],
            "warc_filename": drop.warc_filename, "warc_offset": drop.warc_offset,
            "statistics_format": stats.format if stats else None,
            "consistency_ok": stats.consistency_ok if stats else None,
            "statistics_checks": list(stats.checks) if stats else [],
            "statistics_unparsed": dict(stats.unparsed) if stats else {},
            "text_counts": dict(stats.text_counts) if stats else {},
        },
        statistics=long_rows(stats) if stats else [],
    )
    store.close()
    print(f"{args.url} is now a report ({a.title or drop.title}); its drop record is removed")
    return 0


def _open_existing(db_url: str) -> Any:
    from govcrawl.storage import StorageError, Store

    try:
        return Store(db_url)
    except StorageError as exc:
        raise CliError(str(exc)) from exc


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
    counts, drops = store.report_counts(), store.drop_reasons()  # aggregates: a large archive is never loaded
    store.close()
    out = []
    years = sorted({year for _, year, _ in counts if year})
    per_portal: dict[str, Counter] = defaultdict(Counter)
    for portal, year, n in counts:
        per_portal[portal or "(none)"][year] += n
    rows = [[p, *[per_portal[p][y] or "" for y in years], sum(per_portal[p].values())] for p in sorted(per_portal)]
    out.append(f"Reports in {db_url}: {sum(n for _, _, n in counts)}")
    out.append(_table(["portal", *[str(y) for y in years], "total"], rows))
    if health:
        out.append("\nCrawl health")
        out.append(
            _table(
                ["portal", "status", "pages", "list pages", "reports", "new", "changed", "unchanged(304)", "dropped", "errors"],
                [
                    [
                        h["portal"],
                        "ok" if h["ok"] else "FAILED",
                        h["responses"],
                        h["list_pages"],
                        h["reports"],
                        h["new"],
                        h["changed"],
                        h["not_modified"],
                        h["dropped"],
                        h["errors"],
                    ]
                    for h in health
                ],
            )
        )
    out.append(f"\nDrops: {len(drops)}")
    reasons: Counter = Counter()
    for kind, page_reasons in drops:
        for reason in page_reasons or [kind]:
            # junk reasons are named signals ("name: evidence"); non-report reasons are short already
            reasons[(kind, reason.split(":")[0] if kind == "junk" else reason)] += 1
    out.append(_table(["kind", "reason", "pages"], [[k, r, n] for (k, r), n in sorted(reasons.items())]))
    files = sorted(Path(warc_dir).glob("*.warc.gz*")) if Path(warc_dir).is_dir() else []
    out.append(f"\nWARC files in {warc_dir}: {len(files)}, {sum(f.stat().st_size for f in files):,} bytes")
    return "\n".join(out)


# --- export, inspect, replica ----------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    from govcrawl.storage import EXPORT_FIELDS, StorageError, Store, report_row

    fields = list(EXPORT_FIELDS)
    try:
        store = Store(args.db, create=False)
        reports = store.reports()
        rows = [report_row(r) for r in reports]
        if args.statistics:
            # wide: one column per statistics cell, "table.row.column"; empty cells stay empty
            cells = store.statistics()
            fields += ["statistics_format", "consistency_ok"]
            stat_columns: dict[str, None] = {}
            for report, row in zip(reports, rows):
                row["statistics_format"] = report.statistics_format
                row["consistency_ok"] = report.consistency_ok
                for cell in cells.get(report.url, []):
                    key = f"{cell.table_name}.{cell.row_key}.{cell.column_key}"
                    stat_columns[key] = None
                    row[key] = int(cell.value) if cell.value is not None and cell.value.is_integer() else cell.value
            fields += list(stat_columns)
        store.close()
    except StorageError as exc:
        raise CliError(str(exc)) from exc
    except Exception as exc:  # no such table: not a govcrawl database
        raise CliError(f"cannot read reports from {args.db}: {exc.__class__.__name__}: {exc}") from exc
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout
    try:
        if args.format == "jsonl":
            for row in rows:
                out.write(json.dumps({f: row.get(f) for f in fields}, ensure_ascii=False) + "\n")
        else:
            writer = csv.DictWriter(out, fieldnames=fields, restval="")
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
        p.add_argument("--stats-json", metavar="FILE", help="write each portal's health and crawl stats as JSON")
        p.add_argument("--distributed", metavar="REDIS_URL", help="share the frontier and dupefilter in Redis (scrapy-redis)")
        p.add_argument("--workers", type=int, default=1, help="local worker processes of a distributed crawl (default 1)")
        p.add_argument("--worker-id", help="this process's name in a distributed crawl (other machines: one each)")
        p.add_argument("--crawl-id", help="the crawl's id (the same on every worker of a distributed crawl)")
        p.add_argument("--parallel-portals", type=int, metavar="N",
                       help="portals crawled at once per process (default 64; 0: all); memory grows with it")
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
        help="incremental crawl of every registry portal: lists always, archived reports conditionally; "
        "exit 1 when any portal fails",
    )
    crawl_options(p)
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("runs", help="show the latest runs and their health")
    p.add_argument("--db", default=DEFAULT_DB, help=f"database URL (default: {DEFAULT_DB})")
    p.add_argument("--limit", type=int, default=10)
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser("missing", help="registry portals with no report for a year (statutory deadlines)")
    p.add_argument("--year", type=int, required=True)
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

    p = sub.add_parser("export", help="write one row per report as JSON lines or CSV")
    p.add_argument("--db", default=DEFAULT_DB, help=f"database URL (default: {DEFAULT_DB})")
    p.add_argument("--format", choices=["jsonl", "csv"], required=True)
    p.add_argument("--statistics", action="store_true", help="add the statistics tables, one column per cell")
    p.add_argument("--output", "-o", help="file to write (default: standard output)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("inspect", help="classify one saved page (HTML or text) and print its metadata as JSON")
    p.add_argument("file")
    p.add_argument("--url", help="the URL the page was served from (host-based junk signals need it)")
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("replica", help="serve the offline replica of the portals (HTTP proxy and Host-header server)")
    p.add_argument("--port", type=port_number, default=8080)
    p.add_argument("--host", default="127.0.0.1")
    p.set_defaults(func=cmd_replica)

    from govcrawl.cli_archive import register as register_archive_commands

    register_archive_commands(sub)

    from govcrawl.web import register as register_web_commands

    register_web_commands(sub)
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
