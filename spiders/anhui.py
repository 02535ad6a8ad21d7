"""Anhui's unified 政务公开 platform (www.ah.gov.cn, its cities, counties and departments; ``samples/national/
PLATFORMS.md`` §3.5): a column page ``/public/column/<organId>?type=4&action=list&…&catId=<catId>`` carries the page
count as ``pageCount:N`` and the URL of its list, an HTML fragment from the label API
``/site/label/8888?IsAjax=1&labelName=publicInfoList&siteId=…&pageSize=15&pageIndex=N&…&organId=…&catId=…&file=…``
(``siteId`` and ``file`` differ per site, so they are read from the page, never guessed); the fragment's rows link
the articles (``/public/content/<id>``, ``/public/<organId>/<id>.html``, the annual-report module's
``/XxgkAnnualReport/show/<id>.html``) with their dates. Pages 1 … pageCount are read (a column page without the count:
until a fragment without rows, within the bound on list pages).

The annual-report column is the one the 信息公开 navigation names 政府信息公开年报 (its ``catId``): a column page of
another category (法定主动公开内容, the usual 信息公开 home) leads there. Where nothing names it, ``platform = "auto"``
asks the site search (``labelName=searchDataList&isJson=true``) for 年度报告, the last resort.

The real hosts are geo-fenced (403 ``WZWS … reason:GeoBL``): such an answer is an anti-bot wall
(``govcrawl.crawl.middlewares.looks_blocked``), so the portal is reported as blocked, never as having no reports.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import scrapy
from scrapy.http import Response

from govcrawl.crawl.spider import PortalSpider, column_links

COLUMN_PATH = re.compile(r"/public/column/(\d+)")
# the list's label URL in a column page's script or markup (a path prefix such as /zwgk/ may come before /site/)
LIST_LABEL_RE = re.compile(r"""["']((?:https?://[^"'\s<>/]+)?(?:/[\w.-]+)*/site/label/8888\?[^"'\s<>]*labelName=publicInfoList[^"'\s<>]*)["']""")
PAGE_COUNT_RE = re.compile(r"\bpageCount\s*:\s*['\"]?(\d+)")
PAGE_INDEX_RE = re.compile(r"([?&]pageIndex=)\d*")
# the platform's article pages: /public/content/<id>, /public/<organId>/<id>.html, /XxgkAnnualReport/show/<id>.html
ARTICLE_HREF_RE = re.compile(r"""href=["'][^"']*/(?:public/content/\d+|public/\d+/\d+\.html?|XxgkAnnualReport/show/\d+\.html?)["'?#]""")
SEARCH_KEYWORDS = "年度报告"


def list_label(html: str, page_url: str) -> str | None:
    """The URL of the column's list fragment (the publicInfoList label) as the page names it, absolute."""
    m = LIST_LABEL_RE.search(html)
    if not m:
        return None
    url = htmllib.unescape(m.group(1))
    return absolute_url_of(page_url, url)


def page_count(html: str) -> int | None:
    m = PAGE_COUNT_RE.search(html)
    return int(m.group(1)) if m else None


def with_page(label_url: str, page: int) -> str:
    """The label URL asking for page ``page`` (1-based), the rest of it as the site wrote it."""
    if PAGE_INDEX_RE.search(label_url):
        return PAGE_INDEX_RE.sub(lambda m: f"{m.group(1)}{page}", label_url, count=1)
    return f"{label_url}{'&' if '?' in label_url else '?'}pageIndex={page}"


def fragment_entries(response: Response) -> list[tuple[str, str | None, str | None]]:
    """(href, title, date) of a list fragment's rows: ``<li><a href=…>title</a><span>date</span></li>``."""
    out = []
    for link in response.css("a[href]"):
        href = link.attrib["href"].strip()
        if href.startswith(("javascript:", "#", "mailto:")):
            continue
        title = " ".join(t.strip() for t in link.css("::text").getall() if t.strip()) or link.attrib.get("title") or None
        date = link.xpath("following-sibling::span[1]//text()").get() or link.xpath("../span//text()").get()
        date = date.strip() if date else None
        out.append((href, title, date if date and re.match(r"\d{4}-\d{1,2}-\d{1,2}", date) else None))
    return list(dict.fromkeys(out))


def category(url: str) -> str | None:
    """A column URL's category (its ``catId``), or None."""
    values = parse_qs(urlsplit(url).query).get("catId")
    return values[0] if values and values[0] else None


def absolute_url_of(base: str, href: str) -> str:
    url = urljoin(base, href.strip())
    return "http:" + url if url.startswith("//") else url


def search_results(data: Any) -> tuple[list[tuple[str, str | None, str | None]], int | None]:
    """(link, title, date) of a site-search answer (``data.data[]``: ``link``, ``title``, ``createDate``) and its
    ``data.pageCount``; ValueError when the answer is not of that shape."""
    inner = data.get("data") if isinstance(data, dict) else None
    rows = inner.get("data") if isinstance(inner, dict) else None
    if not isinstance(rows, list):
        raise ValueError("no data.data list")
    out = []
    for row in rows:
        if isinstance(row, dict) and isinstance(row.get("link"), str) and row["link"].strip():
            title = re.sub(r"<[^>]+>", "", str(row.get("title") or "")).strip() or None
            date = str(row.get("createDate") or "")[:10] or None
            out.append((row["link"].strip(), title, date))
    count = inner.get("pageCount")
    return out, int(count) if isinstance(count, (int, str)) and str(count).isdigit() else None


class AnhuiSpider(PortalSpider):
    """Anhui's 政务公开 platform: column pages with ``pageCount:N``, list fragments from ``/site/label/8888``."""

    name = "anhui"

    @classmethod
    def recognise(cls, url: str, html: str) -> list[str]:
        ev = []
        if COLUMN_PATH.search(url) or re.search(r"""href=["'][^"']*/public/column/\d+""", html):
            ev.append("/public/column/<organId> columns")
        if "/site/label/8888" in html:
            ev.append("/site/label/8888 label API")
        if ARTICLE_HREF_RE.search(html):
            ev.append("/public/content articles")
        if "/XxgkAnnualReport/" in html or "/XxgkAnnualReport/" in url:
            ev.append("XxgkAnnualReport module")
        return ev

    @classmethod
    def site_search_request(cls, spider: PortalSpider, response: Response) -> scrapy.Request | None:
        """The site search for 年度报告 (``labelName=searchDataList&isJson=true``), at the label path the page uses."""
        label = list_label(response.text, response.url) if hasattr(response, "text") else None
        base = label.split("/site/label/8888", 1)[0] if label else absolute_url_of(response.url, "/").rstrip("/")
        url = (f"{base}/site/label/8888?labelName=searchDataList&isJson=true&isForPage=true&pageSize=10&pageIndex=1"
               f"&keywords={quote(SEARCH_KEYWORDS)}&isAllSite=true")
        # bound to this spider: ``auto`` takes this class before the answer comes back
        return scrapy.Request(url, callback=cls.parse_anhui_search.__get__(spider), cb_kwargs={"page": 1})

    def is_listing(self, response: Response) -> bool:
        """The annual-report column: a column page with its list label, unless its navigation names another
        column (by catId) as the 政府信息公开年报."""
        if not hasattr(response, "text") or list_label(response.text, response.url) is None:
            return False
        here = category(response.url) or category(list_label(response.text, response.url) or "")
        named = [category(u) for u in column_links(response) if COLUMN_PATH.search(u)]
        return not named or here in named

    def parse_listing(self, response: Response) -> Iterator[Any]:
        if not self.count_list_page(response):
            return
        label = list_label(response.text, response.url)
        if label is None:
            self.fail_empty(response, "Anhui column page (no publicInfoList label URL)")
            return
        count = page_count(response.text)
        if count is None:
            self.logger.warning("%s: no pageCount:N in the column page; reading fragments until one is empty", response.url)
        yield self.anhui_fragment_request(label, 1, count, response.url)

    def anhui_fragment_request(self, label: str, page: int, count: int | None, referer: str) -> scrapy.Request:
        # dynamic answers, read on every crawl; in a distributed crawl the shared dupefilter lets one worker read each
        return scrapy.Request(with_page(label, page), callback=self.parse_anhui_list,
                              cb_kwargs={"label": label, "page": page, "count": count},
                              headers={"Referer": referer, "X-Requested-With": "XMLHttpRequest"},
                              dont_filter=not self.distributed, meta={"handle_httpstatus_list": [304]})

    def parse_anhui_list(self, response: Response, label: str, page: int, count: int | None) -> Iterator[Any]:
        if response.status == 304:
            archived = self.archived_response(response)
            if archived is None:
                yield from self.recheck_known(response)
                return
            response = archived
        if not self.count_list_page(response):
            return
        entries = fragment_entries(response) if hasattr(response, "css") else []
        if not entries:
            if page > 1:  # past the end (a count the list no longer fills)
                self.crawler.stats.inc_value("govcrawl/list_stub_pages")
            else:
                self.fail_empty(response, "Anhui publicInfoList fragment")
            return
        yield from self.follow_entries(response, entries)  # (a page judged before: asked when its revisit is due)
        if (count is None or page < count) and not self.stop_paging(response, entries):
            yield self.anhui_fragment_request(label, page + 1, count, response.url)

    def parse_anhui_search(self, response: Response, page: int = 1) -> Iterator[Any]:
        """The site search's answer (JSON): every result is fetched; the junk filter judges what is a report."""
        self.crawler.stats.inc_value("govcrawl/site_search_pages")
        try:
            entries, count = search_results(json.loads(response.text))
        except (ValueError, AttributeError) as exc:
            self.fail_empty(response, f"Anhui site search (answer not understood: {exc})")
            return
        if not entries:
            if page == 1:
                self.fail_empty(response, f"Anhui site search for {SEARCH_KEYWORDS}")
            return
        if not self.count_list_page(response):
            return
        yield from self.follow_entries(response, entries)  # (a page judged before: asked when its revisit is due)
        if count is not None and page < count:  # ranked by relevance, not date: every page (within the bound)
            url = PAGE_INDEX_RE.sub(lambda m: f"{m.group(1)}{page + 1}", response.url, count=1)
            yield scrapy.Request(url, callback=self.parse_anhui_search, cb_kwargs={"page": page + 1})
