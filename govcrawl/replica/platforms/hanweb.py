"""Hanweb (大汉) jcms and JPaaS portals outside Zhejiang, modelled on ``samples/national/``:
``hanweb_jcms_jiangsu_col284_datastore.html`` (a jpage column page), ``list_endpoints_observed.tsv`` (Hanweb rows)
and ``PLATFORMS.md`` §3.2, §6.

One module for both products of the vendor (they share hosts' shapes, ``/col/colN/`` columns and markup): a spec
selects it with ``"platform": "hanweb"`` and says which product with ``"cms": "jcms" | "jpaas"``; its site class sets
``platform`` to that, the spider its registry entry names (``spiders/jcms.py``, ``spiders/jpaas.py``). jcms portals
come in the list forms the samples show (``"mode"``):

- ``jpage`` (Jiangsu DRC): the column page embeds the first group (``perPage`` × ``groupSize`` records) as
  ``<datastore>`` with a ``<nextgroup>`` link to ``/module/web/jpage/dataproxy.jsp?page=1&appid=1&appid=1&webid=…
  &columnid=…&unitid=…&webname=<twice-encoded>&permissiontype=0``; ``var param_<unitid> = {…}`` and two jpage calls
  (``jpage_<unitid>()`` with ``totalRecord:1000``, the shown one with the real total and ``dataStore``); optionally a
  mobile unit repeating the records (``"mobile"``, ``"mobile_first"``) and ids given as opaque blobs
  (``"encrypted"``: NHSA/NRTA); only ``/module/web/jpage/`` answers. Attachments ``/module/download/downfile.jsp?
  classid=0&filename=<32hex>.pdf`` answer 302 to ``/attach/0/<file>``.
- ``static`` (Shandong): the column page renders all its articles ``/art/Y/M/D/art_<column>_N.html`` itself, a jpage
  call (``totalRecord``: the count, or a placeholder ``"total"``) points at a dataproxy that answers empty.
- ``xxgk``: the column frames the xxgk module ``/module/xxgk/search_custom.jsp?fieldConfigId=…&infotypeId=…
  &sortfield=compaltedate:0&…&currpage=N``: rows ``tr.tr_main_value_odd|even`` (``a`` with ``mc``/``syh``/``rq``/
  ``wh``; columns 标题 / 发布机构 / 发布日期), ``共有记录N条 第p页/共P页``; the reports of several units (a city and
  its departments) in one list; ``"xxgkhide"``: list links carry ``?xxgkhide=1``, which hides the article's 索引号
  table (its fields then come only from the list).
- ``column_report`` (jtyst.jiangsu ``/col/col90231/index.html``): the report column holds one sub-column per year;
  a year's column page is the report itself (no date on it), older years (``"list_years"``) a short jpage list.

JPaaS portals (``hyj.yantai.gov.cn``): a column shell with ``unitbuild.js`` ``queryData`` of plain numbers
(``'webId':52,'pageId':1638``, quoted or not: ``"numeric_quoted"``), the unit API answering ``{"data":{"html":…}}``
with ``li.cf`` rows and a pager table (``"pager": False``: none), ``"max_page_size"`` capping ``pageSize``;
articles ``/col/colN/art/YYYY/art_<32hex>.html``.
"""

from __future__ import annotations

import hashlib
import json
import math
from urllib.parse import quote

from govcrawl.replica.content import (
    cn_year,
    jiedu_body,
    national_template_body,
    notice_body,
    old_style_body,
    rng_for,
    work_plan_body,
)
from govcrawl.replica.http import Request, Response, make_pdf, redirect
from govcrawl.replica.platforms import Doc, PlatformSite, attr, esc, not_found, pub_date
from govcrawl.replica.templates import body_html

SPECS = [
    {   # a provincial commission, Jiangsu DRC-style: jpage first group of perPage x groupSize, the rest by dataproxy,
        # a mobile unit repeating the records, attachments by downfile.jsp
        "slug": "hw_fgw", "cms": "jcms", "mode": "jpage", "name": "江淮省发展和改革委员会", "level": "department",
        "region": "江淮省", "host": "fzggw.jianghuai.gov.cn", "unit": "省发展改革委", "we": "我委", "webid": 7,
        "colid": 6120, "xxgk_colid": 6101, "per_page": 3, "group_size": 2, "mobile": True, "attachments": True,
        "years": list(range(2015, 2025)), "metadata": "table", "start": "xxgk",
    },
    {   # a provincial department whose report column has a sub-column per year, each the report itself (jtyst)
        "slug": "hw_jtt", "cms": "jcms", "mode": "column_report", "name": "江淮省交通运输厅", "level": "department",
        "region": "江淮省", "host": "jtyst.jianghuai.gov.cn", "unit": "省交通运输厅", "we": "我厅", "webid": 12,
        "colid": 90210, "xxgk_colid": 90200, "years": list(range(2016, 2025)), "list_years": [2016, 2017],
        "start": "column",
    },
    {   # a city on the xxgk module: the report column frames search_custom.jsp (currpage paging), the city's and
        # its departments' reports in one list
        "slug": "hw_city", "cms": "jcms", "mode": "xxgk", "name": "海岱省东莱市人民政府", "level": "city",
        "region": "海岱省东莱市", "host": "www.donglai.gov.cn", "unit": "东莱市", "we": "我市", "webid": 21,
        "colid": 30512, "xxgk_colid": 30500, "rows": 5, "field_config": 247732, "infotype": "A0801",
        "years": [2020, 2021, 2022, 2023, 2024], "metadata": "table", "start": "xxgk",
        "units": [["东莱市人民政府", "东莱市人民政府办公室"], ["东莱市财政局", "东莱市财政局"],
                  ["东莱市教育局", "东莱市教育局"]],
    },
    {   # a provincial government (Shandong): the column page lists its articles, the dataproxy answers empty
        "slug": "hw_province", "cms": "jcms", "mode": "static", "name": "海岱省人民政府", "level": "province",
        "region": "海岱省", "host": "www.haidai.gov.cn", "unit": "海岱省", "we": "我省", "webid": 410, "colid": 305145,
        "xxgk_colid": 305100, "years": list(range(2014, 2025)), "metadata": "header", "start": "xxgk",
    },
    {   # a city bureau on JPaaS outside Zhejiang: numeric webId / pageId (hyj.yantai.gov.cn: webId=52, pageId=1638)
        "slug": "hw_jpaas", "cms": "jpaas", "name": "东莱市海洋发展和渔业局", "level": "department",
        "region": "海岱省东莱市", "host": "hyj.donglai.gov.cn", "unit": "市海洋发展和渔业局", "we": "我局", "webid": 52,
        "colid": 1638, "xxgk_colid": 1620, "tag": "列表新闻", "per_page": 4, "years": list(range(2017, 2025)),
        "metadata": "table", "start": "xxgk",
    },
]

WEB_PROXY = "/module/web/jpage/dataproxy.jsp"
XXGK_MODULE = "/module/xxgk/search_custom.jsp"
UNIT_API = "/api-gateway/jpaas-publish-server/front/page/build/unit"
DOWNLOAD = "/api-gateway/jpaas-web-server/front/document/download"


def _hex(*key) -> str:
    return hashlib.md5(repr(key).encode()).hexdigest()


class HanwebSite(PlatformSite):
    """What jcms and JPaaS portals share: hosts' pages, documents, articles."""

    def __init__(self, spec: dict) -> None:
        super().__init__(spec)
        s = spec
        self.mode = s.get("mode", "jpage")
        self.webid = str(s.get("webid", 3))
        self.colid = int(s.get("colid", 284))
        self.xxgk_colid = int(s.get("xxgk_colid", self.colid - 20))
        self.years = list(s.get("years", range(2018, 2025)))
        self.unit, self.we = s.get("unit", self.name), s.get("we", "我单位")
        self.units = [tuple(u) for u in s.get("units", [])] or [(self.name, self.name)]
        self.metadata = s.get("metadata", "table")
        self._docs: list[Doc] | None = None
        self._by_path: dict[str, Doc] = {}
        self._files: dict[str, tuple[bytes, str]] = {}   # attachment path (+query) -> (bytes, file name)
        self._undated: set[str] = set()                   # reports whose page prints no publication date

    # --- the registry --------------------------------------------------------------------------------
    def col_url(self, colid: int) -> str:
        return f"/col/col{colid}/index.html"

    def start_url(self) -> str:
        return self.url(self.col_url(self.xxgk_colid if self.spec.get("start") == "xxgk" else self.colid))

    # --- documents -----------------------------------------------------------------------------------
    def docs(self) -> list[Doc]:
        if self._docs is None:
            self._docs = sorted(self.build_docs(), key=lambda d: d.pub, reverse=True)
            self._by_path = {d.path.split("?")[0]: d for d in self._docs}
        return self._docs

    def build_docs(self) -> list[Doc]:
        out = []
        for unit_name, publisher in self.units:
            for y in self.years:
                out.append(self.report(unit_name, publisher, y, self.report_column(y)))
                r = rng_for(self.slug, unit_name, y, "others")
                which = self.other_kind(y, r)
                if which is not None:
                    out.append(self.other(unit_name, y, r, self.report_column(y), which))
        return out

    def other_kind(self, year: int, r) -> int | None:
        """Which non-report to publish beside the year's report (0 work plan, 1 notice, 2 解读), if any."""
        return r.randint(0, 2) if r.random() < 0.5 else None

    def report_column(self, year: int) -> int:
        return self.colid

    def article_path(self, column: int, pub: str, n: int) -> str:
        y, m, d = (int(x) for x in pub[:10].split("-"))
        return f"/art/{y}/{m}/{d}/art_{column}_{n}.html"

    def report(self, unit_name: str, publisher: str, year: int, column: int) -> Doc:
        r = rng_for(self.slug, unit_name, year)
        pub = pub_date(year + 1, 1 + r.randint(0, 2), 1 + r.randint(0, 26), 9 + r.randint(0, 8))
        title = [f"{unit_name}{year}年政府信息公开工作年度报告", f"{year}年度{unit_name}政府信息公开工作报告",
                 f"{unit_name}政府信息公开工作年度报告（{year}年度）",
                 f"{unit_name}{cn_year(year)}年政府信息公开工作年度报告"][r.randint(0, 3)]
        kind = "gov" if unit_name.endswith("人民政府") else "dept"
        we = self.we if unit_name == self.name else ("我市" if kind == "gov" else "我局")
        stats: dict = {}
        if year >= 2019:
            body = national_template_body(unit_name, we, year, kind, r, html_tables=True, stats_out=stats)
        else:
            body = old_style_body(unit_name, we, year, r)
        written = f"{year + 1}-{int(pub[5:7]):02d}-{max(1, int(pub[8:10]) - 2):02d}"
        y, m, d = (int(x) for x in written.split("-"))
        body = body + [("right", unit_name), ("right", f"{y}年{m}月{d}日")]
        n = 10000000 + self.stable("doc", unit_name, year) % 9000000
        doc = Doc(path=self.article_path(column, pub, n), title=title, pub=pub, body=body, is_report=True,
                  report_year=year, reporting_body=unit_name, unit=unit_name, written_date=written,
                  statistics=stats or None, publisher=publisher)
        if self.metadata == "table":
            doc.index_no = f"{11370000 + self.stable('org', unit_name) % 899999}X/{year + 1}-{n % 100000:05d}"
        if self.spec.get("attachments") and year % 2 == 0:
            pdf = make_pdf(title)
            if self.platform == "jpaas":
                path = f"{DOWNLOAD}?fileUrl={_hex(self.slug, year)[:24]}&fileName={quote(title + '.pdf')}"
            else:
                path = f"/module/download/downfile.jsp?classid=0&filename={_hex(self.slug, year)}.pdf"
            doc.attachments = [(path, f"{title}.pdf", pdf)]
        return doc

    def other(self, unit_name: str, year: int, r, column: int, which: int) -> Doc:
        if which == 0:
            title, body, pub, note = (f"{unit_name}{year}年政务公开工作要点", work_plan_body(unit_name, year),
                                      pub_date(year, 3, 1 + r.randint(0, 27)), "work plan")
        elif which == 1:
            title, body, pub, note = (f"关于做好{year}年政府信息公开工作年度报告编制工作的通知", notice_body(unit_name, year),
                                      pub_date(year, 12, 1 + r.randint(0, 20)), "notice about the annual reports")
        else:
            title, body, pub, note = (f"《{unit_name}{year}年政府信息公开工作年度报告》解读",
                                      jiedu_body(unit_name, self.we, year, r),
                                      pub_date(year + 1, 4, 1 + r.randint(0, 27)), "解读 of an annual report")
        n = 10000000 + self.stable("other", unit_name, year) % 9000000
        return Doc(path=self.article_path(column, pub, n), title=title, pub=pub, body=body, is_report=False,
                   note=note, unit=unit_name, publisher=unit_name)

    def ground_truth(self) -> dict:
        gt = super().ground_truth()
        for rep in gt["reports"]:
            if rep["url"] in self._undated:
                rep["published_date"] = None
        return gt

    # --- pages -----------------------------------------------------------------------------------------
    def respond(self, req: Request) -> Response | None:
        self.docs()
        path = req.path
        if path in ("/", "/index.html"):
            return self.html(self.page(self.name, self.nav_links([(self.col_url(self.xxgk_colid), "政府信息公开"),
                                                                  (self.col_url(self.xxgk_colid + 90), "新闻中心"),
                                                                  (self.col_url(self.xxgk_colid + 91), "互动交流")])))
        if path == self.col_url(self.xxgk_colid):
            x = self.xxgk_colid
            links = [(self.col_url(x + 1), "政府信息公开指南"), (self.col_url(x + 2), "政府信息公开制度"),
                     (self.col_url(x + 3), "法定主动公开内容"), (self.col_url(self.colid), "政府信息公开年报"),
                     (self.col_url(x + 4), "依申请公开")]
            return self.html(self.page("政府信息公开", self.nav_links(links), column="政府信息公开"))
        doc = self._by_path.get(path)
        if doc is not None and (doc.path == path or doc.path.startswith(path + "?")):
            return self.html(self.article(doc), doc)
        target = path + (f"?{req.query}" if req.query else "")
        for d in self._docs:
            for apath, name, data in d.attachments:
                if apath == target:
                    return self.attachment(apath, name, data)
        if path.startswith("/attach/0/") and path in self._files:
            data, name = self._files[path]
            return Response(200, data, "application/pdf", [("Content-Disposition", f'attachment; filename="{path[10:]}"')])
        return self.respond_platform(req)

    def respond_platform(self, req: Request) -> Response | None:
        return not_found()

    def attachment(self, apath: str, name: str, data: bytes) -> Response:
        return Response(200, data, "application/pdf", [("Content-Disposition", f"attachment; filename*=UTF-8''{quote(name)}")])

    def nav_links(self, links: list[tuple[str, str]]) -> str:
        return '<ul class="bt-nav">' + "".join(f'<li><a href="{h}" target="_blank">{esc(t)}</a></li>' for h, t in links) + "</ul>"

    def head_extra(self) -> str:
        return ""

    def page(self, title: str, body: str, column: str = "", metas: str = "", full_title: str | None = None) -> str:
        code = 3700000000 + self.stable("id") % 99999999
        return (f'<!DOCTYPE html>\n<html>\n<head lang="zh">\n  <meta charset="UTF-8">\n'
                f'  <meta http-equiv="Content-Type" content="text/html; charset=utf-8" />{self.head_extra()}\n'
                f'<title>{esc(full_title or (self.name + " " + title if column else title))}</title>\n'
                f'<meta name="SiteName" content="{attr(self.name)}">\n<meta name="SiteDomain" content="{self.host}">\n'
                f'<meta name="SiteIDCode" content="{code}">\n'
                + (f'<meta name="ColumnName" content="{attr(column)}">\n' if column else "") + metas +
                f'</head>\n<body id="page_type" class="bt-col-0001-C5">\n<div class="bt-head"><a href="/">{esc(self.name)}</a>'
                f'<ul class="bt-menu"><li><a href="/">首页</a></li><li><a href="{self.col_url(self.xxgk_colid)}">政府信息公开</a></li></ul></div>\n'
                f'<div class="bt-main">\n{body}\n</div>\n<div class="bt-footer"><p>主办单位：{esc(self.name)}</p>'
                f'<p>网站标识码：{code} ICP备{self.stable("icp") % 10 ** 8:08d}号</p></div>\n</body>\n</html>\n')

    def position(self, last: str = "政府信息公开年报", colid: int | None = None) -> str:
        return (f'<div class="bt-position">当前位置：<a href="/">首页</a> &gt; <a href="{self.col_url(self.xxgk_colid)}">'
                f'政府信息公开</a> &gt; <a href="{self.col_url(colid or self.colid)}">{esc(last)}</a></div>')

    def article(self, d: Doc) -> str:
        hidden = "xxgkhide=1" in d.path
        metas = (f'<meta name="ArticleTitle" content="{attr(d.title)}">\n<meta name="PubDate" content="{d.pub}">\n'
                 f'<meta name="ContentSource" content="{attr(d.publisher or "")}">\n')
        table = ""
        if d.is_report and self.metadata == "table" and not hidden:
            y, m, dd = (int(x) for x in (d.written_date or d.pub[:10]).split("-"))
            # the Hanweb 信息公开 table (as fzggw.zj.gov.cn's, samples/zj_fzggw_article_xxgktab.html)
            table = ('<table border="0" width="90%" class="xxgktab">\n'
                     f'<tr><td height="25" align="right">索引号：</td><td>{esc(d.index_no or "")}</td>'
                     f'<td align="right">组配分类：</td><td>政府信息公开年报</td></tr>\n'
                     f'<tr><td height="25" align="right">发布机构：</td><td>{esc(d.publisher or "")}</td>'
                     f'<td align="right">生成日期：</td><td>{y}-{m:02d}-{dd:02d}</td></tr>\n'
                     f'<tr><td height="25" align="right">文件编号：</td><td>{esc(d.doc_no or "")}</td>'
                     f'<td align="right">有效性：</td><td>有效</td></tr>\n</table>\n')
        source = "" if hidden else f'<span>信息来源：{esc(d.publisher or "")}</span>'
        att = ""
        if d.attachments:
            att = '<div class="fjdown"><p>附件：</p>' + "".join(
                f'<p><a href="{attr(p)}" target="_blank">{esc(n)}</a></p>' for p, n, _ in d.attachments) + "</div>"
        body = (f'{self.position()}\n<div class="con">\n{table}<p class="con-title sp_title">{esc(d.title)}</p>\n'
                f'<div class="small-title sp_time"><span>发布日期：{d.pub[:10]}</span>{source}'
                f'<span>浏览次数：<lable id="artcount"></lable></span></div>\n'
                f'<div class="main-txt" id="zoom">\n{body_html(d.body)}\n</div>\n{att}\n</div>')
        if not self.platform == "jpaas":
            body += (f"\n<iframe src='/module/visitcount/visit.jsp?type=3&i_webid={self.webid}&i_columnid={self.colid}' "
                     'name="vishidden" frameborder="0" style="width:0; height:0; display:none"></iframe>')
        return self.page(d.title, body, column="政府信息公开年报", metas=metas, full_title=d.title)


class JcmsSite(HanwebSite):
    """A jcms portal outside Zhejiang, in one of the list forms the samples show (``mode``)."""

    platform = "jcms"

    def __init__(self, spec: dict) -> None:
        super().__init__(spec)
        self.per_page = int(spec.get("per_page", 10))
        self.group_size = int(spec.get("group_size", 3))
        self.unitid = str(400000 + self.stable("unit") % 99999)
        self.mobile_unitid = str(400000 + self.stable("mobile") % 99999)
        self.list_years = set(spec.get("list_years", ()))
        self.rows = int(spec.get("rows", 15))

    def head_extra(self) -> str:
        return (f'<script language="javascript" src="/module/jslib/jquery/jquery.js"></script>\n'
                f"<meta name='WebId' content='{self.webid}'>\n   <!-- 引入hanweb.css -->\n"
                f'   <link href="/images/{3000 + self.stable("css") % 900}/hanweb.min.css" rel="stylesheet">')

    # --- documents -----------------------------------------------------------------------------------
    def year_column(self, year: int) -> int:
        return self.colid + 2100 - year

    def report_column(self, year: int) -> int:
        if self.mode == "column_report":
            return self.year_column(year)
        if self.mode == "xxgk":
            return self.colid + 1 + self.stable("unitcol", year) % 7
        return self.colid

    def other_kind(self, year: int, r) -> int | None:
        if self.mode == "column_report":  # a year's list: its report and the report's 解读; a report page: nothing else
            return 2 if year in self.list_years else None
        return super().other_kind(year, r)

    def build_docs(self) -> list[Doc]:
        docs = super().build_docs()
        for d in docs:
            if self.mode == "xxgk" and self.spec.get("xxgkhide"):
                d.path += "?xxgkhide=1"
            if self.mode == "column_report" and d.report_year not in self.list_years and d.is_report:
                d.path = self.col_url(self.year_column(d.report_year))   # the year's column page is the report
                d.index_no = None   # a column page has no 信息公开 table
                self._undated.add(self.url(d.path))
        docs = [d for d in docs if d.path]
        for d in docs:
            for apath, name, data in d.attachments:
                self._files["/attach/0/" + apath.rsplit("filename=", 1)[-1]] = (data, name)
        return docs

    def lists(self) -> dict[int, list[Doc]]:
        """Column id -> its documents, newest first."""
        out: dict[int, list[Doc]] = {}
        for d in self.docs():
            if d.path.startswith("/art/"):
                out.setdefault(int(d.path.rsplit("/", 1)[1].split("_")[1]), []).append(d)
        return out

    # --- pages -----------------------------------------------------------------------------------------
    def attachment(self, apath: str, name: str, data: bytes) -> Response:
        return redirect(302, "/attach/0/" + apath.rsplit("filename=", 1)[-1])   # downfile.jsp -> /attach/0/<file>

    def respond_platform(self, req: Request) -> Response | None:
        path = req.path
        if path == WEB_PROXY:
            return self.dataproxy(req)
        if path == XXGK_MODULE and self.mode == "xxgk":
            return self.xxgk_module(req)
        if path == self.col_url(self.colid):
            if self.mode == "column_report":
                return self.html(self.report_tree_page())
            if self.mode == "xxgk":
                return self.html(self.xxgk_column_page())
            return self.html(self.column_page(self.colid, self.lists().get(self.colid, []), "政府信息公开年报"))
        if self.mode == "column_report":
            for y in self.years:
                if path == self.col_url(self.year_column(y)) and y in self.list_years:
                    return self.html(self.column_page(self.year_column(y), self.lists().get(self.year_column(y), []),
                                                      f"{y}年度报告", static=False))
        return not_found()

    def records(self, docs: list[Doc]) -> str:
        return "".join(f'<record><![CDATA[\n    <li class="clearfix bt-list-new"><a title=\'{attr(d.title)}\' target="_blank" '
                       f'href="{d.path}">            {esc(d.title)}</a><span class="bt-list-time">{d.pub[:10]}</span>'
                       f'    </li>    ]]></record>\n' for d in docs)

    def ids(self, colid: int, unitid: str) -> tuple[str, str]:
        """columnid and unitid as the page writes them: plain, or opaque blobs (``encrypted``)."""
        if self.spec.get("encrypted"):
            return _hex("col", self.slug, colid)[:24].upper(), _hex("unit", self.slug, unitid)[:24].upper()
        return str(colid), unitid

    def nextgroup(self, colid: int, unitid: str, page: int = 1) -> str:
        col, unit = self.ids(colid, unitid)
        webname = quote(quote(self.name))
        return (f"{WEB_PROXY}?page={page}&appid=1&appid=1&webid={self.webid}&path=/&columnid={col}&unitid={unit}"
                f"&webname={webname}&permissiontype=0")

    def jpage_unit(self, colid: int, unitid: str, docs: list[Doc], static: bool) -> str:
        col, unit = self.ids(colid, unitid)
        total = int(self.spec.get("total") or len(docs)) if static else len(docs)
        group = docs[: self.per_page * self.group_size]
        store = "" if static else (
            f'<div id="{unitid}"><script type="text/xml"><datastore>\n<nextgroup><![CDATA[<a href="{self.nextgroup(colid, unitid)}">'
            f'</a>]]></nextgroup>\n<recordset>\n<ul class="column-list bt-all bt-lists-cover">\n    \n</ul>\n'
            f'{self.records(group)}</recordset>\n</datastore></script></div>')
        if static:
            store = f'<div id="{unitid}"></div>'
        param = (f"var param_{unitid} = {{col:1,appid:'1',webid:{self.webid},path:'/',columnid:'{col}',sourceContentType:1,"
                 f"unitid:'{unit}',webname:'{self.name}',permissiontype:0}};")
        common = (f"themeName:'default',showMode:'full',openCookies:false,dataBefore:'<ul class=\"column-list bt-all bt-lists-cover\">    ',"
                  f"dataAfter:'</ul>',groupSize:{1 if static else self.group_size},proxyUrl:'{WEB_PROXY}',perPage:{self.per_page},"
                  f"barPosition:'bottom',ajaxParam:param_{unitid}")
        shown = "" if static else f"dataStore:$('#{unitid}').children('script').html(),"
        return (f"{store}<link rel=\"stylesheet\" type=\"text/css\" href=\"/module/web/jpage/theme/default/css/jpage.css\"/>"
                f"<script language=\"javascript\" src=\"/module/web/jpage/jquery.jpage.js\"></script><script>{param} "
                f"function jpage_{unitid}(){{$('#jpageform_{unitid} :input').each(function(){{param_{unitid}[$(this).attr('name')]=$(this).val();}});"
                f"$('#{unitid}').jpage({{totalRecord:1000,{common}}});}};"
                f"$(function(){{$('#{unitid}').jpage({{totalRecord:{total},{shown}{common}}});}});</script>")

    def column_page(self, colid: int, docs: list[Doc], name: str, static: bool | None = None) -> str:
        static = self.mode == "static" if static is None else static
        units = [self.jpage_unit(colid, self.unitid, docs, static)]
        if self.spec.get("mobile"):
            mobile = self.jpage_unit(colid, self.mobile_unitid, docs, static)
            units = [mobile] + units if self.spec.get("mobile_first") else units + [mobile]
        listing = ""
        if static:
            listing = '<ul class="wip_col_list">\n' + "".join(
                f'<li><a href="{d.path}" target="_blank" title="{attr(d.title)}">{esc(d.title)}</a><span>{d.pub[:10]}</span></li>\n'
                for d in docs) + "</ul>\n"
        body = (f'{self.position(name, colid)}\n<div class="col-sm-12 col-md-9 bt-allUnder-18 pclist">\n{listing}{units[0]}\n</div>\n'
                + "".join(f'<div class="mblist">{u}</div>\n' for u in units[1:])
                + f"<iframe src='../../module/visitcount/visit.jsp?type=2&i_webid={self.webid}&i_columnid={colid}' "
                'name="vishidden" id="vishidden" frameborder="0" style="width:0; height:0; display:none"></iframe>')
        metas = f"<meta name='Maketime' content='{self.newest()}:38'>\n<meta name=\"server\" content=\"http://{self.host}{self.col_url(colid)},,\">\n"
        return self.page(name, body, column=name, metas=metas)

    def dataproxy(self, req: Request) -> Response:
        p = req.params()
        docs: list[Doc] = []
        known = {}
        for colid, col_docs in self.lists().items():
            for unitid in (self.unitid, self.mobile_unitid if self.spec.get("mobile") else None):
                if unitid:
                    known[self.ids(colid, unitid)] = (colid, unitid, col_docs)
        found = known.get((p.get("columnid"), p.get("unitid")))
        if self.mode != "static" and p.get("webid") == self.webid and found:
            colid, unitid, docs = found
        try:
            per = max(1, int(p.get("perpage") or self.per_page))
            start, end = int(p.get("startrecord") or 1), int(p.get("endrecord") or 0)
        except ValueError:
            docs, per, start, end = [], self.per_page, 1, 0
        end = end or start + per - 1
        if not docs:   # the 54-byte answer of a site that does not page by dataproxy (or of wrong ids)
            xml = "<datastore>\n<nextgroup><![CDATA[]]></nextgroup>\n<recordset>\n</recordset>\n</datastore>"
        else:
            pages = math.ceil(len(docs) / per)
            xml = (f"<datastore>\n<totalrecord>{len(docs)}</totalrecord>\n<totalpage>{pages}</totalpage>\n"
                   f"<nextgroup><![CDATA[<a href=\"{self.nextgroup(colid, unitid, pages)}\"></a>]]></nextgroup>\n"
                   f"<recordset>\n{self.records(docs[max(start, 1) - 1:end])}</recordset>\n</datastore>")
        return Response(200, xml.encode("utf-8"), "text/xml;charset=UTF-8")

    # --- the xxgk module -------------------------------------------------------------------------------
    def xxgk_query(self, page: int = 1) -> str:
        return (f"{XXGK_MODULE}?fieldConfigId={self.spec.get('field_config', 247732)}&infotypeId={self.spec.get('infotype', 'A0801')}"
                f"&jdid={self.webid}&area=&sortfield=compaltedate:0&fields=&fbtime=&texttype=&vc_all=&vc_filenumber="
                f"&vc_title=&vc_number=&currpage={page}&binlay=&c_issuetime=&infoCount={self.rows}")

    def xxgk_column_page(self) -> str:
        body = (f'{self.position()}\n<div class="bt-xxgk-list"><iframe id="xxgkiframe" src="{attr(self.xxgk_query())}" '
                'width="100%" height="900" frameborder="0" scrolling="no"></iframe></div>')
        return self.page("政府信息公开年报", body, column="政府信息公开年报")

    def xxgk_module(self, req: Request) -> Response:
        p = req.params()
        docs = self.docs()
        if p.get("infotypeId") != self.spec.get("infotype", "A0801") or p.get("fieldConfigId") != str(self.spec.get("field_config", 247732)):
            docs = []
        try:
            rows = max(1, int(p.get("infoCount") or self.rows))
            page = max(1, int(p.get("currpage") or 1))
        except ValueError:
            rows, page = self.rows, 1
        pages = max(1, math.ceil(len(docs) / rows))
        trs = []
        for k, d in enumerate(docs[(page - 1) * rows: page * rows]):
            wh = f' wh="{attr(d.doc_no)}"' if d.doc_no else ' wh=""'
            trs.append(f'<tr class="tr_main_value_{"odd" if k % 2 == 0 else "even"}"><td class="td_title"><a href="{attr(d.path)}" '
                       f'target="_blank" title="{attr(d.title)}" mc="{attr(d.title)}" syh="{attr(d.index_no or "")}" '
                       f'rq="{d.pub[:10]}"{wh}>{esc(d.title)}</a></td><td>{esc(d.publisher or "")}</td><td align="center">{d.pub[:10]}</td></tr>')
        html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>信息公开目录</title>'
                '<link href="/module/xxgk/css/xxgk.css" rel="stylesheet" type="text/css"></head><body>\n'
                '<table width="100%" class="tb_main" cellspacing="0"><tr class="tr_main_title"><td>标题</td><td>发布机构</td><td>发布日期</td></tr>\n'
                + "\n".join(trs) + "\n</table>\n"
                f'<table class="tb_title" width="100%"><tr><td>共有记录{len(docs)}条&nbsp;&nbsp;第{page}页/共{pages}页</td>'
                f"<td align=\"right\"><a href=\"javascript:funGoPage('{XXGK_MODULE}',{min(page + 1, pages)});\">下一页</a></td></tr></table>\n"
                "</body></html>")
        return Response(200, html.encode("utf-8"), "text/html;charset=UTF-8")

    # --- a report tree of year columns -----------------------------------------------------------------
    def report_tree_page(self) -> str:
        links = "".join(f'<li><a href="{self.col_url(self.year_column(y))}" title="{y}年度报告">{y}年度报告</a></li>\n'
                        for y in sorted(self.years, reverse=True))
        body = (f'{self.position()}\n<div class="bt-left"><div class="bt-left-title">政府信息公开年报</div>'
                f'<ul class="bt-left-nav">\n{links}</ul></div>\n<div class="bt-right"><p>本栏目发布{esc(self.name)}政府信息公开工作年度报告。</p></div>')
        return self.page("政府信息公开年报", body, column="政府信息公开年报")

    def article(self, d: Doc) -> str:
        if not d.path.startswith("/col/"):
            return super().article(d)
        # a year's column page that is the report itself: no article metadata, no date but the signature's
        name = f"{d.report_year}年度报告"
        body = (f'{self.position(name, self.year_column(d.report_year))}\n<div class="bt-content">\n'
                f'<div class="bt-con-title"><h1>{esc(d.title)}</h1></div>\n<div class="bt-con-zoom" id="zoom">\n{body_html(d.body)}\n</div>\n</div>'
                f"\n<iframe src='../../module/visitcount/visit.jsp?type=2&i_webid={self.webid}&i_columnid={self.year_column(d.report_year)}' "
                'name="vishidden" frameborder="0" style="width:0; height:0; display:none"></iframe>')
        return self.page(name, body, column=name)


class JpaasSite(HanwebSite):
    """A JPaaS portal outside Zhejiang: column shell + unit API with plain-number ids."""

    platform = "jpaas"

    def __init__(self, spec: dict) -> None:
        super().__init__(spec)
        self.per_page = int(spec.get("per_page", 15))
        self.tplset = _hex("tpl", self.slug)[:21]

    def registry_options(self) -> dict[str, str]:
        return {"page_size": str(int(self.spec["page_size"]))} if self.spec.get("page_size") else {}

    def article_path(self, column: int, pub: str, n: int) -> str:
        return f"/col/col{column}/art/{pub[:4]}/art_{_hex(self.slug, n)}.html"

    def head_extra(self) -> str:
        return (f'\n<link rel="stylesheet" type="text/css" href="/cms_files/web{self.webid}/pubtplobject/defaultSet/{self.stable("tpl") % 900000}/images/hanweb.css">'
                '\n<script src="/cms_files/default/script/jslib/jquery.js"></script>'
                f'\n<script src="/cms_files/jcms1/web{self.webid}/site/script/0/{self.stable("js") % 10 ** 16:016d}.js"></script>')

    def query_data(self) -> str:
        q = lambda v: f"'{v}'" if self.spec.get("numeric_quoted") else str(v)  # noqa: E731
        return (f"{{'webId':{q(self.webid)},'pageId':{q(self.colid)},'parseType':'bulidstatic','pageType':'column',"
                f"'tagId':'{self.spec.get('tag', '列表新闻')}','editType':'null','tplSetId':'{self.tplset}'}}")

    def respond_platform(self, req: Request) -> Response | None:
        if req.path == self.col_url(self.colid):
            body = (f'{self.position()}\n<div class="bt-column-cen">\n<script>\nvar authorizedReadUnitId = "{_hex("auth", self.slug)}";\n</script>'
                    f'<script id="{_hex("auth", self.slug)}" src="/cms_files/default/script/AuthorizedRead/unitbuild.js?v=4.5.12.1" '
                    f'webId="{self.webid}" parseType="bulidstatic" url="{UNIT_API}" queryData="{self.query_data()}"></script>\n</div>')
            metas = (f'<meta name="ColId" content="{self.colid}">\n<meta name="server" content="{self.host}{self.col_url(self.colid)}">\n'
                     '<meta id="pagetype" content="2">\n')
            return self.html(self.page("政府信息公开年报", body, column="政府信息公开年报", metas=metas))
        if req.path == UNIT_API:
            return self.unit_api(req)
        return not_found()

    def unit_api(self, req: Request) -> Response:
        p = req.params()
        if p.get("webId") != self.webid or p.get("pageId") != str(self.colid):
            return self.json(json.dumps({"success": False, "message": "参数错误", "code": "500", "data": None}, ensure_ascii=False))
        try:
            pj = json.loads(p.get("paramJson") or "{}")
            page_no, size = int(pj.get("pageNo", 1)), int(pj.get("pageSize", self.per_page))
        except (ValueError, TypeError, AttributeError):
            page_no, size = 1, self.per_page
        size = max(1, min(size, int(self.spec.get("max_page_size", 100))))
        docs = self.docs()
        sel = docs[(page_no - 1) * size: page_no * size] if page_no >= 1 else []
        lis = "".join(f'\n<li class="cf border-line"><a class="fl" href="{d.path}" title="{attr(d.title)}" target="_blank">'
                      f'{esc(d.title)}</a><span class="fr">{d.pub[:10]}</span></li>' for d in sel)
        tag = self.spec.get("tag", "列表新闻")
        html = f'<div id="{tag}"><div class="page-content"><ul class="ajax-ul">{lis}\n</ul></div></div>\n'
        if self.spec.get("pager", True):
            html += (f'<table class="pagination default_pgToolbar" width="100%" queryData="{self.query_data()}" rows="{size}" '
                     f'unitid="{tag}" count="{len(docs)}" pageNo="{page_no}" unitUrl="{UNIT_API}"><tbody><tr><td>'
                     '第 <input class="default_pgCurrentPage" type="number" title="页码" /> 页</td></tr></tbody></table>\n')
        return self.json(json.dumps({"success": True, "message": "生成成功", "code": "200", "data": {"html": html}},
                                    ensure_ascii=False))


def build(spec: dict) -> HanwebSite:
    cms = spec.get("cms", "jcms")
    if cms not in ("jcms", "jpaas"):
        raise ValueError(f"replica: hanweb spec {spec.get('slug')!r}: cms must be jcms or jpaas, not {cms!r}")
    return (JpaasSite if cms == "jpaas" else JcmsSite)(spec)
