"""Downloader middlewares."""

from __future__ import annotations

import logging

from scrapy import Request, signals
from scrapy.http import Response
from scrapy.crawler import Crawler

from govcrawl.storage import crawler_store


class ProxyMiddleware:
    """Send every plain request through ``GOVCRAWL_PROXY`` (the replica, in demo and tests).

    Browser requests take the same proxy through Playwright's launch options instead.
    """

    def __init__(self, proxy: str) -> None:
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ProxyMiddleware":
        return cls(crawler.settings.get("GOVCRAWL_PROXY", ""))

    def process_request(self, request: Request) -> None:
        if self.proxy and "proxy" not in request.meta and not request.meta.get("playwright"):
            request.meta["proxy"] = self.proxy


class ConditionalRequestMiddleware:
    """Incremental crawls: ask for every page archived before with ``If-None-Match`` / ``If-Modified-Since``.

    With ``GOVCRAWL_INCREMENTAL`` on, GET requests for pages whose validators were recorded go out
    conditionally; a 304 answer means unchanged (lists: the spider re-checks the pages they listed;
    articles: seen again). Every crawl records the validators of the pages it fetched (in memory,
    written to SQL when the spider closes), so the next incremental crawl can ask.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("GOVCRAWL_INCREMENTAL")
        self._validators: dict[str, tuple[str | None, str | None]] | None = None
        self._seen: dict[str, tuple[str | None, str | None]] = {}
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ConditionalRequestMiddleware":
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if not self.enabled or request.method != "GET" or request.meta.get("playwright"):
            return
        if self._validators is None:
            self._validators = crawler_store(self.crawler).validators()
        etag, modified = self._validators.get(request.url, (None, None))
        if etag:
            request.headers.setdefault("If-None-Match", etag)
        if modified:
            request.headers.setdefault("If-Modified-Since", modified)

    def process_response(self, request: Request, response: Response) -> Response:
        if request.method == "GET" and response.status == 200:
            etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
            if etag or modified:
                self._seen[response.url] = (
                    etag.decode("latin-1") if etag else None,
                    modified.decode("latin-1") if modified else None,
                )
        return response

    def spider_closed(self) -> None:
        if self._seen:
            crawler_store(self.crawler).save_validators(self._seen)


_CHALLENGE_MARKERS = (b"$_ts", b"_$ts", b"document.cookie", b"location.reload", b"challenge")


def looks_blocked(status: int, body: bytes) -> str | None:
    """Why a response is an anti-bot wall rather than the page, or None.

    The 瑞数 kind answers 412 with a ``$_ts`` script; JS cookie challenges answer 200 with a script that
    sets a cookie and reloads, and almost no text. Success is judged by real body text, not by the
    absence of one marker.
    """
    head = body[:20000]
    if status == 412 or (status in (202, 403, 503) and any(m in head for m in _CHALLENGE_MARKERS)):
        return f"HTTP {status} anti-bot challenge" + (" ($_ts)" if b"$_ts" in head else "")
    if status == 200 and len(body) < 20000 and b"document.cookie" in head and (
        b"location.reload" in head or b"location.href" in head or b"location.replace" in head
    ):
        import re

        text = re.sub(rb"<script.*?</script>|<style.*?</style>|<[^>]+>|\s+", b"", body, flags=re.S | re.I)
        if len(text) < 200:
            return "JavaScript cookie challenge (script sets a cookie and reloads; no page text)"
    return None


class AntiBotMiddleware:
    """Recognises anti-bot walls: counted as blocked (``govcrawl/blocked``), logged, never passed on as a page.

    The wall itself is archived like every response (the WARC capture runs before this).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "AntiBotMiddleware":
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        reason = looks_blocked(response.status, response.body)
        if reason is None:
            return response
        from scrapy.exceptions import IgnoreRequest

        self.crawler.stats.inc_value("govcrawl/blocked")
        logging.getLogger(__name__).error("Blocked at %s: %s", response.url, reason)
        raise IgnoreRequest(f"blocked: {reason}")
