"""The browser tier (scrapy-playwright with Debian's Chromium): settings, and the WARC capture of what the browser
receives. A browser request costs ~50 plain ones: spiders use it only where a list is built by script.

Chromium is started silent (no background networking, component updates or sync): it asks nothing of anyone but
the pages it renders. It goes through the crawl's proxy (``GOVCRAWL_PROXY``, https by ``CONNECT``) and verifies
certificates as the plain downloads do: with its own store, plus, for replica crawls only, the keys of the CAs of
``GOVCRAWL_CA_BUNDLE`` (``--ignore-certificate-errors-spki-list``: a chain that holds one of them is accepted); a portal
marked ``tls_verify = false`` renders with certificate errors ignored, for that portal's crawl only.
"""

from __future__ import annotations

import asyncio

import logging
from typing import Any

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from govcrawl.crawl import signals as govcrawl_signals
from govcrawl.crawl.tls import TrustPolicy, spki_hashes

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    # nothing in the background: no component updates, sync, sign-in, safe browsing, metrics, hints, translation
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-breakpad",
    "--metrics-recording-only",
    "--safebrowsing-disable-auto-update",
    "--password-store=basic",
    "--disable-features=OptimizationHints,OptimizationHintsFetching,OptimizationGuideModelDownloading,"
    "MediaRouter,Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater,"
    "InterestFeedContentSuggestions,SignInProfileCreation,AccountConsistency,DialMediaRouteProvider,"
    "PrivacySandboxSettings4,NetworkTimeServiceQuerying,SafeBrowsingEnhancedProtection",
    # what the switches above leave on (the component updater's update2/json, the accounts check) is pointed at a
    # closed port on this machine (the discard port; loopback never goes through the proxy): nothing leaves it
    "--component-updater=url-source=http://127.0.0.1:9/",
    "--gaia-url=http://127.0.0.1:9",
    "--google-apis-url=http://127.0.0.1:9",
    "--lso-url=http://127.0.0.1:9",
]
PLAYWRIGHT_HANDLER = "govcrawl.crawl.browser.BrowserDownloadHandler"

#: Seconds a browser download may run past the timeouts of its navigation and page methods, and closing the
#: browser at a crawl's end may take, before they are given up (``GOVCRAWL_BROWSER_GRACE_S``): scrapy-playwright can
#: wait forever on a page that does not close after a failed navigation (a wall reloading itself; scrapy-playwright
#: issues #266, #330), and the crawl with it. Seen here: about one run in six of the fault-injection crawl hung so.
BROWSER_GRACE_S = 30.0

logger = logging.getLogger(__name__)


class BrowserStuck(TimeoutError):
    """A browser download that outlived every timeout it was given (its page is left to the browser)."""


def browser_deadline_s(meta: dict[str, Any], navigation_timeout_ms: float, grace_s: float = BROWSER_GRACE_S) -> float:
    """The most a browser download of a request with this ``meta`` may take: its navigation, each page method (its
    own ``timeout``, or Playwright's default, the navigation's), and ``grace_s`` to close the page."""
    total_ms = float(navigation_timeout_ms)
    for method in meta.get("playwright_page_methods") or ():
        kwargs = getattr(method, "kwargs", None) or {}
        total_ms += float(kwargs.get("timeout") or navigation_timeout_ms)
    return total_ms / 1000 + grace_s


class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler; the requests it passes on to plain HTTP verify certificates (``TrustPolicy``)."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._contextFactory = TrustPolicy.from_crawler(crawler, self._contextFactory)
        self._start_lock = asyncio.Lock()
        self.grace_s = crawler.settings.getfloat("GOVCRAWL_BROWSER_GRACE_S", BROWSER_GRACE_S)

    # scrapy-playwright starts Playwright (its node driver process) when the engine starts: for every portal's
    # crawler, though nearly all of them never render a page (the browser is for JS-built lists and walls only).
    # Measured at 1,000 portals, those start-ups took a third of the crawl process's time. Playwright starts here
    # with the first request that needs the browser instead.
    async def _maybe_launch_in_thread(self) -> None:
        return None

    def _engine_started(self) -> Any:
        return None

    async def _download_request(self, request: Any, spider: Any = None) -> Any:
        if getattr(self, "browser_provider", None) is None:
            async with self._start_lock:
                if getattr(self, "browser_provider", None) is None:
                    await self._launch()
        deadline = browser_deadline_s(request.meta, self.config.navigation_timeout_ms or 30_000, self.grace_s)
        try:
            async with asyncio.timeout(deadline) as bound:
                return await super()._download_request(request, spider)
        except TimeoutError:
            if not bound.expired():  # a timeout of the download's own (an answer): as it came
                raise
            self.stats.inc_value("govcrawl/browser_stuck")
            logger.error("The browser did not finish %s within %.0f s (every timeout it had, and %.0f s to close the "
                         "page): given up", request.url, deadline, self.grace_s)
            raise BrowserStuck(f"the browser did not finish the page within {deadline:.0f} s") from None

    async def _close(self) -> None:
        """Close the browser at the crawl's end, within the grace: a context with a page that will not
        close must not keep the crawl from ending (the driver and its browser go with this process)."""
        try:
            async with asyncio.timeout(self.grace_s):
                await super()._close()
        except TimeoutError:
            logger.error("The browser did not close within %.0f s: left to end with the crawl process", self.grace_s)


class _NoTraceback(logging.Filter):
    """scrapy-playwright logs a page that failed (a wall not passed in time, a list that never rendered) with its
    traceback; its message already names the exception, and govcrawl reports the failure itself (the portal's
    health): keep the line, drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


def quiet_tracebacks() -> None:
    log = logging.getLogger("scrapy-playwright")
    if not any(isinstance(f, _NoTraceback) for f in log.filters):
        log.addFilter(_NoTraceback())


def use_browser(settings: Any) -> None:
    """Spider settings that route ``meta["playwright"]`` requests through Chromium (others stay plain HTTP)."""
    quiet_tracebacks()
    settings.set("DOWNLOAD_HANDLERS", {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER}, priority="spider")
    args = list(BROWSER_ARGS)
    if settings.get("GOVCRAWL_CA_BUNDLE"):  # replica crawls: its CA's key, and nothing wider
        args.append("--ignore-certificate-errors-spki-list=" + ",".join(spki_hashes(settings.get("GOVCRAWL_CA_BUNDLE"))))
    launch: dict[str, Any] = {
        "executable_path": settings.get("GOVCRAWL_CHROMIUM"),
        "headless": True,
        "args": args,
    }
    if settings.get("GOVCRAWL_PROXY"):
        launch["proxy"] = {"server": settings.get("GOVCRAWL_PROXY")}
    settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch, priority="spider")
    if not settings.getbool("GOVCRAWL_TLS_VERIFY", True):  # tls_verify = false: this portal's crawl only
        settings.set("PLAYWRIGHT_CONTEXTS", {"default": {"ignore_https_errors": True}}, priority="spider")


class BrowserCapture:
    """Mixin for spiders that render pages: every network response the browser receives goes to the WARC capture
    (``meta["playwright_page_event_handlers"] = {"response": "archive_browser_response"}``)."""

    __slots__ = ()  # a mixin adds no state (a spider of another class can take its place: platform = "auto")
    crawler: Any

    async def archive_browser_response(self, response: Any) -> None:
        """Playwright ``response`` event: hand what the browser received to the WARC capture."""
        try:
            body = await response.body()
        except Exception:  # redirects and aborted loads have no body
            body = b""
        request = response.request
        headers = dict(await response.all_headers())
        # Playwright hands over the decoded body: say so rather than keep a wrong Content-Encoding.
        encoding = headers.pop("content-encoding", None)
        if encoding:
            headers["x-govcrawl-decoded-content-encoding"] = encoding
            headers["content-length"] = str(len(body))
        self.crawler.signals.send_catch_log(
            signal=govcrawl_signals.browser_response,
            url=response.url,
            method=request.method,
            request_headers=dict(await request.all_headers()),
            request_body=request.post_data_buffer or b"",
            status=response.status,
            response_headers=headers,
            body=body,
        )
