"""Portals checked, not trusted: ``govcrawl portals check`` and ``portals add`` probe a portal as a crawl would —
reachable or not, its platform, its annual-report column, the reports its list names, the newest report year —
without fetching a single article.

A probe is the portal's own spider with :class:`ProbeMiddleware` in front of its output: every article request a
listing yields is counted (and its title judged) instead of sent, and a few list pages are read at most. What a probe
saw is in the crawl's stats (``govcrawl/probe/…``); :func:`probe_result` turns a portal's health record into a row.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy import Request

from govcrawl.analysis.classify import title_verdict
from govcrawl.analysis.dates import year_from_title
from govcrawl.analysis.text import to_simplified

#: list pages a probe reads at most (a column of sub-columns needs a second level)
PROBE_LIST_PAGES = 4


class ProbeMiddleware:
    """Spider middleware of a probe: article requests are counted, never sent; paging stops after a few pages."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> "ProbeMiddleware":
        return cls(crawler)

    async def process_spider_output_async(self, response: Any, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item in result:
            if self._keep(item):
                yield item

    def process_spider_output(self, response: Any, result: Iterable[Any]) -> Iterable[Any]:
        for item in result:
            if self._keep(item):
                yield item

    def _keep(self, item: Any) -> bool:
        stats = self.crawler.stats
        if isinstance(item, Request) and item.meta.get("article"):
            title = (item.cb_kwargs or {}).get("listing_title") or ""
            stats.inc_value("govcrawl/probe/entries")
            simp = to_simplified(title)
            if title_verdict(simp)[0] == "report":
                stats.inc_value("govcrawl/probe/reports")
                year = year_from_title(simp)
                if year:
                    stats.max_value("govcrawl/probe/newest_year", year)
            if stats.get_value("govcrawl/probe/first_entry") is None:
                stats.set_value("govcrawl/probe/first_entry", item.url)
            return False
        if isinstance(item, Request) and (stats.get_value("govcrawl/list_pages") or 0) >= PROBE_LIST_PAGES:
            return False  # enough list pages seen: the probe does not page through the archive
        return True


def probe_settings(settings: Any) -> None:
    """Settings of a probe run: the middleware, no robots-delay niceties dropped (the portal's manners still hold)."""
    middlewares = dict(settings.getdict("SPIDER_MIDDLEWARES"))
    middlewares["govcrawl.crawl.probe.ProbeMiddleware"] = 10  # nearest the spider: sees its output first
    settings.set("SPIDER_MIDDLEWARES", middlewares, priority="cmdline")
    settings.set("GOVCRAWL_PROBE", True, priority="cmdline")


_UNREACHABLE = re.compile(r"no page could be downloaded: host unreachable or dead \((.*)\)")
_TLS = "TLS failure: "  # a certificate not trusted (govcrawl.crawl.runner.portal_health): what was wrong follows


def probe_result(health: dict[str, Any], platform: str) -> dict[str, Any]:
    """One portal's row: what was reached, detected and listed, and why it fails when it does."""
    stats = health.get("stats", {})
    problems = list(health.get("problems", []))
    reachable = not any(_UNREACHABLE.search(p) or p.startswith(_TLS) for p in problems)
    reason = _reason(health, stats)
    reports = stats.get("govcrawl/probe/reports", 0)
    if reachable and not stats.get("govcrawl/probe/entries") and not problems:
        problems.append("no report listed")
    ok = not problems and reports > 0
    return {
        "portal": health["portal"],
        "ok": ok,
        "reachable": reachable,
        "reason": "" if ok else reason,
        "platform": platform,
        "platform_detected": stats.get("govcrawl/platform_detected") or stats.get("govcrawl/platform_seen") or "",
        "column": stats.get("govcrawl/detection_column") or stats.get("govcrawl/first_list_page") or "",
        "list_pages": stats.get("govcrawl/list_pages", 0),
        "entries": stats.get("govcrawl/probe/entries", 0),
        "reports": reports,
        "newest_year": stats.get("govcrawl/probe/newest_year"),
        "problems": problems,
    }


def _reason(health: dict[str, Any], stats: dict[str, Any]) -> str:
    """DNS, TLS, HTTP status, anti-bot wall, geo-block: the first that explains a failure."""
    exceptions = " ".join(k for k in stats if k.startswith("downloader/exception_type_count/")).lower()
    statuses = {int(k.rsplit("/", 1)[1]): v for k, v in stats.items()
                if k.startswith("downloader/response_status_count/") and k.rsplit("/", 1)[1].isdigit()}
    text = " ".join(health.get("problems", []))
    if "dns" in exceptions or "cannotresolve" in exceptions or "lookup" in exceptions:
        return "DNS: the host name does not resolve"
    tls = next((p for p in health.get("problems", []) if p.startswith(_TLS)), None)
    if tls:
        return "TLS: " + tls[len(_TLS):].split(" (if the portal's own certificate")[0]
    if "ssl" in exceptions or "tls" in exceptions or "certificate" in text.lower():
        return "TLS: the certificate or handshake failed"
    if stats.get("govcrawl/blocked"):
        return "anti-bot wall" + (" (geo-blocked)" if "GeoBL" in text or statuses.get(403) else "")
    if 502 in statuses and len(statuses) == 1:
        return "HTTP 502 from the proxy: the host is gone"
    bad = {code: n for code, n in statuses.items() if code >= 400 and code != 404 and n > 0}
    statuses[404] = statuses.get(404, 0) - stats.get("robotstxt/response_status_count/404", 0)  # no robots.txt is fine
    if statuses.get(404, 0) > 0:
        return "HTTP 404: the column (or the page the registry names) is not there: moved?"
    if bad:
        return "HTTP " + ", ".join(f"{c} x{n}" for c, n in sorted(bad.items()))
    if "refused" in exceptions or "timeout" in exceptions:
        return "connection refused or timed out"
    return ""
