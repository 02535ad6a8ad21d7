"""TRS WCM static publishing: list pages ``<column>/index.html`` paged by a ``createPageHTML(…)`` script, articles
``./YYYYMM/tYYYYMMDD_N.html|.shtml|.htm`` beside the list, bodies in ``div.TRS_Editor``, attachments ``./P0….pdf``.

Every pager form the real samples show is read (``samples/national/PLATFORMS.md`` §3.1):

- ``createPageHTML(count, current0, "index", "html")``: 0-based, page 2 is ``index_1.html`` (NDRC);
- ``createPageHTML('page_div', count, current1, "name", "ext", total)``: 1-based, page 2 is ``name_2.ext``;
- ``createPageHTML(records, pages, current0)``: 3 arguments, ``index_N.html`` 0-based (Beijing);
- ``createPage(pages, current0, "index", "html")`` (Chongqing);
- no pager, every row in page 1 (sliced by script in the browser).

A page past the end may answer a short stub (status 200, no rows): the end of the list, not an error. A column may
hold sub-columns instead of articles — per year (``2023n/``, ``gknb2017/``) or per reporting unit
(``gqzf_72697/<unit>/``): the spider follows the links under the column's own path, and a report found in a unit's
list is attributed to that unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from govcrawl.crawl.spider import PortalSpider

# an article of the t-date family: ./202401/t20240120_123456.html
ARTICLE_RE = re.compile(r"(?:^|/)(\d{6})/t(\d{8})_\d+(?:_\d+)?\.s?html?$")
_ARGS = r"\s*['\"]?([\w.-]*)['\"]?\s*"
PAGER_RES = (
    # (form, regex): groups give count, current, name, ext
    ("6arg", re.compile(r"createPageHTML\(\s*['\"][\w-]+['\"]\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*['\"]([\w.-]+)['\"]\s*,\s*['\"](\w+)['\"]")),
    ("0based", re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*['\"]([\w.-]+)['\"]\s*,\s*['\"](\w+)['\"]")),
    ("createPage", re.compile(r"createPage\(\s*(\d+)\s*,\s*(\d+)\s*,\s*['\"]([\w.-]+)['\"]\s*,\s*['\"](\w+)['\"]")),
    ("3arg", re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)")),
)
NAVIGATION_TEXT = re.compile(r"新闻|服务中心|数据中心|办事(?!处)|帮助|个人中心|用户中心|互动|公开指南|公开制度|主动公开|依申请")
SUB_COLUMN_TEXT = re.compile(r"^(?:(?:19|20)\d{2}\s*年?度?(?:报告|年报)?|.{2,30}(?:政府|街道|办事处|镇|乡|局|委|办|中心|管委会|委员会|院|厅))$")


def pager(html: str, page_url: str) -> tuple[int, int, list[str]] | None:
    """(page count, this page's index 0-based, every page's URL in order) from a list page's pager script."""
    for form, rx in PAGER_RES:
        m = rx.search(html)
        if not m:
            continue
        path = urlsplit(page_url).path
        if form == "3arg":
            count, current = int(m.group(2)), int(m.group(3))
            name, ext = "index", (path.rsplit(".", 1)[1] if "." in path.rsplit("/", 1)[1] else "html")
        else:
            count, current, name, ext = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        if form == "6arg":
            current -= 1
            names = [f"{name}.{ext}"] + [f"{name}_{k}.{ext}" for k in range(2, count + 1)]
        else:
            names = [f"{name}.{ext}"] + [f"{name}_{k}.{ext}" for k in range(1, count)]
        base = page_url.split("?", 1)[0]
        base = base[: base.rindex("/") + 1]
        return count, max(0, current), [base + n for n in names]
    return None


def list_entries(response: Response) -> list[tuple[str, str | None, str | None]]:
    """(href, title, date) of the t-date article links on a list page."""
    out = []
    for link in response.css("a[href]"):
        href = link.attrib["href"].strip()
        if not ARTICLE_RE.search(urlsplit(href).path):
            continue
        title = link.attrib.get("title") or " ".join(link.css("::text").getall()).strip() or None
        date = link.xpath("following-sibling::*[1]/text()").get() or link.xpath("../span/text()").get()
        out.append((href, title, date.strip().replace("/", "-") if date else None))
    return list(dict.fromkeys(out))


def sub_columns(response: Response) -> list[tuple[str, str]]:
    """(url, link text) of lists under this column's own path: per-year and per-unit sub-columns."""
    here = urlsplit(response.url)
    folder = here.path.rsplit("/", 1)[0] + "/"
    found = []
    for link in response.css("a[href]"):
        href = link.attrib["href"].strip()
        if href.startswith(("javascript:", "#", "mailto:")):
            continue
        url = response.urljoin(href)
        parts = urlsplit(url)
        if parts.hostname != here.hostname or not parts.path.startswith(folder) or parts.path == here.path:
            continue
        if ARTICLE_RE.search(parts.path) or parts.path.rsplit("/", 1)[1] not in ("", "index.html", "index.shtml", "index.htm"):
            continue
        text = re.sub(r"\s+", "", " ".join(link.css("::text").getall()))
        if SUB_COLUMN_TEXT.match(text) and (re.match(r"(?:19|20)\d{2}", text) or len(text) >= 5) \
                and not NAVIGATION_TEXT.search(text):
            found.append((url, text))
    return list(dict.fromkeys(found))


class TrsSpider(PortalSpider):
    """TRS WCM static columns: createPageHTML paging, t-date articles, per-year and per-unit sub-columns."""

    name = "trs"

    @classmethod
    def recognise(cls, url: str, html: str) -> list[str]:
        ev = []
        if re.search(r"createPageHTML\(|createPage\(", html):
            ev.append("createPageHTML pager")
        if re.search(r"""href=["'][^"']*\d{6}/t\d{8}_\d+\.s?html?""", html):
            ev.append("t-date article links")
        if "TRS_Editor" in html or "trs_editor" in html.lower():
            ev.append("TRS_Editor body")
        return ev

    def is_listing(self, response: Response) -> bool:
        if not hasattr(response, "css"):
            return False
        return bool(list_entries(response) or pager(response.text, response.url) or sub_columns(response))

    def parse_listing(self, response: Response, unit: str | None = None, page: int = 0) -> Iterator[Any]:
        if not self.count_list_page(response):
            return
        entries = list_entries(response)
        if not entries:
            subs = sub_columns(response)
            if subs:
                for url, text in subs:
                    self.crawler.stats.inc_value("govcrawl/sub_columns")
                    unit_name = None if re.match(r"(?:19|20)\d{2}", text) else text
                    yield self.list_page_request(url, unit_name or unit, 0)
                return
            if page > 0:
                # past the end: a stub page (some sites answer one for every index_N), not a broken selector
                self.crawler.stats.inc_value("govcrawl/list_stub_pages")
                return
            self.fail_empty(response, "TRS list")
            return
        yield from self.follow_entries(response, entries, unit=unit)
        paging = pager(response.text, response.url)
        if paging is None:
            return
        count, current, urls = paging
        if current + 1 < count and not self.stop_paging(response, entries):
            yield self.list_page_request(urls[current + 1], unit, current + 1)

    def list_page_request(self, url: str, unit: str | None, page: int) -> scrapy.Request:
        # a list page is read on every crawl (its pages come from its own pager, bounded by max_list_pages); in a
        # distributed crawl the shared dupefilter is what lets exactly one worker read it
        return scrapy.Request(url, callback=self.parse_trs_list, cb_kwargs={"unit": unit, "page": page},
                              dont_filter=not self.distributed, meta={"handle_httpstatus_list": [304, 404]})

    def parse_trs_list(self, response: Response, unit: str | None = None, page: int = 0) -> Iterator[Any]:
        if response.status == 304:
            archived = self.archived_response(response)
            if archived is None:
                yield from self.recheck_known(response)
                return
            response = archived
        if response.status == 404:
            if page > 0:
                self.crawler.stats.inc_value("govcrawl/list_stub_pages")
                return
            self.fail_empty(response, "TRS sub-column (404)")
            return
        yield from self.parse_listing(response, unit, page)
