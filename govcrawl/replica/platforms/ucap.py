"""The "Ucap" family (gov.cn-style sites, several ministries, Heilongjiang, Hainan), modelled on
``samples/national/PLATFORMS.md`` §3.3, ``govcn_xxgk_fragments.html`` (the ``table.bd1`` metadata table and the
``td#UCAP-CONTENT`` body), ``pager_createPageHTML_and_ucap_es_search.js`` (the es-search loader) and
``list_endpoints_observed.tsv`` (the service URLs), with what public crawlers record of the same sites.

- Columns ``/<site>/c<digits>/common_list.shtml`` with an empty list the browser fills from the search service;
  the 政府信息公开 home ``/<site>/c<digits>/zfxxgk.shtml`` (Heilongjiang's form) links them.
- Where the column names its channel (``loader``): ``script`` — ``<meta name="channelId">`` read by the list script
  ``/<site>/xhtml/js/render.js`` (``'/searchList/' + _id + '?_isAgg=true&_isJson=true&_pageSize=' + pageSize + …``,
  CSRC's shape); ``inline`` — the es-search sample's loader in the page itself (``var lmCode = '…'``; the variable's
  definition is not in the sample: a plain ``var`` is assumed); ``link`` — the 政府信息公开 home links the search
  itself, ``/common/search/<id>?sort=publishedTime&_isAgg=false&_pageSize=12&_template=sfgw&_channelName=&page=1``
  (Hainan's 通知公告), which renders HTML unless ``_isJson=true``.
- The service (``service``): ``/common/search/<id>`` (Heilongjiang, Hainan, Gansu), ``/searchList/<id>`` (CSRC),
  ``/search/<id>`` (NHC), ``/es-search/search/<id>`` (an HTML fragment of links; its markup is not in the samples:
  plain ``<li><a title>…</a><span>date</span></li>`` rows). JSON answers ``{data: {total, page, rows, channelId,
  results: [{title, url, content, publishedTimeStr, channelName, domainMetaList: [{domainMetadataName,
  resultList: [{name, key, value}]}]}]}}``: metadata keys ``indexnumber`` 索引号, ``refno`` 文号, ``writedate`` 成文日期,
  ``pubdate`` 发文日期, ``theme``, ``source`` 来源. A server may cap the page size (``rows`` says what it used).
- Quirks: ``url`` absolute, site-relative or protocol-relative (CSRC's ``//www.csrc.gov.cn/…``); ``"null"`` values;
  ``source`` holding a feed code instead of an organisation (chinatax's ``SZfaguiku``); written dates as
  ``2024-01-18``, ``2024年01月18日`` or ``2024-01-18 00:00:00``.
- Content pages (``url_form``): ``/<site>/c<digits>/<YYYYMM>/c00_<n>.shtml`` (Heilongjiang), ``…/<YYYYMM>/<32hex>.shtml``
  (Hainan), ``/<site>/c<digits>/c<n>/content.shtml`` (CSRC). ``layout``: ``ucapcontent`` — title, 发布时间 and (not
  always) 来源 printed, body in ``<UCAPCONTENT>``, no 索引号 / 成文日期 (the list's metadata fills them); ``govcn`` — gov.cn's
  ``table.bd1`` (索 引 号 / 主题分类 / 发文机关 / 成文日期 / 标题 / 发文字号 / 发布日期, cells on separate source lines as in
  the real page) and ``td#UCAP-CONTENT``.
"""

from __future__ import annotations

import hashlib
import json
import math
from urllib.parse import urlsplit

from govcrawl.replica.content import (
    cn_year,
    jiedu_body,
    national_template_body,
    notice_body,
    old_style_body,
    rng_for,
    work_plan_body,
)
from govcrawl.replica.http import Request, Response, etag_of, last_modified_of
from govcrawl.replica.platforms import Doc, PlatformSite, attr, esc, not_found, pub_date
from govcrawl.replica.templates import body_html

SPECS = [
    {   # a provincial portal on Heilongjiang's shapes: one 年报 column listing the reports of the province and of its
        # departments; the list script reads the channel meta; pages print no 索引号 / 成文日期 (the list gives them)
        "slug": "ucap_prov", "name": "北江省人民政府", "level": "province", "region": "北江省",
        "host": "www.beijiang.gov.cn", "site": "bjs", "service": "common", "loader": "script", "layout": "ucapcontent",
        "url_form": "c00", "url_style": "absolute", "per_page": 15, "years": [2019, 2020, 2021, 2022, 2023, 2024],
        "start": "xxgk",
        "units": [["北江省人民政府", "北江省人民政府办公厅", "我省"], ["北江省发展和改革委员会", "北江省发展和改革委员会", "我委"],
                  ["北江省教育厅", "北江省教育厅", "我厅"]],
    },
    {   # a ministry on CSRC's shapes: /searchList/, <meta name="channelid">, protocol-relative URLs, gov.cn's metadata
        # table on the pages, a feed code as the list's 来源, "null" 文号
        "slug": "ucap_ministry", "name": "国家水文气象局", "level": "department", "region": "全国",
        "host": "www.nhma.gov.cn", "site": "nhma", "service": "searchList", "loader": "script", "layout": "govcn",
        "url_form": "content", "url_style": "protocol", "per_page": 10, "years": list(range(2016, 2025)),
        "start": "column", "source_code": "NHMAwzq", "units": [["国家水文气象局", "国家水文气象局", "我局"]],
    },
]

SERVICE_PATHS = {"common": "/common/search", "searchList": "/searchList", "search": "/search",
                 "es": "/es-search/search"}
RENDER_JS = """/* 栏目列表：频道取自页面的 <meta name="channelId">，列表由检索服务按页返回 */
var pageSize = {size};
var _id = $('meta[name="channelid"]').attr('content') || $('meta[name="channelId"]').attr('content');
function getList(curPage) {{
  $.ajax({{
    url: '{path}/' + _id + '?_isAgg=true&_isJson=true&_pageSize=' + pageSize + '&_template=index&_rangeTimeGte=&_channelName=&page=' + curPage,
    type: 'get',
    dataType: 'json',
    success: function (res) {{ renderList(res.data.results); renderPage(res.data.total, res.data.rows, curPage); }}
  }});
}}
$(function () {{ if ($('.pagelist').length) {{ getList(1); }} }});
"""
# the es-search sample's loader, verbatim; the column page defines lmCode before it
ES_LOADER = """function callback(n) {
  $('.data').load('/es-search/search/' + lmCode + '?_template=ucap/list_ejs&_isAgg=1&_pageSize=20&page=' + n);
}
// &_pageSize=20 设置美页条数
// &_isAgg=1 设置是否显示聚合 0 不聚合，1聚合
$(function() {
  if($('.data').length != 0) {
    $('.data').load('/es-search/search/' + lmCode + '?_template=ucap/list_ejs&_isAgg=1&_pageSize=20&page=1');
  }
});"""


class Site(PlatformSite):
    platform = "ucap"

    def __init__(self, spec: dict) -> None:
        super().__init__(spec)
        s = spec
        self.site = s.get("site", "web")
        self.service = SERVICE_PATHS[s.get("service", "common")]
        self.loader = s.get("loader", "script")
        self.layout = s.get("layout", "ucapcontent")
        self.url_form = s.get("url_form", "c00")
        self.url_style = s.get("url_style", "absolute")
        self.per_page = int(s.get("per_page", 15))
        self.max_page_size = int(s.get("max_page_size", 0)) or None
        self.years = list(s.get("years", range(2019, 2025)))
        self.units = [tuple(u) for u in s.get("units", [])] or [(self.name, self.name, "我单位")]
        base = 100000 + self.stable("col") % 800000
        self.xxgk_col, self.col = base, base + 9
        self.xxgk = f"/{self.site}/c{self.xxgk_col}/zfxxgk.shtml"
        self.column = f"/{self.site}/c{self.col}/common_list.shtml"
        self.channel = hashlib.md5(f"{self.slug}|channel".encode()).hexdigest()
        self.render_js = f"/{self.site}/xhtml/js/render.js"
        self._docs: list[Doc] | None = None
        self._by_path: dict[str, Doc] = {}

    # --- the registry --------------------------------------------------------------------------------
    def start_url(self) -> str:
        return self.url(self.xxgk) if self.spec.get("start") == "xxgk" else self.url(self.column_link())

    def column_link(self) -> str:
        """Where the 政府信息公开 home's 政府信息公开年报 link goes: the column page, or the search itself (``link``)."""
        if self.loader == "link":
            return (f"{self.service}/{self.channel}?sort=publishedTime&_isAgg=false&_pageSize={self.per_page}"
                    f"&_template=sfgw&_channelName=&page=1")
        return self.column

    def listed_metadata(self, url: str) -> str:
        """The page's result in the search service's JSON (the es-search fragment carries no metadata)."""
        if self.service.endswith("es-search/search"):
            return ""
        self.docs()
        parts = urlsplit(url)
        doc = self._by_path.get(parts.path) if parts.hostname == self.host else None
        return json.dumps(self._result(doc), ensure_ascii=False) if doc else ""

    # --- the documents -------------------------------------------------------------------------------
    def docs(self) -> list[Doc]:
        if self._docs is None:
            docs = []
            for k, (unit, source, we) in enumerate(self.units):
                for y in self.years:
                    docs.append(self._report(k, unit, source, we, y))
                    r = rng_for(self.slug, unit, y, "others")
                    if r.random() < 0.5:
                        docs.append(self._other(k, unit, source, we, y, r))
            docs.sort(key=lambda d: d.pub, reverse=True)
            self._docs = docs
            self._by_path = {d.path: d for d in docs}
        return self._docs

    def _path(self, pub: str, n: int) -> str:
        yyyymm = pub[:7].replace("-", "")
        if self.url_form == "hex":
            return f"/{self.site}/c{self.col}/{yyyymm}/{hashlib.md5(f'{self.slug}|{n}'.encode()).hexdigest()}.shtml"
        if self.url_form == "content":
            return f"/{self.site}/c{self.col}/c{n}/content.shtml"
        return f"/{self.site}/c{self.col}/{yyyymm}/c00_{n}.shtml"

    def _index_no(self, k: int, year: int, n: int) -> str:
        return f"{11230000 + self.stable('org', k) % 899999:08d}/{year}-{n % 100000:05d}"

    def _report(self, k: int, unit: str, source: str, we: str, year: int) -> Doc:
        r = rng_for(self.slug, unit, year)
        pub = pub_date(year + 1, 1 + r.randint(0, 2), 1 + r.randint(0, 26), 9 + r.randint(0, 8))
        title = [f"{unit}{year}年政府信息公开工作年度报告", f"{year}年度{unit}政府信息公开工作报告",
                 f"{unit}政府信息公开工作年度报告({year}年度)", f"{unit}{cn_year(year)}年政府信息公开工作年度报告"][r.randint(0, 3)]
        kind = "gov" if unit.endswith("人民政府") else "dept"
        stats: dict = {}
        if year >= 2019:
            body = national_template_body(unit, we, year, kind, r, html_tables=True, stats_out=stats)
        else:
            body = old_style_body(unit, we, year, r)
        written = f"{year + 1}-{int(pub[5:7]):02d}-{max(1, int(pub[8:10]) - 2):02d}"
        signed = self.layout == "govcn" or r.random() < 0.5   # half the Heilongjiang-style pages end unsigned
        if signed:
            wy, wm, wd = (int(x) for x in written.split("-"))
            body = body + [("right", unit), ("right", f"{wy}年{wm}月{wd}日")]
        n = 30000000 + self.stable("doc", unit, year) % 9000000
        doc = Doc(path=self._path(pub, n), title=title, pub=pub, body=body, is_report=True, report_year=year,
                  reporting_body=unit, written_date=written, index_no=self._index_no(k, year + 1, n),
                  publisher=unit if self.layout == "govcn" else source, statistics=stats or None)
        doc.meta = self._meta(doc, k, source, "null" if r.random() < 0.5 else "", r)
        doc.meta["print_source"] = self.layout != "govcn" and r.random() < 0.5
        return doc

    def _other(self, k: int, unit: str, source: str, we: str, year: int, r) -> Doc:
        which = r.randint(0, 2)
        if which == 0:
            title, body, pub, note = (f"{unit}{year}年政务公开工作要点", work_plan_body(unit, year),
                                      pub_date(year, 3, 1 + r.randint(0, 27)), "work plan")
        elif which == 1:
            title, body, pub, note = (f"关于做好{year}年政府信息公开工作年度报告编制工作的通知", notice_body(unit, year),
                                      pub_date(year, 12, 1 + r.randint(0, 20)), "notice about the annual reports")
        else:
            title, body, pub, note = (f"《{unit}{year}年政府信息公开工作年度报告》解读", jiedu_body(unit, we, year, r),
                                      pub_date(year + 1, 4, 1 + r.randint(0, 27)), "解读 of an annual report")
        n = 30000000 + self.stable("other", unit, year) % 9000000
        doc = Doc(path=self._path(pub, n), title=title, pub=pub, body=body, is_report=False, note=note,
                  index_no=self._index_no(k, int(pub[:4]), n), publisher=unit if self.layout == "govcn" else source,
                  written_date=pub[:10], doc_no=f"{unit[:2]}办发〔{pub[:4]}〕{n % 90 + 1}号" if which == 1 else None)
        doc.meta = self._meta(doc, k, source, doc.doc_no or "", r)
        doc.meta["print_source"] = True
        return doc

    def _meta(self, d: Doc, k: int, source: str, refno: str, r) -> dict:
        """The result's domainMetaList values (what the list API says of the page)."""
        y, m, dd = d.written_date.split("-")
        form = r.randint(0, 2)
        writedate = [f"{y}-{m}-{dd}", f"{y}年{m}月{dd}日", f"{y}-{m}-{dd} 00:00:00"][form]
        return {"indexnumber": d.index_no, "refno": refno, "writedate": writedate, "pubdate": d.pub[:10],
                "theme": "综合政务\\政务公开", "source": self.spec.get("source_code") or source}

    # --- pages ---------------------------------------------------------------------------------------
    def respond(self, req: Request) -> Response | None:
        path = req.path
        if path in ("/", "/index.shtml"):
            return self.html(self._page(self.name, f'<ul class="nav"><li><a href="/">首页</a></li>'
                                                    f'<li><a href="{self.xxgk}">政府信息公开</a></li>'
                                                    f'<li><a href="/{self.site}/c{self.xxgk_col - 7}/xwzx.shtml">新闻中心</a></li>'
                                                    f'<li><a href="/{self.site}/c{self.xxgk_col - 5}/hdjl.shtml">互动交流</a></li></ul>',
                                        channel=self.stable("home")))
        if path == self.xxgk:
            links = [(f"/{self.site}/c{self.xxgk_col + 1}/common_list.shtml", "政府信息公开指南"),
                     (f"/{self.site}/c{self.xxgk_col + 2}/common_list.shtml", "政府信息公开制度"),
                     (f"/{self.site}/c{self.xxgk_col + 3}/fdzdgknr.shtml", "法定主动公开内容"),
                     (self.column_link(), "政府信息公开年报"),
                     (f"/{self.site}/c{self.xxgk_col + 4}/ysqgk.shtml", "依申请公开")]
            nav = "".join(f'<li><a href="{attr(h)}" target="_blank">{t}</a></li>' for h, t in links)
            return self.html(self._page("政府信息公开", f'<ul class="xxgk-nav">{nav}</ul>', channel=self.stable("xxgk"),
                                        script=self.loader == "script"))
        if path == self.column and self.loader != "link":
            return self.html(self._column_page())
        if path == self.render_js and self.loader == "script":
            body = RENDER_JS.format(size=self.per_page, path=self.service).encode("utf-8")
            resp = Response(200, body, "application/javascript")
            resp.etag, resp.last_modified = etag_of(body), last_modified_of("2023-06-01 10:00")
            return resp
        if path == f"{self.service}/{self.channel}":
            return self._search(req)
        self.docs()
        doc = self._by_path.get(path)
        if doc is not None:
            return self.html(self._article(doc), doc)
        return not_found()

    def _search(self, req: Request) -> Response:
        params = req.params()
        try:
            page = max(1, int(params.get("page") or 1))
            asked = int(params.get("_pageSize") or self.per_page)
        except ValueError:
            return Response(400, b'{"code":400,"msg":"bad parameter"}', "application/json;charset=UTF-8")
        rows = min(asked, self.max_page_size or asked) or self.per_page
        docs = self.docs()
        chunk = docs[(page - 1) * rows: page * rows]
        if self.service.endswith("es-search/search"):
            items = "".join(f'<li><a href="{attr(self._result_url(d))}" target="_blank" title="{attr(d.title)}">'
                            f'{esc(d.title)}</a><span>{d.pub[:10]}</span></li>\n' for d in chunk)
            return Response(200, f'<ul class="list">\n{items}</ul>\n'.encode("utf-8"), "text/html;charset=UTF-8")
        if params.get("_isJson") != "true":  # the template renders the same search as HTML (Hainan's 通知公告 link)
            items = "".join(f'<li><a href="{attr(self._result_url(d))}" target="_blank" title="{attr(d.title)}">'
                            f'{esc(d.title)}</a><span>{d.pub[:10]}</span></li>\n' for d in chunk)
            pages = max(1, math.ceil(len(docs) / rows))
            body = (f'<div class="list_div"><ul class="pagelist">\n{items}</ul></div>\n<div id="page_div" '
                    f'data-total="{len(docs)}" data-pages="{pages}"></div>')
            return Response(200, self._page("政府信息公开年报", body).encode("utf-8"), "text/html;charset=UTF-8")
        data = {"data": {"total": len(docs), "page": page, "rows": rows, "channelId": self.channel,
                         "results": [self._result(d) for d in chunk]}}
        return self.json(json.dumps(data, ensure_ascii=False))

    def _result_url(self, d: Doc) -> str:
        if self.url_style == "relative":
            return d.path
        if self.url_style == "protocol":
            return f"//{self.host}{d.path}"
        return self.url(d.path)

    def _result(self, d: Doc) -> dict:
        m = d.meta
        return {
            "title": d.title, "url": self._result_url(d), "content": "", "publishedTimeStr": f"{d.pub}:00",
            "channelName": "政府信息公开年报",
            "domainMetaList": [
                {"domainMetadataName": "默认元数据集", "resultList": [
                    {"name": "来源", "key": "source", "value": m["source"]},
                    {"name": "作者", "key": "author", "value": ""}]},
                {"domainMetadataName": "政府信息公开", "resultList": [
                    {"name": "索引号", "key": "indexnumber", "value": m["indexnumber"]},
                    {"name": "主题分类", "key": "theme", "value": m["theme"]},
                    {"name": "文号", "key": "refno", "value": m["refno"]},
                    {"name": "成文日期", "key": "writedate", "value": m["writedate"]},
                    {"name": "发文日期", "key": "pubdate", "value": m["pubdate"]}]},
            ],
        }

    def _column_page(self) -> str:
        crumbs = (f'<div class="path"><a href="/">首页</a> &gt; <a href="{self.xxgk}">政府信息公开</a> &gt; '
                  f'<span>政府信息公开年报</span></div>\n')
        if self.loader == "inline":
            body = (crumbs + '<div class="data"></div>\n<script type="text/javascript">\n'
                    f"var lmCode = '{self.channel}';\n{ES_LOADER}\n</script>")
            return self._page("政府信息公开年报", body, channel=None)
        body = crumbs + '<div class="news_list-item"><ul class="pagelist"></ul></div>\n<div id="page_div"></div>'
        return self._page("政府信息公开年报", body, channel=self.channel, script=True)

    def _page(self, title: str, body: str, channel=None, script: bool = False, metas: str = "") -> str:
        if isinstance(channel, int):
            channel = hashlib.md5(f"{self.slug}|{channel}".encode()).hexdigest()
        site_id = 2300000000 + self.stable("id") % 99999999
        return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
                f'<title>{esc(title)}_{esc(self.name)}</title>\n'
                f'<meta name="SiteName" content="{attr(self.name)}">\n<meta name="SiteDomain" content="{self.host}">\n'
                f'<meta name="SiteIDCode" content="{site_id}">\n'
                + (f'<meta name="{"channelid" if self.service == "/searchList" else "channelId"}" content="{channel}">\n'
                   if channel else "")
                + (f'<meta name="code" content="c{self.col}">\n' if channel == self.channel else "") + metas +
                '<script src="/common/js/jquery-1.12.4.min.js"></script>\n'
                + (f'<script src="{self.render_js}"></script>\n' if script else "") +
                f'</head>\n<body>\n<div class="header"><a href="/">{esc(self.name)}</a></div>\n<div class="main">\n{body}\n'
                f'</div>\n<div class="footer"><p>主办：{esc(self.name)}</p><p>网站标识码：{site_id}</p></div>\n</body>\n</html>\n')

    def _article(self, d: Doc) -> str:
        if self.layout == "govcn":
            return self._govcn_article(d)
        source = f'<span class="source">来源：{esc(d.publisher)}</span>' if d.meta.get("print_source") else ""
        body = (f'<div class="article">\n<h1 class="article_title"><UCAPTITLE>{esc(d.title)}</UCAPTITLE></h1>\n'
                f'<div class="article_info"><span>发布时间：<PUBLISHTIME>{d.pub}</PUBLISHTIME></span>{source}</div>\n'
                f'<div class="article_content"><UCAPCONTENT>{body_html(d.body)}</UCAPCONTENT></div>\n</div>')
        return self._page(d.title, body, channel=self.channel)

    def _govcn_article(self, d: Doc) -> str:
        """gov.cn's 2018 content template (``govcn_xxgk_fragments.html`` (B)), whitespace between the cells kept."""
        y, m, dd = (int(x) for x in d.written_date.split("-"))
        py, pm, pd = (int(x) for x in d.pub[:10].split("-"))
        table = f"""
     <table width="660" border="0" cellpadding="0" cellspacing="0" class="bd1" style="width:660px;margin:0 auto;">
      <tbody>
       <tr>
        <td width="70"><b>索 引 号：</b></td>
        <td width="260">{esc(d.index_no)}</td>
        <td width="70"><b>主题分类：</b></td>
        <td width="260">综合政务\\政务公开</td>
       </tr>
       <tr>
        <td><b>发文机关：</b></td>
        <td>{esc(d.publisher)}</td>
        <td><b>成文日期：</b></td>
        <td>{y}年{m}月{dd}日</td>
       </tr>
       <tr>
        <td><b>标　　题：</b></td>
        <td colspan="3">{esc(d.title)}</td>
       </tr>
       <tr>
        <td><b>发文字号：</b></td>
        <td>{esc(d.doc_no or "")}</td>
        <td><b>发布日期：</b></td>
        <td>{py}年{pm}月{pd}日</td>
       </tr>
      </tbody>
     </table>
"""
        body = (f'<div class="article oneColumn pub_border">\n{table}\n<table width="100%" border="0"><tbody><tr>\n'
                f'<td class="b12c" id="UCAP-CONTENT">{body_html(d.body)}</td>\n</tr></tbody></table>\n</div>')
        metas = f'<meta name="firstpublishedtime" content="{d.pub[:10]}-{d.pub[11:]}:00">\n'
        return self._page(d.title, body, channel=self.channel, metas=metas)


def build(spec: dict) -> Site:
    return Site(spec)
