"""Running crawls: one Scrapy process for the chosen portals, and an honest verdict on each.

``scrapy crawl`` exits 0 even when every download failed, so health is judged here from each
portal's stats: no page downloaded, a listing that yields nothing, nothing found at all (unless the
registry marks the portal ``empty_ok``) all fail the portal, and a failed portal fails the run.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any

from govcrawl.errors import CliError

# Stats that show a portal's listing led somewhere, even when no report was stored this time.
_FOUND_SOMETHING = (
    "govcrawl/entries_outside_years",
    "govcrawl/reports_outside_years",
    "govcrawl/not_modified",
    "govcrawl/paging_stopped_known",
)


def run_crawl(slugs: list[str], settings: Any) -> list[dict[str, Any]]:
    """Crawl the given portals in one process; returns one health record per portal."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.spiderloader import get_spider_loader

    from govcrawl.registry import default_registry

    registry = default_registry(settings.get("GOVCRAWL_PORTALS") or None).all()
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
        empty_ok = bool(registry[slug].options.get("empty_ok")) if slug in registry else False
        health.append({**portal_health(slug, stats, empty_ok), "stats": {k: _plain(v) for k, v in stats.items()}})
    return health


def _plain(value: Any) -> Any:
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)


def portal_health(slug: str, stats: dict[str, Any], empty_ok: bool = False) -> dict[str, Any]:
    responses = stats.get("downloader/response_count", 0)
    exceptions = {
        key.rsplit("/", 1)[-1]: value
        for key, value in stats.items()
        if key.startswith("downloader/exception_type_count/")
    }
    dropped = sum(v for k, v in stats.items() if k.startswith("govcrawl/dropped/"))
    problems = []
    if responses == 0:
        detail = ", ".join(f"{name} x{count}" for name, count in exceptions.items()) or "no response"
        problems.append(f"no page could be downloaded ({detail})")
    if stats.get("govcrawl/empty_listing"):
        problems.append(f"{stats['govcrawl/empty_listing']} listing page(s) yielded no entries")
    if stats.get("govcrawl/blocked"):
        problems.append(f"blocked by the site ({stats['govcrawl/blocked']} anti-bot answers)")
    if stats.get("govcrawl/dataproxy_missing"):
        problems.append("jcms dataproxy not found")
    if stats.get("govcrawl/bad_unit_api"):
        problems.append("JPaaS unit API answers not understood")
    if stats.get("govcrawl/list_page_limit"):
        problems.append("stopped at the list-page bound (pagination trap?)")
    found = stats.get("item_scraped_count", 0) or dropped or any(stats.get(k) for k in _FOUND_SOMETHING)
    if responses and not found and not empty_ok:
        problems.append("no candidate page found")
    finish = stats.get("finish_reason")
    if finish and finish != "finished":
        problems.append(f"crawl ended early ({finish})")
    return {
        "portal": slug,
        "ok": not problems,
        "problems": problems,
        "responses": responses,
        "bytes": stats.get("downloader/response_bytes", 0),
        "list_pages": stats.get("govcrawl/list_pages", 0),
        "reports": stats.get("item_scraped_count", 0),
        "new": stats.get("govcrawl/reports_new", 0),
        "changed": stats.get("govcrawl/reports_changed", 0),
        "not_modified": stats.get("govcrawl/not_modified", 0),
        "dropped": dropped,
        "errors": stats.get("log_count/ERROR", 0),
    }


def write_stats(path: str | os.PathLike[str] | None, crawl_id: str, health: list[dict[str, Any]]) -> None:
    if path:
        data = {"crawl_id": crawl_id, "ok": all(h["ok"] for h in health), "portals": health}
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
