"""Guangdong's 政府信息公开目录管理平台 (gkmlpt): every Guangdong site (province, cities, districts, departments) runs it
(``samples/national/guangdong_gkmlpt_fragments.md``, ``PLATFORMS.md`` §3.4).

- ``<base>/gkmlpt/index`` and the annual-report page ``<base>/gkmlpt/annualreport#<category>`` are script shells:
  ``window._CONFIG`` holds the site id (``SID: '175'``) and the category tree (``TREE: [...]``). ``<base>`` is the
  site's root, or a folder on a city portal's subsites (``www.zhaoqing.gov.cn/zqrsj``).
- The annual-report category is the page's ``#<category>`` when it names one, else the tree's 年度报告 / 年报 node
  (its leaves when it has children; nodes that jump elsewhere, ``jump_url``, are not lists).
- Its list comes from ``<base>/gkmlpt/api/all/<category>?page=N&sid=S`` (JSON ``classify.post_count``, ``total``,
  ``articles``). Page 0 is page 1, so paging starts at 1; it ends with the count (``total``, else ``post_count``),
  an empty ``articles``, or a 404 past page 1 (sites whose API answers every article on page 1, 单页全量模式).
  ``post_count`` may count posts the list never shows: only an empty page or a 404 then ends the list.
- Each article's metadata comes straight from the list: ``identifier`` (索引号), ``publisher`` (发布机构), ``date``
  (成文日期, epoch seconds, Beijing time), ``document_number`` (文号), the publication time
  (``display_publish_time``/``create_time``/``created_at``): they reach the report as ``listing_meta``, filling what
  its page does not print (an entry may point at the portal's NFCMS page, ``mpost_N.html``, with no 索引号 table).
- Content pages ``<base>/gkmlpt/content/<a>/<b>/post_<id>.html``; attachments ``<base>/attachment/…`` are listed in
  ``attachment[]`` (fetched even when the page does not link them). The JSON writes links ``https://`` on sites that
  serve HTTP only, or protocol-relative: a link to the API's own host takes the scheme the API answered on. Entries
  of another host (``type: "url"`` jumps to a WeChat article …) are not followed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import scrapy
from scrapy.http import Response

from govcrawl.crawl.items import PageItem
from govcrawl.crawl.spider import MAX_DISCOVERY_HOPS, PortalSpider

BEIJING = timezone(timedelta(hours=8))
CONFIG_RE = re.compile(r"window\._CONFIG\s*=\s*\{")
SID_RE = re.compile(r"""\bSID\s*:\s*['"]?(\d+)""")
TREE_RE = re.compile(r"\bTREE\s*:\s*(?=\[)")
DETAIL_RE = re.compile(r"\bDETAIL\s*:\s*\{")
SHELL_PATH_RE = re.compile(r"/gkmlpt/(?:index|annualreport)\b")
API_PATH_RE = re.compile(r"/gkmlpt/api/all/(\d+)$")
CONTENT_RE = re.compile(r"/gkmlpt/content/\d+/\d+/m?post_\d+\.html")
PLATFORM_LINK_RE = re.compile(r"""href\s*=\s*["']?[^"'\s>]*/gkmlpt/""", re.I)
# the annual-report category's name in the tree (政府信息公开年报, 年度报告, 政府信息公开工作年度报告 …), not 统计年报
REPORT_CATEGORY_RE = re.compile(r"^(?:(?:政府)?信息公开|政务公开)?(?:工作)?(?:年度报告|年报)$|信息公开.{0,6}(?:年度报告|年报)")


# --- pure functions over the platform's pages and JSON -------------------------------------------------------------

def platform_base(url: str) -> str | None:
    """The site root the platform lives under: ``http://www.zhaoqing.gov.cn/zqrsj`` for ``…/zqrsj/gkmlpt/index``."""
    parts = urlsplit(url)
    at = parts.path.find("/gkmlpt/")
    if at < 0:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path[:at], "", ""))


def api_url(base: str, category: int | str, sid: str, page: int) -> str:
    return f"{base}/gkmlpt/api/all/{category}?page={page}&sid={sid}"


def read_config(html: str) -> tuple[str, list | None] | None:
    """(SID, TREE) from a page's ``window._CONFIG``; TREE None when it is there but not JSON; None without a SID."""
    m = CONFIG_RE.search(html)
    if not m:
        return None
    sid = SID_RE.search(html, m.end())
    if not sid:
        return None
    tree_at = TREE_RE.search(html, m.end())
    if not tree_at:
        return sid.group(1), []
    try:
        tree, _ = json.JSONDecoder().raw_decode(html, tree_at.end())
    except ValueError:
        return sid.group(1), None
    return sid.group(1), tree if isinstance(tree, list) else None


def is_shell(html: str) -> bool:
    """A platform page whose ``_CONFIG`` has the site's tree (a content page's has its ``DETAIL``)."""
    m = CONFIG_RE.search(html)
    return bool(m and SID_RE.search(html, m.end()) and TREE_RE.search(html, m.end())
                and not DETAIL_RE.search(html, m.end()))


def _walk(nodes: list) -> Iterator[dict]:
    for node in nodes:
        if isinstance(node, dict):
            yield node
            yield from _walk(node.get("children") or [])


def _leaves(node: dict) -> list[tuple[int, str]]:
    kids = [k for k in node.get("children") or [] if isinstance(k, dict) and not k.get("jump_url")]
    if not kids:
        return [(int(node["id"]), str(node.get("name") or ""))]
    return [leaf for kid in kids for leaf in _leaves(kid)]


def report_categories(tree: list, wanted: str | None = None) -> list[tuple[int, str]]:
    """(category id, name) of the lists to read: the ``wanted`` category (a page's ``#2629``) or the tree's
    annual-report node; their leaves when they have children. A node that jumps elsewhere is not a list."""
    nodes = [n for n in _walk(tree) if str(n.get("id")).isdigit()]
    if wanted:
        chosen = [n for n in nodes if str(n["id"]) == wanted]
        if not chosen:  # the page names its category: trust it even when this tree does not show it
            return [(int(wanted), "")]
    else:
        chosen = [n for n in nodes if REPORT_CATEGORY_RE.search(re.sub(r"\s+", "", str(n.get("name") or "")))]
    out = []
    for node in chosen:
        if node.get("jump_url"):
            continue
        out += _leaves(node)
    return list(dict.fromkeys(out))


def report_nodes(tree: list) -> list[int]:
    """The ids of the tree's annual-report nodes (what ``/gkmlpt/annualreport#<id>`` shows)."""
    return [int(n["id"]) for n in _walk(tree) if str(n.get("id")).isdigit() and not n.get("jump_url")
            and REPORT_CATEGORY_RE.search(re.sub(r"\s+", "", str(n.get("name") or "")))]


def epoch_date(value: Any) -> str | None:
    """The date of an epoch-seconds value (Beijing time), or of a "YYYY-MM-DD …" string; None if neither."""
    if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return value.strip()[:10]
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    if value > 10 ** 11:  # milliseconds
        value //= 1000
    try:
        day = datetime.fromtimestamp(value, BEIJING)
    except (OverflowError, OSError, ValueError):
        return None
    return day.strftime("%Y-%m-%d") if 1980 <= day.year <= 2100 else None


def gkmlpt_link(raw: str, api_response_url: str) -> str:
    """A link from the list JSON, absolute: protocol-relative and same-host links take the scheme the API answered
    on (gkmlpt sites serve HTTP only while their JSON may write ``https://``)."""
    raw = raw.strip()
    api = urlsplit(api_response_url)
    url = urljoin(api_response_url, raw)
    parts = urlsplit(url)
    if parts.hostname == api.hostname and parts.scheme != api.scheme and parts.port is None:
        url = urlunsplit((api.scheme, parts.netloc, parts.path, parts.query, parts.fragment))
    return url


def parse_api(text: str) -> dict:
    """The list API's answer: ``{"articles": [...], "total": int | None, "post_count": int | None}``.
    Raises ValueError (one line) when it is not the platform's JSON."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"not JSON ({exc.msg} at {exc.pos})") from None
    if not isinstance(data, dict) or not isinstance(data.get("articles"), list):
        raise ValueError("JSON without an 'articles' list")
    classify = data.get("classify") if isinstance(data.get("classify"), dict) else {}

    def count(v: Any) -> int | None:
        return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None

    return {"articles": data["articles"], "total": count(data.get("total")), "post_count": count(classify.get("post_count"))}


def article_entry(article: Any, api_response_url: str) -> dict | None:
    """One list entry: its page, title, publication date, the report fields the list gives (``listing_meta``) and
    its attachments; None when it names no page."""
    if not isinstance(article, dict):
        return None
    raw = article.get("url") or article.get("post_url")
    if not isinstance(raw, str) or not raw.strip():
        return None

    def text(key: str) -> str:
        v = article.get(key)
        return re.sub(r"\s+", " ", str(v)).strip() if isinstance(v, (str, int)) and not isinstance(v, bool) else ""

    published = (epoch_date(article.get("display_publish_time")) or epoch_date(article.get("create_time"))
                 or epoch_date(article.get("created_at")))
    meta = {"index_no": text("identifier"), "publisher": text("publisher"), "written_date": epoch_date(article.get("date")),
            "published_date": published, "doc_no": text("document_number")}
    attachments = [gkmlpt_link(a["url"], api_response_url) for a in article.get("attachment") or []
                   if isinstance(a, dict) and isinstance(a.get("url"), str) and a["url"].strip()]
    return {"url": gkmlpt_link(raw, api_response_url), "title": text("title") or None, "date": published,
            "listing_meta": {k: v for k, v in meta.items() if v}, "attachments": list(dict.fromkeys(attachments)),
            "type": text("type") or "normal"}


# --- the spider -------------------------------------------------------------------------------------------------

class GkmlptSpider(PortalSpider):
    """gkmlpt: the annual-report category from ``window._CONFIG``, its list from the JSON API, metadata from the list."""

    name = "gkmlpt"

    @classmethod
    def recognise(cls, url: str, html: str) -> list[str]:
        ev = []
        m = CONFIG_RE.search(html)
        if m and SID_RE.search(html, m.end()):
            ev.append("window._CONFIG with SID")
        if "/gkmlpt/" in urlsplit(url).path or PLATFORM_LINK_RE.search(html):
            ev.append("/gkmlpt/ pages")
        if CONTENT_RE.search(html) or CONTENT_RE.search(url):
            ev.append("gkmlpt content/…/post_N.html")
        if API_PATH_RE.search(urlsplit(url).path) and '"articles"' in html:
            ev.append("gkmlpt list API")
        return ev

    @classmethod
    def platform_column_links(cls, response: Response) -> list[str]:
        """The annual-report page: from a platform shell, for the tree's annual-report category; from a home page,
        its links to ``/gkmlpt/annualreport`` (else ``/gkmlpt/index``, which names the category itself)."""
        html = response.text if hasattr(response, "text") else ""
        base = platform_base(response.url)
        if base and is_shell(html) and "/gkmlpt/annualreport" not in urlsplit(response.url).path:
            config = read_config(html)
            nodes = report_nodes(config[1] or []) if config else []
            if nodes:
                return [f"{base}/gkmlpt/annualreport#{nodes[0]}"]
        if not hasattr(response, "css"):
            return []
        links = [response.urljoin(h.strip()) for h in response.css("a[href]::attr(href)").getall()]
        found = [u for u in links if "/gkmlpt/annualreport" in urlsplit(u).path]
        found += [u for u in links if SHELL_PATH_RE.search(urlsplit(u).path) and u not in found]
        return list(dict.fromkeys(found))[:3]

    def discover(self, response: Response, hops: int) -> Iterator[Any]:
        """A home page: the platform's own route first (its links to the annual-report page or the index)."""
        found = [u for u in self.platform_column_links(response) if u != response.url]
        if found and hops < MAX_DISCOVERY_HOPS:
            for url in found:
                self.logger.info("%s: following the gkmlpt route to %s", response.url, url)
                yield self.listing_request(url, hops + 1)
            return
        yield from super().discover(response, hops)

    def is_listing(self, response: Response) -> bool:
        path = urlsplit(response.url).path
        if API_PATH_RE.search(path):
            return True
        return hasattr(response, "text") and (bool(SHELL_PATH_RE.search(path)) or is_shell(response.text)) \
            and read_config(response.text) is not None

    def parse_listing(self, response: Response) -> Iterator[Any]:
        parts = urlsplit(response.url)
        api = API_PATH_RE.search(parts.path)
        if api:  # the registry named the list API itself
            query = dict(parse_qsl(parts.query))
            page = query.get("page", "1")
            yield from self.parse_gkmlpt_api(response, int(api.group(1)), query.get("sid", ""),
                                             page=max(1, int(page)) if page.isdigit() else 1)
            return
        if not self.count_list_page(response):
            return
        config = read_config(response.text)
        if config is None:
            self.fail_empty(response, "gkmlpt page (no window._CONFIG with a SID)")
            return
        sid, tree = config
        if tree is None:
            self.fail_empty(response, "gkmlpt page (its _CONFIG TREE is not JSON)")
            return
        named = parts.fragment if parts.fragment.isdigit() else None
        categories = report_categories(tree, named)
        if not categories:
            self.fail_empty(response, "gkmlpt category tree (no 年度报告 / 年报 category)")
            return
        base = platform_base(response.url)
        for category, name in categories:
            self.logger.info("%s: gkmlpt site %s, annual-report category %s %s", response.url, sid, category, name)
            yield self.gkmlpt_api_request(base, category, sid, 1, referer=response.url.split("#", 1)[0])

    def gkmlpt_api_request(self, base: str, category: int, sid: str, page: int, referer: str,
                           listed: int = 0, previous: str | None = None) -> scrapy.Request:
        kwargs = {"category": category, "sid": sid, "page": page, "listed": listed}
        if previous:
            kwargs["previous"] = previous
        return scrapy.Request(
            api_url(base, category, sid, page), callback=self.parse_gkmlpt_api, cb_kwargs=kwargs,
            headers={"Referer": referer, "Accept": "application/json, text/plain, */*"},
            meta={"handle_httpstatus_list": [304, 404], "gkmlpt_referer": referer},
        )

    def parse_gkmlpt_api(self, response: Response, category: int, sid: str, page: int = 1,
                         listed: int = 0, previous: str | None = None) -> Iterator[Any]:
        """One page of a category's list; ``listed``: entries of the pages before, ``previous``: the first entry of
        the page before (a site that ignores ``page`` answers it again: the list has ended)."""
        if response.status == 304:
            archived = self.archived_response(response)
            if archived is None:
                yield from self.recheck_known(response)
                return
            response = archived
        if response.status == 404:
            if page >= 2:  # 单页全量模式: the site answers every article on page 1, and 404 after it
                self.crawler.stats.inc_value("govcrawl/gkmlpt_single_page_lists")
                self.logger.info("%s: 404 past page 1: the list ended (single-page list API)", response.url)
            else:
                self.fail_empty(response, f"gkmlpt list API (HTTP 404 for category {category})")
            return
        if not self.count_list_page(response):
            return
        try:
            data = parse_api(response.text)
        except ValueError as exc:
            self.fail_empty(response, f"gkmlpt list API (answer not understood: {exc})")
            return
        articles = data["articles"]
        if not articles:
            if page == 1:
                self.fail_empty(response, f"gkmlpt list API (category {category}: no articles)")
            return  # past the end
        first = article_entry(articles[0], response.url)
        if previous and first and first["url"] == previous:
            self.crawler.stats.inc_value("govcrawl/gkmlpt_repeated_pages")
            self.logger.warning("%s: page %d repeats page %d (the API ignores page): the list ends here",
                                response.url, page, page - 1)
            return
        entries = []
        for article in articles:
            entry = article_entry(article, response.url)
            if entry is None:
                self.crawler.stats.inc_value("govcrawl/gkmlpt_entries_without_url")
                continue
            entries.append((entry["url"], entry["title"], entry["date"]))
            if urlsplit(entry["url"]).hostname not in self.portal.hosts:
                self.crawler.stats.inc_value("govcrawl/gkmlpt_offsite_entries")
                self.logger.info("%s: entry %r jumps off the site (%s); not followed", response.url, entry["title"],
                                 entry["url"])
                continue
            if not self.wanted(entry["title"], entry["date"]):
                self.crawler.stats.inc_value("govcrawl/entries_outside_years")
                continue
            if self.known_listed(entry["url"]):
                continue
            request = self.article_request(entry["url"], entry["title"], entry["date"], referer=response.url,
                                           listing_meta=entry["listing_meta"])
            request.meta["gkmlpt_attachments"] = entry["attachments"]
            yield request
        listed += len(articles)
        count = data["total"] if data["total"] is not None else data["post_count"]
        if count is not None and listed >= count:
            return
        if not self.stop_paging(response, entries):
            referer = response.meta.get("gkmlpt_referer") or response.url
            yield self.gkmlpt_api_request(platform_base(response.url), category, sid, page + 1, referer, listed,
                                          first["url"] if first else None)

    def parse_article(self, response: Response, listing_title: str | None = None, listing_date: str | None = None,
                      listing_unit: str | None = None, listing_meta: dict[str, str] | None = None) -> Iterator[Any]:
        """The page as every platform's, plus the attachments the list names that the page does not link."""
        out = list(super().parse_article(response, listing_title, listing_date, listing_unit, listing_meta))
        item = next((o for o in out if isinstance(o, PageItem)), None)
        listed = response.meta.get("gkmlpt_attachments") or []
        extra = [u for u in listed if item is not None and u not in item.attachments]
        for url in extra:
            self.crawler.stats.inc_value("govcrawl/gkmlpt_listed_attachments")
            item.attachments.append(url)
            out.insert(out.index(item), self.attachment_request(url, response.url))
        yield from out
