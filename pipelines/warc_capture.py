"""WARC capture of every exchange, beside the item path.

Listens on ``response_downloaded`` (the body is still as the server sent it: no decompression
yet) and writes a request and a response record for every plain download: robots.txt, list
pages, dataproxy answers, articles, attachments, junk pages. Pages rendered by the browser are
archived as the network responses the browser received (``govcrawl.signals.browser_response``),
and the rendered DOM as a separate ``conversion`` record referring to its page.

Where a response sits is put into ``request.meta["warc"]`` for the pipelines.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from govcrawl import signals as govcrawl_signals
from govcrawl.warc import WarcFileWriter

logger = logging.getLogger(__name__)


def new_crawl_id() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


class WarcCapture:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        crawl_id = settings.get("GOVCRAWL_CRAWL_ID") or new_crawl_id()
        self.proxied = bool(settings.get("GOVCRAWL_PROXY"))
        spider_name = getattr(crawler.spidercls, "name", "spider")
        self.writer = WarcFileWriter(
            settings.get("GOVCRAWL_WARC_DIR"),
            crawl_id=f"{crawl_id}-{spider_name}",
            max_size=settings.getint("GOVCRAWL_WARC_MAX_SIZE"),
            info={
                "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                "http-header-user-agent": settings.get("USER_AGENT"),
                "govcrawl-spider": spider_name,
                "govcrawl-proxy": settings.get("GOVCRAWL_PROXY") or "none",
            },
        )
        self.stats = crawler.stats
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(self.browser_response, signal=govcrawl_signals.browser_response)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "WarcCapture":
        return cls(crawler)

    def response_downloaded(self, response: Response, request: Request) -> None:
        if request.meta.get("playwright"):
            # What the browser rendered is a derivative; its network responses came through browser_response.
            location = self.writer.write_conversion(
                response.url,
                response.body,
                "text/html; charset=utf-8",
                note="DOM rendered by headless Chromium (Playwright); not the server's bytes",
            )
            self.stats.inc_value("warc/conversion_records")
        else:
            ip = None if self.proxied or response.ip_address is None else str(response.ip_address)
            location = self.writer.write_exchange(
                url=response.url,
                method=request.method,
                request_headers=request.headers,
                request_body=request.body,
                status=response.status,
                response_headers=response.headers,
                body=response.body,
                ip_address=ip,
                protocol=response.protocol or "HTTP/1.1",
            )
            self.stats.inc_value("warc/response_records")
        self.stats.inc_value("warc/payload_bytes", len(response.body))
        request.meta["warc"] = location

    def browser_response(
        self,
        url: str,
        method: str,
        request_headers: dict,
        request_body: bytes,
        status: int,
        response_headers: dict,
        body: bytes,
    ) -> None:
        self.writer.write_exchange(
            url=url,
            method=method,
            request_headers=request_headers,
            request_body=request_body,
            status=status,
            response_headers=response_headers,
            body=body,
        )
        self.stats.inc_value("warc/browser_response_records")
        self.stats.inc_value("warc/payload_bytes", len(body))

    def spider_closed(self) -> None:
        self.writer.close()
        for path in self.writer.closed_files:
            logger.info("WARC file written: %s", path)
