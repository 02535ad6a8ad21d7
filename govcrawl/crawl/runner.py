"""Running crawls: one Scrapy process for the chosen portals, and an honest verdict on each.

``scrapy crawl`` exits 0 even when every download failed, so health is judged here from each
portal's stats: no page downloaded, a listing that yields nothing, nothing found at all (unless the
registry marks the portal ``empty_ok``) all fail the portal, and a failed portal fails the run.
"""

from __future__ import annotations

import fcntl
import gc
import json
import os
import sys
from pathlib import Path
from typing import Any

from govcrawl.errors import CliError

# Stats that show a portal's listing led somewhere, even when no report was stored this time.
_FOUND_SOMETHING = (
    "govcrawl/entries_outside_years",
    "govcrawl/reports_outside_years",
    "govcrawl/not_modified",
    "govcrawl/paging_stopped_known",
    "govcrawl/probe/entries",  # a probe (govcrawl portals check) counts a listing's articles instead of fetching them
    "govcrawl/entries_known",
)


def run_crawl(slugs: list[str], settings: Any) -> list[dict[str, Any]]:
    """Crawl the given portals in one process; returns one health record per portal, every portal listed.

    At most ``GOVCRAWL_PARALLEL_PORTALS`` portals are crawled at once (a sliding window: the next starts
    when one finishes), so memory stays flat however many portals a run covers; a finished portal's
    crawler is let go once its health is judged.

    A run stopped by a signal (``SIGINT``/``SIGTERM``, once: graceful; twice: forced) starts no further
    portal; every portal is still in the result: judged from its stats and marked interrupted if it was
    running, ``not run`` if it never started; WARC files a forced stop left open are closed. The signal's
    name is in :data:`INTERRUPTED` and in each entry's problems.
    """
    from scrapy.spiderloader import get_spider_loader

    from govcrawl.crawl.interrupts import (
        InterruptibleProcess,
        close_leftover_writers,
        pending_interrupt,
    )
    from govcrawl.crawl.memory import collection_due, collector, parse_thresholds
    from govcrawl.crawl.registry import default_registry

    registry = default_registry(settings.get("GOVCRAWL_PORTALS") or None).all()
    loader = get_spider_loader(settings)
    settings.set("LOG_INSTALL_ROOT_HANDLER", True, priority="cmdline")
    process = InterruptibleProcess(settings, interrupted=pending_interrupt())
    window = settings.getint("GOVCRAWL_PARALLEL_PORTALS") or len(slugs)
    waiting = list(reversed(slugs))
    judged: dict[str, dict[str, Any]] = {}
    active: dict[str, Any] = {}

    def judge(slug: str, crawler: Any) -> dict[str, Any]:
        stats = crawler.stats.get_stats()
        empty_ok = bool(registry[slug].options.get("empty_ok")) if slug in registry else False
        depth_limit = crawler.settings.getint("DEPTH_LIMIT")
        return {**portal_health(slug, stats, empty_ok, depth_limit), "stats": {k: _plain(v) for k, v in stats.items()}}

    archive_failed: list[str] = []  # the archive could not be written: no further portal is started
    thresholds = parse_thresholds(settings.get("GOVCRAWL_GC_THRESHOLDS"))

    def finished(result: Any, slug: str, crawler: Any) -> Any:
        active.pop(slug, None)
        judged[slug] = judge(slug, crawler)
        if judged[slug]["stats"].get("govcrawl/warc_write_failed") and not archive_failed:
            archive_failed.append(str(judged[slug]["stats"].get("govcrawl/warc_write_error")))
        launch()  # before returning: CrawlerProcess.join() then sees the next crawl among the active ones
        if thresholds and collection_due(len(judged)):
            # the finished crawlers are garbage once this callback chain lets go of them: collected just after
            from twisted.internet import reactor

            reactor.callLater(0, gc.collect)
        return result

    def launch() -> None:
        while waiting and len(active) < window and not process.interrupted and not archive_failed:
            slug = waiting.pop()
            crawler = process.create_crawler(loader.load(slug))
            active[slug] = crawler
            process.crawl(crawler).addBoth(finished, slug, crawler)

    if not process.interrupted:
        # the collector's thresholds for the crawl, start-up's objects frozen (govcrawl/crawl/memory.py)
        with collector(thresholds):
            launch()
            process.start()
    INTERRUPTED[:] = [(process.signum, process.interrupted)] if process.interrupted else []
    if process.interrupted:
        close_leftover_writers(active.values())
        for slug, crawler in list(active.items()):  # stopped by force: judged from what it did
            judged[slug] = judge(slug, crawler)
    health = []
    for slug in slugs:
        entry = judged.get(slug)
        if entry is None:
            why = (f"the run was interrupted ({process.interrupted})" if process.interrupted
                   else f"the WARC archive could not be written ({archive_failed[0] if archive_failed else '?'})")
            entry = {**portal_health(slug, {}), "ok": False, "not_run": True, "stats": {},
                     "problems": [f"not run: {why} before it started"]}
        elif process.interrupted and (slug in active or entry["stats"].get("finish_reason") != "finished"):
            entry["ok"] = False
            entry["problems"] = [f"interrupted ({process.interrupted}) before its crawl finished"] + [
                p for p in entry["problems"] if not p.startswith("crawl ended early")]
        health.append(entry)
    for entry in health:  # what a healthy portal survived (retries, size cap) is news for the log too
        for warning in entry["warnings"]:
            print(f"WARNING portal {entry['portal']}: {warning}", file=sys.stderr)
    return health


#: (signal number, description) of what interrupted the last :func:`run_crawl` of this process (empty: none).
INTERRUPTED: list[tuple[int, str]] = []


def _plain(value: Any) -> Any:
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)


def portal_health(slug: str, stats: dict[str, Any], empty_ok: bool = False, depth_limit: int = 0) -> dict[str, Any]:
    responses = stats.get("downloader/response_count", 0)
    exceptions = {
        key.rsplit("/", 1)[-1]: value
        for key, value in stats.items()
        if key.startswith("downloader/exception_type_count/")
    }
    dropped = sum(v for k, v in stats.items() if k.startswith("govcrawl/dropped/"))
    attachments = stats.get("govcrawl/attachments_text", 0) + stats.get("govcrawl/attachments_no_text", 0)
    statuses = {
        int(key.rsplit("/", 1)[-1]): value
        for key, value in stats.items()
        if key.startswith("downloader/response_status_count/") and key.rsplit("/", 1)[-1].isdigit()
    }
    # Answers from the site itself: a proxy's or gateway's 5xx for every request means the host is unreachable.
    served = sum(n for code, n in statuses.items() if code < 500) if statuses else responses
    served += stats.get("govcrawl/walls", 0)  # a wall (412, 521 …) is the site answering, not a dead host
    lost = {key.split("/", 2)[-1]: value for key, value in stats.items() if key.startswith("govcrawl/lost/")}
    tls = {cause[5:]: n for cause, n in lost.items() if cause.startswith("TLS: ")}
    problems = []
    warnings = []
    if tls:  # a certificate rejected: the portal's https is not trusted, whatever else was served
        problems.append("TLS failure: " + "; ".join(f"{cause} x{n}" for cause, n in sorted(tls.items()))
                        + " (if the portal's own certificate is known to be broken: tls_verify = false in its"
                        " registry entry)")
        lost = {cause: n for cause, n in lost.items() if not cause.startswith("TLS: ")}
    if served == 0 and tls:
        pass  # nothing came through the TLS failure: it is the reason
    elif served == 0:
        detail = ", ".join(
            [f"HTTP {code} x{n}" for code, n in sorted(statuses.items())]
            + [f"{name} x{count}" for name, count in exceptions.items()]
        ) or "no response"
        problems.append(f"no page could be downloaded: host unreachable or dead ({detail})")
    elif lost:
        detail = ", ".join(f"{cause} x{n}" for cause, n in sorted(lost.items()))
        problems.append(f"{sum(lost.values())} page(s) lost after retries ({detail})")
    if stats.get("govcrawl/warc_write_failed"):
        problems.append(f"WARC records could not be written ({stats.get('govcrawl/warc_write_error', '?')}): "
                        f"{stats['govcrawl/warc_write_failed']} exchange(s) not archived and not stored; crawl stopped")
    if stats.get("govcrawl/articles_unaccounted"):
        problems.append(f"{stats['govcrawl/articles_unaccounted']} article(s) named by its listings ended as neither "
                        "a report, a drop nor a failure (see the log)")
    if stats.get("govcrawl/articles_failed"):
        warnings.append(f"{stats['govcrawl/articles_failed']} article(s) named by its listings failed (see the log)")
    if stats.get("govcrawl/refresh_not_followed"):
        warnings.append(f"{stats['govcrawl/refresh_not_followed']} meta refresh(es) not followed (off the portal, "
                        "or to a list page): judged as they are")
    if stats.get("govcrawl/redirect_loop"):
        problems.append(f"{stats['govcrawl/redirect_loop']} redirect loop(s)")
    if stats.get("govcrawl/tls_unverified"):
        warnings.append(f"TLS certificates NOT verified ({stats.get('govcrawl/tls_unverified_reason', '')}): "
                        f"{stats['govcrawl/tls_unverified']} connection(s)")
    if stats.get("govcrawl/oversize"):
        warnings.append(f"{stats['govcrawl/oversize']} response(s) over the download size cap skipped")
    retried = {key.split("/", 2)[-1]: value for key, value in stats.items() if key.startswith("retry/reason_count/")}
    if retried:
        warnings.append("retried: " + ", ".join(f"{reason} x{n}" for reason, n in sorted(retried.items())))
    if stats.get("govcrawl/walls_passed"):
        warnings.append(f"{stats['govcrawl/walls_passed']} anti-bot wall(s) passed through the browser (walls archived)")
    due, checked = stats.get("govcrawl/revisit_due", 0), stats.get("govcrawl/revisit_checked", 0)
    if checked < due:
        warnings.append(f"{due - checked} of {due} pages due for a revisit were not checked (lost, refused or gone)")
    if stats.get("govcrawl/empty_listing"):
        problems.append(f"{stats['govcrawl/empty_listing']} listing page(s) yielded no entries")
    spider_errors = sum(v for k, v in stats.items() if k.startswith("spider_exceptions/") and isinstance(v, int))
    if spider_errors:
        kinds = ", ".join(sorted(k.split("/", 1)[1] for k in stats if k.startswith("spider_exceptions/")))
        problems.append(f"{spider_errors} spider error(s) ({kinds}; see the log): pages they were reading are lost")
    if stats.get("govcrawl/store_failed"):
        problems.append(f"{stats['govcrawl/store_failed']} row(s) could not be written to the database (see the "
                        "log; the pages are in the WARC archive)")
    if stats.get("govcrawl/list_not_rendered"):
        problems.append(f"{stats['govcrawl/list_not_rendered']} list(s) built by JavaScript did not load in the "
                        "browser (see the log)")
    if stats.get("govcrawl/blocked"):
        reasons = ", ".join(f"{key.split('/', 2)[-1]} x{n}" for key, n in sorted(stats.items())
                            if key.startswith("govcrawl/blocked_by/"))
        problems.append(f"blocked by the site ({stats['govcrawl/blocked']} anti-bot answers{': ' + reasons if reasons else ''})")
    if stats.get("govcrawl/dataproxy_missing"):
        problems.append("jcms dataproxy not found")
    if stats.get("govcrawl/bad_unit_api"):
        problems.append("JPaaS unit API answers not understood")
    if stats.get("govcrawl/list_page_limit"):
        problems.append("stopped at the list-page bound (pagination trap?)")
    if depth_limit and stats.get("request_depth_max", 0) >= depth_limit:
        # Scrapy drops deeper requests without a word: list pages (each one level down) and their entries
        problems.append(f"reached the depth limit (DEPTH_LIMIT={depth_limit}): deeper pages were not followed")
    found = stats.get("item_scraped_count", 0) or dropped or any(stats.get(k) for k in _FOUND_SOMETHING)
    if served and not found and not empty_ok and not stats.get("govcrawl/blocked"):
        # (a portal that walled us off has not shown it has no reports: "blocked" says what happened)
        problems.append("no candidate page found")
    finish = stats.get("finish_reason")
    if finish and finish not in ("finished", "warc_write_failed"):
        problems.append(f"crawl ended early ({finish})")
    return {
        "portal": slug,
        "ok": not problems,
        "problems": problems,
        "warnings": warnings,
        "responses": responses,
        "bytes": stats.get("downloader/response_bytes", 0),
        "list_pages": stats.get("govcrawl/list_pages", 0),
        # items scraped are reports and attachments: counted apart
        "reports": stats.get("item_scraped_count", 0) - attachments,
        "attachments": attachments,
        "new": stats.get("govcrawl/reports_new", 0),
        "changed": stats.get("govcrawl/reports_changed", 0),
        "not_modified": stats.get("govcrawl/not_modified", 0),
        # served in full with the bytes of the latest capture: confirmed, not analysed again
        "unchanged": stats.get("govcrawl/reports_unchanged", 0),
        "analysis_skipped": stats.get("govcrawl/analysis_skipped_unchanged", 0),
        # the nightly's revisits: known pages, those due tonight, and those asked and answered
        "revisit_known": stats.get("govcrawl/revisit_known", 0),
        "revisit_due": stats.get("govcrawl/revisit_due", 0),
        "revisit_checked": stats.get("govcrawl/revisit_checked", 0),
        "dropped": dropped,
        **({"tls_verify": False} if stats.get("govcrawl/tls_unverified") else {}),
        # platform = "auto": what was recognised, and where the annual-report column was found
        **({"platform_detected": stats["govcrawl/platform_detected"], "detection": stats.get("govcrawl/detection"),
            "column": stats.get("govcrawl/detection_column")} if stats.get("govcrawl/platform_detected") else
           {"detection": stats["govcrawl/detection"]} if stats.get("govcrawl/detection") else {}),
        # log_count/ERROR counts every crawler's log lines in the process: count this portal's own failures
        "errors": stats.get("retry/max_reached", 0)
        + spider_errors
        + stats.get("govcrawl/empty_listing", 0)
        + stats.get("govcrawl/list_not_rendered", 0)
        + stats.get("govcrawl/blocked", 0)
        + stats.get("govcrawl/dataproxy_failed", 0),
    }


def process_stats() -> dict[str, float]:
    """This process's own CPU seconds (user + system) and peak RSS (MB), its children not counted."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def write_stats(path: str | os.PathLike[str] | None, crawl_id: str, health: list[dict[str, Any]]) -> None:
    if path:
        from govcrawl.crawl.workers import pools_stats

        data = {"crawl_id": crawl_id, "ok": bool(health) and all(h["ok"] for h in health) and not INTERRUPTED,
                "interrupted": INTERRUPTED[0][1] if INTERRUPTED else None,
                # the crawl process's own CPU and peak RSS, and its analysis workers' apart
                "crawl_process": process_stats(), "analysis_workers": pools_stats(), "portals": health}
        Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


class RunLock:
    """An exclusive lock on the archive folder, so two runs never write it at once."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.path = Path(folder) / ".govcrawl.lock"
        self._fh: Any = None

    def __enter__(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "a+")
        try:
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._fh.seek(0)
            holder = self._fh.read().strip() or "?"
            self._fh.close()
            raise CliError(f"another govcrawl run (pid {holder}) is writing {self.path.parent}; not starting") from None
        self._fh.seek(0)
        self._fh.truncate()
        self._fh.write(str(os.getpid()))
        self._fh.flush()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._fh.seek(0)
        self._fh.truncate()
        fcntl.flock(self._fh, fcntl.LOCK_UN)
        self._fh.close()
