"""A browser download never outlives its timeouts: scrapy-playwright can wait forever on a page that does not close
after a failed navigation (seen here: one run in six of the fault-injection crawl, a JavaScript wall reloading
itself, hung so), and the whole crawl with it. No browser runs here: the page that never finishes is a stand-in."""

from __future__ import annotations

import asyncio
import re
import time
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod

from govcrawl.crawl import browser
from govcrawl.crawl.browser import BrowserDownloadHandler, BrowserStuck, browser_deadline_s


def test_the_deadline_is_every_timeout_the_download_has_and_the_grace_to_close_it():
    assert browser_deadline_s({}, 30_000) == 30 + browser.BROWSER_GRACE_S
    meta = {"playwright_page_methods": [PageMethod("wait_for_function", "() => true", timeout=15_000),
                                        PageMethod("wait_for_selector", "a")]}  # Playwright's default: the navigation's
    assert browser_deadline_s(meta, 30_000) == 30 + 15 + 30 + browser.BROWSER_GRACE_S
    assert browser_deadline_s(meta, 5_000, grace_s=2) == 5 + 15 + 5 + 2


def _handler(monkeypatch, download=None) -> BrowserDownloadHandler:
    """The handler as a crawl has it once Playwright runs (its navigation timeout 0.1 s), without a reactor or a
    browser: scrapy-playwright's own download stands in."""
    if download is not None:
        monkeypatch.setattr(ScrapyPlaywrightDownloadHandler, "_download_request", download)
    handler = BrowserDownloadHandler.__new__(BrowserDownloadHandler)
    handler.config = SimpleNamespace(navigation_timeout_ms=100)
    handler.stats = get_crawler().stats
    handler.grace_s = 0.2
    handler.browser_provider = object()
    return handler


def test_a_page_that_never_finishes_fails_its_request_at_the_deadline(monkeypatch):
    async def never(self, request, spider=None):
        await asyncio.Event().wait()

    handler = _handler(monkeypatch, never)
    started = time.monotonic()
    with pytest.raises(BrowserStuck, match=r"did not finish the page within 0 s"):
        asyncio.run(handler._download_request(Request("http://www.example.gov.cn/wall.html",
                                                      meta={"playwright": True})))
    assert 0.25 <= time.monotonic() - started < 5  # 0.1 s navigation + 0.2 s grace
    assert handler.stats.get_value("govcrawl/browser_stuck") == 1


def test_the_downloads_own_timeout_is_passed_on_as_it_came(monkeypatch):
    """A timeout raised by the download itself (an answer, within the deadline) is not a stuck page."""

    async def times_out(self, request, spider=None):
        raise TimeoutError("navigation timed out")

    handler = _handler(monkeypatch, times_out)
    with pytest.raises(TimeoutError, match="navigation timed out") as caught:
        asyncio.run(handler._download_request(Request("http://www.example.gov.cn/", meta={"playwright": True})))
    assert not isinstance(caught.value, BrowserStuck)
    assert not handler.stats.get_value("govcrawl/browser_stuck")


def test_closing_a_browser_that_does_not_close_ends_within_the_grace(monkeypatch):
    async def never_closes(self):
        await asyncio.Event().wait()

    monkeypatch.setattr(ScrapyPlaywrightDownloadHandler, "_close", never_closes)
    handler = _handler(monkeypatch)
    started = time.monotonic()
    asyncio.run(handler._close())
    assert time.monotonic() - started < 5


# --- the real stack: Scrapy, scrapy-playwright, Chromium, a wall that reloads itself -----------------------------

#: Loaded by the crawl process at start-up (``sitecustomize``): every Playwright page it opens never closes.
NEVER_CLOSING_PAGES = '''
import asyncio

from playwright.async_api import Page


async def _never(self, *args, **kwargs):
    await asyncio.Event().wait()


Page.close = _never
'''


@pytest.mark.e2e
@pytest.mark.browser
def test_a_crawl_ends_when_a_browser_page_never_closes(tmp_path, ground_truth):
    """The hang seen in the fault-injection crawl, made certain: the wall's page fails its navigation and its
    closing never returns. The crawl still ends, within the deadline, with the portal failed and why."""
    import json
    import os
    import subprocess
    import sys

    from govcrawl.replica.server import ReplicaServer
    from tests.conftest import REPO

    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(NEVER_CLOSING_PAGES)
    env = dict(os.environ, PYTHONPATH=f"{hook}{os.pathsep}{REPO}", GOVCRAWL_AUTOTHROTTLE="0",
               GOVCRAWL_BROWSER_NAVIGATION_TIMEOUT_S="5", GOVCRAWL_BROWSER_GRACE_S="3")
    with ReplicaServer(port=0) as srv:
        srv.set_fault(ground_truth["portals"]["taizhou"]["host"], "js_cookie_challenge")
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "govcrawl", "crawl", "--portal", "taizhou", "--proxy", srv.proxy_url,
             "--ca-file", srv.ca_path, "--db", f"sqlite:///{tmp_path / 'db.sqlite3'}", "--warc-dir",
             str(tmp_path / "warc"), "--stats-json", str(tmp_path / "stats.json")],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
        elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr[-3000:]
    assert elapsed < 90, elapsed  # the deadline: 5 s navigation, 15 s for the wall's script, 3 s grace
    assert re.search(r"The browser did not finish http://www\.zjtz\.gov\.cn/\S+ within \d+ s", result.stderr)
    assert "the browser did not get through (BrowserStuck)" in result.stderr
    assert "FAILED portal taizhou: blocked by the site" in result.stderr
    health = json.loads((tmp_path / "stats.json").read_text())["portals"][0]
    assert health["stats"]["govcrawl/browser_stuck"] == 1
