"""The base of every platform spider (``spiders/``): one registry portal, its listings -> article requests,
articles -> ``PageItem``, attachments, the paging rules of incremental crawls and backfills, and navigation
from a 政府信息公开 home to the annual-report column.

Selectors fail loudly: a column page that yields no entries is logged as an error and counted in
the stats (``govcrawl/empty_listing``), never silently treated as an empty portal.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import scrapy
from scrapy.http import Response

from govcrawl.analysis.classify import title_verdict
from govcrawl.analysis.dates import year_from_title
from govcrawl.analysis.text import to_simplified
from govcrawl.crawl.browser import BrowserCapture, use_browser
from govcrawl.crawl.items import AttachmentItem, PageItem
from govcrawl.crawl.ledger import route_fields
from govcrawl.crawl.registry import Portal
from govcrawl.crawl.tls import verify_settings
from govcrawl.store.store import crawler_store

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


class PortalSpider(scrapy.Spider, BrowserCapture):
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
        self.recheck_all = False
        self.distributed = False
        self._known: set[str] | None = None

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        verify_settings(settings, getattr(cls, "portal", None))  # a portal's broken certificate, by the registry
        # every platform may meet a wall that only a browser passes (govcrawl.crawl.middlewares.AntiBotMiddleware),
        # and the generic spider renders script-built lists: the browser is there, started only when asked for
        use_browser(settings)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> "PortalSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.year_range = _year_range(settings.get("GOVCRAWL_YEAR_FROM"), settings.get("GOVCRAWL_YEAR_TO"))
        spider.max_list_pages = settings.getint("GOVCRAWL_MAX_LIST_PAGES", 500)
        spider.incremental = settings.getbool("GOVCRAWL_INCREMENTAL")
        spider.recheck_all = spider.incremental and settings.getbool("GOVCRAWL_RECHECK_ALL")
        spider.distributed = bool(settings.get("GOVCRAWL_DISTRIBUTED"))
        if not settings.getbool("ROBOTSTXT_OBEY"):
            spider.logger.warning("robots.txt is NOT obeyed for this crawl (GOVCRAWL_ROBOTSTXT_OBEY=0)")
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.portal.start_urls:
            yield self.listing_request(url)
        for request in self.revisit_requests():
            yield request

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
        if hops == 0 and self.crawler.settings.getbool("GOVCRAWL_PROBE") and hasattr(response, "text"):
            self.record_platform_seen(response)
        if response.status == 304:
            archived = self.archived_response(response)
            if archived is None:
                yield from self.recheck_known(response)
            else:  # unchanged: read it as archived (navigation, a JPaaS shell, a jcms column alike)
                self.crawler.stats.inc_value("govcrawl/not_modified")
                yield from self.parse(archived, hops)
        elif self.is_listing(response):
            yield from self.parse_listing(response)
        else:
            yield from self.discover(response, hops)

    @classmethod
    def recognise(cls, url: str, html: str) -> list[str]:
        """Evidence that a page (a portal's home, its 政府信息公开 home, a list) is served by this platform: the
        URL shapes, scripts and markup only this platform has. ``platform = "auto"`` picks the platform with the
        most evidence; none: the generic spider."""
        return []

    def record_platform_seen(self, response: Response, overwrite: bool = True) -> None:
        """What platform a page shows (a probe checks the registry's ``platform``, it does not trust it); the first
        list page's evidence, when it has any, replaces the start page's."""
        from govcrawl.crawl.spiderloader import detect, platform_spiders

        name, evidence = detect(response.url, response.text, platform_spiders(self.crawler.settings))
        if evidence or overwrite:
            self.crawler.stats.set_value("govcrawl/platform_seen", name if evidence else "")
            self.crawler.stats.set_value("govcrawl/platform_seen_evidence", "; ".join(evidence))

    @classmethod
    def platform_column_links(cls, response: Response) -> list[str]:
        """The platform's own routes to the annual-report column from a home page (gkmlpt: its annual-report
        page), beside the navigation text and column tokens every platform shares (``column_links``)."""
        return []

    @classmethod
    def site_search_request(cls, spider: "PortalSpider", response: Response) -> scrapy.Request | None:
        """A search of the site for 年度报告, where the platform has a site search (the last resort of ``auto``)."""
        return None

    def is_listing(self, response: Response) -> bool:
        raise NotImplementedError

    def parse_listing(self, response: Response) -> Iterator[Any]:
        raise NotImplementedError

    def discover(self, response: Response, hops: int) -> Iterator[Any]:
        """Follow the 政府信息公开年报 / 年度报告 navigation towards the annual-report column."""
        found = column_links(response) or nav_links(response, DISCLOSURE_NAV_TEXT)
        # a link back to a start page (asked already; as dont_filter, the dupefilter does not know it) is no way on
        found = [url for url in found if url not in self.portal.start_urls]
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
        self, response: Response, entries: list[tuple[str, str | None, str | None]], unit: str | None = None
    ) -> Iterator[scrapy.Request]:
        """Requests for the article pages a listing names: (href, title, date) triples (``unit``: see
        ``article_request``).

        In an incremental crawl a page judged before is not asked from its listing: it is asked when its
        revisit is due (``revisit_requests``); new pages are asked at once.
        """
        for href, title, date in entries:
            url = absolute_url(response, href)
            if not self.wanted(title, date):
                self.crawler.stats.inc_value("govcrawl/entries_outside_years")
                continue
            if self.known_listed(url):
                continue
            yield self.article_request(url, title, date, referer=response.url, unit=unit)

    def known_listed(self, url: str) -> bool:
        """A page a listing names that an incremental crawl does not ask because of it: one judged before, asked
        when its revisit is due (``revisit_requests``). Counted (``govcrawl/entries_known``)."""
        if self.incremental and url in self.known():
            self.crawler.stats.inc_value("govcrawl/entries_known")
            return True
        return False

    def article_request(
        self, url: str, title: str | None, date: str | None, referer: str | None = None, unit: str | None = None,
        listing_meta: dict[str, str] | None = None,
    ) -> scrapy.Request:
        """An article a listing named; ``unit``: the reporting unit whose list (in a per-unit tree) named it;
        ``listing_meta``: the report fields the platform's list API gives for it (``PageItem.listing_meta``)."""
        kwargs: dict[str, Any] = {"listing_title": title, "listing_date": date}
        if unit:
            kwargs["listing_unit"] = unit
        if listing_meta:
            kwargs["listing_meta"] = listing_meta
        return scrapy.Request(
            url,
            callback=self.parse_article,
            cb_kwargs=kwargs,
            headers={"Referer": referer} if referer else None,
            meta={"article": True, "handle_httpstatus_list": [304]},
        )

    def archived_response(self, response: Response) -> Response | None:
        """An unchanged (304) page rebuilt from its last full capture in the WARC archive, or None."""
        from scrapy.http import HtmlResponse

        from govcrawl.archive.capture import read_capture
        from govcrawl.archive.digests import DigestIndex, capture_key
        from govcrawl.archive.files import ArchiveError

        settings = self.crawler.settings
        index = DigestIndex(crawler_store(self.crawler))
        # the capture the 304 confirms (its not-modified revisit record names it), else the latest full one
        confirmed = getattr(response.meta.get("warc"), "payload_digest", None)
        original = index.lookup(capture_key(response.url), confirmed) if confirmed else index.latest(response.url)
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
        """The list has not changed since the last crawl (and is not read back): it names no new page, and the
        pages it named are asked on their revisit schedule (``revisit_requests``), not because of it."""
        self.crawler.stats.inc_value("govcrawl/list_not_modified")
        self.crawler.stats.inc_value("govcrawl/not_modified")
        self.logger.info("%s unchanged; its known pages are checked when due", response.url)
        return iter(())

    def revisit_requests(self) -> Iterator[scrapy.Request]:
        """Conditional requests for the known pages whose revisit is due tonight (every one with
        ``GOVCRAWL_RECHECK_ALL``), in an incremental crawl of a portal whose last crawl completed.

        Counts ``govcrawl/revisit_known`` and ``govcrawl/revisit_due``; ``parse_article`` counts
        ``govcrawl/revisit_checked`` as their answers come.
        """
        if not self.incremental or not self.known():
            return
        import datetime as dt

        from govcrawl.crawl.revisit import RevisitPolicy, due_pages, known_page

        policy = RevisitPolicy.from_settings(self.crawler.settings, self.portal.options)
        pages = [known_page(row) for row in crawler_store(self.crawler).known_pages(self.portal.slug)]
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        due = due_pages(pages, policy, now, recheck_all=self.recheck_all)
        stats = self.crawler.stats
        stats.set_value("govcrawl/revisit_known", len(pages))
        stats.set_value("govcrawl/revisit_due", len(due))
        self.logger.info("%d of %d known pages due for a revisit%s", len(due), len(pages),
                         " (--recheck-all)" if self.recheck_all else "")
        for page in due:
            request = self.article_request(page.url, page.title, page.date, unit=page.unit,
                                           listing_meta=page.listing_meta or None)
            request.meta["revisit"] = True
            yield request

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
            urls = {absolute_url(response, href) for href, _, _ in entries}
            if urls <= self.known():
                self.crawler.stats.inc_value("govcrawl/paging_stopped_known")
                return True
        return False

    def count_list_page(self, response: Response) -> bool:
        """Counts list pages; False once the bound on list pages (a pagination trap) is reached."""
        self.crawler.stats.inc_value("govcrawl/list_pages")
        pages = self.crawler.stats.get_value("govcrawl/list_pages")
        if pages == 1:
            self.crawler.stats.set_value("govcrawl/first_list_page", response.url)  # where the column was found
            if self.crawler.settings.getbool("GOVCRAWL_PROBE") and hasattr(response, "text"):
                self.record_platform_seen(response, overwrite=False)  # the list tells better than a 政府信息公开 home
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
        self, response: Response, listing_title: str | None = None, listing_date: str | None = None,
        listing_unit: str | None = None, listing_meta: dict[str, str] | None = None,
    ) -> Iterator[Any]:
        if response.meta.get("revisit"):
            self.crawler.stats.inc_value("govcrawl/revisit_checked")
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
            yield self.attachment_request(url, response.url)
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
            listing_unit=listing_unit,
            listing_meta=dict(listing_meta or {}),
            referer=referer.decode("latin-1") if referer else None,
            attachments=attachments,
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
            **_warc_fields(response),
            # its WARC record is a revisit: these bytes were archived under this URL before
            payload_seen_before=getattr(response.meta.get("warc"), "record_type", None) == "revisit",
            **route_fields(response),
        )

    def attachment_request(self, url: str, report_url: str) -> scrapy.Request:
        # Archived by the WARC capture; attachments may live on another host than the portal.
        # the report it belongs to rides in meta, kept through redirects (downfile.jsp -> 302 -> /attach/0/<file>),
        # where Scrapy's Referer becomes the redirecting URL
        return scrapy.Request(url, callback=self.parse_attachment, headers={"Referer": report_url},
                              meta={"allow_offsite": True, "report_url": report_url})

    def parse_attachment(self, response: Response) -> Iterator[AttachmentItem]:
        self.crawler.stats.inc_value("govcrawl/attachments")
        referer = response.request.headers.get("Referer") if response.request else None
        yield AttachmentItem(
            url=response.url,
            report_url=response.meta.get("report_url") or (referer.decode("latin-1") if referer else None),
            portal=self.portal_slug_for(response.url) if not self.portal.is_channel else None,
            body=response.body,
            content_type=_header(response, "Content-Type"),
            status=response.status,
            **_warc_fields(response),
        )

    def portal_slug_for(self, url: str) -> str | None:
        return self.portal.slug


def absolute_url(response: Response, href: str) -> str:
    url = response.urljoin(href.strip())
    return "http:" + url if url.startswith("//") else url


def _year_range(first: Any, last: Any) -> tuple[int, int] | None:
    if first in (None, ""):
        return None
    first = int(first)
    return first, int(last) if last not in (None, "") else first


# the annual-report column's folder names seen on real portals (samples/national/PLATFORMS.md §4)
COLUMN_TOKEN_RE = re.compile(r"(?:^|[/_.-])(?:zfxxgknb|xxgknb|zfxxgkndbg|zfxxgkgzndbg|xxgkndbg|gknb|ndbg|annualreport|"
                             r"xxgkannualreport|xxgk-xxgknb)(?:\d*|_\d+)(?:[/_.?#-]|$)", re.I)
_LIST_END_RE = re.compile(r"(?:/|/index(?:_\d+)?\.s?html?|/[\w-]*list(?:_\d+)?\.s?html?|/annualreport(?:#\w*)?)$", re.I)


def column_links(response: Response) -> list[str]:
    """Links to the annual-report column: by their text (政府信息公开年报 …), else by a column token in a list URL
    (…/zfxxgknb/, …/xxgknb/index.html, /gkmlpt/annualreport)."""
    found = nav_links(response)
    if found or not hasattr(response, "css"):
        return found
    for href in response.css("a[href]::attr(href)").getall():
        href = href.strip()
        if href.startswith(("javascript:", "#", "mailto:")):
            continue
        url = response.urljoin(href)
        path = urlsplit(url).path + ("#" + urlsplit(url).fragment if urlsplit(url).fragment else "")
        if COLUMN_TOKEN_RE.search(path) and _LIST_END_RE.search(path):
            found.append(url)
    return list(dict.fromkeys(found))[:3]


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


