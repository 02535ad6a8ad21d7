"""``govcrawl portals check`` and ``govcrawl portals add``: portals checked, not trusted.

``check`` probes every registry portal (or those named) as a crawl would — reachable or not (DNS, TLS, HTTP status,
anti-bot wall, geo-block), its platform, its annual-report column, the reports its list names, the newest report
year — without fetching articles, and exits 1 when any portal fails, so a scheduler can alert. ``add`` probes a home
URL and prints (or appends) a registry entry with what it found.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from govcrawl.cli.summary import format_table
from govcrawl.errors import CliError


def _probe(args: argparse.Namespace, slugs: list[str] | None, portals: list[str] | None) -> list[dict[str, Any]]:
    from govcrawl.cli.crawl import _check_proxy, _select_portals, _settings
    from govcrawl.crawl.probe import probe_result, probe_settings
    from govcrawl.crawl.registry import default_registry
    from govcrawl.crawl.runner import run_crawl

    if getattr(args, "proxy", None):
        _check_proxy(args.proxy)
    with tempfile.TemporaryDirectory(prefix="govcrawl-probe-") as work:
        ns = argparse.Namespace(**{**vars(args), "portals": portals, "db": f"sqlite:///{Path(work) / 'probe.sqlite3'}",
                                   "warc_dir": str(Path(work) / "warc"), "log_level": args.log_level or "ERROR"})
        settings = _settings(ns)
        probe_settings(settings)
        registry = default_registry(settings.get("GOVCRAWL_PORTALS") or None).all()
        chosen = _select_portals(slugs, settings, channels=False)
        health = run_crawl(chosen, settings)
    return [probe_result(h, registry[h["portal"]].platform) for h in health]


COLUMNS = ("portal", "ok", "reachable", "reason", "platform", "platform_detected", "reports", "newest_year", "column")


def _print_rows(rows: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps({"ok": all(r["ok"] for r in rows), "portals": rows}, ensure_ascii=False, indent=2))
        return
    table = [[("ok" if r["ok"] else "FAILED") if c == "ok" else ("yes" if r[c] else "no") if c == "reachable"
              else "" if r[c] is None else r[c] for c in COLUMNS] for r in rows]
    print(format_table(list(COLUMNS), table))
    for r in rows:
        if not r["ok"]:
            detail = "; ".join(r["problems"]) or "no report listed"
            print(f"FAILED portal {r['portal']}: {r['reason'] + ': ' if r['reason'] else ''}{detail}", file=sys.stderr)


def cmd_check(args: argparse.Namespace) -> int:
    rows = _probe(args, args.portal, args.portals)
    _print_rows(rows, args.format)
    return 0 if rows and all(r["ok"] for r in rows) else 1


def _slug_for(url: str) -> str:
    host = urlsplit(url).hostname or ""
    parts = [p for p in host.split(".") if p not in ("www", "gov", "cn", "com", "net", "org")]
    return re.sub(r"[^a-z0-9_]", "_", "_".join(reversed(parts[:3])) or "portal")[:40]


def cmd_add(args: argparse.Namespace) -> int:
    url = args.url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CliError(f"{url!r} is not an http(s) URL")
    slug = args.slug or _slug_for(url)
    name = args.name or parts.hostname
    entry = {"slug": slug, "name": name, "level": args.level, "region": args.region or "", "platform": "auto",
             "start_urls": [url]}
    with tempfile.TemporaryDirectory(prefix="govcrawl-add-") as work:
        registry = Path(work) / "probe.toml"
        registry.write_text(_toml(entry), encoding="utf-8")
        (row,) = _probe(args, [slug], [str(registry)])
    found = {**entry}
    if row["platform_detected"] and row["platform_detected"] != "generic" and row["column"]:
        found["platform"] = row["platform_detected"]
        found["start_urls"] = [row["column"]]
    found["source"] = url
    found["seen"] = dt.date.today().isoformat()
    text = _toml(found, comment=f"probed {found['seen']}: {row['reports']} report(s) listed, newest "
                                f"{row['newest_year'] or '-'}; platform {row['platform_detected'] or '?'}"
                                + (f"; {row['reason']}" if row["reason"] else ""))
    if args.append:
        target = Path(args.append)
        if not target.parent.is_dir():
            raise CliError(f"{target.parent}: no such folder")
        old = target.read_text(encoding="utf-8") if target.exists() else ""
        if slug in {p.get("slug") for p in tomllib.loads(old or "").get("portal", [])}:
            raise CliError(f"{target}: a portal {slug!r} is there already (choose another --slug)")
        target.write_text(old.rstrip("\n") + ("\n\n" if old.strip() else "") + text, encoding="utf-8")
        tomllib.loads(target.read_text(encoding="utf-8"))  # the file stays a valid registry
        print(f"appended {slug} to {target}", file=sys.stderr)
    print(text, end="")
    if not row["ok"]:
        print(f"warning: the probe found no report list ({row['reason'] or '; '.join(row['problems'])}): the entry "
              "says platform = \"auto\" with the home URL", file=sys.stderr)
        return 1
    return 0


def _toml(entry: dict[str, Any], comment: str = "") -> str:
    lines = [f"# {comment}"] if comment else []
    lines.append("[[portal]]")
    for key, value in entry.items():
        if isinstance(value, list):
            lines.append(f"{key} = [" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]")
        else:
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``portals check`` and ``portals add`` to the ``govcrawl`` command."""
    p = subparsers.add_parser("portals", help="check the registry's portals, or add one from its home URL")
    sub = p.add_subparsers(dest="portals_command", required=True, metavar="COMMAND")

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--proxy", help="HTTP proxy for every request, e.g. the replica: http://127.0.0.1:8080")
        q.add_argument("--ca-file", metavar="PEM",
                       help="trust only these CAs for https instead of the system's (the replica's CA: replica checks)")
        q.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="crawl log level (default ERROR)")

    q = sub.add_parser("check", help="probe each portal: reachable, platform, column, reports listed, newest year; "
                                     "exit 1 when any fails")
    q.add_argument("--portals", action="append", metavar="FILE", help="registry file (repeatable; default: the shipped one)")
    q.add_argument("--portal", action="append", metavar="SLUG", help="only this portal (repeatable)")
    q.add_argument("--format", choices=["table", "json"], default="table")
    common(q)
    q.set_defaults(func=cmd_check, parallel_portals=None)

    q = sub.add_parser("add", help="probe a home URL and print (or append) a registry entry with what it found")
    q.add_argument("url")
    q.add_argument("--name", help="the body's name (default: the host)")
    q.add_argument("--level", default="department", choices=["province", "city", "county", "department", "township",
                                                              "development_zone"])
    q.add_argument("--region", help="浙江省 / 浙江省杭州市 …")
    q.add_argument("--slug", help="the entry's slug (default: from the host)")
    q.add_argument("--append", metavar="FILE", help="append the entry to this registry file")
    common(q)
    q.set_defaults(func=cmd_add, parallel_portals=None, portal=None)
    os.environ.setdefault("GOVCRAWL_PROGRESS", "0")
