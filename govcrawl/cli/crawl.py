"""The crawling commands: ``crawl``, ``backfill``, ``nightly`` (one parser, options by command) and ``demo``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from govcrawl.cli.summary import summary
from govcrawl.errors import CliError

# --- crawling ---------------------------------------------------------------------------


def _settings(args: argparse.Namespace) -> Any:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "govcrawl.crawl.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    if getattr(args, "proxy", None):
        settings.set("GOVCRAWL_PROXY", args.proxy, priority="cmdline")
    if getattr(args, "ca_file", None):
        from govcrawl.crawl.tls import load_bundle

        try:
            load_bundle(args.ca_file)
        except ValueError as exc:
            raise CliError(f"--ca-file: {exc}") from exc
        settings.set("GOVCRAWL_CA_BUNDLE", str(Path(args.ca_file).resolve()), priority="cmdline")
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
    if getattr(args, "analysis_workers", None) is not None:
        settings.set("GOVCRAWL_ANALYSIS_WORKERS", args.analysis_workers, priority="cmdline")
    from govcrawl.archive.writer import new_crawl_id

    settings.set("GOVCRAWL_CRAWL_ID", settings.get("GOVCRAWL_CRAWL_ID") or new_crawl_id(), priority="cmdline")
    return settings


def _check_db(url: str) -> None:
    from govcrawl.store.store import StorageError, Store

    try:
        Store(url).close()
    except StorageError as exc:
        raise CliError(str(exc)) from exc


def check_years(first: int, last: int | None) -> None:
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
    try:
        port = parts.port
    except ValueError:  # out of range, not a number
        port = None
    if parts.scheme not in ("http", "https") or not parts.hostname or not port:
        raise CliError(f"--proxy {proxy!r}: expected a URL like http://127.0.0.1:8080")


def _select_portals(requested: list[str] | None, settings: Any, channels: bool = True) -> list[str]:
    """The slugs to crawl: every portal (and channel) of the registry files in force, or those asked for."""
    from govcrawl.crawl.registry import default_registry

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
    """Crawl under the archive and database locks, with a run record in SQL; print the summary; 0 only if
    every portal is healthy, 128 + N when signal N interrupted the run (recorded so, every portal listed)."""
    from govcrawl.crawl.guard import DatabaseLock, repair_leftovers
    from govcrawl.crawl.interrupts import catch_early_signals, exit_status, pending_interrupt, signal_name
    from govcrawl.crawl.runner import INTERRUPTED, RunLock, run_crawl, write_stats
    from govcrawl.store.store import Store

    db_url, warc_dir = settings.get("GOVCRAWL_DB_URL"), settings.get("GOVCRAWL_WARC_DIR")
    crawl_id = settings.get("GOVCRAWL_CRAWL_ID")
    with catch_early_signals():
        if getattr(args, "worker_id", None):
            # one worker of a distributed crawl: its coordinator holds the locks, records the run and judges health
            health = run_crawl(slugs, settings)
            write_stats(getattr(args, "stats_json", None), crawl_id, health)
            return exit_status(INTERRUPTED[0][0]) if INTERRUPTED else 0
        with RunLock(warc_dir), DatabaseLock(db_url):
            repair_leftovers(warc_dir)
            store = Store(db_url)
            run_id = store.start_run(crawl_id, args.command, slugs)
            if getattr(args, "distributed", None) and args.workers > 1:
                health = _run_workers(args, settings, slugs)
            else:
                health = run_crawl(slugs, settings)
            signum = INTERRUPTED[0][0] if INTERRUPTED else pending_interrupt()
            if signum is not None:
                status = exit_status(signum)
                reason = INTERRUPTED[0][1] if INTERRUPTED else signal_name(signum)
                for entry in health:
                    if entry["ok"]:
                        entry["ok"] = False
                        entry["problems"] = [f"interrupted ({reason})"]
            else:
                status = 0 if health and all(h["ok"] for h in health) else 1
            store.end_run(run_id, status, [{k: v for k, v in h.items() if k != "stats"} for h in health])
            # the full-text index for `govcrawl serve` (built once; its triggers keep it current)
            from govcrawl.web.search import ensure_search_index

            ensure_search_index(store.engine)
            store.close()
    write_stats(getattr(args, "stats_json", None), crawl_id, health)
    print(summary(db_url, warc_dir, health))
    _print_health(health)
    if signum is not None:
        print(f"INTERRUPTED by {reason}: the run is recorded as interrupted (exit {status})", file=sys.stderr)
    return status


def _run_workers(args: argparse.Namespace, settings: Any, slugs: list[str]) -> list[dict[str, Any]]:
    """Start ``--workers`` local worker processes on the shared Redis frontier; judge health from their sum."""
    import subprocess
    import tempfile

    from govcrawl.crawl.registry import default_registry
    from govcrawl.crawl.runner import portal_health

    crawl_id = settings.get("GOVCRAWL_CRAWL_ID")
    folder = Path(tempfile.mkdtemp(prefix="govcrawl-workers-"))
    base = _strip_options(sys.argv[1:], {"--workers", "--stats-json", "--crawl-id", "--worker-id"})
    workers = []
    for n in range(1, args.workers + 1):
        command = [sys.executable, "-m", "govcrawl", *base, "--crawl-id", crawl_id, "--worker-id", f"w{n}",
                   "--stats-json", str(folder / f"w{n}.json")]
        workers.append(subprocess.Popen(command))
    codes = _wait_forwarding_signals(workers)
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


def _wait_forwarding_signals(workers: list[Any]) -> list[int]:
    """Wait for the worker processes; a SIGINT/SIGTERM the coordinator receives is passed on to them."""
    import time

    from govcrawl.crawl.interrupts import _PENDING

    forwarded = 0
    while any(w.poll() is None for w in workers):
        while forwarded < len(_PENDING):
            for w in workers:
                if w.poll() is None:
                    w.send_signal(_PENDING[forwarded])
            forwarded += 1
        time.sleep(0.1)
    return [w.returncode for w in workers]


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


def _check_revisit_policy(settings: Any, slugs: list[str]) -> None:
    """The revisit settings, and each portal's registry options over them, make a policy (or a one-line error)."""
    from govcrawl.crawl.registry import default_registry
    from govcrawl.crawl.revisit import RevisitPolicy

    registry = default_registry(settings.get("GOVCRAWL_PORTALS") or None).all()
    for slug in slugs:
        try:
            RevisitPolicy.from_settings(settings, registry[slug].options)
        except ValueError as exc:
            raise CliError(f"portal {slug}: {exc} (GOVCRAWL_REVISIT_* settings, revisit_* registry keys)") from None


def cmd_crawl(args: argparse.Namespace) -> int:
    if args.proxy:
        _check_proxy(args.proxy)
    if getattr(args, "year", None) is not None:
        check_years(args.year, args.to)
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
        if args.recheck_all:
            settings.set("GOVCRAWL_RECHECK_ALL", True, priority="cmdline")
    if args.distributed:
        from govcrawl.crawl import distributed

        _check_redis(args.distributed)
        if not args.worker_id:  # the coordinator (or a lone worker) starts the frontier afresh
            _clear_frontier(args.distributed, settings.get("GOVCRAWL_CRAWL_ID"))
        distributed.apply(settings, args.distributed, args.worker_id or "w1")
    # The nightly crawl covers the portals; discovery channels (web search) run with `crawl`.
    slugs = _select_portals(args.portal, settings, channels=args.command != "nightly")
    if args.command == "nightly":
        _check_revisit_policy(settings, slugs)
    _preflight(args, settings)
    return _crawl_and_record(args, settings, slugs)


def _preflight(args: argparse.Namespace, settings: Any) -> None:
    """What would fail after hours of crawling fails now, in one line: the WARC folder, the output file, the database."""
    from govcrawl.crawl.guard import check_output_path, check_warc_dir
    from govcrawl.crawl.workers import parse_workers

    try:
        parse_workers(settings.get("GOVCRAWL_ANALYSIS_WORKERS"))
    except ValueError as exc:
        raise CliError(f"--{exc} (GOVCRAWL_ANALYSIS_WORKERS)") from exc
    check_warc_dir(settings.get("GOVCRAWL_WARC_DIR"))
    check_output_path(getattr(args, "stats_json", None), "--stats-json")
    _check_db(settings.get("GOVCRAWL_DB_URL"))


def cmd_demo(args: argparse.Namespace) -> int:
    from govcrawl.replica import REGISTRY_PATH
    from govcrawl.replica.server import ReplicaServer

    settings = _settings(args)
    settings.set("GOVCRAWL_PORTALS", str(REGISTRY_PATH), priority="cmdline")  # the replica's portals, not the real ones
    _preflight(args, settings)
    with ReplicaServer(port=0) as replica:
        settings.set("GOVCRAWL_PROXY", replica.proxy_url, priority="cmdline")
        settings.set("GOVCRAWL_CA_BUNDLE", replica.ca_path, priority="cmdline")  # its https, for this crawl only
        print(f"Replica of the portals serving on {replica.proxy_url} (https certificates by its CA "
              f"{replica.ca_path}); crawling every portal through it ...")
        return _crawl_and_record(args, settings, _select_portals(None, settings))


