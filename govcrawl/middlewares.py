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
