"""Downloader middlewares."""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler


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
    """Incremental crawls: ask for already-archived reports with ``If-None-Match`` / ``If-Modified-Since``.

    Only article requests (``meta["article"]``) of a crawl with ``GOVCRAWL_INCREMENTAL`` on; a 304 answer
    means the report is unchanged (the spider records it as seen again). List pages are always fetched.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("GOVCRAWL_INCREMENTAL")
        self._validators: dict[str, tuple[str | None, str | None]] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ConditionalRequestMiddleware":
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if not self.enabled or not request.meta.get("article"):
            return
        if self._validators is None:
            from govcrawl.storage import crawler_store

            portal = getattr(self.crawler.spider, "portal", None)
            self._validators = crawler_store(self.crawler).validators(portal.slug) if portal else {}
        etag, modified = self._validators.get(request.url, (None, None))
        if etag:
            request.headers.setdefault("If-None-Match", etag)
        if modified:
            request.headers.setdefault("If-Modified-Since", modified)
