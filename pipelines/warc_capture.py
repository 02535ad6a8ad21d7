"""WARC capture of every exchange, beside the item path (one writer per run and process, shared by its crawlers).

Listens on ``response_downloaded`` (the body is still as the server sent it: no decompression
yet) and writes a request and a response record for every plain download: robots.txt, list
pages, dataproxy answers, articles, attachments, junk pages. Pages rendered by the browser are
archived as the network responses the browser received (``govcrawl.signals.browser_response``),
and the rendered DOM as a separate ``conversion`` record referring to its page.

A payload the database's digest index (``govcrawl.digests``) already holds for the same URL is
written as a ``revisit`` record instead of a ``response``; so is a ``304 Not Modified`` (the
server-not-modified profile, referring to the capture the request's validators came from).

Where a response (or revisit) sits is put into ``request.meta["warc"]`` for the pipelines.
"""

from __future__ import annotations

import logging
import os

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from govcrawl.archive.writer import WarcFileWriter, WarcLocation, WarcWriteError, new_crawl_id
from govcrawl.crawl import signals as govcrawl_signals

logger = logging.getLogger(__name__)

# Settings recorded in each file's warcinfo record (what a later reader needs to judge the crawl).
_INFO_SETTINGS = (
    "ROBOTSTXT_OBEY",
    "USER_AGENT",
    "DEPTH_LIMIT",
    "DOWNLOAD_DELAY",
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "AUTOTHROTTLE_ENABLED",
    "DOWNLOAD_TIMEOUT",
    "RETRY_TIMES",
    "DOWNLOAD_MAXSIZE",
    "GOVCRAWL_WARC_MAX_SIZE",
    "GOVCRAWL_WARC_DEDUP",
)


def dedup_scope(settings) -> str:
    """``GOVCRAWL_WARC_DEDUP``: ``previous`` (default: payloads archived by earlier crawls become
    revisit records), ``all`` (within the crawl too) or ``off``."""
    value = str(settings.get("GOVCRAWL_WARC_DEDUP") or os.environ.get("GOVCRAWL_WARC_DEDUP") or "previous")
    value = value.strip().lower()
    if value in ("0", "false", "no", "off", "none"):
        return "off"
    if value in ("all", "within", "within-crawl"):
        return "all"
    return "previous"


# The writers of this process: one per WARC folder and crawl, shared by every portal's crawler of a run, so a run
# of many portals appends to one file (rotated by size) instead of opening a file, with its warcinfo record, per
# portal -- a nightly that asks a portal three questions costs three exchanges, not a file. Crawlers of one process
# run in one reactor thread: their records never interleave mid-record.
_SHARED: dict[tuple[str, str], "_SharedWriter"] = {}


class _SharedWriter:
    def __init__(self, writer: WarcFileWriter, digests) -> None:
        self.writer, self.digests, self.users = writer, digests, 0


class WarcCapture:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        crawl_id = settings.get("GOVCRAWL_CRAWL_ID") or new_crawl_id()
        self.proxied = bool(settings.get("GOVCRAWL_PROXY"))
        # distributed workers write files of their own: the worker is in the name
        file_id = f"{crawl_id}-{settings.get('GOVCRAWL_WORKER')}" if settings.get("GOVCRAWL_WORKER") else crawl_id
        self.key = (str(settings.get("GOVCRAWL_WARC_DIR")), file_id)
        shared = _SHARED.get(self.key)
        if shared is None:
            shared = _SHARED[self.key] = self._open(crawler, crawl_id, file_id)
        shared.users += 1
        self.shared = shared
        self.writer, self.digests = shared.writer, shared.digests
        self.stats = crawler.stats
        self.crawler = crawler
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(self.browser_response, signal=govcrawl_signals.browser_response)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @staticmethod
    def _open(crawler: Crawler, crawl_id: str, file_id: str) -> _SharedWriter:
        settings = crawler.settings
        dedup = None
        scope = dedup_scope(settings)
        if scope != "off" and settings.get("GOVCRAWL_DB_URL"):
            from govcrawl.archive.digests import DigestIndex
            from govcrawl.store.store import crawler_store

            # the crawl's one database connection pool; the run's own table (it holds its database's lock) unless
            # the workers of a distributed crawl share it
            dedup = DigestIndex(crawler_store(crawler), exclusive=not settings.get("GOVCRAWL_DISTRIBUTED"))
        info = {
            "operator": settings.get("GOVCRAWL_OPERATOR") or None,
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": settings.get("USER_AGENT"),
            "description": f"govcrawl crawl {crawl_id}",
            "govcrawl-crawl-id": crawl_id,
            "govcrawl-proxy": settings.get("GOVCRAWL_PROXY") or "none",
            # whether the https certificates of these captures were verified, and against what
            "govcrawl-tls": "NOT verified" if not settings.getbool("GOVCRAWL_TLS_VERIFY", True)
            else f"verified against {settings.get('GOVCRAWL_CA_BUNDLE') or 'the system CA store'}",
            "govcrawl-dedup": f"identical-payload-digest, {scope}" if dedup is not None else "off",
        }
        for name in _INFO_SETTINGS:
            value = settings.get(name)
            if value is not None:
                info[f"govcrawl-setting-{name}"] = str(value)
        writer = WarcFileWriter(
            settings.get("GOVCRAWL_WARC_DIR"),
            crawl_id=file_id,
            max_size=settings.getint("GOVCRAWL_WARC_MAX_SIZE", 1_000_000_000),
            info=info,
            dedup=dedup,
            dedup_scope="all" if scope == "all" else "previous",
            dedup_crawl_id=crawl_id,
        )
        return _SharedWriter(writer, dedup)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "WarcCapture":
        return cls(crawler)

    def _count(self, location: WarcLocation) -> None:
        self.stats.inc_value(f"warc/{location.record_type}_records")
        self.stats.inc_value("warc/payload_bytes", location.payload_bytes)

    def write_failed(self, exc: OSError, url: str) -> None:
        """No record could be written: nothing may be stored for this page, and the portal's crawl stops
        (``govcrawl.crawl.runner`` fails the portal, naming the error)."""
        from govcrawl.crawl.guard import stop_on_write_failure

        stop_on_write_failure(self.crawler, exc, url)

    def response_downloaded(self, response: Response, request: Request) -> None:
        # a location in meta may be a redirect's (meta is copied to the redirected request): never this page's
        request.meta.pop("warc", None)
        try:
            self.capture(response, request)
        except (WarcWriteError, OSError) as exc:
            self.write_failed(exc, response.url)

    def capture(self, response: Response, request: Request) -> None:
        if request.meta.get("playwright"):
            # What the browser rendered is a derivative; its network responses came through browser_response.
            location = self.writer.write_conversion(
                response.url,
                response.body,
                "text/html; charset=utf-8",
                note="DOM rendered by headless Chromium (Playwright); not the server's bytes",
            )
        else:
            # Behind a proxy, Scrapy's ip_address is the proxy's: record none rather than a wrong one.
            proxied = self.proxied or bool(request.meta.get("proxy"))
            ip = None if proxied or response.ip_address is None else str(response.ip_address)
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
                # a 304 confirms the capture whose validators the request sent (ConditionalRequestMiddleware)
                confirms=request.meta.get("validators_digest"),
            )
        self._count(location)
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
        ip_address: str | None = None,
    ) -> None:
        try:
            location = self.writer.write_exchange(
                url=url,
                method=method,
                request_headers=request_headers,
                request_body=request_body,
                status=status,
                response_headers=response_headers,
                body=body,
                ip_address=None if self.proxied else ip_address,
            )
        except (WarcWriteError, OSError) as exc:
            self.write_failed(exc, url)
            return
        self._count(location)
        self.stats.inc_value("warc/browser_response_records")

    def spider_closed(self) -> None:
        """The last crawler of the run using the writer closes its file (and writes the digest index's rows)."""
        self.shared.users -= 1
        if self.shared.users > 0:
            return
        if _SHARED.get(self.key) is self.shared:
            del _SHARED[self.key]
        try:
            self.writer.close()
        except OSError as exc:  # the file stays .open, whole records only: `govcrawl repair` closes it
            self.write_failed(exc, str(self.writer.current_path))
        if self.digests is not None:
            self.digests.release()
        for path in self.writer.closed_files:
            logger.info("WARC file written: %s", path)
