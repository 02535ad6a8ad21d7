"""Anhui's unified 政务公开 platform (www.ah.gov.cn and its cities, counties and departments), modelled on what public
material shows of it — URLs and parameters, no whole page (``samples/national/PLATFORMS.md`` §3.5,
``list_endpoints_observed.tsv``, ``annual_report_urls_observed.tsv``):

- column pages ``/public/column/<organId>?type=4&action=list&nav=&sub=&catId=<catId>`` whose HTML carries the page
  count as ``pageCount:N``;
- the list itself, an HTML fragment from ``/site/label/8888?IsAjax=1&labelName=publicInfoList&siteId=…&pageSize=15&
  pageIndex=N&action=list&isDate=true&dateFormat=yyyy-MM-dd&length=50&organId=…&type=4&catId=…&file=/xxgk/
  publicInfoList_newest2022`` (pageIndex 1-based; ``file`` and ``siteId`` differ per site);
- articles ``/public/content/<id>`` (舒城) and the annual-report module ``/XxgkAnnualReport/show/<id>.html`` (泾县);
- the site search ``/site/label/8888?labelName=searchDataList&isJson=true&isForPage=true&pageSize=10&pageIndex=N&
  keywords=…&isAllSite=true`` (JSON);
- the geo-fence: a 403 ``WZWS … reason:GeoBL`` (the replica's ``geo_block_403`` fault mode, ``faults.py``).

Everything else is modelled minimally, and says so:

- The column page is a shell: the category navigation (links of the same column form, by name), and one script that
  names the list's label URL (page 1) and ``pageCount:N`` — the two things the samples say the page carries. The list is
  not in the column page: the public crawlers of these hosts read ``pageCount`` from it and then fetch every fragment.
- The fragment is ``<ul class="clearfix xxgk_nav_list"><li><a href=… target="_blank">title</a><span>date</span></li>…``:
  the shape public crawlers of mpa.ah.gov.cn and wjw.ah.gov.cn read (``ul.xxgk_nav_list li``, ``./a/text()``,
  ``./a/@href``, ``./span/text()``, ``a[target=_blank]``), and nothing more.
- The search answers ``{"data": {"data": [{"title", "link", "createDate", "columnName"}], "pageCount": N}}``: the
  fields public crawlers of www.huangshan.gov.cn, www.huaibei.gov.cn and www.ah.gov.cn read; it matches every word of the keywords
  (年度报告: 年度, 报告) in a page's title and text, as a segmenting full-text search does.
- Article pages carry what real pages of the platform print as text (``tests/fixtures/realpages``: ningguo
  ``XxgkAnnualReport/show/5728.html``, mengcheng ``XxgkContent/show/2920894.html``): the module's page a breadcrumb,
  the title and a ``发布时间:… 来源:…`` line; a content page the label rows 索引号 / 组配分类 / 发布机构 / 主题分类 /
  名称 / 文号 / 发文日期 / 发布日期 (printed twice, as the real text shows), the title and ``发布时间:… 信息来源:…``.
- Reports of the ``XxgkAnnualReport`` module are listed by the annual-report column's fragment (the samples show the
  module's pages, not what links them).
- Variants seen in public material beyond the samples, for held-out portals: a path prefix before ``/public/`` and
  ``/site/label/`` (``www.huaibei.gov.cn/zwgk/public/371/61410681.html``, ``www.ahqimen.gov.cn/huangshanzwgk/zwgk/site/
  label/8888``), articles ``/public/<organId>/<id>.html`` (``hrss.ah.gov.cn/public/6595721/80776356.html``).

Spec keys: ``organ`` (organId), ``cat`` (the annual-report catId), ``site_id``, ``file`` (the label's list template),
``page_size``, ``prefix`` (``""`` or ``"/zwgk"``), ``articles`` (``content`` | ``organ``), ``module`` (reports in
``/XxgkAnnualReport/show/``), ``source`` (the ``来源`` a module page prints, when shorter than the name), ``years``,
``start`` (``column``: the annual-report column; ``xxgk``: the 法定主动公开内容 column, whose navigation names the
年报 column), ``nav_report`` (False: no navigation names the 年报 column; only the site search finds the reports).
"""

from __future__ import annotations

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
from govcrawl.replica.http import Request, Response
from govcrawl.replica.platforms import Doc, PlatformSite, attr, esc, not_found, pub_date
from govcrawl.replica.templates import body_html

SPECS = [
    {   # a provincial department (as mpa.ah.gov.cn): /public/content/<id> articles, several fragment pages
        "slug": "ah_yjj", "name": "淮江省药品监督管理局", "level": "department", "region": "淮江省",
        "host": "yjj.huaijiang.gov.cn", "unit": "省药监局", "we": "我局", "organ": 4140821, "cat": 11908611,
        "site_id": 10914533, "file": "/xxgk/publicInfoList_newest2022", "page_size": 4, "articles": "content",
        "years": list(range(2016, 2025)), "start": "column", "scheme": "https",
    },
    {   # a county government (as 泾县 / 宁国): reports in the XxgkAnnualReport module, found from the 信息公开 home
        "slug": "ah_xikou", "name": "淮江省溪口县人民政府", "level": "county", "region": "淮江省溪口县",
        "host": "www.ahxikou.gov.cn", "unit": "溪口县", "we": "我县", "organ": 6596207, "cat": 7065133,
        "site_id": 6786529, "file": "/c3/xk/publicInfoList_newest", "page_size": 5, "articles": "content",
        "module": True, "source": "溪口县人民政府", "years": list(range(2015, 2025)), "start": "xxgk",
    },
]

CATEGORIES = (("gkzn", "政府信息公开指南"), ("gkzd", "政府信息公开制度"), ("fdzdgknr", "法定主动公开内容"),
              ("gknb", "政府信息公开年报"), ("ysqgk", "依申请公开"))
LABEL = "/site/label/8888"


class Site(PlatformSite):
    platform = "anhui"

    def __init__(self, spec: dict) -> None:
        super().__init__(spec)
        s = spec
        self.organ = int(s.get("organ", 6596221))
        self.cat = int(s.get("cat", 7065111))
        self.site_id = int(s.get("site_id", 6786551))
        self.file = s.get("file", "/xxgk/publicInfoList_newest2022")
        self.page_size = int(s.get("page_size", 15))
        self.prefix = s.get("prefix", "")
        self.articles = s.get("articles", "content")
        self.module = bool(s.get("module", False))
        self.years = list(s.get("years", range(2018, 2025)))
        self.unit, self.we = s.get("unit", self.name), s.get("we", "我单位")
        self.source = s.get("source", self.name)
        self.nav_report = bool(s.get("nav_report", True))
        # every category of the organ's 信息公开目录 has a catId; the annual-report one is the spec's
        self.cats = {key: (self.cat if key == "gknb" else self.cat - 40 * (i + 1)) for i, (key, _) in enumerate(CATEGORIES)}
        self._docs: list[Doc] | None = None
        self._by_path: dict[str, Doc] = {}

    # --- the registry --------------------------------------------------------------------------------
    def column_path(self, cat: int) -> str:
        return f"{self.prefix}/public/column/{self.organ}?type=4&action=list&nav=&sub=&catId={cat}"

    def start_url(self) -> str:
        return self.url(self.column_path(self.cats["fdzdgknr"] if self.spec.get("start") == "xxgk" else self.cat))

    def label_path(self, page: int) -> str:
        """The list fragment's URL, in the parameter order of the samples (list_endpoints_observed.tsv)."""
        return (f"{self.prefix}{LABEL}?IsAjax=1&labelName=publicInfoList&siteId={self.site_id}&pageSize={self.page_size}"
                f"&pageIndex={page}&action=list&isDate=true&dateFormat=yyyy-MM-dd&length=50&organId={self.organ}"
                f"&type=4&catId={self.cat}&file={self.file}")

    # --- the documents (the annual-report column's list, newest first) -----------------------------------
    def docs(self) -> list[Doc]:
        if self._docs is None:
            docs = []
            for y in self.years:
                docs.append(self._report(y))
                r = rng_for(self.slug, y, "others")
                if r.random() < 0.5:
                    docs.append(self._other(y, r))
            docs.sort(key=lambda d: d.pub, reverse=True)
            self._docs = docs
            self._by_path = {d.path: d for d in docs}
            if len(self._by_path) != len(docs):
                raise ValueError(f"replica: {self.slug}: two documents at one path")
        return self._docs

    def _article_path(self, key: str, report: bool) -> str:
        n = self.stable("doc", key)
        if report and self.module:
            return f"{self.prefix}/XxgkAnnualReport/show/{1000 + n % 9000}.html"
        if self.articles == "organ":
            return f"{self.prefix}/public/{self.organ}/{10000000 + n % 90000000}.html"
        return f"{self.prefix}/public/content/{10000000 + n % 90000000}"

    def _report(self, year: int) -> Doc:
        r = rng_for(self.slug, year)
        pub = pub_date(year + 1, 1 + r.randint(0, 2), 1 + r.randint(0, 27), 9 + r.randint(0, 8))
        style = r.randint(0, 3)
        name = self.name
        title = [f"{name}{year}年政府信息公开工作年度报告", f"{year}年度{name}政府信息公开工作报告",
                 f"{name}政府信息公开工作年度报告({year}年度)", f"{name}{cn_year(year)}年政府信息公开工作年度报告"][style]
        kind = "gov" if name.endswith("人民政府") else "dept"
        stats: dict = {}
        if year >= 2019:
            body = national_template_body(name, self.we, year, kind, r, html_tables=True, stats_out=stats)
        else:
            body = old_style_body(name, self.we, year, r)
        written = f"{year + 1}-{int(pub[5:7]):02d}-{max(1, int(pub[8:10]) - 2):02d}"
        y, m, d = (int(x) for x in written.split("-"))
        body = body + [("right", name), ("right", f"{y}年{m}月{d}日")]
        doc = Doc(path=self._article_path(f"report{year}", True), title=title, pub=pub, body=body, is_report=True,
                  report_year=year, reporting_body=name, written_date=written, statistics=stats or None)
        if self.module:  # the module's page: no label rows, a 来源 line
            doc.publisher = self.source
        else:
            doc.index_no = self.index_no(pub, ("report", year))
            doc.publisher = name
        return doc

    def _other(self, year: int, r) -> Doc:
        which = r.randint(0, 2)
        if which == 0:
            title, body, pub, note = (f"{self.name}{year}年政务公开工作要点", work_plan_body(self.unit, year),
                                      pub_date(year, 3, 1 + r.randint(0, 27)), "work plan")
        elif which == 1:
            title, body, pub, note = (f"关于做好{year}年政府信息公开工作年度报告编制工作的通知", notice_body(self.name, year),
                                      pub_date(year, 12, 1 + r.randint(0, 20)), "notice about the annual reports")
        else:
            title, body, pub, note = (f"《{self.name}{year}年政府信息公开工作年度报告》解读",
                                      jiedu_body(self.name, self.we, year, r),
                                      pub_date(year + 1, 4, 1 + r.randint(0, 27)), "解读 of an annual report")
        doc = Doc(path=self._article_path(f"other{year}", False), title=title, pub=pub, body=body, is_report=False,
                  note=note, publisher=self.name)
        doc.index_no = self.index_no(pub, ("other", year))
        return doc

    def index_no(self, pub: str, key: tuple) -> str:
        """索引号 as the platform prints it: the body's credit code / YYYYMM-NNNNN (11341622MB0N081697/202512-00001)."""
        return f"113400{self.stable('org') % 10 ** 11:011d}X/{pub[:4]}{pub[5:7]}-{self.stable(*key) % 100000:05d}"

    # --- pages ---------------------------------------------------------------------------------------
    def respond(self, req: Request) -> Response | None:
        path, params = req.path, req.params()
        if path in ("/", "/index.html"):
            nav = (f'<li><a href="{attr(self.column_path(self.cats["fdzdgknr"]))}">政务公开</a></li>'
                   '<li><a href="/xwzx/index.html">新闻中心</a></li><li><a href="/hdjl/index.html">互动交流</a></li>')
            return self.html(self._page(self.name, f'<ul class="nav">{nav}</ul>'))
        if path == f"{self.prefix}/public/column/{self.organ}":
            return self._column(params.get("catId", ""))
        if path == f"{self.prefix}{LABEL}":
            label = params.get("labelName")
            if label == "publicInfoList":
                return self._fragment(params)
            if label == "searchDataList" and params.get("isJson") == "true":
                return self._search(params)
            return not_found()
        self.docs()
        doc = self._by_path.get(path)
        if doc is not None:
            return self.html(self._module_page(doc) if "/XxgkAnnualReport/" in path else self._content_page(doc), doc)
        return not_found()

    def _nav(self) -> str:
        items = [(key, text) for key, text in CATEGORIES if self.nav_report or key != "gknb"]
        return '<div class="xxgk_nav"><ul>' + "".join(
            f'<li><a href="{attr(self.column_path(self.cats[key]))}">{esc(text)}</a></li>' for key, text in items) + "</ul></div>"

    def _column(self, cat: str) -> Response | None:
        names = {str(self.cats[key]): text for key, text in CATEGORIES}
        if cat not in names:
            return not_found()
        if cat == str(self.cat):
            count = max(1, math.ceil(len(self.docs()) / self.page_size))
            label = self.label_path(1)
        else:  # the other categories: their lists are not part of this replica (nothing in them is crawled)
            count, label = 0, self.label_path(1).replace(f"catId={self.cat}", f"catId={cat}")
        script = (f'<script type="text/javascript">\nvar listUrl = "{label}";\n'
                  f"var pageOptions = {{pageCount:{count}, pageIndex:1}};\n</script>")
        body = f'{self._nav()}\n<div class="xxgk_list" id="xxgk_lists"></div>\n<div id="page_public_info"></div>\n{script}'
        return self.html(self._page(names[cat], body))

    def _fragment(self, params: dict) -> Response:
        """The list fragment; another site's ``siteId`` or ``file``, or a category without a list: no rows."""
        rows: list[Doc] = []
        ok = (params.get("siteId") == str(self.site_id) and params.get("file") == self.file
              and params.get("organId") == str(self.organ))
        if ok and params.get("catId") == str(self.cat):
            try:
                page, size = max(1, int(params.get("pageIndex") or 1)), max(1, int(params.get("pageSize") or 15))
            except ValueError:
                page, size = 1, 15
            rows = self.docs()[(page - 1) * size:page * size]
        items = "".join(f'<li><a href="{attr(d.path)}" target="_blank">{esc(d.title)}</a><span>{d.pub[:10]}</span></li>\n'
                        for d in rows)
        text = f'<ul class="clearfix xxgk_nav_list">\n{items}</ul>\n' if rows else esc(params.get("result", ""))
        return Response(200, text.encode("utf-8"), "text/html;charset=UTF-8")  # dynamic: no validators

    def _search(self, params: dict) -> Response:
        # a segmenting search: a keyword of four characters or more matches by its two-character words
        words = [w[i:i + 2] if len(w) >= 4 else w for w in params.get("keywords", "").split()
                 for i in range(0, len(w) if len(w) >= 4 else 1, 2)]
        found = [d for d in self.docs() if words and all(w in d.title + body_html(d.body) for w in words)]
        try:
            page, size = max(1, int(params.get("pageIndex") or 1)), max(1, int(params.get("pageSize") or 10))
        except ValueError:
            page, size = 1, 10
        rows = found[(page - 1) * size:page * size]
        data = {"data": {"data": [{"title": d.title, "link": self.url(d.path), "createDate": d.pub[:10],
                                   "columnName": "政府信息公开年报"} for d in rows],
                         "pageCount": math.ceil(len(found) / size)}}
        return self.json(json.dumps(data, ensure_ascii=False))

    def _page(self, title: str, body: str) -> str:
        # 网站标识码, on every page of a government site (PLATFORMS.md §5); Anhui's begin with 34
        return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="UTF-8">\n<title>{esc(title)}-{esc(self.name)}</title>\n'
                f'<meta name="SiteIDCode" content="{3400000000 + self.stable("id") % 99999999}">\n</head>\n<body>\n<div class="header"><a href="/">{esc(self.name)}</a></div>\n<div class="container">\n{body}\n'
                f'</div>\n<div class="footer"><p>主办单位：{esc(self.name)}</p></div>\n</body>\n</html>\n')

    def _crumb(self, column: str) -> str:
        return (f'<div class="position">您现在所在的位置: <a href="/">网站首页</a> &gt; '
                f'<a href="{attr(self.column_path(self.cats["fdzdgknr"]))}">政府信息公开</a> &gt; {esc(self.source)} &gt; '
                f'{esc(column)}</div>')

    def _module_page(self, d: Doc) -> str:
        """A report of the XxgkAnnualReport module: breadcrumb, title, 发布时间 and 来源 (as the real page's text)."""
        body = (f'<div class="site-name">{esc(self.source)}</div>\n{self._crumb("政府信息公开年报")}\n'
                f'<div class="article"><h1 class="title">{esc(d.title)}</h1>\n'
                f'<div class="info">发布时间:{d.pub} 来源:{esc(d.publisher or "")} 字体:[ ]</div>\n'
                f'<div class="content" id="zoom">{body_html(d.body)}</div></div>')
        return self._page(d.title, body)

    def _content_page(self, d: Doc) -> str:
        """A /public/content page: the label rows (twice, as the real text shows), title, 发布时间 and 信息来源."""
        column = "政府信息公开年报"
        pairs = [("索引号", d.index_no or ""), ("组配分类", column), ("发布机构", d.publisher or ""), ("主题分类", "其他"),
                 ("名称", d.title), ("文号", d.doc_no or ""), ("发文日期", d.pub[:10]), ("发布日期", d.pub[:10])]
        table = "".join(f'<tr><th>{a}:</th><td>{esc(b)}</td><th>{c}:</th><td>{esc(e)}</td></tr>'
                        for (a, b), (c, e) in zip(pairs[0::2], pairs[1::2]))
        items = "".join(f"<li><span>{a}:</span>{esc(b)}</li>" for a, b in pairs)
        body = (f'{self._crumb(column)}\n<div class="div_table"><table class="table_suoyin"><tbody>{table}</tbody></table></div>\n'
                f'<div class="div_table_m"><ul>{items}</ul></div>\n'
                f'<div class="article"><h1 class="title">{esc(d.title)}</h1>\n'
                f'<div class="info">发布时间:{d.pub} 信息来源:{esc(d.publisher or "")} 浏览次数: 字体:[ ]</div>\n'
                f'<div class="content" id="zoom">{body_html(d.body)}</div></div>')
        return self._page(d.title, body)

    def search_url(self, keywords: str = "年度报告", page: int = 1) -> str:
        return self.url(f"{self.prefix}{LABEL}?labelName=searchDataList&isJson=true&isForPage=true&pageSize=10"
                        f"&pageIndex={page}&keywords={quote(keywords)}&isAllSite=true")


def build(spec: dict) -> Site:
    return Site(spec)
