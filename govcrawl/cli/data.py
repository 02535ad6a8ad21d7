"""Commands over the database: ``runs``, ``missing``, ``drops``, ``accept``, ``inspect`` (``export``: ``export``)."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path
from typing import Any

from govcrawl.cli.crawl import check_years
from govcrawl.cli.summary import format_table
from govcrawl.errors import CliError


def cmd_runs(args: argparse.Namespace) -> int:
    store = _open_existing(args.db)
    runs = store.runs(args.limit)
    store.close()
    rows = []
    for run in runs:
        portals = run.portals or []
        total = lambda key: sum(p.get(key) or 0 for p in portals)  # noqa: E731
        failed = [p["portal"] for p in portals if p.get("ok") is False]
        status = "running/killed" if run.ended is None else (
            "ok" if run.exit_status == 0 else "INTERRUPTED" if (run.exit_status or 0) > 128 else "FAILED")
        rows.append([
            run.id, run.command, run.started.strftime("%Y-%m-%d %H:%M:%S"),
            run.ended.strftime("%H:%M:%S") if run.ended else "", status, len(portals),
            total("responses"), total("bytes"), total("new"), total("changed"), total("dropped"), total("errors"),
            f"{total('revisit_due')}/{total('revisit_checked')}" if run.command == "nightly" else "",
            ", ".join(failed),
        ])
    print(format_table(["run", "command", "started (UTC)", "ended", "status", "portals", "pages", "bytes", "new",
                  "changed", "drops", "errors", "due/checked", "failed portals"], rows))
    return 0


def cmd_missing(args: argparse.Namespace) -> int:
    """Registry portals (or, ``--by unit``, reporting units) with no report for a year, against the statutory
    deadlines (条例 arts. 49-50)."""
    import datetime as dt

    from govcrawl.analysis.dates import report_deadline
    from govcrawl.crawl.registry import default_registry

    check_years(args.year, None)
    registry = default_registry(os.pathsep.join(args.portals) if args.portals else None)
    store = _open_existing(args.db)
    reports = store.report_years()
    store.close()
    today = dt.date.today()
    rows = []
    if args.by == "unit":
        # a reporting unit is expected every year from the first year a report of it is archived
        units: dict[str, dict] = {}
        for portal, year, body in reports:
            if body and year:
                u = units.setdefault(body, {"years": set(), "portals": set()})
                u["years"].add(year)
                u["portals"].add(portal or "")
        expected = {name: u for name, u in units.items() if min(u["years"]) <= args.year}
        for name, u in sorted(expected.items()):
            if args.year in u["years"]:
                continue
            levels = {registry.portals[p].level for p in u["portals"] if p in registry.portals}
            due, _ = report_deadline(name, levels.pop() if len(levels) == 1 else None, args.year)
            rows.append([name, " ".join(sorted(u["portals"])), min(u["years"]), max(u["years"]), due.isoformat(),
                         "overdue" if today > due else "not yet due"])
        headers = ["unit", "portals", "first year", "last year", "deadline", "status"]
        title = f"Reporting units with no report for {args.year}: {len(rows)} of {len(expected)}"
        title += " (a unit is expected every year from the first year a report of it is archived)"
    else:
        have = {(portal, year) for portal, year, _ in reports}
        for portal in registry.portals.values():
            if (portal.slug, args.year) in have:
                continue
            due, _ = report_deadline(None, portal.level, args.year)
            rows.append([portal.slug, portal.name, portal.level, portal.region, due.isoformat(),
                         "overdue" if today > due else "not yet due"])
        headers = ["portal", "name", "level", "region", "deadline", "status"]
        title = f"Portals with no report for {args.year}: {len(rows)} of {len(registry.portals)}"
    if args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(headers)
        writer.writerows(rows)
    else:
        print(title)
        print(format_table(headers, rows))
    return 0


def cmd_drops(args: argparse.Namespace) -> int:
    store = _open_existing(args.db)
    drops = [d for d in store.drops() if (not args.kind or d.kind == args.kind) and (not args.portal or d.portal == args.portal)]
    store.close()
    rows = [[d.kind, d.portal or "", f"{d.score:.1f}" if d.score is not None else "", d.url, "; ".join(d.reasons or [])]
            for d in drops]
    print(format_table(["kind", "portal", "score", "url", "reasons"], rows))
    return 0


def cmd_accept(args: argparse.Namespace) -> int:
    """Undo a wrong drop: the page, read back from the WARC archive, becomes a report."""
    from sqlalchemy import select

    from govcrawl.analysis.page import analyze_page
    from govcrawl.analysis.statistics import long_rows
    from govcrawl.archive.capture import read_capture
    from govcrawl.archive.files import ArchiveError
    from govcrawl.store.models import Drop

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
            "index_no": a.index_no, "publisher": a.publisher, "reporting_body": a.reporting_body,
            "written_date": a.written_date,
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
    """An existing govcrawl database (brought to the latest schema); never creates one."""
    from govcrawl.store.store import StorageError, Store, check_existing

    try:
        check_existing(db_url)
        return Store(db_url)
    except StorageError as exc:
        raise CliError(str(exc)) from exc


# --- export, inspect, replica ----------------------------------------------------------------


def cmd_inspect(args: argparse.Namespace) -> int:
    from govcrawl.analysis.page import analyze_page

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"{args.file}: no such file")
    analysis = analyze_page(path.read_bytes(), url=args.url)
    print(json.dumps(analysis.to_dict(), ensure_ascii=False, indent=2))
    return 0


