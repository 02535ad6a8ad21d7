"""Hanweb jcms (大汉): ``/col/colN/index.html`` columns whose first page is embedded as ``<datastore>`` XML,
further pages through POST ``dataproxy.jsp`` (``/module/jpage/`` or ``/module/web/jpage/``), one page at a time."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response

from govcrawl.crawl.spider import PortalSpider

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

    name = "jcms"

    PROXY_PATHS = ("/module/jpage/dataproxy.jsp", "/module/web/jpage/dataproxy.jsp")

    @classmethod
    def recognise(cls, url: str, html: str) -> list[str]:
        ev = []
        if re.search(r"/col/col\d+/|/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+", html + " " + url):
            ev.append("Hanweb /col/colN/ or /art/ URLs")
        if "<datastore" in html or "dataproxy.jsp" in html:
            ev.append("jcms datastore / dataproxy")
        if re.search(r"hanweb|jcms_files|/module/web/jpage/", html, re.I):
            ev.append("Hanweb jcms markers")
        return ev

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


