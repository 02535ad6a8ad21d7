"""Spider base classes, one per site platform, so a portal's own spider is just its slug.

- ``PortalSpider``: shared behaviour (registry entry, article pages -> ``PageItem``, attachments).
- ``JcmsSpider``: Hanweb jcms columns, first page embedded as ``<datastore>`` XML, further pages
  through POST ``dataproxy.jsp`` (either path variant).
- ``JpaasSpider``: JPaaS column shells filled from the ``/front/page/build/unit`` JSON API.
- ``GenericSpider``: portals off the platforms: link following towards report titles, bounded depth;
  a listing built by JavaScript is rendered in headless Chromium (scrapy-playwright), the only
  place the browser is used.
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
from govcrawl.items import AttachmentItem, PageItem
from govcrawl.classify import title_verdict
from govcrawl.extract import year_from_title
from govcrawl.registry import Portal, default_registry
from govcrawl.storage import crawler_store
from govcrawl.text import to_simplified

ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".ofd", ".xls", ".xlsx", ".zip", ".rar")
ARTICLE_PATH = re.compile(r"/art/\d{4}/")
# Any link to an attachment names its extension somewhere in the page's bytes (also escaped): a page
# without one has no attachment, and is spared a parse of its whole document for links.
ATTACHMENT_HINT = re.compile(
    rb"(?:\.|%2e|&#46;|&#x2e;)(?:" + b"|".join(e[1:].encode() for e in ATTACHMENT_EXTENSIONS) + rb")", re.I
)


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


# Navigation text that leads from a 政府信息公开 home to the annual-report column ...
REPORT_NAV_TEXT = re.compile(r"(政府信息公开|政务公开|信息公开)?(工作)?(年度报告|年报)")
# ... and, when a page has no such link, the disclosure sections that usually hold it.
DISCLOSURE_NAV_TEXT = re.compile(r"^(法定主动公开内容|主动公开(内容|目录)?|(政府)?信息公开目录|政府信息公开|政务公开)$")
MAX_DISCOVERY_HOPS = 3


class PortalSpider(scrapy.Spider):
    """A spider for one registry portal; ``govcrawl.spiderloader`` binds ``portal`` and ``name`` (the slug)."""

    portal: Portal

    def __init__(self, *args: Any, portal: Portal | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if portal is not None:
            self.portal = portal
        self.allowed_domains = list(self.portal.hosts)
        self.year_range: tuple[int, int] | None = None
        self.max_list_pages = 500
        self.incremental = False
        self.distributed = False
        self._known: set[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> "PortalSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.year_range = _year_range(settings.get("GOVCRAWL_YEAR_FROM"), settings.get("GOVCRAWL_YEAR_TO"))
        spider.max_list_pages = settings.getint("GOVCRAWL_MAX_LIST_PAGES", 500)
        spider.incremental = settings.getbool("GOVCRAWL_INCREMENTAL")
        spider.distributed = bool(settings.get("GOVCRAWL_DISTRIBUTED"))
        if not settings.getbool("ROBOTSTXT_OBEY"):
            spider.logger.warning("robots.txt is NOT obeyed for this crawl (GOVCRAWL_ROBOTSTXT_OBEY=0)")
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.portal.start_urls:
            yield self.listing_request(url)

    def listing_request(self, url: str, hops: int = 0) -> scrapy.Request:
        # List pages are always fetched (conditionally, in an incremental crawl); never dupe-filtered.
        # Start pages bypass the dupefilter (a rerun reads them again), except in a distributed crawl,
        # where the shared dupefilter is what lets exactly one worker fetch them.
        return scrapy.Request(
            url, callback=self.parse, cb_kwargs={"hops": hops},
            dont_filter=hops == 0 and not self.distributed,
            meta={"handle_httpstatus_list": [304]},
        )

    def parse(self, response: Response, hops: int = 0) -> Iterator[Any]:
        """A start page: the annual-report column itself, or a page whose navigation leads to it."""
        if response.status == 304:
            archived = self.archived_response(response)
            if archived is None:
                yield from self.recheck_known(response)
            else:  # unchanged: read it as archived (navigation, a JPaaS shell, a jcms column alike)
                yield from self.parse(archived, hops)
        elif self.is_listing(response):
            yield from self.parse_listing(response)
        else:
            yield from self.discover(response, hops)

    def is_listing(self, response: Response) -> bool:
        raise NotImplementedError

    def parse_listing(self, response: Response) -> Iterator[Any]:
        raise NotImplementedError

    def discover(self, response: Response, hops: int) -> Iterator[Any]:
        """Follow the 政府信息公开年报 / 年度报告 navigation towards the annual-report column."""
        found = nav_links(response) or nav_links(response, DISCLOSURE_NAV_TEXT)
        if not found:
            self.fail_empty(response, "start page (neither a report list nor a link to one)")
            return
        if hops >= MAX_DISCOVERY_HOPS:
            self.fail_empty(response, f"navigation ({MAX_DISCOVERY_HOPS} hops without reaching a list)")
            return
        for url in found:
            self.logger.info("%s: following navigation to %s", response.url, url)
            yield self.listing_request(url, hops + 1)

    # --- listings -------------------------------------------------------------
    def follow_entries(
        self, response: Response, entries: list[tuple[str, str | None, str | None]]
    ) -> Iterator[scrapy.Request]:
        """Requests for the article pages a listing names: (href, title, date) triples."""
        for href, title, date in entries:
            url = _absolute(response, href)
            if not self.wanted(title, date):
                self.crawler.stats.inc_value("govcrawl/entries_outside_years")
                continue
            yield self.article_request(url, title, date, referer=response.url)

    def article_request(
        self, url: str, title: str | None, date: str | None, referer: str | None = None
    ) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_article,
            cb_kwargs={"listing_title": title, "listing_date": date},
            headers={"Referer": referer} if referer else None,
            meta={"article": True, "handle_httpstatus_list": [304]},
        )

    def archived_response(self, response: Response) -> Response | None:
        """An unchanged (304) page rebuilt from its last full capture in the WARC archive, or None."""
        from scrapy.http import HtmlResponse

        from govcrawl.archive import ArchiveError, read_capture
        from govcrawl.digests import DigestIndex

        settings = self.crawler.settings
        original = DigestIndex(crawler_store(self.crawler)).latest(response.url)
        if original is None:
            return None
        try:
            page = read_capture(
                settings.get("GOVCRAWL_WARC_DIR"), original.warc_filename, original.warc_offset,
                settings.get("GOVCRAWL_DB_URL"),
            )
        except (ArchiveError, OSError) as exc:
            self.logger.warning("%s: unchanged, but its capture could not be read back: %s", response.url, exc)
            return None
        self.crawler.stats.inc_value("govcrawl/read_from_archive")
        headers = {"Content-Type": page.content_type} if page.content_type else {}
        return HtmlResponse(response.url, status=200, headers=headers, body=page.body, request=response.request)

    def recheck_known(self, response: Response) -> Iterator[scrapy.Request]:
        """The list has not changed since the last crawl: check each page it listed then, conditionally."""
        self.crawler.stats.inc_value("govcrawl/list_not_modified")
        self.crawler.stats.inc_value("govcrawl/not_modified")
        known = crawler_store(self.crawler).known_urls(self.portal.slug)
        self.logger.info("%s unchanged; re-checking its %d known pages", response.url, len(known))
        for url in sorted(known):
            yield self.article_request(url, None, None, referer=response.url)

    def known(self) -> set[str]:
        """Pages of this portal judged by earlier runs (incremental crawls stop paging at them).

        Only when the portal's last crawl completed: after an interrupted one, its older list pages
        may never have been read, so the whole list is paged again.
        """
        if self._known is None:
            store = crawler_store(self.crawler)
            complete = self.incremental and store.portal_completed(
                self.portal.slug, exclude_crawl_id=self.crawler.settings.get("GOVCRAWL_CRAWL_ID") or None
            )
            self._known = store.known_urls(self.portal.slug) if complete else set()
        return self._known

    def wanted(self, title: str | None, date: str | None) -> bool:
        """In a backfill, only entries that may be reports of the years asked for."""
        if self.year_range is None:
            return True
        first, last = self.year_range
        year = year_from_title(to_simplified(title)) if title else None
        if year is not None:
            return first <= year <= last
        # No year in the title: reports of year Y appear from its last weeks to the end of Y+1 (late ones later).
        return not date or f"{first}-12-01" <= date[:10] <= f"{last + 2}-12-31"

    def stop_paging(self, response: Response, entries: list[tuple[str, str | None, str | None]]) -> bool:
        """After a (newest-first) list page: is there no need for the next one?

        A backfill stops once a page is entirely older than its years; an incremental crawl once every
        entry of a page is already known.
        """
        if self.year_range is not None:
            dates = [d[:10] for _, _, d in entries if d]
            if dates and max(dates) < f"{self.year_range[0]}-12-01":
                return True
        if self.incremental:
            urls = {_absolute(response, href) for href, _, _ in entries}
            if urls <= self.known():
                self.crawler.stats.inc_value("govcrawl/paging_stopped_known")
                return True
        return False

    def count_list_page(self, response: Response) -> bool:
        """Counts list pages; False once the bound on list pages (a pagination trap) is reached."""
        self.crawler.stats.inc_value("govcrawl/list_pages")
        pages = self.crawler.stats.get_value("govcrawl/list_pages")
        if pages > self.max_list_pages:
            self.crawler.stats.inc_value("govcrawl/list_page_limit")
            self.logger.error("%s: more than %d list pages; stopping (pagination trap?)", response.url, self.max_list_pages)
            return False
        return True

    def fail_empty(self, response: Response, what: str) -> None:
        self.crawler.stats.inc_value("govcrawl/empty_listing")
        self.logger.error("%s: %s yielded no entries; has the page's structure changed?", response.url, what)

    # --- articles -------------------------------------------------------------
    def parse_article(
        self, response: Response, listing_title: str | None = None, listing_date: str | None = None
    ) -> Iterator[Any]:
        if response.status == 304:
            # Unchanged since the archived capture (conditional request of an incremental crawl).
            crawler_store(self.crawler).seen_again(response.url)
            self.crawler.stats.inc_value("govcrawl/not_modified")
            return
        attachments: list[str] = []
        if hasattr(response, "css") and ATTACHMENT_HINT.search(response.body):
            for href in response.css("a::attr(href)").getall():
                url = response.urljoin(href.strip())
                if _is_attachment(url):
                    attachments.append(url)
        attachments = list(dict.fromkeys(attachments))
        for url in attachments:
            # Archived by the WARC capture; attachments may live on another host than the portal.
            yield scrapy.Request(
                url,
                callback=self.parse_attachment,
                headers={"Referer": response.url},
                meta={"allow_offsite": True},
            )
        referer = response.request.headers.get("Referer") if response.request else None
        yield PageItem(
            url=response.url,
            portal=self.portal_slug_for(response.url),
            body=response.body,
            content_type=response.headers.get("Content-Type", b"").decode("latin-1") or None,
            status=response.status,
            found_via=self.name,
            listing_title=listing_title,
            listing_date=listing_date,
            referer=referer.decode("latin-1") if referer else None,
            attachments=attachments,
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
            **_warc_fields(response),
        )

    def parse_attachment(self, response: Response) -> Iterator[AttachmentItem]:
        self.crawler.stats.inc_value("govcrawl/attachments")
        referer = response.request.headers.get("Referer") if response.request else None
        yield AttachmentItem(
            url=response.url,
            report_url=referer.decode("latin-1") if referer else None,
            portal=self.portal_slug_for(response.url) if not self.portal.is_channel else None,
            body=response.body,
            content_type=_header(response, "Content-Type"),
            status=response.status,
            **_warc_fields(response),
        )

    def portal_slug_for(self, url: str) -> str | None:
        return self.portal.slug


def _absolute(response: Response, href: str) -> str:
    url = response.urljoin(href.strip())
    return "http:" + url if url.startswith("//") else url


def _year_range(first: Any, last: Any) -> tuple[int, int] | None:
    if first in (None, ""):
        return None
    first = int(first)
    return first, int(last) if last not in (None, "") else first


def nav_links(response: Response, pattern: re.Pattern[str] = REPORT_NAV_TEXT) -> list[str]:
    """Links whose text matches ``pattern`` (by default: names the annual reports, 政府信息公开年报 ...)."""
    if not hasattr(response, "css"):
        return []
    found = []
    for link in response.css("a[href]"):
        text = re.sub(r"\s+", "", " ".join(link.css("::text").getall()) or link.attrib.get("title", ""))
        text = to_simplified(text)
        if not text or len(text) > 20 or not pattern.search(text):
            continue
        if title_verdict(text)[0] == "report" and re.search(r"\d{4}|[〇零一二三四五六七八九]{4}", text):
            continue  # a report itself, not the column
        href = link.attrib["href"].strip()
        if href.startswith(("javascript:", "#", "mailto:")):
            continue
        found.append(response.urljoin(href))
    return list(dict.fromkeys(found))[:3]


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


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
    """Hanweb jcms: ``/col/colN/index.html`` + ``/module/jpage/dataproxy.jsp`` paging, one page at a time."""

    PROXY_PATHS = ("/module/jpage/dataproxy.jsp", "/module/web/jpage/dataproxy.jsp")

    def is_listing(self, response: Response) -> bool:
        return bool(response.xpath('//script[@type="text/xml"]/text()').re_first(r"<datastore"))

    def parse_listing(self, response: Response) -> Iterator[Any]:
        if not self.count_list_page(response):
            return
        xml = response.xpath('//script[@type="text/xml"]/text()').get()
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
        paging = {
            "path": proxy_path,
            "form": form,
            "per_page": per_page,
            "total": total,
            "first_page": {href for href, _, _ in entries},
        }
        if len(entries) < total and not self.stop_paging(response, entries):
            yield self.dataproxy_request(response, paging, len(entries) + 1)

    def dataproxy_request(self, response: Response, paging: dict[str, Any], start: int) -> scrapy.FormRequest:
        end = min(start + paging["per_page"] - 1, paging["total"])
        query = urlencode({"startrecord": start, "endrecord": end, "perpage": paging["per_page"]})
        return scrapy.FormRequest(
            urljoin(response.url, f"{paging['path']}?{query}"),
            formdata=paging["form"],
            callback=self.parse_dataproxy,
            errback=self.dataproxy_failed,
            cb_kwargs={"paging": paging, "start": start},
            meta={"handle_httpstatus_list": [404], "column_url": response.meta.get("column_url", response.url)},
            headers={"Referer": response.meta.get("column_url", response.url)},
        )

    def parse_dataproxy(self, response: Response, paging: dict[str, Any], start: int) -> Iterator[Any]:
        if response.status == 404:
            # Some sites answer only at the other path variant.
            others = [p for p in self.PROXY_PATHS if p != urlsplit(response.url).path]
            if others and not paging.get("tried_variant"):
                paging = {**paging, "path": others[0], "tried_variant": True}
                yield self.dataproxy_request(response, paging, start)
            else:
                self.logger.error("%s: dataproxy not found at any path variant", response.url)
                self.crawler.stats.inc_value("govcrawl/dataproxy_missing")
            return
        if not self.count_list_page(response):
            return
        entries, _, _ = parse_datastore(response.text)
        if not entries:
            self.fail_empty(response, "jcms dataproxy page")
            return
        if {href for href, _, _ in entries} <= paging["first_page"]:
            # Old jcms sites answer page 1 whatever page is asked for: stop paging this column.
            self.logger.warning("%s: dataproxy returned page 1 again; the site does not page", response.url)
            self.crawler.stats.inc_value("govcrawl/dataproxy_repeats_first_page")
            return
        yield from self.follow_entries(response, entries)
        following = start + paging["per_page"]
        if following <= paging["total"] and not self.stop_paging(response, entries):
            yield self.dataproxy_request(response, paging, following)

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

    UNIT_URL = re.compile(r'url="(/api-gateway/[^"]+/front/page/build/unit)"')
    QUERY_DATA = re.compile(r'queryData="(\{[^"]+\})"')

    def is_listing(self, response: Response) -> bool:
        return bool(self.UNIT_URL.search(response.text) and self.QUERY_DATA.search(response.text))

    def parse_listing(self, response: Response) -> Iterator[Any]:
        path = self.UNIT_URL.search(response.text).group(1)
        query = parse_query_data(self.QUERY_DATA.search(response.text).group(1))
        page_size = int(self.portal.options.get("page_size", 15))
        yield self.unit_request(response, path, query, 1, page_size)

    def unit_request(
        self, response: Response, path: str, query: dict[str, str], page_no: int, page_size: int
    ) -> scrapy.Request:
        params = dict(query)
        params["paramJson"] = json.dumps({"pageNo": page_no, "pageSize": page_size}, separators=(",", ":"))
        column_url = response.meta.get("column_url", response.url)
        return scrapy.Request(
            urljoin(response.url, path) + "?" + urlencode(params),
            callback=self.parse_unit,
            cb_kwargs={"path": path, "query": query, "page_no": page_no, "page_size": page_size},
            headers={"Referer": column_url, "Accept": "application/json, text/plain, */*"},
            meta={"column_url": column_url},
        )

    def parse_unit(
        self, response: Response, path: str, query: dict[str, str], page_no: int, page_size: int
    ) -> Iterator[Any]:
        if not self.count_list_page(response):
            return
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
        rows = pager.get("rows") or len(entries)
        count = pager.get("count") or len(entries)
        if page_no < math.ceil(count / rows) and not self.stop_paging(response, entries):
            # The server may cap pageSize: page by what it actually used.
            yield self.unit_request(response, path, query, page_no + 1, rows)


# --- portals off the platforms, and JavaScript-built listings (the browser) ---------------------

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class GenericSpider(PortalSpider):
    """Any portal: in-scope link following towards report titles, depth-bounded.

    With ``list_selector`` the (rendered) list page's entries are all followed (the junk filter judges
    them); without it, links whose text is a report title are articles and navigation links
    (年报 / 年度报告 / 信息公开 / 下一页) are followed up to ``max_depth``. The browser renders the start
    page only when the registry says ``needs_browser`` or when a plain fetch finds no links but the page
    builds its list by script.
    """

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
        settings.set("DOWNLOAD_HANDLERS", {"http": handler, "https": handler}, priority="spider")
        launch: dict[str, Any] = {
            "executable_path": settings.get("GOVCRAWL_CHROMIUM"),
            "headless": True,
            "args": BROWSER_ARGS,
        }
        if settings.get("GOVCRAWL_PROXY"):
            launch["proxy"] = {"server": settings.get("GOVCRAWL_PROXY")}
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch, priority="spider")

    def listing_request(
        self, url: str, hops: int = 0, browser: bool | None = None, follow_up: bool = False
    ) -> scrapy.Request:
        if browser is None:
            # An incremental crawl first asks plainly (and conditionally) whether the list changed at all.
            browser = bool(self.portal.options.get("needs_browser")) and not self.incremental
        if not browser:
            return super().listing_request(url, hops)
        from scrapy_playwright.page import PageMethod

        selector = self.portal.options.get("list_selector", "a[href]")
        return scrapy.Request(
            url,
            callback=self.parse,
            cb_kwargs={"hops": hops},
            # a render after a plain fetch of the same URL must pass the dupefilter; a first fetch need not
            # (in a distributed crawl the shared dupefilter is what lets exactly one worker render it)
            dont_filter=follow_up or not self.distributed,
            meta={
                "playwright": True,
                "playwright_page_methods": [PageMethod("wait_for_selector", selector, timeout=15_000)],
                # by name, so the request stays serialisable (JOBDIR, the Redis frontier)
                "playwright_page_event_handlers": {"response": "archive_browser_response"},
            },
        )

    def parse(self, response: Response, hops: int = 0) -> Iterator[Any]:
        if response.status == 304:
            yield from self.recheck_known(response)
            return
        if self.incremental and self.portal.options.get("needs_browser") and not response.meta.get("playwright"):
            yield self.listing_request(response.url, hops, browser=True, follow_up=True)  # changed: render it
            return
        entries = self.list_entries(response)
        if entries:
            if self.count_list_page(response):
                yield from self.follow_entries(response, entries)
            return
        if not response.meta.get("playwright") and _script_built(response):
            self.logger.info("%s: no links without JavaScript; rendering it in the browser", response.url)
            self.crawler.stats.inc_value("govcrawl/browser_detected")
            yield self.listing_request(response.url, hops, browser=True, follow_up=True)
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


def _script_built(response: Response) -> bool:
    """A page with (almost) no links of its own but inline script that builds the DOM."""
    if not hasattr(response, "xpath"):
        return False
    script = " ".join(response.xpath("//script[not(@src)]/text()").getall())
    builds = re.search(r"innerHTML|appendChild|insertAdjacentHTML|document\.write|createElement", script)
    return bool(builds) and len(script) > 200


def _next_page_links(response: Response) -> list[str]:
    if not hasattr(response, "xpath"):
        return []
    hrefs = response.xpath('//a[contains(., "下一页") or contains(., "下页") or contains(., "下一頁")]/@href').getall()
    return [response.urljoin(h) for h in hrefs if h and not h.startswith(("javascript:", "#"))]


# --- web search results (discovery channel) -----------------------------------------------------


class SearchResultsSpider(PortalSpider):
    """Follows every result of a web search for the reports, on any host; the junk filter judges them."""

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
