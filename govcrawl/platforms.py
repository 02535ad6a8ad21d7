"""Spider base classes, one per site platform, so a portal's own spider is just its slug.

- ``PortalSpider``: shared behaviour (registry entry, article pages -> ``PageItem``, attachments).
- ``JcmsSpider``: Hanweb jcms columns, first page embedded as ``<datastore>`` XML, further pages
  through POST ``dataproxy.jsp`` (either path variant).
- ``JpaasSpider``: JPaaS column shells filled from the ``/front/page/build/unit`` JSON API.
- ``ScriptListSpider``: a listing built by JavaScript after load: rendered in headless Chromium
  (scrapy-playwright) -- the only place the browser is used.
- ``SearchResultsSpider``: a web search results page, a discovery channel where genuine reports and
  spam copies on any host come in.

Selectors fail loudly: a column page that yields no entries is logged as an error and counted in
the stats (``govcrawl/empty_listing``), never silently treated as an empty portal.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response

from govcrawl import signals as govcrawl_signals
from govcrawl.items import PageItem
from govcrawl.registry import Portal, default_registry, portal_for_host

ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".ofd", ".xls", ".xlsx", ".zip", ".rar")
ARTICLE_PATH = re.compile(r"/art/\d{4}/")


class SelectorError(RuntimeError):
    """A page no longer has the structure its platform spider expects."""


def _is_attachment(url: str) -> bool:
    parts = urlsplit(url)
    path = parts.path.lower()
    if path.endswith(ATTACHMENT_EXTENSIONS):
        return True
    query = dict(parse_qsl(parts.query))
    name = (query.get("filename") or query.get("fileName") or "").lower()
    return "download" in path and name.endswith(ATTACHMENT_EXTENSIONS)


class PortalSpider(scrapy.Spider):
    """A spider for one registry portal; subclasses set ``name`` to the portal's slug."""

    portal: Portal

    def __init__(self, *args: Any, portal: Portal | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.portal = portal or default_registry()[self.name]
        self.allowed_domains = list(self.portal.hosts)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.portal.start_urls:
            yield self.listing_request(url)

    def listing_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse)

    # --- listings -------------------------------------------------------------
    def follow_entries(
        self, response: Response, entries: list[tuple[str, str | None, str | None]]
    ) -> Iterator[scrapy.Request]:
        """Requests for the article pages a listing names: (href, title, date) triples."""
        for href, title, date in entries:
            url = response.urljoin(href)
            if url.startswith("//"):
                url = "http:" + url
            yield scrapy.Request(
                url,
                callback=self.parse_article,
                cb_kwargs={"listing_title": title, "listing_date": date},
                headers={"Referer": response.url},
            )

    def fail_empty(self, response: Response, what: str) -> None:
        self.crawler.stats.inc_value("govcrawl/empty_listing")
        self.logger.error("%s: %s yielded no entries; has the page's structure changed?", response.url, what)

    # --- articles -------------------------------------------------------------
    def parse_article(
        self, response: Response, listing_title: str | None = None, listing_date: str | None = None
    ) -> Iterator[Any]:
        attachments: list[str] = []
        if hasattr(response, "css"):
            for href in response.css("a::attr(href)").getall():
                url = response.urljoin(href.strip())
                if _is_attachment(url):
                    attachments.append(url)
        for url in dict.fromkeys(attachments):
            # Archived by the WARC capture; no item of their own yet (text extraction comes later).
            yield scrapy.Request(url, callback=self.parse_attachment, headers={"Referer": response.url})
        yield PageItem(
            url=response.url,
            portal=self.portal_slug_for(response.url),
            body=response.body,
            content_type=response.headers.get("Content-Type", b"").decode("latin-1") or None,
            status=response.status,
            found_via=self.name,
            listing_title=listing_title,
            listing_date=listing_date,
            referer=(response.request.headers.get("Referer") or b"").decode("latin-1") or None
            if response.request
            else None,
            attachments=list(dict.fromkeys(attachments)),
            **_warc_fields(response),
        )

    def parse_attachment(self, response: Response) -> None:
        self.crawler.stats.inc_value("govcrawl/attachments")

    def portal_slug_for(self, url: str) -> str | None:
        return self.portal.slug


def _warc_fields(response: Response) -> dict[str, Any]:
    location = response.meta.get("warc")
    if location is None:
        return {}
    return {
        "warc_filename": location.filename,
        "warc_offset": location.offset,
        "payload_digest": location.payload_digest,
    }


# --- Hanweb jcms --------------------------------------------------------------------

_RECORD_LINK = re.compile(r"<a\b[^>]*>", re.I)


def parse_datastore(xml: str) -> tuple[list[tuple[str, str | None, str | None]], dict[str, str], int | None]:
    """Entries, nextgroup parameters and totalrecord of a jcms ``<datastore>`` document."""
    sel = Selector(text=xml, type="xml")
    entries: list[tuple[str, str | None, str | None]] = []
    for record in sel.xpath("//recordset/record/text()").getall():
        item = Selector(text=record)
        link = item.css("a[href]")
        if not link:
            continue
        href = link.attrib["href"].strip()
        title = link.attrib.get("title") or " ".join(link.css("::text").getall()).strip() or None
        date = None
        for text in item.css("span::text, div::text, td::text").getall():
            m = re.search(r"\d{4}-\d{1,2}-\d{1,2}", text)
            if m:
                date = m.group(0)
        entries.append((href, title, date))
    params: dict[str, str] = {}
    nextgroup = sel.xpath("//nextgroup/text()").get()
    if nextgroup:
        m = re.search(r"href=[\"']([^\"']+)", nextgroup)
        if m:
            params = dict(parse_qsl(urlsplit(m.group(1)).query))
            params["_path"] = urlsplit(m.group(1)).path
    total = sel.xpath("//totalrecord/text()").get()
    return entries, params, int(total) if total and total.strip().isdigit() else None


class JcmsSpider(PortalSpider):
    """Hanweb jcms: ``/col/colN/index.html`` + ``/module/jpage/dataproxy.jsp`` paging."""

    PROXY_PATHS = ("/module/jpage/dataproxy.jsp", "/module/web/jpage/dataproxy.jsp")

    def parse(self, response: Response) -> Iterator[Any]:
        xml = response.xpath('//script[@type="text/xml"]/text()').get()
        if not xml:
            self.fail_empty(response, "jcms column page (no <datastore>)")
            return
        entries, params, total = parse_datastore(xml)
        if not entries:
            self.fail_empty(response, "jcms datastore")
            return
        yield from self.follow_entries(response, entries)
        script = " ".join(response.xpath("//script[not(@type)]/text()").getall())
        per_page = _int(re.search(r"perPage\s*:\s*'?(\d+)", script)) or len(entries)
        total = _int(re.search(r"totalRecord\s*:\s*'?(\d+)", script)) or total or len(entries)
        proxy_url = re.search(r"proxyUrl\s*:\s*['\"]([^'\"]+)", script)
        proxy_path = proxy_url.group(1) if proxy_url else params.get("_path") or self.PROXY_PATHS[0]
        form = {
            "col": "1",
            "appid": params.get("appid", "1"),
            "webid": params.get("webid", ""),
            "path": params.get("path", "/"),
            "columnid": params.get("columnid", ""),
            "sourceContentType": "1",
            "unitid": params.get("unitid", ""),
            "webname": params.get("webname", ""),
            "permissiontype": params.get("permissiontype", "0"),
        }
        first_page = {href for href, _, _ in entries}
        for start in range(len(entries) + 1, total + 1, per_page):
            yield self.dataproxy_request(response, proxy_path, form, start, per_page, first_page)

    def dataproxy_request(
        self, response: Response, path: str, form: dict[str, str], start: int, per_page: int, first_page: set[str]
    ) -> scrapy.FormRequest:
        query = urlencode({"startrecord": start, "endrecord": start + per_page - 1, "perpage": per_page})
        return scrapy.FormRequest(
            urljoin(response.url, f"{path}?{query}"),
            formdata=form,
            callback=self.parse_dataproxy,
            errback=self.dataproxy_failed,
            cb_kwargs={"form": form, "start": start, "per_page": per_page, "first_page": first_page},
            meta={"column_url": response.url, "handle_httpstatus_list": [404]},
            headers={"Referer": response.url},
        )

    def parse_dataproxy(
        self, response: Response, form: dict[str, str], start: int, per_page: int, first_page: set[str]
    ) -> Iterator[Any]:
        if response.status == 404:
            # Some sites answer only at the other path variant.
            path = urlsplit(response.url).path
            others = [p for p in self.PROXY_PATHS if p != path]
            if others and not response.meta.get("tried_variant"):
                request = self.dataproxy_request(response, others[0], form, start, per_page, first_page)
                request.meta["tried_variant"] = True
                yield request
            else:
                self.logger.error("%s: dataproxy not found at any path variant", response.url)
                self.crawler.stats.inc_value("govcrawl/dataproxy_missing")
            return
        entries, _, _ = parse_datastore(response.text)
        if not entries:
            self.fail_empty(response, "jcms dataproxy page")
            return
        if {href for href, _, _ in entries} <= first_page:
            # Old jcms sites answer page 1 whatever page is asked for: stop paging this column.
            self.logger.warning("%s: dataproxy returned page 1 again; site does not page", response.url)
            self.crawler.stats.inc_value("govcrawl/dataproxy_repeats_first_page")
            return
        yield from self.follow_entries(response, entries)

    def dataproxy_failed(self, failure: Any) -> None:
        self.crawler.stats.inc_value("govcrawl/dataproxy_failed")
        self.logger.error("dataproxy request failed: %s", failure.getErrorMessage())


def _int(match: re.Match[str] | None) -> int | None:
    return int(match.group(1)) if match else None


# --- JPaaS ----------------------------------------------------------------------------


def parse_query_data(raw: str) -> dict[str, str]:
    """JPaaS ``queryData`` attributes are JSON with single quotes."""
    return {str(k): str(v) for k, v in json.loads(raw.replace("'", '"')).items()}


def parse_unit_html(html: str) -> tuple[list[tuple[str, str | None, str | None]], dict[str, int]]:
    sel = Selector(text=html)
    entries = []
    for li in sel.css("li"):
        link = li.css("a[href]")
        if not link:
            continue
        title = link.attrib.get("title") or " ".join(link.css("::text").getall()).strip() or None
        date = li.css("span.bt-right::text, span::text").get()
        entries.append((link.attrib["href"].strip(), title, date.strip() if date else None))
    pager: dict[str, int] = {}
    table = sel.css("table.pagination")
    for key in ("rows", "count", "pageno"):
        value = table.attrib.get(key) if table else None
        if value and value.isdigit():
            pager[key] = int(value)
    return entries, pager


class JpaasSpider(PortalSpider):
    """JPaaS: an empty column shell whose list comes from the unit API (``paramJson`` pageNo paging)."""

    def parse(self, response: Response) -> Iterator[Any]:
        m_url = re.search(r'url="(/api-gateway/[^"]+/front/page/build/unit)"', response.text)
        m_query = re.search(r'queryData="(\{[^"]+\})"', response.text)
        if not (m_url and m_query):
            self.fail_empty(response, "JPaaS column shell (no unitbuild url/queryData)")
            return
        query = parse_query_data(m_query.group(1))
        page_size = int(self.portal.options.get("page_size", 15))
        yield self.unit_request(response, m_url.group(1), query, 1, page_size)

    def unit_request(
        self, response: Response, path: str, query: dict[str, str], page_no: int, page_size: int
    ) -> scrapy.Request:
        params = dict(query)
        params["paramJson"] = json.dumps({"pageNo": page_no, "pageSize": page_size}, separators=(",", ":"))
        return scrapy.Request(
            urljoin(response.url, path) + "?" + urlencode(params),
            callback=self.parse_unit,
            cb_kwargs={"path": path, "query": query, "page_no": page_no, "page_size": page_size},
            headers={"Referer": response.url, "Accept": "application/json, text/plain, */*"},
            meta={"column_url": response.meta.get("column_url", response.url)},
        )

    def parse_unit(
        self, response: Response, path: str, query: dict[str, str], page_no: int, page_size: int
    ) -> Iterator[Any]:
        try:
            data = json.loads(response.text)
            html = data["data"]["html"]
        except (ValueError, KeyError, TypeError) as exc:
            self.crawler.stats.inc_value("govcrawl/bad_unit_api")
            self.logger.error("%s: JPaaS unit API answer not understood: %s", response.url, exc)
            return
        entries, pager = parse_unit_html(html)
        if not entries:
            if page_no == 1:
                self.fail_empty(response, "JPaaS unit API")
            return
        yield from self.follow_entries(response, entries)
        if page_no == 1:
            rows = pager.get("rows") or len(entries)
            count = pager.get("count") or len(entries)
            for number in range(2, math.ceil(count / rows) + 1):
                yield self.unit_request(response, path, query, number, rows)


# --- JavaScript-built listings (the browser) -------------------------------------------------


class ScriptListSpider(PortalSpider):
    """A listing that only JavaScript fills: rendered by Debian's Chromium through scrapy-playwright."""

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
        settings.set("DOWNLOAD_HANDLERS", {"http": handler, "https": handler}, priority="spider")
        launch: dict[str, Any] = {
            "executable_path": settings.get("GOVCRAWL_CHROMIUM"),
            "headless": True,
            "args": [
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        }
        if settings.get("GOVCRAWL_PROXY"):
            launch["proxy"] = {"server": settings.get("GOVCRAWL_PROXY")}
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch, priority="spider")

    def listing_request(self, url: str) -> scrapy.Request:
        from scrapy_playwright.page import PageMethod

        selector = self.portal.options.get("list_selector", "ul li a")
        return scrapy.Request(
            url,
            callback=self.parse,
            meta={
                "playwright": True,
                "playwright_page_methods": [PageMethod("wait_for_selector", selector, timeout=15_000)],
                "playwright_page_event_handlers": {"response": self.archive_browser_response},
            },
        )

    def parse(self, response: Response) -> Iterator[Any]:
        selector = self.portal.options.get("list_selector", "ul li a")
        entries = []
        for link in response.css(selector):
            href = link.attrib.get("href")
            if href:
                title = link.attrib.get("title") or " ".join(link.css("::text").getall()).strip() or None
                date = link.xpath("following-sibling::span[1]/text()").get()
                entries.append((href, title, date))
        if not entries:
            self.fail_empty(response, f"rendered list {selector!r}")
            return
        # Article pages are plain HTML: fetched without the browser.
        yield from self.follow_entries(response, entries)

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


# --- web search results (discovery channel) -----------------------------------------------------


class SearchResultsSpider(PortalSpider):
    """Follows every result of a web search for the reports, on any host; the junk filter judges them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed_domains = []  # results live on any host

    def parse(self, response: Response, page: int = 1) -> Iterator[Any]:
        links = response.css("div.result h3 a, div.c-container h3 a")
        if not links:
            self.fail_empty(response, "search results page")
            return
        for link in links:
            title = " ".join(link.css("::text").getall()).strip() or None
            yield response.follow(
                link.attrib["href"],
                callback=self.parse_article,
                cb_kwargs={"listing_title": title, "listing_date": None},
            )
        max_pages = int(self.portal.options.get("max_result_pages", 5))
        next_href = response.xpath('//a[contains(text(), "下一页")]/@href').get()
        if next_href and page < max_pages:
            yield response.follow(next_href, callback=self.parse, cb_kwargs={"page": page + 1})

    def portal_slug_for(self, url: str) -> str | None:
        portal = portal_for_host(urlsplit(url).hostname)
        return portal.slug if portal else None
