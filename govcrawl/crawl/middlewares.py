"""Downloader middlewares."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from govcrawl.store.store import crawler_store


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
    """Incremental crawls: ask for pages archived before with ``If-None-Match`` / ``If-Modified-Since``.

    With ``GOVCRAWL_INCREMENTAL`` on, GET requests for pages whose validators were recorded go out
    conditionally; a 304 answer means unchanged (a list or navigation page is then read back from its
    last capture in the WARC archive, so paging and discovery go on as before; an article is seen again).
    The request carries the payload digest of the capture those validators came from
    (``meta["validators_digest"]``): the WARC capture's not-modified revisit record refers to it.
    Every crawl records the validators of the pages it fetched, with their payload digest (in memory,
    written to SQL when the spider closes), so the next incremental crawl can ask.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("GOVCRAWL_INCREMENTAL")
        # per "scheme://host/": url -> (ETag, Last-Modified, payload digest)
        self._validators: dict[str, dict[str, tuple[str | None, str | None, str | None]]] = {}
        self._seen: dict[str, tuple[str | None, str | None, str | None]] = {}
        self._complete: bool | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ConditionalRequestMiddleware":
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if not self.enabled or request.method != "GET" or request.meta.get("playwright"):
            return
        if request.url.endswith("/robots.txt"):
            return  # a 304 would reach the robots.txt parser as an empty file: everything allowed
        if not request.meta.get("article") and not self._portal_complete():
            # After a failed or interrupted crawl a 304 list would only re-check the pages judged before:
            # what that crawl missed would stay missed. Lists are read again, in full.
            return
        parts = urlsplit(request.url)
        prefix = f"{parts.scheme}://{parts.netloc}/"
        if prefix not in self._validators:  # one host's at a time: a crawl of many portals never holds them all
            self._validators[prefix] = crawler_store(self.crawler).validators(prefix)
        etag, modified, digest = self._validators[prefix].get(request.url, (None, None, None))
        if etag:
            request.headers.setdefault("If-None-Match", etag)
        if modified:
            request.headers.setdefault("If-Modified-Since", modified)
        if (etag or modified) and digest:
            request.meta.setdefault("validators_digest", digest)

    def _portal_complete(self) -> bool:
        """Did this spider's portal complete its last crawl before this one, healthy? (Not a portal: yes.)"""
        if self._complete is None:
            portal = getattr(self.crawler.spider, "portal", None)
            slug = getattr(portal, "slug", None)
            self._complete = slug is None or crawler_store(self.crawler).portal_completed(
                slug, exclude_crawl_id=self.crawler.settings.get("GOVCRAWL_CRAWL_ID") or None
            )
        return self._complete

    def process_response(self, request: Request, response: Response) -> Response:
        if request.method == "GET" and response.status == 200:
            etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
            if etag or modified:
                # the WARC capture ran first (response_downloaded); a page the browser rendered has a conversion
                # record there, not the server's payload: its capture is then found by URL
                location = request.meta.get("warc")
                archived = getattr(location, "record_type", None) in ("response", "revisit")
                self._seen[response.url] = (
                    etag.decode("latin-1") if etag else None,
                    modified.decode("latin-1") if modified else None,
                    location.payload_digest if archived else None,
                )
        return response

    def spider_closed(self) -> None:
        if self._seen:
            crawler_store(self.crawler).save_validators(self._seen)


_CHALLENGE_MARKERS = (b"$_ts", b"_$ts", b"document.cookie", b"location.reload", b"challenge")


def looks_blocked(status: int, body: bytes) -> str | None:
    """Why a response is an anti-bot wall rather than the page, or None.

    The 瑞数 kind answers 412 with a ``$_ts`` script; JS cookie challenges answer 200 with a script that
    sets a cookie and reloads, and almost no text; the WZWS WAF's geo-fence answers 403 ``reason:GeoBL``
    (a wall no browser passes: the portal is blocked, not without reports). Success is judged by real body
    text, not by the absence of one marker.
    """
    head = body[:20000]
    if status == 403 and (b"GeoBL" in head or b"wzws" in head.lower()):
        # the WZWS WAF's geo-fence (Anhui's portals to a foreign IP): the site exists, this vantage point is barred
        return "HTTP 403 geo-block (WZWS WAF" + (", reason:GeoBL)" if b"GeoBL" in head else ")")
    marked = any(m in head for m in _CHALLENGE_MARKERS)
    if (status == 412 and (marked or _little_text(body))) or (status in (202, 403, 503) and marked):
        return f"HTTP {status} anti-bot challenge" + (" ($_ts)" if b"$_ts" in head else "")
    if status == 521 and (b"document.cookie" in head or b"__jsl_clearance" in head or b"go({" in head):
        return "HTTP 521 JavaScript cookie challenge (加速乐 __jsl_clearance)"
    if status == 200 and len(body) < 20000 and b"document.cookie" in head and (
        b"location.reload" in head or b"location.href" in head or b"location.replace" in head
    ) and _little_text(body):
        return "JavaScript cookie challenge (script sets a cookie and reloads; no page text)"
    return None


def _little_text(body: bytes) -> bool:
    """Almost no visible text: a wall's page, not a page (a browser's rendering of the real page has its text)."""
    import re

    text = re.sub(rb"<script.*?</script>|<style.*?</style>|<[^>]+>|\s+", b"", body[:50_000], flags=re.S | re.I)
    return len(text) < 200


class AntiBotMiddleware:
    """Recognises anti-bot walls: counted as blocked (``govcrawl/blocked``, and by reason under
    ``govcrawl/blocked_by/``), logged, never passed on as a page.

    The wall itself is archived like every response (the WARC capture runs before this).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.browser_failed: set[str | None] = set()  # hosts whose wall the browser did not pass

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "AntiBotMiddleware":
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response | Request:
        reason = looks_blocked(response.status, response.body)
        wall = request.meta.get("govcrawl_wall")
        if reason is None:
            if wall:
                self.crawler.stats.inc_value("govcrawl/walls_passed")
                if response.status != 200:  # the browser's first answer was the wall; what it shows now is the page
                    return response.replace(status=200)
            return response
        from scrapy.exceptions import IgnoreRequest

        stats = self.crawler.stats
        stats.inc_value("govcrawl/walls")
        host = urlparse_cached(request).hostname
        if urlparse_cached(request).path == "/robots.txt":
            # the rules cannot be read behind a wall: as with a missing robots.txt, the crawl goes on (and says so)
            stats.inc_value("govcrawl/robots_txt_walled")
            logging.getLogger(__name__).warning("robots.txt of %s is behind a wall (%s): no rules read", host, reason)
            raise IgnoreRequest(f"robots.txt behind a wall: {reason}")
        marker = _script_wall(response.body)
        if (marker and not request.meta.get("playwright") and host not in self.browser_failed
                and _browser_can_run(self.crawler)):
            # a JavaScript wall: a browser runs its script as any visitor's does, and gets the page
            logging.getLogger(__name__).warning("Wall at %s (%s): fetching it through the browser", response.url, reason)
            stats.inc_value("govcrawl/walls_to_browser")
            return _through_browser(request, reason, marker)
        if wall:
            self.browser_failed.add(host)
            reason = f"{wall}; the browser did not get through ({reason})"
        stats.inc_value("govcrawl/blocked")
        stats.inc_value(f"govcrawl/blocked_by/{reason}")
        logging.getLogger(__name__).error("Blocked at %s: %s", response.url, reason)
        raise IgnoreRequest(f"blocked: {reason}")

    def process_exception(self, request: Request, exception: BaseException) -> None:
        """The browser could not pass a wall in time: the host is blocked (the browser is not tried there again)."""
        wall = request.meta.get("govcrawl_wall")
        if not wall:
            return None
        from scrapy.exceptions import IgnoreRequest

        self.browser_failed.add(urlparse_cached(request).hostname)
        self.crawler.stats.inc_value("govcrawl/blocked")
        self.crawler.stats.inc_value(f"govcrawl/blocked_by/{wall}; the browser did not get through")
        logging.getLogger(__name__).error("Blocked at %s: %s; the browser did not get through (%s)", request.url, wall,
                                          exception.__class__.__name__)
        raise IgnoreRequest(f"blocked: {wall}")


#: how long the browser may take to pass a wall (its script, the reload, the page)
WALL_TIMEOUT_MS = 15_000


def _script_wall(body: bytes) -> str | None:
    """The mark of a wall a browser gets through (a script that sets a cookie or bootstraps a challenge), or None
    (a WAF's refusal without a script: no browser passes that)."""
    head = body[:20000]
    if b"<script" not in head.lower():
        return None
    for mark in (b"$_ts", b"__jsl_clearance", b"document.cookie"):
        if mark in head:
            return mark.decode()
    return None


def _browser_can_run(crawler: Crawler) -> bool:
    from govcrawl.crawl.browser import PLAYWRIGHT_HANDLER  # scrapy-playwright's, verifying certificates

    handlers = crawler.settings.getdict("DOWNLOAD_HANDLERS")
    return any(v == PLAYWRIGHT_HANDLER or "playwright" in str(v).lower() for v in handlers.values())


def _through_browser(request: Request, reason: str, marker: str) -> Request:
    import json

    from scrapy_playwright.page import PageMethod

    # the page, not the wall: wait (bounded) until the loaded document no longer holds the wall's mark
    passed = (f"() => document.readyState === 'complete' && "
              f"!document.documentElement.innerHTML.slice(0, 20000).includes({json.dumps(marker)})")
    meta = {
        **request.meta,
        "playwright": True,
        "playwright_page_methods": [PageMethod("wait_for_function", passed, timeout=WALL_TIMEOUT_MS)],
        "playwright_page_event_handlers": {"response": "archive_browser_response"},
        "govcrawl_wall": reason,
        "dont_retry": True,  # a wall not passed in time is not passed by trying again
    }
    return request.replace(meta=meta, dont_filter=True)


# --- faults: pages lost for good, redirect loops, the size cap ---------------------------------------

#: The fault-handling middlewares and their places (``DOWNLOADER_MIDDLEWARES``); ``govcrawl.runner`` adds
#: any the settings lack.
FAULT_MIDDLEWARES = {
    "govcrawl.crawl.middlewares.RedirectLoopMiddleware": 610,  # sees redirects before RedirectMiddleware (600)
    "govcrawl.crawl.middlewares.CharsetMiddleware": 580,  # after decompression (590)
    "govcrawl.crawl.middlewares.LostPageMiddleware": 540,  # sees what RetryMiddleware (550) gave up on
}


def failure_reason(exception: BaseException) -> str:
    """A short name for why a download failed: ``timeout``, ``connection reset``, ``truncated body``,
    ``TLS: certificate has expired`` ..."""
    from scrapy.exceptions import (
        CannotResolveHostError,
        DownloadCancelledError,
        DownloadConnectionRefusedError,
        DownloadTimeoutError,
        ResponseDataLossError,
    )
    from twisted.internet import error as terr

    from govcrawl.crawl.tls import tls_failure

    tls = tls_failure(exception)
    if tls:
        return f"TLS: {tls}"
    text = f"{exception.__class__.__name__}: {exception}"
    if isinstance(exception, DownloadCancelledError) and "max size" in str(exception).lower():
        return "over the size cap"
    if isinstance(exception, (DownloadTimeoutError, terr.TimeoutError)) or "took longer than" in text:
        return "timeout"
    if isinstance(exception, ResponseDataLossError) or "DataLoss" in text or "data loss" in text.lower():
        return "truncated body"
    if isinstance(exception, (DownloadConnectionRefusedError, terr.ConnectionRefusedError)):
        return "connection refused"
    if isinstance(exception, (CannotResolveHostError, terr.DNSLookupError)):
        return "host not found"
    if "reset" in text.lower() or "ConnectionLost" in text or "ConnectionDone" in text or "NeverReceived" in text:
        return "connection reset"
    return exception.__class__.__name__


class LostPageMiddleware:
    """Counts and logs every page a crawl lost for good, by cause, so health can say so.

    Placed under RetryMiddleware: what reaches it has been retried already (or is not retried, like the
    size cap). Counts ``govcrawl/lost_pages`` and ``govcrawl/lost/<cause>``; a response over the size cap is
    ``govcrawl/oversize`` (logged, skipped, the crawl carries on).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.logger = logging.getLogger(__name__)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "LostPageMiddleware":
        return cls(crawler)

    def _lost(self, request: Request, cause: str) -> None:
        stats = self.crawler.stats
        stats.inc_value("govcrawl/lost_pages")
        stats.inc_value(f"govcrawl/lost/{cause}")
        tries = request.meta.get("retry_times", 0)
        self.logger.error("Lost %s: %s%s", request.url, cause, f" (after {tries} retries)" if tries else "")

    def process_exception(self, request: Request, exception: BaseException) -> None:
        """Logs the loss in one line with its cause (no traceback: a flaky host is news, not a bug)."""
        from scrapy.exceptions import IgnoreRequest

        if isinstance(exception, IgnoreRequest):
            return None
        cause = failure_reason(exception)
        if cause == "over the size cap":
            self.crawler.stats.inc_value("govcrawl/oversize")
            self.logger.error("Skipped %s: larger than the download size cap (DOWNLOAD_MAXSIZE=%s bytes)",
                              request.url, self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
            if request.meta.get("article"):  # a page a listing named, maybe a report: lost, not a mere warning
                self._lost(request, cause)
        else:
            self._lost(request, cause)
        raise IgnoreRequest(f"{cause}: {exception.__class__.__name__}: {exception}")

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status >= 500 and response.status not in request.meta.get("handle_httpstatus_list", ()):
            self._lost(request, f"HTTP {response.status}")
        return response


class RedirectLoopMiddleware:
    """Redirect loops are faults, not quiet discards: counted (``govcrawl/redirect_loop``), logged, dropped.

    A redirect back to a URL of its own chain (which the dupe filter would drop without a word), or a chain
    at ``REDIRECT_MAX_TIMES``.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_times = crawler.settings.getint("REDIRECT_MAX_TIMES", 20)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "RedirectLoopMiddleware":
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in (301, 302, 303, 307, 308) or b"Location" not in response.headers:
            return response
        if request.meta.get("dont_redirect") or response.status in request.meta.get("handle_httpstatus_list", ()):
            return response
        from urllib.parse import urljoin

        from scrapy.exceptions import IgnoreRequest

        target = urljoin(request.url, response.headers[b"Location"].decode("latin-1"))
        chain = list(request.meta.get("redirect_urls", [])) + [request.url]
        if target in chain or len(chain) > self.max_times:
            self.crawler.stats.inc_value("govcrawl/redirect_loop")
            logging.getLogger(__name__).error(
                "Redirect loop at %s: %s", chain[0], " -> ".join(chain[-4:] + [target])
            )
            raise IgnoreRequest(f"redirect loop at {chain[0]}")
        return response


def _is_text_type(response: Response) -> bool:
    """Text by its Content-Type (or none given). Scrapy makes a TextResponse of a PDF whose first bytes look
    like text; guessing the charset of such a body costs a charset_normalizer run for nothing."""
    ctype = response.headers.get(b"Content-Type", b"").split(b";", 1)[0].strip().lower()
    return not ctype or ctype.startswith(b"text/") or any(t in ctype for t in (b"html", b"xml", b"json", b"javascript"))


class CharsetMiddleware:
    """Pages whose bytes are not in the charset they declare (GBK served as utf-8, header and ``<meta>``):
    the spider reads them in the charset that really decodes them (``govcrawl.text.decode_body``), so links
    and navigation text are found. Counted (``govcrawl/charset_corrected``) and logged once per host.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._hosts: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "CharsetMiddleware":
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        from scrapy.http import TextResponse

        if not isinstance(response, TextResponse) or not response.body or not _is_text_type(response):
            return response
        declared = response.encoding
        try:
            response.body.decode(declared)
            return response
        except (UnicodeDecodeError, LookupError):
            pass
        from urllib.parse import urlsplit

        from govcrawl.analysis.text import decode_body

        ctype = response.headers.get("Content-Type", b"").decode("latin-1")
        _, actual = decode_body(response.body, ctype)
        if actual in (declared, "ascii"):
            return response
        self.crawler.stats.inc_value("govcrawl/charset_corrected")
        host = urlsplit(response.url).hostname or ""
        if host not in self._hosts:
            self._hosts.add(host)
            logging.getLogger(__name__).warning(
                "%s declares %s but is %s; read as %s (further pages of %s alike)", response.url, declared, actual,
                actual, host,
            )
        return response.replace(encoding=actual)
