"""Every article a listing named ends somewhere: a report, a drop, an unchanged page, or a counted, logged failure.

:class:`RefreshMiddleware` follows a page that answers with a meta refresh (or, for a small stub page, a
JavaScript redirect) within the portal's hosts, as an HTTP redirect is followed: recorded in
``redirect_urls``, never dropped by the dupefilter, loops refused. One that leads off the portal, or from an
article to one of the portal's list pages, is not followed: the page is judged as it is (and dropped, saying
where it pointed). Scrapy's own MetaRefreshMiddleware is off (``METAREFRESH_ENABLED``).

:class:`ArticleLedger` keeps, per portal, the article URLs its listings named and what became of each
(scheduled requests, 304s, items stored or dropped, downloads that failed for good). At the end, a named
article with no outcome vanished silently: that is logged by URL, counted
(``govcrawl/articles_unaccounted``) and fails the portal. (Not in a distributed crawl: there the workers share
one frontier, and an article one worker named may be fetched by another.)
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response

logger = logging.getLogger(__name__)

JS_REDIRECT_RE = re.compile(
    r"""(?:(?:window|document|self|top)\.)?location(?:\.href)?\s*=\s*["']([^"'\s]+)["']"""
    r"""|location\.(?:replace|assign)\(\s*["']([^"'\s]+)["']\s*\)""")
STUB_BYTES = 8192  # a JavaScript redirect is followed only from a page this small (a stub, not an article)


def refresh_target(response: Response, max_delay: float = 100) -> tuple[str, str] | None:
    """(URL, how) a 200 HTML page sends the browser on to by meta refresh or a stub's script, or None."""
    if not isinstance(response, HtmlResponse) or response.status != 200:
        return None
    from scrapy.utils.response import get_meta_refresh

    try:
        delay, url = get_meta_refresh(response)
    except Exception:  # undecodable head: no refresh to read
        delay, url = None, None
    if url and delay is not None and delay <= max_delay:
        return url, "meta refresh"
    if len(response.body) <= STUB_BYTES:
        from govcrawl.crawl.middlewares import looks_blocked

        if looks_blocked(response.status, response.body):  # a cookie challenge is a wall (AntiBotMiddleware)
            return None
        m = JS_REDIRECT_RE.search(response.text)
        if m:
            return urljoin(response.url, m.group(1) or m.group(2)), "JavaScript redirect"
    return None


def _on_hosts(url: str, hosts: list[str]) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return parts.scheme in ("http", "https") and any(host == h or host.endswith("." + h) for h in hosts if h)


class RefreshMiddleware:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.max_times = crawler.settings.getint("REDIRECT_MAX_TIMES", 20)
        self.max_delay = crawler.settings.getfloat("METAREFRESH_MAXDELAY", 100)
        self.listings: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> "RefreshMiddleware":
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if not request.meta.get("article"):
            self.listings.add(request.url)

    def process_response(self, request: Request, response: Response) -> Response | Request:
        if request.meta.get("dont_redirect") or request.meta.get("playwright"):
            return response
        found = refresh_target(response, self.max_delay)
        if found is None:
            return response
        url, how = found
        stats = self.crawler.stats
        chain = list(request.meta.get("redirect_urls", [])) + [request.url]
        if url in chain or len(chain) > self.max_times:
            stats.inc_value("govcrawl/redirect_loop")
            logger.error("Redirect loop at %s (%s): %s", chain[0], how, " -> ".join(chain[-4:] + [url]))
            raise IgnoreRequest(f"redirect loop at {chain[0]}")
        hosts = list(getattr(self.crawler.spider, "allowed_domains", None) or [])
        why = None
        if not _on_hosts(url, hosts):
            why = "another host than the portal's"
        elif request.meta.get("article") and url in self.listings:
            why = "one of the portal's list pages"
        if why is not None:
            stats.inc_value("govcrawl/refresh_not_followed")
            request.meta["refresh_not_followed"] = f"{how} to {url} ({why}): not followed"
            logger.warning("%s answers with a %s to %s (%s): not followed; judged as it is", request.url, how, url, why)
            return response
        stats.inc_value("govcrawl/refresh_followed")
        logger.info("%s answers with a %s to %s: followed", request.url, how, url)
        meta = {**request.meta, "redirect_urls": chain, "redirect_times": len(chain),
                "redirect_reasons": list(request.meta.get("redirect_reasons", [])) + [how]}
        return request.replace(url=url, dont_filter=True, meta=meta)


def route_fields(response: Response) -> dict[str, Any]:
    """What a PageItem records of how its page was reached: the URL the listing named, the redirects on the
    way (HTTP, meta refresh, JavaScript), and a refresh that was not followed."""
    meta = getattr(response, "meta", None) or {}
    reasons = list(meta.get("redirect_reasons") or [])
    chain = list(meta.get("redirect_urls") or [])
    return {
        "article_url": meta.get("article_url") or (chain[0] if chain else None),
        "redirected_from": [f"{url} ({reasons[n] if n < len(reasons) and isinstance(reasons[n], str) else 'redirect'})"
                            for n, url in enumerate(chain)],
        "refresh_note": meta.get("refresh_not_followed"),
    }


class ArticleLedger:
    """Downloader middleware (placed between RetryMiddleware and LostPageMiddleware: it sees failures once no
    retry is left) and signal listener: named articles and their outcomes."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.named: set[str] = set()
        self.outcome: dict[str, str] = {}
        for handler, signal in ((self.scheduled, signals.request_scheduled), (self.dropped, signals.request_dropped),
                                (self.received, signals.response_received), (self.item_done, signals.item_scraped),
                                (self.item_done, signals.item_dropped), (self.item_failed, signals.item_error),
                                (self.closed, signals.spider_closed)):
            crawler.signals.connect(handler, signal=signal)

    @classmethod
    def from_crawler(cls, crawler: Any) -> "ArticleLedger":
        return cls(crawler)

    def scheduled(self, request: Request, spider: Any = None) -> None:
        if request.meta.get("article"):
            self.named.add(request.meta.setdefault("article_url", request.url))

    def dropped(self, request: Request, spider: Any = None) -> None:
        """Refused by the scheduler (the dupefilter): a redirect to a page that is fetched anyway is that page."""
        name = request.meta.get("article_url")
        if request.meta.get("article") and name and name != request.url and request.url in self.named:
            self.outcome.setdefault(name, f"same page as {request.url}")

    def received(self, response: Response, request: Request, spider: Any = None) -> None:
        if not request.meta.get("article"):
            return
        name = request.meta.get("article_url", request.url)
        if response.status == 304:
            self.outcome[name] = "unchanged"
        elif response.status >= 400 and response.status not in request.meta.get("handle_httpstatus_list", ()):
            self.fail(name, f"HTTP {response.status}")

    def process_exception(self, request: Request, exception: BaseException) -> None:
        if request.meta.get("article"):
            from govcrawl.crawl.middlewares import failure_reason

            cause = str(exception) if isinstance(exception, IgnoreRequest) and str(exception) else failure_reason(exception)
            self.fail(request.meta.get("article_url", request.url), cause[:120])
        return None

    def fail(self, name: str, cause: str) -> None:
        if name not in self.outcome:
            self.outcome[name] = f"failed: {cause}"
            self.crawler.stats.inc_value("govcrawl/articles_failed")
            logger.warning("Article %s named by a listing ends as a failure: %s", name, cause)

    def item_done(self, item: Any, response: Any = None, spider: Any = None, exception: Any = None) -> None:
        name = getattr(item, "article_url", None) or getattr(item, "url", None)
        if name and not getattr(item, "report_url", None):  # attachments are not articles
            self.outcome.setdefault(name, "judged")

    def item_failed(self, item: Any, response: Any = None, spider: Any = None, failure: Any = None) -> None:
        name = getattr(item, "article_url", None) or getattr(item, "url", None)
        if name:
            self.fail(name, f"not stored ({getattr(failure, 'value', failure)!r:.100})")

    def closed(self, spider: Any = None, reason: str = "") -> None:
        if self.crawler.settings.get("GOVCRAWL_DISTRIBUTED"):
            return  # workers share one frontier: what one worker named, another may fetch (not judged here)
        missing = sorted(self.named - set(self.outcome))
        if not missing or reason not in ("finished",):
            return  # an interrupted or stopped crawl fails on its own account
        self.crawler.stats.set_value("govcrawl/articles_unaccounted", len(missing))
        for url in missing[:20]:
            logger.error("Article %s named by a listing ended as neither a report, a drop nor a failure", url)
        if len(missing) > 20:
            logger.error("... and %d more articles unaccounted for", len(missing) - 20)
