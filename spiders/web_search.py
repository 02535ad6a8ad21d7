"""Web search results for 政府信息公开工作年度报告: a discovery channel where genuine reports and spam
copies on any host come in (registry: ``[[channel]] web_search``); the junk filter judges every result."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Response

from govcrawl.crawl.registry import default_registry
from govcrawl.crawl.spider import PortalSpider

# --- web search results (discovery channel) -----------------------------------------------------


class WebSearchSpider(PortalSpider):
    """Follows every result of a web search for the reports, on any host; the junk filter judges them."""

    name = "web_search"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed_domains = []  # results live on any host

    def parse(self, response: Response, hops: int = 0, page: int = 1) -> Iterator[Any]:
        links = response.css("div.result h3 a, div.c-container h3 a")
        if not links:
            self.fail_empty(response, "search results page")
            return
        self.count_list_page(response)
        for link in links:
            title = " ".join(link.css("::text").getall()).strip() or None
            if not self.wanted(title, None):
                continue
            yield self.article_request(response.urljoin(link.attrib["href"]), title, None, referer=response.url)
        max_pages = int(self.portal.options.get("max_result_pages", 5))
        next_href = response.xpath('//a[contains(text(), "下一页")]/@href').get()
        if next_href and page < max_pages:
            yield response.follow(next_href, callback=self.parse, cb_kwargs={"page": page + 1})

    def portal_slug_for(self, url: str) -> str | None:
        registry = default_registry(self.crawler.settings.get("GOVCRAWL_PORTALS") or None)
        portal = registry.portal_for_host(urlsplit(url).hostname)
        return portal.slug if portal else None
