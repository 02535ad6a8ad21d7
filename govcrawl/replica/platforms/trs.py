"""TRS WCM static publishing (most ministries, about half the provinces, many cities and counties), modelled on
``samples/national/trs_wcm_ndrc_list_createPageHTML.html`` (list), ``trs_wcm_ndrc_detail_pdf_ofd.html`` (article),
``pager_createPageHTML_and_ucap_es_search.js`` and ``list_endpoints_observed.tsv`` (pager variants), and the
per-year / per-unit report trees of Beijing and Nanjing (``annual_report_urls_observed.tsv``).

- Lists: ``<column>/index.html`` (or a custom name, ``xxgknb_list.shtml``), rows ``<li><a href="./YYYYMM/tYYYYMMDD_N.html"
  title="…">…</a><span>YYYY/MM/DD</span></li>``, paged by a script: ``createPageHTML(count, current0, "index", "html")``
  (0-based: ``index_1`` is page 2), the 6-argument ``createPageHTML('page_div', count, current1, name, ext, total)``
  (1-based: page 2 is ``name_2``), the 3-argument ``createPageHTML(records, pages, current0)``, Chongqing's
  ``createPage(pages, current0, "index", "html")``, or every row in page 1 sliced by script (``slice``). Pages past
  the end answer a short stub page (status 200, no rows), as some ministries' do.
- Trees: ``flat`` (one list), ``years`` (the column links ``2023n/`` … per-year lists), ``units`` (the column links
  ``gqzf_72697/<unit>/`` lists, one per reporting unit).
- Articles: ``<meta name="ArticleTitle|PubDate|ContentSource">``, ``发布时间/来源`` line, body in ``div.TRS_Editor``
  (``meta`` layout, as NDRC) or an xxgk 索引号 table (``table`` layout); attachments ``./P0YYYYMMDD….pdf`` and ``.ofd``.
"""

from __future__ import annotations

import math

from govcrawl.replica.content import (
    cn_year,
    jiedu_body,
    national_template_body,
    notice_body,
    old_style_body,
    rng_for,
    work_plan_body,
)
from govcrawl.replica.http import Request, Response, make_pdf
from govcrawl.replica.platforms import Doc, PlatformSite, attr, esc, not_found, pub_date
from govcrawl.replica.templates import body_html

SPECS = [
    {   # a city development-and-reform commission: NDRC-style pages, 0-based pager, reports and others in one list
        "slug": "trs_fgw", "name": "江州市发展和改革委员会", "level": "department", "region": "江东省江州市",
        "host": "fgw.jiangzhou.gov.cn", "unit": "市发展改革委", "we": "我委", "column": "/zwgk/zfxxgk/zfxxgknb/",
        "pager": "0based", "per_page": 4, "layout": "flat", "metadata": "meta", "years": list(range(2016, 2025)),
        "attachments": True, "stub_pages": True, "start": "xxgk", "scheme": "https", "https_redirect": True,
    },
    {   # a district government whose report column holds per-year lists of dozens of units' reports (Beijing, Nanjing)
        "slug": "trs_district", "name": "江州市临江区人民政府", "level": "county", "region": "江东省江州市临江区",
        "host": "www.linjiang.gov.cn", "unit": "临江区", "we": "我区", "column": "/zfxxgk/zfxxgknb/",
        "pager": "6arg", "list_name": "xxgknb_list", "list_ext": "shtml", "art_ext": "shtml", "per_page": 5,
        "layout": "units", "metadata": "table", "years": [2021, 2022, 2023, 2024], "start": "column",
        "units": [["lqrmzf", "江州市临江区人民政府"], ["lqjyj", "江州市临江区教育局"], ["lqczj", "江州市临江区财政局"],
                  ["xsjd", "江州市临江区新市街道办事处"]],
    },
]


class Site(PlatformSite):
    platform = "trs"

    def __init__(self, spec: dict) -> None:
        super().__init__(spec)
        s = spec
        self.column = s.get("column", "/zwgk/zfxxgk/zfxxgknb/")
        self.xxgk = s.get("xxgk", self.column.rstrip("/").rsplit("/", 1)[0] + "/")
        self.list_name = s.get("list_name", "index")
        self.list_ext = s.get("list_ext", "html")
        self.art_ext = s.get("art_ext", "html")
        self.pager = s.get("pager", "0based")
        self.per_page = int(s.get("per_page", 5))
        self.layout = s.get("layout", "flat")
        self.metadata = s.get("metadata", "meta")
        self.years = list(s.get("years", range(2018, 2025)))
        self.units = [tuple(u) for u in s.get("units", [])] or [("", self.name)]
        self.unit, self.we = s.get("unit", self.name), s.get("we", "我单位")
        self._docs: list[Doc] | None = None
        self._lists: dict[str, list[Doc]] | None = None   # list folder -> its docs, newest first
        self._by_path: dict[str, Doc] = {}

    # --- the registry --------------------------------------------------------------------------------
    def start_url(self) -> str:
        return self.url(self.xxgk) if self.spec.get("start") == "xxgk" else self.url(self.column + self.first_page())

    def first_page(self) -> str:
        return f"{self.list_name}.{self.list_ext}"

    # --- the documents -------------------------------------------------------------------------------
    def folders(self) -> list[tuple[str, str, str]]:
        """(list folder, reporting unit's name, link text) of every list that holds documents."""
        if self.layout == "units":
            return [(f"{self.column}gqzf_{self.stable('units') % 90000 + 10000}/{tok}/", name, name)
                    for tok, name in self.units]
        if self.layout == "years":
            return [(f"{self.column}{y + 1}n/", self.name, f"{y}年度") for y in sorted(self.years, reverse=True)]
        return [(self.column, self.name, "")]

    def docs(self) -> list[Doc]:
        if self._docs is None:
            self._build()
        return self._docs

    def lists(self) -> dict[str, list[Doc]]:
        if self._lists is None:
            self._build()
        return self._lists

    def _build(self) -> None:
        self._docs, self._lists = [], {}
        for folder, unit_name, _ in self.folders():
            docs = []
            years = self.years
            if self.layout == "years":  # one year's reports in each year folder (published the next spring)
                years = [int(folder.rstrip("/").rsplit("/", 1)[1][:-1]) - 1]
            for y in years:
                docs.append(self._report(folder, unit_name, y))
                r = rng_for(self.slug, folder, y, "others")
                if r.random() < 0.45:
                    docs.append(self._other(folder, unit_name, y, r))
            docs.sort(key=lambda d: d.pub, reverse=True)
            self._lists[folder] = docs
            self._docs += docs
        self._by_path = {d.path: d for d in self._docs}

    def _article_path(self, folder: str, pub: str, n: int) -> str:
        ymd = pub[:10].replace("-", "")
        return f"{folder}{ymd[:6]}/t{ymd}_{n}.{self.art_ext}"

    def _report(self, folder: str, unit_name: str, year: int) -> Doc:
        r = rng_for(self.slug, folder, year)
        pub = pub_date(year + 1, 1 + r.randint(0, 2), 1 + r.randint(0, 27), 9 + r.randint(0, 8))
        style = r.randint(0, 3)
        title = [f"{unit_name}{year}年政府信息公开工作年度报告", f"{year}年度{unit_name}政府信息公开工作报告",
                 f"{unit_name}政府信息公开工作年度报告({year}年度)",
                 f"{unit_name}{cn_year(year)}年政府信息公开工作年度报告"][style]
        kind = "gov" if unit_name.endswith("人民政府") else "dept"
        stats: dict = {}
        if year >= 2019:
            body = national_template_body(unit_name, self.we, year, kind, r, html_tables=True, stats_out=stats)
        else:
            body = old_style_body(unit_name, self.we, year, r)
        written = f"{year + 1}-{int(pub[5:7]):02d}-{max(1, int(pub[8:10]) - 2):02d}"
        y, m, d = (int(x) for x in written.split("-"))
        body = body + [("right", unit_name), ("right", f"{y}年{m}月{d}日")]
        n = 1000000 + self.stable("doc", folder, year) % 8000000
        doc = Doc(path=self._article_path(folder, pub, n), title=title, pub=pub, body=body, is_report=True,
                  report_year=year, reporting_body=unit_name, unit=unit_name, written_date=written,
                  statistics=stats or None)
        if self.metadata == "table":
            doc.index_no = f"{11000000 + self.stable('site') % 8999999}/{year + 1}-{n % 100000:05d}"
            doc.publisher = unit_name
            doc.doc_no = None
        else:
            doc.publisher = self.spec.get("content_source", "办公室")
        if self.spec.get("attachments") and year % 2 == 0:
            stem = f"P0{pub[:10].replace('-', '')}{n % 1000000:06d}"
            base = doc.path.rsplit("/", 1)[0]
            pdf = make_pdf(title)
            doc.attachments = [(f"{base}/{stem}.pdf", f"{title}.pdf", pdf), (f"{base}/{stem}.ofd", f"{title}.ofd", pdf)]
        return doc

    def _other(self, folder: str, unit_name: str, year: int, r) -> Doc:
        which = r.randint(0, 2)
        if which == 0:
            title, body, pub, note = (f"{unit_name}{year}年政务公开工作要点", work_plan_body(self.unit, year),
                                      pub_date(year, 3, 1 + r.randint(0, 27)), "work plan")
        elif which == 1:
            title, body, pub, note = (f"关于做好{year}年政府信息公开工作年度报告编制工作的通知", notice_body(unit_name, year),
                                      pub_date(year, 12, 1 + r.randint(0, 20)), "notice about the annual reports")
        else:
            title, body, pub, note = (f"《{unit_name}{year}年政府信息公开工作年度报告》解读",
                                      jiedu_body(unit_name, self.we, year, r),
                                      pub_date(year + 1, 4, 1 + r.randint(0, 27)), "解读 of an annual report")
        n = 1000000 + self.stable("other", folder, year) % 8000000
        return Doc(path=self._article_path(folder, pub, n), title=title, pub=pub, body=body, is_report=False,
                   note=note, unit=unit_name)

    # --- pages ---------------------------------------------------------------------------------------
    def respond(self, req: Request) -> Response | None:
        path = req.path
        if path in ("/", "/index.html"):
            return self.html(self._page(self.name, f'<ul class="nav"><li><a href="{self.xxgk}">政府信息公开</a></li>'
                                                    f'<li><a href="/xwzx/">新闻中心</a></li><li><a href="/hdjl/">互动交流</a></li></ul>'))
        if path == self.xxgk:
            links = [("gkzn/", "政府信息公开指南"), ("gkzd/", "政府信息公开制度"), ("fdzdgknr/", "法定主动公开内容"),
                     (self.column[len(self.xxgk):], "政府信息公开年报"), ("ysqgk/", "依申请公开")]
            return self.html(self._page("政府信息公开", "<ul class=\"xxgk-nav\">" + "".join(
                f'<li><a href="{self.xxgk}{h}">{t}</a></li>' for h, t in links) + "</ul>"))
        self.docs()
        doc = self._by_path.get(path)
        if doc is not None:
            return self.html(self._article(doc), doc)
        for d in self.docs():
            for apath, _, data in d.attachments:
                if apath == path:
                    resp = Response(200, data, "application/pdf" if apath.endswith(".pdf") else "application/ofd")
                    return resp
        if self.layout != "flat" and path in (self.column, self.column + self.first_page()):
            links = "".join(f'<li><a href="{folder[len(self.column):]}">{esc(text)}</a></li>'
                            for folder, _, text in self.folders())
            return self.html(self._page("政府信息公开年报", f'<ul class="sub-col">{links}</ul>'))
        for folder in self.lists():
            if path.startswith(folder):
                return self._list_page(folder, path[len(folder):])
        return not_found()

    def _page_names(self, count: int) -> list[str]:
        name, ext = self.list_name, self.list_ext
        if self.pager == "6arg":
            return [f"{name}.{ext}"] + [f"{name}_{k}.{ext}" for k in range(2, count + 1)]
        return [f"{name}.{ext}"] + [f"{name}_{k}.{ext}" for k in range(1, count)]

    def _list_page(self, folder: str, rest: str) -> Response | None:
        docs = self.lists()[folder]
        count = max(1, math.ceil(len(docs) / self.per_page))
        names = self._page_names(count)
        if rest == "":
            rest = names[0]
        if self.pager == "slice":
            if rest != names[0]:
                return not_found()
            page_docs, current = docs, 0
        elif rest in names:
            current = names.index(rest)
            page_docs = docs[current * self.per_page:(current + 1) * self.per_page]
        elif self.spec.get("stub_pages") and rest.startswith(self.list_name + "_"):
            # deep pagination past the end: a short stub page, not a 404
            return self.html("<html><head><title></title></head><body><div class=\"list\"><ul></ul></div></body></html>")
        else:
            return None
        rows = "".join(f'<li><a href="./{d.path[len(folder):]}" target="_blank" title="{attr(d.title)}">{esc(d.title)}</a>'
                       f'<span>{d.pub[:10].replace("-", "/")}</span></li>\n' for d in page_docs)
        if self.pager == "0based":
            pager = f'createPageHTML({count}, {current}, "{self.list_name}", "{self.list_ext}");'
        elif self.pager == "6arg":
            pager = f"createPageHTML('page_div', {count}, {current + 1}, '{self.list_name}', '{self.list_ext}', {len(docs)});"
        elif self.pager == "3arg":
            pager = f"createPageHTML({len(docs)}, {count}, {current});"
        elif self.pager == "createPage":
            pager = f'createPage({count}, {current}, "{self.list_name}", "{self.list_ext}");'
        else:  # every row in page 1; the page shows 15 at a time
            pager = "var $list = $('.default_news li'); var pageSize = 15; showPage($list, 1, pageSize);"
        body = (f'<div class="path"><a href="/">首页</a>&nbsp;&gt;&nbsp;<a href="{self.xxgk}">政府信息公开</a>&nbsp;&gt;&nbsp;'
                f'<a href="{self.column}">政府信息公开年报</a></div>\n<div class="list default_news"><ul class="u-list">\n{rows}'
                f'<li class="empty"></li></ul>\n<div class="page" id="page_div"><ul><script type="text/javascript">\n<!--\n'
                f'{pager}\n//-->\n</script></ul></div></div>')
        return self.html(self._page("政府信息公开年报", body, column="政府信息公开年报"))

    def _page(self, title: str, body: str, column: str = "", metas: str = "") -> str:
        return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="UTF-8">\n<title>{esc(title)}-{esc(self.name)}</title>\n'
                f'<meta name="SiteName" content="{attr(self.name)}">\n<meta name="SiteDomain" content="{self.host}">\n'
                f'<meta name="SiteIDCode" content="{3300000000 + self.stable("id") % 99999999}">\n'
                + (f'<meta name="ColumnName" content="{attr(column)}">\n' if column else "") + metas +
                f'<script src="/images/uaredirect.js"></script>\n</head>\n<body>\n<div class="header"><a href="/">{esc(self.name)}</a></div>\n'
                f'<div class="container">\n{body}\n</div>\n<div class="footer"><p>主办单位：{esc(self.name)}</p>'
                f'<p>网站标识码：{3300000000 + self.stable("id") % 99999999} ICP备05012345号</p></div>\n</body>\n</html>\n')

    def _article(self, d: Doc) -> str:
        metas = (f'<meta name="ArticleTitle" content="{attr(d.title)}">\n<meta name="PubDate" content="{d.pub}:00">\n'
                 f'<meta name="ContentSource" content="{attr(d.publisher or "办公室")}">\n')
        table = ""
        if self.metadata == "table":
            y, m, dd = (int(x) for x in (d.written_date or d.pub[:10]).split("-"))
            table = ('<table class="xxgk_table"><tbody>'
                     f'<tr><td class="t1">索引号：</td><td class="t2">{esc(d.index_no or "")}</td>'
                     f'<td class="t1">发布机构：</td><td class="t2">{esc(d.publisher or "")}</td></tr>'
                     f'<tr><td class="t1">文号：</td><td class="t2">{esc(d.doc_no or "")}</td>'
                     f'<td class="t1">成文日期：</td><td class="t2">{y}年{m}月{dd}日</td></tr>'
                     f'<tr><td class="t1">标题：</td><td class="t2" colspan="3">{esc(d.title)}</td></tr></tbody></table>\n')
            hdr = f'<div class="time">发布时间：{d.pub[:10]}</div>'
        else:
            hdr = (f'<div class="time">发布时间：{d.pub[:10].replace("-", "/")}</div>'
                   f'<div class="ly laiyuantext">来源：<span>{esc(d.publisher or "")}</span></div>')
        att = ""
        if d.attachments:
            att = ('<div class="attachment"><div class="attachment_l">附件：</div><div class="attachment_r"><p>'
                   + "<BR>".join(f'<a href="./{p.rsplit("/", 1)[1]}">{esc(n)}</a>' for p, n, _ in d.attachments)
                   + "</p></div></div>")
        body = (f'<div class="article">\n<!--startprint-->\n{table}<h2 class="article_title">{esc(d.title)}</h2>\n'
                f'<div class="shezhi">{hdr}</div>\n<div class="article_con"><div class=TRS_Editor>{body_html(d.body)}</div></div>\n'
                f'{att}\n<!--endprint-->\n</div>')
        return self._page(d.title, body, column="政府信息公开年报", metas=metas)


def build(spec: dict) -> Site:
    return Site(spec)
