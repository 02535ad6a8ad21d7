"""Hanweb jcms (大汉): ``/col/colN/index.html`` columns, ``/art/Y/M/D/art_C_N.html`` articles, in every list form
seen in Zhejiang and beyond (``samples/national/PLATFORMS.md`` §3.2):

- the first group of a jpage list embedded as ``<datastore>`` XML (``perPage`` × ``groupSize`` records), further
  groups by POST to the ``dataproxy.jsp`` URL the page's own ``<nextgroup>`` names (``/module/jpage/`` or
  ``/module/web/jpage/``; its ids, plain or encrypted, are passed on as written: never a guessed ``unitid``), with
  the record window ``startrecord``/``endrecord``/``perpage`` and the unit's ``param_<unitid>`` as form; the
  ``totalRecord`` is the one of the jpage call that shows the embedded store (a page may carry other calls, a search
  form's, with placeholder totals); old sites that answer page 1 for every page are detected;
- several jpage units on one page (desktop and mobile) repeating the same records: each record once, the copy
  neither followed nor paged;
- columns whose own HTML lists their articles (``art_<this column>_N``) while the dataproxy answers empty
  (Shandong): the page's links are the list, an empty dataproxy answer is then no failure;
- the xxgk module (``/module/xxgk/search_custom.jsp?…&currpage=N``, framed in a column page): rows
  ``tr.tr_main_value_odd|even`` whose pages come from ``currpage`` (``共N页``), their 索引号 / 文号 / 发布机构
  (``syh``/``wh``/``mc``/``rq`` attributes, or the columns the header row names) passed on as the listing's metadata;
- report trees of sub-columns per year, where a year's column page is itself the report (jtyst.jiangsu
  ``/col/col90231/index.html``), or a list of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response

from govcrawl.analysis.classify import title_verdict
from govcrawl.analysis.text import to_simplified
from govcrawl.crawl.spider import PortalSpider, absolute_url

Entry = tuple[str, str | None, str | None]

_DATE = re.compile(r"(?:19|20)\d{2}-\d{1,2}-\d{1,2}")


def parse_datastore(xml: str) -> tuple[list[Entry], dict[str, str], int | None]:
    """Entries, nextgroup parameters and totalrecord of a jcms ``<datastore>`` document."""
    sel = Selector(text=xml, type="xml")
    entries: list[Entry] = []
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
    href = nextgroup_href(xml)
    if href:
        params = dict(parse_qsl(urlsplit(href).query))
        params["_path"] = urlsplit(href).path
    total = sel.xpath("//totalrecord/text()").get()
    return entries, params, int(total) if total and total.strip().isdigit() else None


def nextgroup_href(xml: str) -> str | None:
    """The dataproxy URL of a datastore's ``<nextgroup>`` link, as written."""
    m = re.search(r"<nextgroup>\s*(?:<!\[CDATA\[)?\s*<a\b[^>]*\bhref=[\"']([^\"']+)", xml, re.I)
    return m.group(1).strip() if m else None


# --- jpage units ---------------------------------------------------------------------------------------

_JPAGE_CALL = re.compile(r"(?:\$\(\s*['\"]#([\w-]+)['\"]\s*\)\s*\.|\$\.)jpage\(\s*\{(.*?)\}\s*\)", re.S)


def _js_value(body: str, key: str) -> str | None:
    m = re.search(rf"\b{key}\s*:\s*(?:'([^']*)'|\"([^\"]*)\"|([\w.$/-]+))", body)
    if not m:
        return None
    return next(g for g in m.groups() if g is not None)


def _js_object(script: str, name: str) -> dict[str, str]:
    """``var name = {a:1, b:'x'}`` as a dict of strings."""
    m = re.search(rf"\bvar\s+{re.escape(name)}\s*=\s*\{{(.*?)\}}", script, re.S)
    if not m:
        return {}
    pairs = re.findall(r"(\w+)\s*:\s*(?:'([^']*)'|\"([^\"]*)\"|([^,}\s]+))", m.group(1))
    return {k: a or b or c for k, a, b, c in pairs}


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@dataclass
class JpageUnit:
    """One jpage list of a column page: what it embeds and how it pages."""

    unitid: str
    entries: list[Entry] = field(default_factory=list)
    nextgroup: str | None = None      # the next group's dataproxy URL, as the page writes it
    embedded_total: int | None = None
    per_page: int | None = None
    group_size: int = 1
    total: int | None = None          # totalRecord of the jpage call showing the embedded store
    proxy_url: str | None = None
    ajax: dict[str, str] = field(default_factory=dict)   # the call's ajaxParam object (the POST form)
    has_store: bool = False


def jpage_units(html: str) -> list[JpageUnit]:
    """Every jpage unit of a page, in document order: its ``<datastore>`` and the jpage call that shows it."""
    sel = Selector(text=html)
    units: dict[str, JpageUnit] = {}
    for n, script in enumerate(sel.xpath('//script[@type="text/xml"]')):
        xml = script.xpath("text()").get() or ""
        if "<datastore" not in xml:
            continue
        unitid = script.xpath("../@id").get() or f"_{n}"
        entries, _, total = parse_datastore(xml)
        units[unitid] = JpageUnit(unitid, entries, nextgroup_href(xml), total, has_store=True)
    code = "\n".join(sel.xpath("//script[not(@type) or @type='text/javascript']/text()").getall())
    calls: dict[str, list[str]] = {}
    for m in _JPAGE_CALL.finditer(code):
        unitid = m.group(1) or _js_value(m.group(2), "unitid") or (next(iter(units)) if len(units) == 1 else "")
        if unitid:
            calls.setdefault(unitid, []).append(m.group(2))
    for unitid, bodies in calls.items():
        # the call given the embedded store shows this page; others (a search form's) may carry placeholder totals;
        # without one, the last call (the page's ready handler comes after the functions it may define)
        shown = [b for b in bodies if re.search(r"\bdataStore\s*:\s*(?!null\b)\S", b)] or bodies[-1:]
        body = shown[0]
        unit = units.setdefault(unitid, JpageUnit(unitid))
        unit.per_page = _int(_js_value(body, "perPage"))
        unit.group_size = _int(_js_value(body, "groupSize")) or 1
        unit.total = _int(_js_value(body, "totalRecord"))
        unit.proxy_url = _js_value(body, "proxyUrl")
        param = _js_value(body, "ajaxParam")
        unit.ajax = _js_object(code, param) if param else {}
    return list(units.values())


# --- columns, sub-columns, the xxgk module -------------------------------------------------------------

_COLUMN = re.compile(r"/col/col(\d+)/")
_ART_OF_COLUMN = r"/art/\d{{4}}/\d{{1,2}}/\d{{1,2}}/art_{col}_\d+\.html|/col/col{col}/art/\d{{4}}/art_\w+\.html"
XXGK_MODULE = re.compile(r"/module/xxgk/(?:search|search_custom|subjectinfo)\.jsp", re.I)
_YEAR_COLUMN_TEXT = re.compile(r"^(?:19|20)\d{2}\s*年?度?(?:政府信息公开)?(?:工作)?(?:年度)?(?:报告|年报)?$")
_REPORT_NAME = re.compile(r"(?:19|20)\d{2}.*(?:年度报告|年报|工作报告)|(?:年度报告|年报).*(?:19|20)\d{2}")


def own_column_articles(response: Response) -> list[Entry]:
    """Links on a column page to its own articles (``art_<this column>_N``): a list the page itself renders."""
    m = _COLUMN.search(urlsplit(response.url).path)
    if not m or not hasattr(response, "css"):
        return []
    own = re.compile(_ART_OF_COLUMN.format(col=m.group(1)))
    out = []
    for link in response.css("a[href]"):
        href = link.attrib["href"].strip()
        if not own.search(urlsplit(href).path):
            continue
        title = link.attrib.get("title") or " ".join(link.css("::text").getall()).strip() or None
        near = " ".join(link.xpath("../*[not(self::a)]//text() | ../*[not(self::a)]/text()").getall())
        date = _DATE.search(near)
        out.append((href, title, date.group(0) if date else None))
    return list(dict.fromkeys(out))


def xxgk_module_urls(response: Response) -> list[str]:
    """The xxgk module's list as a column shows it (an ``<iframe>``)."""
    if not hasattr(response, "css"):
        return []
    srcs = response.css("iframe::attr(src), frame::attr(src)").getall()
    return list(dict.fromkeys(response.urljoin(s.strip()) for s in srcs if XXGK_MODULE.search(s)))


def report_sub_columns(response: Response) -> list[tuple[str, str]]:
    """(url, text) of links to other columns that are a year's report (2023年度报告, 2023年度, a report's title)."""
    if not hasattr(response, "css"):
        return []
    here = urlsplit(response.url)
    found = []
    for link in response.css("a[href]"):
        url = response.urljoin(link.attrib["href"].strip())
        parts = urlsplit(url)
        if parts.hostname != here.hostname or parts.path == here.path or not _COLUMN.search(parts.path):
            continue
        if not re.search(r"/col/col\d+/(?:index\.html?)?$", parts.path):
            continue
        text = to_simplified(re.sub(r"\s+", "", " ".join(link.css("::text").getall()) or link.attrib.get("title", "")))
        if _YEAR_COLUMN_TEXT.match(text) or (title_verdict(text)[0] == "report" and re.search(r"(?:19|20)\d{2}", text)):
            found.append((url, text))
    return list(dict.fromkeys(found))


def report_column_title(response: Response) -> str | None:
    """A column page that is itself a year's report (its name says so): its name."""
    if not hasattr(response, "css") or not _COLUMN.search(urlsplit(response.url).path):
        return None
    for name in (response.css('meta[name="ColumnName"]::attr(content)').get(), response.css("title::text").get()):
        name = to_simplified((name or "").strip())
        if name and _REPORT_NAME.search(name):
            return name
    return None


def parse_xxgk_list(html: str) -> tuple[list[tuple[str, str | None, str | None, dict[str, str]]], int | None]:
    """Rows of an xxgk module list page: (href, title, date, listing metadata), and the page count (共N页)."""
    sel = Selector(text=html)
    header = [re.sub(r"\s+", "", " ".join(td.css("::text").getall()))
              for td in sel.css("tr.tr_main_title td, tr.tr_main_title th")]
    columns = {}
    for i, label in enumerate(header):
        for key, rx in (("publisher", r"发布(?:机构|单位)"), ("doc_no", r"^文号|发文字号"), ("index_no", r"索引号"),
                        ("date", r"日期|时间")):
            if re.search(rx, label) and key not in columns:
                columns[key] = i
    rows = []
    for tr in sel.css("tr.tr_main_value_odd, tr.tr_main_value_even, div.wip_lists"):
        link = tr.css("a[href]")
        if not link:
            continue
        a = link[0]
        href = a.attrib["href"].strip()
        title = a.attrib.get("mc") or a.attrib.get("title") or " ".join(a.css("::text").getall()).strip() or None
        cells = [re.sub(r"\s+", " ", " ".join(td.css("::text").getall())).strip() for td in tr.css("td")]
        meta = {"index_no": a.attrib.get("syh"), "doc_no": a.attrib.get("wh")}
        for key in ("publisher", "doc_no", "index_no"):
            if key in columns and columns[key] < len(cells) and cells[columns[key]]:
                meta[key] = cells[columns[key]]
        date = a.attrib.get("rq")
        if not date:
            texts = [cells[columns["date"]]] if "date" in columns and columns["date"] < len(cells) else cells[::-1]
            date = next((m.group(0) for t in texts for m in [_DATE.search(t)] if m), None)
        rows.append((href, title, date, {k: v.strip() for k, v in meta.items() if v and v.strip()}))
    m = re.search(r"共\s*(\d+)\s*页", " ".join(sel.css(".tb_title ::text").getall()) or sel.xpath("string(//body)").get() or "")
    return rows, int(m.group(1)) if m else None


def with_currpage(url: str, page: int) -> str:
    """The xxgk module URL of page ``page`` (its other parameters as written)."""
    if re.search(r"[?&]currpage=\d*", url):
        return re.sub(r"([?&]currpage=)\d*", rf"\g<1>{page}", url)
    return url + ("&" if "?" in url else "?") + f"currpage={page}"


def window_url(url: str, start: int, end: int, per_page: int) -> str:
    """A dataproxy URL asking for records ``start``..``end`` (its other parameters as written)."""
    base, _, query = url.partition("?")
    kept = [p for p in query.split("&") if p and p.split("=", 1)[0] not in ("startrecord", "endrecord", "perpage")]
    window = urlencode({"startrecord": start, "endrecord": end, "perpage": per_page})
    return base + "?" + "&".join(kept + [window])


def hanweb_evidence(url: str, html: str) -> list[str]:
    """What every Hanweb product's pages show (jcms and JPaaS alike)."""
    return ["Hanweb /col/colN/ columns"] if re.search(r"/col/col\d+/", html + " " + url) else []


class JcmsSpider(PortalSpider):
    """Hanweb jcms: jpage lists (``<datastore>`` + ``dataproxy.jsp``), columns listing their own articles, the xxgk
    module, and per-year report columns."""

    name = "jcms"

    PROXY_PATHS = ("/module/jpage/dataproxy.jsp", "/module/web/jpage/dataproxy.jsp")

    @classmethod
    def recognise(cls, url: str, html: str) -> list[str]:
        ev = hanweb_evidence(url, html)
        if re.search(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html", html + " " + url):
            ev.append("jcms /art/Y/M/D/art_C_N articles")
        if "<datastore" in html or "dataproxy.jsp" in html or "jquery.jpage.js" in html:
            ev.append("jcms jpage list (datastore / dataproxy.jsp)")
        if re.search(r"/module/(?:web/jpage|jpage|jslib|visitcount|xxgk|download)/", html):
            ev.append("jcms /module/ scripts")
        if re.search(r"jcms_files/|<meta\s+name=['\"]WebId['\"]", html, re.I):
            ev.append("jcms site files / WebId meta")
        return ev

    def is_listing(self, response: Response) -> bool:
        if not hasattr(response, "css"):
            return False
        if XXGK_MODULE.search(urlsplit(response.url).path) or "<datastore" in response.text:
            return True
        return bool(jpage_units(response.text) or own_column_articles(response) or xxgk_module_urls(response)
                    or report_sub_columns(response) or report_column_title(response))

    def parse_listing(self, response: Response) -> Iterator[Any]:
        if XXGK_MODULE.search(urlsplit(response.url).path):
            yield from self.parse_jcms_xxgk(response, _currpage(response.url))
            return
        if not self.count_list_page(response):
            return
        known = self.crawler.stats.get_value("govcrawl/entries_known", 0)
        found = list(self.jcms_lists(response))
        # (a nightly: every entry the column lists is known, asked when its revisit is due -- a list, not a failure)
        listed_known = self.crawler.stats.get_value("govcrawl/entries_known", 0) > known
        for url, text in report_sub_columns(response):
            if not self.wanted(text, None):   # a backfill reads only the years it asks for
                self.crawler.stats.inc_value("govcrawl/entries_outside_years")
                continue
            self.crawler.stats.inc_value("govcrawl/sub_columns")
            found.append(scrapy.Request(url, callback=self.parse_jcms_column, cb_kwargs={"title": text},
                                        meta={"handle_httpstatus_list": [304]}))
        if not found and not listed_known:
            title = report_column_title(response)
            if title is None:
                self.fail_empty(response, "jcms column")
                return
            # the column page is itself the report: read again as an article (conditional, and judged as one)
            found.append(self.article_request(response.url, title, None, referer=response.url).replace(dont_filter=True))
        yield from found

    def jcms_lists(self, response: Response) -> Iterator[Any]:
        """What a column page lists: its jpage units (each record once), its own article links, the xxgk module."""
        listed: set[str] = set()
        units = []
        for unit in jpage_units(response.text):
            urls = {absolute_url(response, href) for href, _, _ in unit.entries}
            if urls and urls <= listed:
                # a second unit (the mobile list) repeating records already listed: neither followed nor paged
                self.crawler.stats.inc_value("govcrawl/jcms_duplicate_units")
                self.logger.info("%s: jpage unit %s repeats another unit's records; skipped", response.url, unit.unitid)
                continue
            units.append(unit)
            yield from self.follow_entries(response, [e for e in unit.entries if absolute_url(response, e[0]) not in listed])
            listed |= urls
        static = [e for e in own_column_articles(response) if absolute_url(response, e[0]) not in listed]
        yield from self.follow_entries(response, static)
        for unit in units:
            shown = unit.entries or static
            total = unit.total or unit.embedded_total
            if not (unit.nextgroup or unit.proxy_url) or (total is not None and total <= len(shown)):
                continue
            if shown and self.stop_paging(response, shown):
                continue
            yield self.dataproxy_request(response, self.jcms_paging(response, unit, shown, static=bool(static)),
                                         len(shown) + 1)
        for url in xxgk_module_urls(response):
            yield self.jcms_xxgk_request(url, 1, referer=response.url)

    def jcms_paging(self, response: Response, unit: JpageUnit, shown: list[Entry], static: bool) -> dict[str, Any]:
        proxy = urljoin(response.url, unit.proxy_url) if unit.proxy_url else None
        if unit.nextgroup:
            href = unit.nextgroup
            relative = not href.startswith(("/", "http:", "https:"))
            url = urljoin(proxy or urljoin(response.url, self.PROXY_PATHS[0]), href) if relative else urljoin(response.url, href)
        else:
            url = proxy or urljoin(response.url, self.PROXY_PATHS[0])
        params = dict(parse_qsl(urlsplit(url).query))
        if unit.ajax:
            form = dict(unit.ajax)
        else:
            form = {"col": "1", "appid": params.get("appid", "1"), "webid": params.get("webid", ""),
                    "path": params.get("path", "/"), "columnid": params.get("columnid", ""), "sourceContentType": "1",
                    "unitid": params.get("unitid", unit.unitid), "webname": params.get("webname", ""),
                    "permissiontype": params.get("permissiontype", "0")}
        per_page = unit.per_page or len(shown) or 15
        return {
            "url": url,
            "form": form,
            "per_page": per_page,
            "group": per_page * unit.group_size,
            "total": unit.total or unit.embedded_total or len(shown) + per_page * unit.group_size,
            "first_page": {href for href, _, _ in shown},
            "static": static,
            "unit": unit.unitid,
        }

    def dataproxy_request(self, response: Response, paging: dict[str, Any], start: int) -> scrapy.FormRequest:
        end = min(start + paging.get("group", paging["per_page"]) - 1, paging["total"])
        column_url = response.meta.get("column_url", response.url)
        url = paging.get("url") or urljoin(response.url, paging["path"])  # "path": requests of an older version
        return scrapy.FormRequest(
            window_url(url, start, end, paging["per_page"]),
            formdata=paging["form"],
            callback=self.parse_dataproxy,
            errback=self.dataproxy_failed,
            cb_kwargs={"paging": paging, "start": start},
            meta={"handle_httpstatus_list": [404], "column_url": column_url},
            headers={"Referer": column_url},
        )

    def parse_dataproxy(self, response: Response, paging: dict[str, Any], start: int) -> Iterator[Any]:
        if response.status == 404:
            # Some sites answer only at the other path variant.
            here = urlsplit(response.url).path
            others = [p for p in self.PROXY_PATHS if p != here]
            if others and not paging.get("tried_variant"):
                url = paging.get("url") or urljoin(response.url, paging["path"])
                parts = urlsplit(url)
                paging = {**paging, "url": parts._replace(path=others[0]).geturl(), "tried_variant": True}
                yield self.dataproxy_request(response, paging, start)
            else:
                self.logger.error("%s: dataproxy not found at any path variant", response.url)
                self.crawler.stats.inc_value("govcrawl/dataproxy_missing")
            return
        if not self.count_list_page(response):
            return
        entries, _, _ = parse_datastore(response.text)
        if not entries:
            if paging.get("static"):
                # Shandong: the dataproxy answers empty; the column page's own links were the list
                self.crawler.stats.inc_value("govcrawl/dataproxy_empty")
                self.logger.warning("%s: dataproxy answered empty; the column page's own links are its list",
                                    response.url)
            else:
                self.fail_empty(response, "jcms dataproxy page")
            return
        if {href for href, _, _ in entries} <= paging["first_page"]:
            # Old jcms sites answer page 1 whatever page is asked for: stop paging this column.
            self.logger.warning("%s: dataproxy returned page 1 again; the site does not page", response.url)
            self.crawler.stats.inc_value("govcrawl/dataproxy_repeats_first_page")
            return
        yield from self.follow_entries(response, entries)
        following = start + paging.get("group", paging["per_page"])
        if following <= paging["total"] and not self.stop_paging(response, entries):
            yield self.dataproxy_request(response, paging, following)

    def dataproxy_failed(self, failure: Any) -> None:
        self.crawler.stats.inc_value("govcrawl/dataproxy_failed")
        self.logger.error("dataproxy request failed: %s", failure.getErrorMessage())

    # --- per-year report columns ------------------------------------------------------------------------
    def parse_jcms_column(self, response: Response, title: str | None = None) -> Iterator[Any]:
        """A year's column: a list (of that year's report), or the report itself."""
        page = response
        if response.status == 304:
            page = self.archived_response(response)
            if page is None:
                yield from self.recheck_known(response)
                return
        if "<datastore" in page.text or jpage_units(page.text) or own_column_articles(page) or xxgk_module_urls(page):
            yield from self.parse_listing(page)
        else:  # the report itself (a 304: unchanged since its capture)
            self.crawler.stats.inc_value("govcrawl/report_columns")
            yield from self.parse_article(response, listing_title=title)

    # --- the xxgk module ------------------------------------------------------------------------------------
    def jcms_xxgk_request(self, url: str, page: int, referer: str | None = None) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_jcms_xxgk, cb_kwargs={"page": page},
                              dont_filter=not self.distributed, headers={"Referer": referer} if referer else None,
                              meta={"handle_httpstatus_list": [304]})

    def parse_jcms_xxgk(self, response: Response, page: int = 1) -> Iterator[Any]:
        if response.status == 304:
            archived = self.archived_response(response)
            if archived is None:
                yield from self.recheck_known(response)
                return
            response = archived
        if not self.count_list_page(response):
            return
        rows, pages = parse_xxgk_list(response.text)
        if not rows:
            if page > 1:  # past the end
                return
            self.fail_empty(response, "jcms xxgk module list")
            return
        for href, title, date, meta in rows:
            if not self.wanted(title, date):
                self.crawler.stats.inc_value("govcrawl/entries_outside_years")
                continue
            url = absolute_url(response, href)
            if self.known_listed(url):  # (a page judged before: asked when its revisit is due)
                continue
            yield self.article_request(url, title, date, referer=response.url, listing_meta=meta)
        entries = [(href, title, date) for href, title, date, _ in rows]
        if (pages is None or page < pages) and not self.stop_paging(response, entries):
            yield self.jcms_xxgk_request(with_currpage(response.url, page + 1), page + 1, referer=response.url)


def _currpage(url: str) -> int:
    m = re.search(r"[?&]currpage=(\d+)", url)
    return int(m.group(1)) if m else 1
