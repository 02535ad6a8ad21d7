"""Portals off the known platforms: link following towards report titles, bounded depth; a listing built by
JavaScript is rendered in headless Chromium (scrapy-playwright), the only place the browser is used."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from govcrawl.analysis.classify import title_verdict
from govcrawl.analysis.text import to_simplified
from govcrawl.crawl.spider import MAX_DISCOVERY_HOPS, PortalSpider, nav_links

#: How long the browser waits for a script-built list, and what it waits for when the registry names no selector:
#: more links that read like a report or the way to one (a report title, 年报 navigation) than the page has
#: without JavaScript. The same test in Python (``REPORT_LINK_TEXT``) counts them on the plain page.
RENDER_TIMEOUT_MS = 15_000
REPORT_LINK_TEXT = re.compile(r"报告|報告|年报|年報")
REPORT_LINKS_GROW_JS = """n => Array.from(document.querySelectorAll('a[href]')).filter(
  a => /报告|報告|年报|年報/.test((a.textContent || '') + ' ' + (a.getAttribute('title') || ''))).length > n"""


class GenericSpider(PortalSpider):
    """Any portal: in-scope link following towards report titles, depth-bounded.

    With ``list_selector`` the (rendered) list page's entries are all followed (the junk filter judges
    them); without it, links whose text is a report title are articles and navigation links
    (年报 / 年度报告 / 信息公开 / 下一页) are followed up to ``max_depth``. The browser renders the start
    page only when the registry says ``needs_browser`` or when a plain fetch finds no links but the page
    builds its list by script.
    """

    name = "generic"

    def listing_request(
        self, url: str, hops: int = 0, browser: bool | None = None, follow_up: bool = False, report_links: int = 0
    ) -> scrapy.Request:
        """``report_links``: how many report-like links the page has without JavaScript (a render is read once it
        has more)."""
        if browser is None:
            # An incremental crawl first asks plainly (and conditionally) whether the list changed at all.
            browser = bool(self.portal.options.get("needs_browser")) and not self.incremental
        if not browser:
            return super().listing_request(url, hops)
        from scrapy_playwright.page import PageMethod

        selector = self.portal.options.get("list_selector")
        if selector:
            wait = PageMethod("wait_for_selector", selector, timeout=RENDER_TIMEOUT_MS)
            waited_for = f"the list {selector!r}"
        else:
            wait = PageMethod("wait_for_function", REPORT_LINKS_GROW_JS, arg=report_links, timeout=RENDER_TIMEOUT_MS)
            waited_for = f"a report link beyond the {report_links} the page has without JavaScript"
        return scrapy.Request(
            url,
            callback=self.parse,
            errback=self.render_failed,
            cb_kwargs={"hops": hops},
            # a render after a plain fetch of the same URL must pass the dupefilter; a first fetch need not
            # (in a distributed crawl the shared dupefilter is what lets exactly one worker render it)
            dont_filter=follow_up or not self.distributed,
            meta={
                "playwright": True,
                "playwright_page_methods": [wait],
                # by name, so the request stays serialisable (JOBDIR, the Redis frontier)
                "playwright_page_event_handlers": {"response": "archive_browser_response"},
                "govcrawl_render_waits_for": waited_for,
            },
        )

    def render_failed(self, failure: Any) -> None:
        """A list the browser could not show: never an empty list, a failure of the portal, with its reason."""
        request = failure.request
        waited_for = request.meta.get("govcrawl_render_waits_for", "the list")
        self.crawler.stats.inc_value("govcrawl/list_not_rendered")
        text = str(failure.value).strip()
        reason = text.splitlines()[0] if text else type(failure.value).__name__
        self.logger.error("%s: the list built by JavaScript did not load: no %s within %d s (%s)",
                          request.url, waited_for, RENDER_TIMEOUT_MS // 1000, reason)

    def parse(self, response: Response, hops: int = 0) -> Iterator[Any]:
        if response.status == 304:
            yield from self.recheck_known(response)
            return
        if self.incremental and self.portal.options.get("needs_browser") and not response.meta.get("playwright"):
            yield self.listing_request(response.url, hops, browser=True, follow_up=True,  # changed: render it
                                       report_links=_report_links(response))
            return
        entries = self.list_entries(response)
        if entries:
            if self.count_list_page(response):
                yield from self.follow_entries(response, entries)
            return
        if not response.meta.get("playwright") and _script_built(response):
            self.logger.info("%s: no links without JavaScript; rendering it in the browser", response.url)
            self.crawler.stats.inc_value("govcrawl/browser_detected")
            yield self.listing_request(response.url, hops, browser=True, follow_up=True,
                                       report_links=_report_links(response))
            return
        if self.portal.options.get("list_selector"):
            self.fail_empty(response, f"list {self.portal.options['list_selector']!r}")
            return
        max_depth = int(self.portal.options.get("max_depth", MAX_DISCOVERY_HOPS))
        found = nav_links(response) + _next_page_links(response)
        if hops < max_depth:
            for url in dict.fromkeys(found):
                yield self.listing_request(url, hops + 1)
        if hops == 0 and not found:
            self.fail_empty(response, "start page (no report links, no navigation to them)")

    def list_entries(self, response: Response) -> list[tuple[str, str | None, str | None]]:
        if not hasattr(response, "css"):
            return []
        selector = self.portal.options.get("list_selector")
        entries = []
        for link in response.css(selector or "a[href]"):
            href = link.attrib.get("href", "").strip()
            if not href or href.startswith(("javascript:", "#", "mailto:")):
                continue
            title = link.attrib.get("title") or " ".join(link.css("::text").getall()).strip() or None
            if not selector and title_verdict(to_simplified(title or ""))[0] != "report":
                continue
            date = link.xpath("following-sibling::span[1]/text()").get()
            entries.append((href, title, date.strip() if date else None))
        return entries


def _script_built(response: Response) -> bool:
    """A page with (almost) no links of its own but inline script that builds the DOM."""
    if not hasattr(response, "xpath"):
        return False
    script = " ".join(response.xpath("//script[not(@src)]/text()").getall())
    builds = re.search(r"innerHTML|appendChild|insertAdjacentHTML|document\.write|createElement", script)
    return bool(builds) and len(script) > 200


def _report_links(response: Response) -> int:
    """Links whose text or title reads like a report or the way to one (``REPORT_LINKS_GROW_JS`` on a plain page)."""
    if not hasattr(response, "css"):
        return 0
    return sum(1 for link in response.css("a[href]")
               if REPORT_LINK_TEXT.search(" ".join(link.css("::text").getall()) + " " + link.attrib.get("title", "")))


def _next_page_links(response: Response) -> list[str]:
    if not hasattr(response, "xpath"):
        return []
    hrefs = response.xpath('//a[contains(., "下一页") or contains(., "下页") or contains(., "下一頁")]/@href').getall()
    return [response.urljoin(h) for h in hrefs if h and not h.startswith(("javascript:", "#"))]


