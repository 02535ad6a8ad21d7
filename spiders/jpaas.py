"""Hanweb JPaaS: column shells filled from the ``/front/page/build/unit`` JSON API (``paramJson`` pageNo paging).

The shell's ``unitbuild.js`` script names the API (``url="…/front/page/build/unit"``) and its parameters
(``queryData="{'webId':…,'pageId':…,'tplSetId':…,'tagId':…}"``): hex ids in Zhejiang and the ministries, plain
numbers elsewhere (``hyj.yantai.gov.cn``: ``webId=52``, ``pageId=1638``), quoted or not. Pages are asked for inside
``paramJson={"pageNo":N,"pageSize":S}``; the answer's pager table (``rows``, ``count``) says how many pages there are
and the size the server actually used (some cap it); without one, pages are read until an empty (or repeated) one.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urljoin

import scrapy
from parsel import Selector
from scrapy.http import Response

from govcrawl.crawl.spider import PortalSpider
from spiders.jcms import hanweb_evidence

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

    name = "jpaas"

    @classmethod
    def recognise(cls, url: str, html: str) -> list[str]:
        ev = hanweb_evidence(url, html)
        if re.search(r"jpaas-(?:publish|web)-server|/api-gateway/", html):
            ev.append("JPaaS api-gateway")
        if 'queryData="' in html or "unitbuild.js" in html:
            ev.append("JPaaS unitbuild queryData")
        if re.search(r"/cms_files/(?:jcms1/web\d+|default/script)/", html):
            ev.append("JPaaS /cms_files/ site files")
        if re.search(r"/col/col\d+/art/\d{4}/art_[0-9a-f]{16,}\.html", html + " " + url):
            ev.append("JPaaS /col/colN/art/YYYY/art_<hex> articles")
        return ev

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
        self, response: Response, path: str, query: dict[str, str], page_no: int, page_size: int,
        previous: list[str] | None = None,
    ) -> scrapy.Request:
        params = dict(query)
        params["paramJson"] = json.dumps({"pageNo": page_no, "pageSize": page_size}, separators=(",", ":"))
        column_url = response.meta.get("column_url", response.url)
        return scrapy.Request(
            urljoin(response.url, path) + "?" + urlencode(params),
            callback=self.parse_unit,
            cb_kwargs={"path": path, "query": query, "page_no": page_no, "page_size": page_size,
                       **({"previous": previous} if previous else {})},
            headers={"Referer": column_url, "Accept": "application/json, text/plain, */*"},
            meta={"column_url": column_url},
        )

    def parse_unit(
        self, response: Response, path: str, query: dict[str, str], page_no: int, page_size: int,
        previous: list[str] | None = None,
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
        if self.stop_paging(response, entries):
            return
        if "count" in pager:
            rows = pager.get("rows") or len(entries)
            if page_no < math.ceil(pager["count"] / rows):
                # The server may cap pageSize: page by what it actually used.
                yield self.unit_request(response, path, query, page_no + 1, rows)
        elif [href for href, _, _ in entries] != (previous or []):
            # no count in the answer: ask for the next page until one is empty (or the server repeats a page)
            yield self.unit_request(response, path, query, page_no + 1, page_size, [href for href, _, _ in entries])
        else:
            self.crawler.stats.inc_value("govcrawl/jpaas_repeated_page")


