"""``platform = "auto"``: a portal known only by its home URL.

The spider reads the home page (and, when needed, the 政府信息公开 home it links), recognises the platform from what
only that platform's pages have (every platform spider's ``recognise``: URL shapes, scripts, markup), finds the
annual-report column (navigation text 政府信息公开年报 / 年度报告, column tokens such as ``zfxxgknb``, a platform's own
route such as gkmlpt's annual-report page), and then crawls on as that platform's spider: the same spider object
takes the platform's class, so every request it makes is its own (serialisable, resumable). What was detected is in
the crawl's stats (``govcrawl/platform_detected``, ``govcrawl/detection``) and the run's health.

When no column is found, the site's own search for 年度报告 is tried where the platform has one; else the portal
fails, naming what was tried.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from govcrawl.crawl.spider import (
    DISCLOSURE_NAV_TEXT,
    MAX_DISCOVERY_HOPS,
    PortalSpider,
    column_links,
    nav_links,
)
from govcrawl.crawl.spiderloader import detect as detect_platform
from govcrawl.crawl.spiderloader import platform_spiders


def links_below(response: Response) -> list[str]:
    """Links to pages under this page's own folder (a column's sub-columns or lists)."""
    here = urlsplit(response.url)
    folder = here.path.rsplit("/", 1)[0] + "/"
    out = []
    for href in response.css("a[href]::attr(href)").getall() if hasattr(response, "css") else []:
        url = response.urljoin(href.strip())
        parts = urlsplit(url)
        if parts.hostname == here.hostname and parts.path.startswith(folder) and parts.path != here.path:
            out.append(url)
    return list(dict.fromkeys(out))


def detect(response: Response, platforms: dict[str, type[PortalSpider]]) -> tuple[str, list[str]]:
    return detect_platform(response.url, response.text if hasattr(response, "text") else "", platforms)


class AutoSpider(PortalSpider):
    """Recognises a portal's platform and its annual-report column from its home URL, then crawls as that platform."""

    name = "auto"

    def parse(self, response: Response, hops: int = 0) -> Iterator[Any]:
        if not isinstance(self, AutoSpider):
            yield from type(self).parse(self, response, hops)  # another branch already decided: go on as the platform
            return
        if response.status == 304:
            archived = self.archived_response(response)
            if archived is None:
                return
            response = archived
        platforms = platform_spiders(self.crawler.settings)
        name, evidence = detect(response, platforms)
        platform = platforms[name]
        columns = column_links(response) + platform.platform_column_links(response)
        if columns:
            for url in list(dict.fromkeys(columns))[:3]:
                yield scrapy.Request(url, callback=self.parse_column, cb_kwargs={"home": (name, evidence), "hops": hops + 1},
                                     meta={"handle_httpstatus_list": [304]})
            return
        # pages of the 信息公开 tree link each other (and themselves): a page already looked at is no way on
        visited = self.__dict__.setdefault("auto_visited", set())
        visited.add(response.url)
        disclosure = [url for url in nav_links(response, DISCLOSURE_NAV_TEXT) if url not in visited]
        if disclosure and hops < MAX_DISCOVERY_HOPS:
            visited.update(disclosure)
            for url in disclosure:
                yield scrapy.Request(url, callback=self.parse, cb_kwargs={"hops": hops + 1})
            return
        search = platform.site_search_request(self, response) if evidence else None
        if search is not None:
            self.become(name, platform, evidence, search.url)
            yield search
            return
        self.crawler.stats.set_value("govcrawl/detection", f"{name}: no annual-report column found "
                                     f"(tried: navigation text, column tokens, {name} routes, site search)")
        self.fail_empty(response, f"home page ({name}{': ' + ', '.join(evidence) if evidence else ''}; "
                                  "no annual-report column, no 政府信息公开 navigation, no site search)")

    def parse_column(self, response: Response, home: tuple[str, list[str]], hops: int = 1,
                     column: str | None = None) -> Iterator[Any]:
        """The annual-report column found: its own page tells the platform best (the home page may be a portal
        template of another vendor); a column of sub-columns only (per year, per unit) is looked into once.
        Then the column is crawled as that platform."""
        if not isinstance(self, AutoSpider):
            yield from type(self).parse(self, response, hops)
            return
        platforms = platform_spiders(self.crawler.settings)
        name, evidence = detect(response, platforms)
        if len(home[1]) > len(evidence):
            name, evidence = home
        if not evidence and column is None and hops < MAX_DISCOVERY_HOPS + 1:
            inner = links_below(response)
            if inner:
                yield scrapy.Request(inner[0], callback=self.parse_column, meta={"handle_httpstatus_list": [304]},
                                     cb_kwargs={"home": home, "hops": hops + 1, "column": response.url})
                return
        self.become(name, platforms[name], evidence, column or response.url)
        if column is None:
            yield from self.parse(response, hops)
        else:  # the column again, now as the platform's list (it was fetched once already: not a duplicate)
            yield self.listing_request(column, hops).replace(dont_filter=True)

    def become(self, name: str, platform: type[PortalSpider], evidence: list[str], column: str) -> None:
        """Go on as the platform's spider: this object takes the platform's class (its requests stay its own)."""
        self.logger.info("%s: platform %s (%s); annual-report column %s", self.portal.slug, name,
                         "; ".join(evidence) or "no platform evidence", column)
        stats = self.crawler.stats
        stats.set_value("govcrawl/platform_detected", name)
        stats.set_value("govcrawl/detection", f"{name}: {'; '.join(evidence) or 'no platform evidence'}")
        stats.set_value("govcrawl/detection_column", column)
        self.__class__ = type(f"{platform.__name__}_{self.portal.slug}", (platform,),
                              {"name": self.name, "portal": self.portal, "detected_platform": name})
