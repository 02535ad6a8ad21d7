"""The request router: ``Replica.respond(request)`` is the single place where a response is produced (fault modes
and edits are applied around it, per server: ``faults.py``, ``server.py``); ``build_replica()`` builds it once."""

from __future__ import annotations

import functools
import gzip
import json
import re
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import quote

from govcrawl.replica import platforms
from govcrawl.replica import templates as T
from govcrawl.replica.articles import GATE_PREFIX, SEARCH_QUERY, Article, SiteCfg
from govcrawl.replica.breadth import (
    ORIGINAL_KEYS,
    SITES,
    build_all_articles,
    build_site_articles,
    heldout_spec,
    make_site,
    stable_hash,
)
from govcrawl.replica.content import (
    to_traditional,
)
from govcrawl.replica.http import (
    Request,
    Response,
    encode_text,
    etag_of,
    last_modified_of,
    make_pdf,
    redirect,
    text_response,
)
from govcrawl.replica.spam import build_search, build_spam


class Replica:
    def __init__(self, extra_specs: tuple = ()):
        self.sites: dict[str, SiteCfg] = dict(SITES)
        self.articles = build_all_articles()
        self.extra_keys: list[str] = []
        self.platform_sites = platforms.shipped_sites()
        for raw in extra_specs:
            spec = json.loads(raw) if isinstance(raw, str) else raw
            if spec.get("platform") in platforms.modules():  # a held-out portal of another platform
                self.platform_sites.append(platforms.build(spec))
                continue
            site = make_site(heldout_spec(spec))
            if site.key in self.sites:
                raise ValueError(f"replica: extra site {site.key!r} already exists")
            self.sites[site.key] = site
            self.articles[site.key] = build_site_articles(site)
            self.extra_keys.append(site.key)
        self.spam = build_spam(self.articles)
        self.search = build_search(self.articles, self.spam)
        self.start_urls = {key: self.sites[key].column_url for key in ("zj_gov", "zj_fzggw", "zhoushan")}
        self.start_urls["hz_drc"] = f"{self.sites['hz_drc'].origin}{GATE_PREFIX}/col/col1693960/index.html"
        for key, s in self.sites.items():
            self.start_urls.setdefault(key, s.xxgk_url if s.start == "xxgk" else s.column_url)
        self.start_urls["web_search"] = f"http://www.baidu.com/s?wd={quote(SEARCH_QUERY)}&pn=0"
        # static pages per host: path -> (text or bytes, content_type or None, article or None)
        self.pages: dict[str, dict[str, tuple]] = {}
        for key, s in self.sites.items():
            pg = self.pages.setdefault(s.host, {})
            arts = self.articles[key]
            home = T.simple_page(s, s.name, [(s.xxgk_path, "政府信息公开"), ("/col/col1229000001/index.html", "要闻动态"),
                                             ("/col/col1229000002/index.html", "政务服务")])
            pg["/"] = pg["/index.html"] = (home, None, None)
            col_path = f"/col/col{s.colid}/index.html"
            if key in ORIGINAL_KEYS:
                pg[s.xxgk_path] = (T.simple_page(s, "政府信息公开", [
                    ("/col/col1229000010/index.html", "政府信息公开指南"), ("/col/col1229000011/index.html", "政府信息公开制度"),
                    ("/col/col1229000012/index.html", "法定主动公开内容"), (col_path, "政府信息公开年报"),
                ], '<p class="intro">本栏目公开本机关政府信息公开工作年度报告。</p>'), None, None)
            else:
                self._xxgk_pages(s, pg, col_path)
            if s.cms == "jcms":
                pg[col_path] = (T.jcms_column_page(s, arts, s.per_page, s.proxy_paths[0],
                                                   embed_all=s.quirk == "repeat_page1"), None, None)
            elif s.cms == "jpaas":
                pg[f"/col/col{s.colid}/index.html"] = (T.jpaas_column_page(s), None, None)
                pg[s.footer_script] = (T.footer_script_js(s), "application/javascript; charset=UTF-8", None)
            else:
                entries = [(a.path, a.title, a.pub[:10]) for a in arts]
                if s.spec and s.spec.get("list_loader") == "xhr":
                    # the list arrives as JSON after the page has loaded (a held-out portal's quirk)
                    list_path = f"/col/col{s.colid}/list.json"
                    pg[col_path] = (T.xhr_list_page(s, list_path), None, None)
                    pg[list_path] = (T.xhr_list_json(entries), "application/json; charset=UTF-8", None)
                else:
                    pg[col_path] = (T.js_list_page(s, entries), None, None)
            for a in arts:
                pg[a.path] = (T.article_page(s, a), None, a)
            pg["/robots.txt"] = ("User-agent: *\nDisallow: /module/search/\n", "text/plain; charset=UTF-8", None)
        self.pages["www.zj.gov.cn"]
        self.pdf = make_pdf("浙江省2022年政府信息公开工作年度报告")
        for sp in self.spam:
            pg = self.pages.setdefault(sp.host, {})
            pg[sp.path] = (sp.html, "text/html; charset=utf-8", None)
            pg.setdefault("/", (f"<html><head><meta charset='utf-8'><title>{sp.host}</title></head><body>"
                                f"<a href='{sp.path}'>{sp.path}</a></body></html>", "text/html; charset=utf-8", None))
            pg.setdefault("/robots.txt", ("User-agent: *\nDisallow:\n", "text/plain; charset=UTF-8", None))
        self.pages.setdefault("www.baidu.com", {})["/robots.txt"] = (
            "User-agent: *\nDisallow: /module/search/\n", "text/plain; charset=UTF-8", None)
        self._platform_by_host = {}
        for ps in self.platform_sites:
            for h in ps.hosts:
                if h in self.pages or h in self._platform_by_host:
                    raise ValueError(f"replica: host {h} served twice")
                self._platform_by_host[h] = ps
                self.pages[h] = {}
                self.start_urls[ps.slug] = ps.start_url()
        self.hosts = sorted(self.pages)
        # https: the hosts served through CONNECT (the others: http only); the ones that send http to https
        schemes = [(s.host, s.scheme, s.https_redirect) for s in self.sites.values()]
        schemes += [(h, ps.scheme, ps.https_redirect) for ps in self.platform_sites for h in ps.hosts]
        self.https_hosts = frozenset(h for h, scheme, _ in schemes if scheme == "https")
        self.redirect_hosts = frozenset(h for h, scheme, moved in schemes if scheme == "https" and moved)
        self._site_by_host = {s.host: s for s in self.sites.values()}
        self._items_by_host = {s.host: self.articles[k] for k, s in self.sites.items()}
        self._gate_cache: dict[str, tuple] = {}
        self._search_by_token = {t: url for t, _, _, url in self.search}
        self._host_lm = {s.host: last_modified_of(max(a.pub for a in self.articles[k])) for k, s in self.sites.items()
                         if self.articles.get(k)}

    @staticmethod
    def _xxgk_pages(s: SiteCfg, pg: dict, col_path: str) -> None:
        """The 政府信息公开 home of a breadth portal, and its 法定主动公开内容 page; one of them links the column."""
        x, law = s.xxgk_colid, f"/col/col{s.law_colid}/index.html"
        links = [(f"/col/col{x + 1}/index.html", "政府信息公开指南"), (f"/col/col{x + 2}/index.html", "政府信息公开制度"),
                 (law, "法定主动公开内容"), (f"/col/col{x + 3}/index.html", "依申请公开")]
        if not s.nested:
            links.insert(stable_hash(s.host, "pos") % 4 + 1, (col_path, s.nav_text))
        pg[s.xxgk_path] = (T.simple_page(s, "政府信息公开", links), None, None)
        lc = int(s.law_colid)
        law_links = [(f"/col/col{lc + 1}/index.html", "机构职能"), (f"/col/col{lc + 2}/index.html", "规范性文件"),
                     (f"/col/col{lc + 3}/index.html", "规划信息"), (f"/col/col{lc + 4}/index.html", "财政预决算")]
        if s.nested:
            law_links.insert(stable_hash(s.host, "lawpos") % 4, (col_path, s.nav_text))
        pg[law] = (T.simple_page(s, "法定主动公开内容", law_links), None, None)

    # ------------------------------------------------------------------ helpers
    def _html(self, site: SiteCfg | None, text: str, status=200, ctype=None, art: Article | None = None,
              codec=None, charset=None) -> Response:
        codec = codec or (site.codec if site else "utf-8")
        charset = charset or (site.charset_label if site else "UTF-8")
        body = encode_text(text, codec)
        resp = Response(status, body, ctype or f"text/html; charset={charset}")
        if art is not None:
            resp.last_modified = last_modified_of(art.pub)
            resp.etag = etag_of(body)
        return resp

    def not_found(self, host: str) -> Response:
        site = self._site_by_host.get(host)
        if site:
            return self._html(site, T.not_found(site), 404)
        return Response(404, b"<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1>"
                             b"<hr><center>nginx</center></body></html>", "text/html; charset=UTF-8")

    # ------------------------------------------------------------------ entry point
    def scheme_redirect(self, req: Request) -> Response | None:
        """The 301 to https a portal that moved to https answers every http request with (or the 502 of an https
        request to a host served over http only), or None."""
        if req.scheme == "http" and req.host in self.redirect_hosts:
            return redirect(301, f"https://{req.host}{req.target}")
        if req.scheme == "https" and req.host in self.pages and req.host not in self.https_hosts:
            return text_response(502, f"replica: {req.host} is not served over https\n")
        return None

    def respond(self, req: Request) -> Response:
        """The single place where a response is produced (faults and edits: per server, in ``server.py``)."""
        if req.host not in self.pages:
            return text_response(502, f"replica: no such host {req.host}\n")
        resp = self._route(req)
        return resp if resp is not None else self.not_found(req.host)

    def _route(self, req: Request) -> Response | None:
        host, path = req.host, req.path
        if host in self._platform_by_host:
            return self._platform_by_host[host].respond(req)
        site = self._site_by_host.get(host)
        if host == "www.baidu.com":
            return self._baidu(req)
        if site and site.key == "zj_gov":
            if path == "/col/col1229019000/index.html":
                return redirect(301, site.column_url)
            if path == "/module/download/downfile.jsp":
                if req.params().get("filename") == "2201234.pdf":
                    return Response(200, self.pdf, "application/pdf", [
                        ("Content-Disposition", 'attachment; filename="2201234.pdf"')],
                        last_modified=last_modified_of("2023-02-20 10:00"), etag=etag_of(self.pdf))
                return None
        if site and site.cms == "jcms" and path in ("/module/jpage/dataproxy.jsp", "/module/web/jpage/dataproxy.jsp"):
            if path not in site.proxy_paths:
                return None
            return self._dataproxy(site, req)
        if site and site.cms == "jpaas" and path == T.JPAAS_UNIT_URL:
            return self._jpaas(site, req)
        if site and site.key == "hz_drc" and path.startswith(GATE_PREFIX + "/"):
            return self._gate(site, path[len(GATE_PREFIX):])
        entry = self.pages[host].get(path)
        if entry is None:
            return None
        text, ctype, art = entry
        if isinstance(text, bytes):
            return self._static(host, Response(200, text, ctype))
        if site is None:
            return self._static(host, self._html(None, text, ctype=ctype))
        if ctype:
            return self._static(host, Response(200, text.encode("utf-8"), ctype))
        return self._static(host, self._html(site, text, art=art))

    def _static(self, host: str, resp: Response) -> Response:
        """A static file as nginx serves it: ``ETag`` and ``Last-Modified`` (so conditional requests get 304).

        Articles are dated by their publication; other static pages of a host (home, 政府信息公开 home, column
        pages and shells, scripts, robots.txt) by the newest article the host publishes.
        """
        if resp.status == 200:
            if resp.last_modified is None:
                resp.last_modified = self._host_lm.get(host) or last_modified_of("2024-03-31 10:00")
            if not resp.etag:
                resp.etag = etag_of(resp.body)
        return resp

    # ------------------------------------------------------------------ fault: pagination trap
    TRAP_TOTAL = 999_999

    def trap_respond(self, req: Request) -> Response | None:
        """The answer of a column that never ends (fault mode ``pagination_trap``), or None for pages it leaves alone.

        The column says it holds ``TRAP_TOTAL`` entries; after the real ones, every list page (jcms dataproxy,
        JPaaS unit API) brings new made-up entries (news items, served too), so paging never runs dry.
        """
        site = self._site_by_host.get(req.host)
        if site is None or site.cms not in ("jcms", "jpaas"):
            return None
        items = _TrapItems(site, self.articles[site.key], self.TRAP_TOTAL)
        path = req.path
        m = re.fullmatch(rf"/art/2000/1/1/art_{site.colid}_9(\d+)\.html", path)
        if m:
            n = int(m.group(1))
            if n < len(items.real) or n >= self.TRAP_TOTAL:
                return None
            return self._html(site, T.article_page(site, items[n]), art=items[n])
        if site.cms == "jcms" and path == f"/col/col{site.colid}/index.html":
            return self._html(site, T.jcms_column_page(site, items, site.per_page, site.proxy_paths[0]))
        if site.cms == "jcms" and path in site.proxy_paths:
            p = req.params()
            try:
                per = max(int(p.get("perpage") or site.per_page), 1)
                start = int(p.get("startrecord") or 1)
                end = int(p.get("endrecord") or (start + per - 1))
            except ValueError:
                return None
            xml = T.jcms_dataproxy_xml(site, items, start, end, per, path)
            return Response(200, encode_text(xml, site.codec), f"text/xml; charset={site.charset_label}")
        if site.cms == "jpaas" and path == T.JPAAS_UNIT_URL:
            p = req.params()
            try:
                pj = json.loads(p.get("paramJson") or "{}")
                page_no, size = int(pj.get("pageNo", 1)), int(pj.get("pageSize", site.per_page))
            except (ValueError, TypeError, AttributeError):
                return None
            size = size if 1 <= size <= 100 else site.per_page
            return Response(200, T.jpaas_unit_json(site, items, page_no, size).encode(), "application/json;charset=UTF-8")
        return None

    def _dataproxy(self, site: SiteCfg, req: Request) -> Response:
        p = req.params()
        items = self._items_by_host[site.host]
        ok = (p.get("columnid") == site.colid and p.get("webid") == site.webid
              and p.get("unitid", site.unitid) == site.unitid)
        try:
            per = int(p.get("perpage") or site.per_page)
            start = int(p.get("startrecord") or 1)
            end = int(p.get("endrecord") or (start + per - 1))
        except ValueError:
            ok = False
        if ok and site.quirk == "repeat_page1":  # old jcms: whatever page is asked, page 1 comes back
            start, end = 1, per
        if not ok:
            xml = ("<datastore>\n<totalrecord>0</totalrecord>\n<totalpage>0</totalpage>\n"
                   "<nextgroup><![CDATA[]]></nextgroup>\n<recordset>\n</recordset>\n</datastore>")
        else:
            xml = T.jcms_dataproxy_xml(site, items, start, end, max(per, 1), req.path)
        return Response(200, encode_text(xml, site.codec), f"text/xml; charset={site.charset_label}")

    def _jpaas(self, site: SiteCfg, req: Request) -> Response:
        p = req.params()
        items = self._items_by_host[site.host]
        if p.get("webId") != site.webid or p.get("pageId") != site.colid:
            body = json.dumps({"success": False, "message": "参数错误", "code": "500", "data": None}, ensure_ascii=False)
            return Response(200, body.encode(), "application/json;charset=UTF-8")
        page_no, size = 1, site.per_page
        try:
            pj = json.loads(p.get("paramJson") or "{}")
            page_no = int(pj.get("pageNo", 1))
            size = int(pj.get("pageSize", site.per_page))
            if not 1 <= size <= 100:
                size = site.per_page
            if site.quirk == "jpaas_max10":  # this portal's unit API ignores a pageSize larger than 10
                size = min(size, 10)
        except (ValueError, TypeError, AttributeError):
            pass
        return Response(200, T.jpaas_unit_json(site, items, page_no, size).encode(), "application/json;charset=UTF-8")

    def _gate(self, site: SiteCfg, inner: str) -> Response | None:
        if inner in self._gate_cache:
            text, art = self._gate_cache[inner]
        else:
            if inner == f"/col/col{site.colid}/index.html":
                entries = [(GATE_PREFIX + a.path, to_traditional(a.title), a.pub[:10]) for a in self.articles[site.key]]
                src, art = T.js_list_page(site, entries), None
            else:
                entry = self.pages[site.host].get(inner)
                if entry is None or entry[1] is not None:
                    return None
                src, _, art = entry
            src = re.sub(r'(href|action)="/(?!/)', rf'\1="{GATE_PREFIX}/', src)
            src = src.replace(f'href="{site.origin}/', f'href="{site.origin}{GATE_PREFIX}/')
            src = src.replace("charset=UTF-8", "charset=big5")
            text = to_traditional(src)
            self._gate_cache[inner] = (text, art)
        return self._static(site.host, self._html(site, text, art=art, codec="big5", charset="big5"))

    def _baidu(self, req: Request) -> Response | None:
        if req.path == "/s":
            p = req.params()
            try:
                pn = int(p.get("pn") or 0)
            except ValueError:
                pn = 0
            q = p.get("wd", "")
            results = [(t, ti, ab) for t, ti, ab, _ in self.search] if q.strip() == SEARCH_QUERY else []
            html = T.search_page(q, results[pn:pn + 10], pn, len(results))
            return Response(200, html.encode("utf-8"), "text/html; charset=utf-8")
        if req.path == "/link":
            target = self._search_by_token.get(req.params().get("url", ""))
            return redirect(302, target) if target else None
        if req.path in ("/", "/index.html"):
            return Response(200, "<html><head><meta charset='utf-8'><title>百度一下，你就知道</title></head><body>"
                                 "<form action='/s'><input name='wd'></form></body></html>".encode(), "text/html; charset=utf-8")
        entry = self.pages["www.baidu.com"].get(req.path)
        return Response(200, entry[0].encode(), entry[1]) if entry else None


class _TrapItems:
    """A column's articles followed by endless made-up news items (``len`` is the column's claimed size)."""

    def __init__(self, site: SiteCfg, real: list, total: int):
        self.site, self.real, self.total = site, real, total

    def __len__(self) -> int:
        return self.total

    def _fake(self, n: int) -> Article:
        s = self.site
        path = f"/art/2000/1/1/art_{s.colid}_9{n}.html"
        day = 1 + n % 28
        return Article(site=s.key, path=path, link=path, url=f"{s.origin}{path}",
                       title=f"{s.unit}政务动态(第{n}期)", pub=f"2020-06-{day:02d} 09:00", header="pubdate_source",
                       source=s.publisher, content_source=s.publisher, column_name=s.column_name,
                       body=[f"第{n}期:{s.unit}召开工作例会,研究部署近期重点工作。"], is_report=False,
                       note="pagination trap filler")

    def __getitem__(self, key):
        if isinstance(key, slice):
            return [self[i] for i in range(*key.indices(len(self)))]
        if key < 0:
            key += len(self)
        return self.real[key] if key < len(self.real) else self._fake(key)


@functools.lru_cache(maxsize=8)
def build_replica(extra_specs: tuple = ()) -> Replica:
    """The replica (cached); ``extra_specs``: held-out portal specs, as canonical JSON strings (``spec_key``)."""
    return Replica(extra_specs)


def finalize(resp: Response, req: Request, replica: Replica | None = None) -> tuple[int, list, bytes]:
    """Conditional requests, compression and common headers -> (status, headers, body)."""
    headers = [("Server", "nginx"), ("Date", format_datetime(datetime.now(timezone.utc), usegmt=True))]
    status, body = resp.status, resp.body
    if resp.last_modified is not None:
        headers.append(("Last-Modified", format_datetime(resp.last_modified, usegmt=True)))
    if resp.etag:
        headers.append(("ETag", resp.etag))
    if status == 200 and (resp.etag or resp.last_modified):
        inm = req.headers.get("if-none-match")
        ims = req.headers.get("if-modified-since")
        not_modified = False
        if inm is not None:
            not_modified = bool(resp.etag) and (inm.strip() == "*" or resp.etag in [x.strip() for x in inm.split(",")])
        elif ims and resp.last_modified is not None:
            try:
                not_modified = parsedate_to_datetime(ims) >= resp.last_modified
            except (TypeError, ValueError):
                pass
        if not_modified:
            return 304, headers, b""
    headers.append(("Content-Type", resp.content_type))
    headers.extend(resp.headers)
    site = (replica or build_replica())._site_by_host.get(req.host)
    if site and site.gzip and status == 200:
        headers.append(("Vary", "Accept-Encoding"))
        if "gzip" in req.headers.get("accept-encoding", "").lower():
            body = gzip.compress(body, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
    return status, headers, body


