"""The "Ucap" family (gov.cn-style sites, several ministries, Heilongjiang, Hainan, Gansu): columns
``/<site>/c<digits>/common_list.shtml`` whose list a script fetches from the site's search service, read here straight
from that service (no browser):

- ``/common/search/<channel>?…&_isJson=true&page=N`` (Heilongjiang, Hainan, Gansu), ``/searchList/<channel>?…`` (CSRC),
  ``/search/<channel>?…`` (NHC) answer ``{data: {total, page, rows, results: [{title, url, publishedTimeStr,
  domainMetaList: [{resultList: [{key, value}]}]}]}}``; ``rows`` is the page size the server used, so the list has
  ``ceil(total / rows)`` pages. The metadata keys ``indexnumber`` (索引号), ``refno`` (文号), ``writedate`` (成文日期) and
  ``source`` (来源), and ``publishedTimeStr`` (发布日期), go with each article as ``listing_meta``: they fill what the
  page itself does not print (``pipelines/metadata.py``).
- ``/es-search/search/<lmCode>?_template=ucap/list_ejs&_isAgg=1&_pageSize=20&page=N`` answers an HTML fragment of
  links (``samples/national/pager_createPageHTML_and_ucap_es_search.js``); paged until a page is short or brings
  nothing new.

Where the column page names its channel (``samples/national/PLATFORMS.md`` §3.3 and what public crawlers record):
the loader in the page's own script (the es-search sample: ``'/es-search/search/' + lmCode + '?…&page=' + n``, with
``var lmCode = '…'``), a loader in a script the page loads (CSRC's ``render.js``: ``'/searchList/' + _id + '?…'``,
``_id`` read from ``<meta name="channelid">``), or a link straight to the service (Hainan's 通知公告:
``/common/search/<id>?sort=publishedTime&_isAgg=false&_pageSize=12&_template=sfgw&_channelName=&page=1``, an HTML
rendering of the same search). The spider reads the page's own scripts, then at most ``MAX_SCRIPTS`` scripts of the
same host it loads, for the loader.

No site search: no sample shows how the service takes a keyword, so a 年度报告 search would be a guessed request.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response

from govcrawl.analysis.dates import parse_date
from govcrawl.analysis.labels import clean_doc_no, clean_index_no, clean_publisher
from govcrawl.crawl.spider import PortalSpider, absolute_url

# the search services of the family: their path before the channel id
SERVICES = r"(?:common/search|searchList|search|es-search/search)"
# a loader that names the channel in the URL itself: "/common/search/<id>?…" (in a script, or a link's href); a
# channel id has a digit (a site search's "/search/searchResult?" is no channel) and the query the service's own
# parameters (_isAgg, _isJson, _template)
LITERAL_LOADER = re.compile(r"(/(?:[\w-]+/)?" + SERVICES + r")/((?=[\w-]*\d)[0-9A-Za-z_-]{6,64})\?"
                            r"((?=[^'\"<>\s]*_(?:isAgg|isJson|template)=)[^'\"<>\s]*)")
# a loader that adds the channel from a variable: '/searchList/' + _id + '?_isAgg=true…&page=' + curPage
VARIABLE_LOADER = re.compile(r"""['"](/(?:[\w-]+/)?""" + SERVICES + r""")/['"]\s*\+\s*([A-Za-z_$][\w$.]*)\s*\+"""
                             r"""((?=[^;\n]*_(?:isAgg|isJson|template)=)[^;\n]*)""")
STRING_LITERAL = re.compile(r"""'([^'\\]*)'|"([^"\\]*)\"""")
CHANNEL_META = re.compile(r"""<meta\s+(?:name=["']channel_?id["']\s+content=["']([\w-]{6,64})["']|"""
                          r"""content=["']([\w-]{6,64})["']\s+name=["']channel_?id["'])""", re.I)
PAGE_SIZE_IN_SCRIPT = re.compile(r"(?:page_?size|_pageSize)\s*[:=]\s*['\"]?(\d{1,3})\b", re.I)
# columns and content pages of the family: /hlj/c108369/zfxxgk.shtml, /csrc/c100028/common_xq_list.shtml
COLUMN_URL = re.compile(r"/[A-Za-z]\w*/c\d{5,7}/[\w-]+\.shtml")
# a column page of a list (not a landing page): its name (common_list.shtml, zfgb_list.shtml) or its list's markup
LIST_PAGE_NAME = re.compile(r"list[\w-]*\.shtml$", re.I)
LIST_MARKUP = re.compile(r"""id=["']page_div["']|class=["'][^"']*\bpagelist\b""", re.I)
LIBRARY_SCRIPT = re.compile(r"jquery|bootstrap|swiper|layui|layer\.|vue\.|echarts|html5shiv|respond|polyfill|"
                            r"uaredirect|fxsjcj|kaipuyun|analytics", re.I)
MAX_SCRIPTS = 4
DEFAULT_PAGE_SIZE = 15
SOURCE_KEYS = {  # domainMetaList keys -> report fields (hulelan/china-governance heilongjiang.py, PLATFORMS.md §3.3)
    "indexnumber": "index_no", "refno": "doc_no", "writedate": "written_date", "source": "publisher",
}


@dataclass
class UcapList:
    """One column's list on the search service: where it is and the query its loader sends."""

    service: str                 # "/common/search", "/searchList", "/search", "/es-search/search" (any site prefix)
    channel: str
    params: list[tuple[str, str]] = field(default_factory=list)

    @property
    def fragment(self) -> bool:
        """es-search answers an HTML fragment of links (its template renders the list), not JSON."""
        return self.service.endswith("es-search/search")

    def url(self, base: str, page: int, page_size: int) -> str:
        params, seen = [], set()
        for key, value in self.params:
            if key in seen:
                continue
            seen.add(key)
            if key == "page":
                value = str(page)
            elif key == "_pageSize" and not value:
                value = str(page_size)
            elif key == "_isJson" and not self.fragment:
                value = "true"
            params.append((key, value))
        if not self.fragment and "_isJson" not in seen:
            params.append(("_isJson", "true"))
        if "page" not in seen:
            params.append(("page", str(page)))
        return urljoin(base, f"{self.service}/{self.channel}") + "?" + urlencode(params, safe="/")


def literal_list(text: str) -> UcapList | None:
    """A loader naming its channel in the URL (a script's string, or the URL of the service itself)."""
    m = LITERAL_LOADER.search(text)
    if not m:
        return None
    return UcapList(m.group(1), m.group(2), parse_qsl(m.group(3).replace("&amp;", "&"), keep_blank_values=True))


def variable_list(script: str, html: str) -> UcapList | None:
    """A loader adding the channel from a variable: the variable's literal value in the same script or page, else
    the page's ``<meta name="channelId">`` (which such scripts read)."""
    m = VARIABLE_LOADER.search(script)
    if not m:
        return None
    name = re.escape(m.group(2).split(".")[-1])
    value = re.search(r"""(?:^|var\s|let\s|const\s|[\s;,(])""" + name + r"""\s*=\s*['"]([\w-]{6,64})['"]""",
                      script + "\n" + html)
    channel = value.group(1) if value else channel_meta(html)
    if channel is None:
        return None
    query = "".join(a or b for a, b in STRING_LITERAL.findall(m.group(3))).lstrip("?")
    return UcapList(m.group(1), channel, parse_qsl(query, keep_blank_values=True))


def channel_meta(html: str) -> str | None:
    """The channel a page names in ``<meta name="channelId" content="…">`` (CSRC, Gansu)."""
    m = CHANNEL_META.search(html)
    return (m.group(1) or m.group(2)) if m else None


def inline_scripts(response: Response) -> list[str]:
    return [s for s in response.css("script:not([src])::text").getall() if s.strip()]


def page_list(response: Response) -> UcapList | None:
    """The column's list as its own page (its URL, or its inline scripts) names it; None when the loader is not in
    the page (it may be in a script the page loads)."""
    own = literal_list(urlsplit(response.url).path + "?" + urlsplit(response.url).query)
    if own is not None:
        return own
    html = response.text
    for script in inline_scripts(response):
        found = literal_list(script) or variable_list(script, html)
        if found is not None:
            return found
    return None


def same_host_scripts(response: Response) -> list[str]:
    host = urlsplit(response.url).hostname
    out = []
    for src in response.css("script[src]::attr(src)").getall():
        url = absolute_url(response, src)
        if urlsplit(url).hostname == host and not LIBRARY_SCRIPT.search(url):
            out.append(url)
    return list(dict.fromkeys(out))[:MAX_SCRIPTS]


def meta_values(result: dict) -> dict[str, str]:
    """A result's ``domainMetaList`` as key -> value, read by key (the groups' order and names vary); empty and
    "null" values left out."""
    raw: dict[str, str] = {}
    for group in result.get("domainMetaList") or []:
        for entry in (group.get("resultList") or []) if isinstance(group, dict) else []:
            if not isinstance(entry, dict) or not entry.get("key") or entry.get("value") is None:
                continue
            value = str(entry["value"]).strip()
            if value and value.lower() not in ("null", "undefined"):
                raw.setdefault(str(entry["key"]).lower(), value)
    return raw


def listing_meta(result: dict) -> dict[str, str]:
    """The report fields a result's metadata gives (a 来源 that names no organisation, a feed code, left out)."""
    raw = meta_values(result)
    meta: dict[str, str] = {}
    for key, name in SOURCE_KEYS.items():
        value = raw.get(key)
        if not value:
            continue
        if name == "written_date":
            cleaned = parse_date(value)
        elif name == "index_no":
            cleaned = clean_index_no(value)
        elif name == "doc_no":
            cleaned = clean_doc_no(value)
        else:  # 来源: an organisation's name (some sites put a feed code there: SZfaguiku)
            cleaned = clean_publisher(value) if re.search(r"[\u4e00-\u9fff]", value) else None
        if cleaned:
            meta[name] = cleaned
    return meta


def strip_tags(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text or "")).strip()


def json_entries(data: dict) -> list[tuple[str, str | None, str | None, dict[str, str]]]:
    """(url, title, date, listing_meta) of the results of one answer of the search service."""
    out = []
    for result in data.get("results") or []:
        if not isinstance(result, dict) or not result.get("url"):
            continue
        published = parse_date(str(result.get("publishedTimeStr") or ""))
        meta = listing_meta(result)
        if published:
            meta["published_date"] = published
        date = published or parse_date(meta_values(result).get("pubdate"))
        out.append((str(result["url"]).strip(), strip_tags(str(result.get("title") or "")) or None, date, meta))
    return out


def fragment_entries(html: str) -> list[tuple[str, str | None, str | None, dict[str, str]]]:
    """(url, title, date, {}) of the links of an es-search fragment: each a link with its date beside it."""
    out = []
    for link in Selector(text=html).css("a[href]"):
        href = link.attrib["href"].strip()
        if href.startswith(("javascript:", "#")):
            continue
        title = link.attrib.get("title") or " ".join(link.css("::text").getall()).strip() or None
        around = " ".join(link.xpath("../descendant-or-self::text()").getall())
        out.append((href, title, parse_date(around), {}))
    return list({e[0]: e for e in out}.values())


class UcapSpider(PortalSpider):
    """Ucap columns: the search service's JSON (or es-search fragment) page by page, with the list's metadata."""

    name = "ucap"

    @classmethod
    def recognise(cls, url: str, html: str) -> list[str]:
        ev = []
        if re.search(r"UCAP-?CONTENT|<UCAPTITLE|ucap/list_ejs", html, re.I):
            ev.append("UCAP markup (UCAP-CONTENT, UCAPCONTENT, ucap/list_ejs)")
        if LITERAL_LOADER.search(url + "\n" + html) or VARIABLE_LOADER.search(html) or \
                re.search(r"/(?:common/search|searchList|es-search/search)/", html):
            ev.append("Ucap search service (/common/search, /searchList, /es-search)")
        if CHANNEL_META.search(html):
            ev.append("channelId meta")
        if COLUMN_URL.search(urlsplit(url).path) or COLUMN_URL.search(html):
            ev.append("/<site>/cNNNNNN/….shtml columns")
        return ev

    def is_listing(self, response: Response) -> bool:
        if not hasattr(response, "css"):
            return False
        if page_list(response) is not None:
            return True
        # the loader in a script the page loads: a column page (a channel, a list's markup) that loads one
        return bool(channel_meta(response.text) and same_host_scripts(response)
                    and (LIST_PAGE_NAME.search(urlsplit(response.url).path) or LIST_MARKUP.search(response.text)))

    def parse_listing(self, response: Response) -> Iterator[Any]:
        # the column page is the list's first page as a visitor sees it (where the column was found); the service's
        # answers are the rest
        if not self.count_list_page(response):
            return
        found = page_list(response)
        if found is not None:
            yield self.ucap_page_request(response.url, found, 1, self.ucap_page_size(found, response.text))
            return
        # the loader is in a script the page loads: what of the page that script may read (its channel meta, the
        # variables its inline scripts set) goes with the request
        channel = channel_meta(response.text)
        meta = f'<meta name="channelId" content="{channel}">' if channel else ""
        context = "\n".join(inline_scripts(response) + [meta])
        yield self.ucap_script_request(response.url, same_host_scripts(response), context)

    def ucap_page_size(self, found: UcapList, script: str) -> int:
        """Entries per page: the loader's own _pageSize, else a page size its script sets, else the registry's
        ``page_size`` (default 15). The JSON answers say the size the server used (``rows``)."""
        asked = dict(found.params).get("_pageSize", "")
        if asked.isdigit():
            return int(asked)
        m = PAGE_SIZE_IN_SCRIPT.search(script)
        return int(m.group(1)) if m else int(self.portal.options.get("page_size") or DEFAULT_PAGE_SIZE)

    def ucap_script_request(self, column: str, scripts: list[str], context: str) -> scrapy.Request:
        # a script may serve several columns: never dupe-filtered (one fetch per column that needs it)
        return scrapy.Request(scripts[0], callback=self.parse_ucap_script, dont_filter=True,
                              cb_kwargs={"column": column, "rest": scripts[1:], "context": context},
                              headers={"Referer": column}, meta={"handle_httpstatus_list": [304, 404]})

    def parse_ucap_script(self, response: Response, column: str, rest: list[str], context: str) -> Iterator[Any]:
        """A script the column page loads: the list's loader, or on to the next script."""
        if response.status == 304:
            response = self.archived_response(response) or response
        text = response.text if response.status == 200 and hasattr(response, "text") else ""
        found = (literal_list(text) or variable_list(text, context)) if text else None
        if found is not None:
            self.logger.info("%s: list loader in %s: %s/%s", column, response.url, found.service, found.channel)
            yield self.ucap_page_request(column, found, 1, self.ucap_page_size(found, text))
        elif rest:
            yield self.ucap_script_request(column, rest, context)
        else:
            self.crawler.stats.inc_value("govcrawl/ucap_no_loader")
            self.fail_empty(response, f"Ucap column {column} (a channel named, but no list loader in the page or "
                                      "the scripts it loads)")

    def ucap_page_request(self, column: str, found: UcapList, page: int, page_size: int,
                          previous: tuple[str, ...] = ()) -> scrapy.Request:
        return scrapy.Request(
            found.url(column, page, page_size), callback=self.parse_ucap_page,
            dont_filter=page == 1 and not self.distributed,
            cb_kwargs={"column": column, "found": [found.service, found.channel, found.params], "page": page,
                       "page_size": page_size, "previous": list(previous)},
            headers={"Referer": column, "X-Requested-With": "XMLHttpRequest",
                     "Accept": "text/html, */*; q=0.01" if found.fragment else "application/json, */*; q=0.01"},
        )

    def parse_ucap_page(self, response: Response, column: str, found: list, page: int, page_size: int,
                        previous: list[str]) -> Iterator[Any]:
        if not self.count_list_page(response):
            return
        spec = UcapList(found[0], found[1], [tuple(p) for p in found[2]])
        if spec.fragment:
            entries = fragment_entries(response.text)
            pages = None
        else:
            try:
                data = json.loads(response.text)["data"]
                total, rows = int(data.get("total") or 0), int(data.get("rows") or 0)
                answered = int(data.get("page") or page)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                self.fail_empty(response, f"Ucap search answer (not understood: {type(exc).__name__}: {exc})"[:300])
                return
            if answered != page:
                self.logger.warning("%s: asked for page %d, the service answered page %d; stopping", response.url,
                                    page, answered)
                return
            entries = json_entries(data)
            pages = math.ceil(total / rows) if rows else None
        urls = [absolute_url(response, href) for href, _, _, _ in entries]
        new = [u for u in urls if u not in previous]
        if not entries:
            if page == 1 and pages == 0:  # the service says the channel holds nothing (not a page it failed to read)
                self.logger.warning("%s: the search service lists nothing in channel %s", response.url, spec.channel)
            elif page == 1:
                self.fail_empty(response, "Ucap search service")
            return  # past the end
        if not new:
            self.logger.warning("%s: page %d repeats page %d's entries; stopping", response.url, page, page - 1)
            return
        for (href, title, date, meta), url in zip(entries, urls):
            if not self.wanted(title, date):
                self.crawler.stats.inc_value("govcrawl/entries_outside_years")
                continue
            if self.known_listed(url):  # (a page judged before: asked when its revisit is due)
                continue
            yield self.article_request(url, title, date, referer=column, listing_meta=meta)
        more = page < pages if pages is not None else len(entries) >= page_size
        if more and not self.stop_paging(response, [(u, t, d) for u, (_, t, d, _) in zip(urls, entries)]):
            yield self.ucap_page_request(column, spec, page + 1, page_size, tuple(urls))
