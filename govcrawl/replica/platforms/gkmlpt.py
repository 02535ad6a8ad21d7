"""Guangdong's 政府信息公开目录管理平台 (gkmlpt), modelled on ``samples/national/guangdong_gkmlpt_fragments.md`` and
``PLATFORMS.md`` §3.4 (and the real gkmlpt content pages in ``tests/fixtures/realpages/``: south_008, south_009,
junk_027's copy of www.gd.gov.cn's 2024 report).

- ``<prefix>/gkmlpt/index`` and the annual-report page ``<prefix>/gkmlpt/annualreport`` (``#<category>`` in links):
  Vue shells whose ``window._CONFIG`` holds ``SID: '…'`` and ``TREE: [...]`` (category nodes ``id``, ``name``,
  ``post_count``, ``jump_url``, ``children``), followed by ``SERVICE_AREA_ID``. ``prefix`` is empty on a site of its
  own (whly.gd.gov.cn) and a folder on a city portal's subsites (``www.zhaoqing.gov.cn/zqrsj/gkmlpt/…``).
- The list API ``<prefix>/gkmlpt/api/all/<category>?page=N&sid=S``: ``{"classify": {id, name, post_count, jump_url},
  "total", "offset", "articles": [...]}``, articles newest first with ``id``, ``title``, ``identifier`` (索引号),
  ``publisher`` (发布机构), ``document_number`` (文号), ``date`` (成文日期, epoch), ``created_at``, ``create_time``,
  ``display_publish_time``, ``url``, ``post_url``, ``type`` (``normal``; ``url`` for a jump elsewhere), ``attachment``
  ``[{id, name, type, mime, size, url}]``. Page 0 is page 1; past the end an empty ``articles``; in 单页全量模式
  (``paging = "single"``, Zhaoqing) page 1 holds every article and page >= 2 answers 404. ``post_count``/``total`` may
  count posts the list does not show (``unlisted``: "接口可列出总数少于栏目计数"). The JSON's links may be ``https://``
  on a site that serves HTTP only (``link_scheme``; ``scheme``: what the site serves, as for every platform) or
  protocol-relative (``//host/…``).
- Content pages ``<prefix>/gkmlpt/content/<id // 10**6>/<id // 1000>/post_<id>.html``: the 8-field table 索引号/分类/
  发布机构/成文日期/名称/文号/发布日期/主题词, the title, ``发布日期：… 浏览次数：-``, the body, the attachments, and
  ``window._CONFIG.DETAIL`` (the document as JSON). Some entries (``nfcms_years``) point at ``…/mpost_<id>.html``, a
  page in the portal's NFCMS template (``ArticleTitle``/``PubDate``/``ContentSource`` metas, ``NFCMS_POST_ID``,
  ``div.news_cont_d_wrap``, ``时间 : …``) without the table: there the list JSON is the only source of 索引号, 发布机构,
  成文日期 and 文号. Attachments ``<prefix>/attachment/<aid // 10**6>/<aid // 1000>/<aid>/<post id>.pdf``.
"""

from __future__ import annotations

import json
from datetime import datetime
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
from govcrawl.replica.http import CST, Request, Response, make_pdf
from govcrawl.replica.platforms import Doc, PlatformSite, attr, esc, not_found, pub_date
from govcrawl.replica.templates import body_html

SPECS = [
    {   # a provincial department on a site of its own (whly.gd.gov.cn), registered by its annual-report page
        "slug": "gkmlpt_wlt", "name": "岭南省文化和旅游厅", "level": "department", "region": "岭南省",
        "host": "wlt.lingnan.gov.cn", "unit": "省文化和旅游厅", "we": "我厅", "sid": "175", "report_cat": 2629,
        "cat_name": "政府信息公开年报", "per_page": 4, "years": list(range(2015, 2025)), "attachments": True,
        "org_code": "006940116", "start": "annualreport", "scheme": "https",
    },
    {   # a city bureau on a subsite of the city portal (Zhaoqing's /zqrsj/): the API in 单页全量模式 (page >= 2
        # answers 404) with a post_count above what it lists, and https:// links on a site that serves HTTP only
        "slug": "gkmlpt_rsj", "name": "海湾市人力资源和社会保障局", "level": "department", "region": "岭南省海湾市",
        "host": "www.haiwan.gov.cn", "prefix": "/hwrsj", "unit": "市人力资源社会保障局", "we": "我局", "sid": "758017",
        "report_cat": 21206, "cat_name": "年度报告", "paging": "single", "unlisted": 5, "link_scheme": "https",
        "years": list(range(2016, 2025)), "org_code": "11441200MB2C05834D", "start": "index",
    },
    {   # a district government whose home links the platform; its reports are published by the government office
        # (发布机构), some on the portal's NFCMS pages (no 索引号 table: the list JSON fills the gaps); a jump entry
        # off the site; protocol-relative links
        "slug": "gkmlpt_district", "name": "海湾市滨江区人民政府", "level": "county", "region": "岭南省海湾市滨江区",
        "host": "www.hwbj.gov.cn", "unit": "滨江区", "we": "我区", "sid": "758041", "report_cat": 20765,
        "cat_name": "政府信息公开年报", "per_page": 5, "publisher": "海湾市滨江区人民政府办公室",
        "years": list(range(2017, 2025)), "nfcms_years": [2018, 2021, 2023], "doc_no_years": [2021, 2023],
        "doc_no_prefix": "滨府办函", "attachments": True, "jump_entry": True, "links": "protocol_relative",
        "org_code": "114412030071983452", "start": "home",
    },
]


def epoch(stamp: str) -> int:
    """"YYYY-MM-DD HH:MM" (Beijing time) as the API's epoch seconds."""
    return int(datetime.strptime(stamp, "%Y-%m-%d %H:%M").replace(tzinfo=CST).timestamp())


def json_in_script(data) -> str:
    """JSON as a page's script embeds it: markup characters escaped (``\\u003C``), so no ``</script>`` can end it."""
    return (json.dumps(data, ensure_ascii=False).replace("<", "\\u003C").replace(">", "\\u003E")
            .replace("&", "\\u0026"))


class Site(PlatformSite):
    platform = "gkmlpt"

    def __init__(self, spec: dict) -> None:
        super().__init__(spec)
        s = spec
        self.prefix = s.get("prefix", "").rstrip("/")
        self.sid = str(s.get("sid", "2"))
        self.report_cat = int(s.get("report_cat", 2629))
        self.cat_name = s.get("cat_name", "政府信息公开年报")
        self.per_page = int(s.get("per_page", 100))
        self.paging = s.get("paging", "pages")
        self.years = list(s.get("years", range(2018, 2025)))
        self.unit, self.we = s.get("unit", self.name), s.get("we", "我单位")
        self.publisher = s.get("publisher", self.name)
        self.org_code = s.get("org_code", "006939748")
        self.tree_layout = s.get("tree", "flat")
        self._docs: list[Doc] | None = None
        self._lists: dict[int, list[Doc]] = {}
        self._by_path: dict[str, Doc] = {}
        self._files: dict[str, bytes] = {}
        self._jump: dict | None = None

    # --- the registry --------------------------------------------------------------------------------
    def home_url(self) -> str:
        return self.url(self.prefix + "/")

    def start_url(self) -> str:
        start = self.spec.get("start", "annualreport")
        if start == "home":
            return self.home_url()
        if start == "index":
            return self.url(f"{self.prefix}/gkmlpt/index")
        return self.url(f"{self.prefix}/gkmlpt/annualreport#{self.report_cat}")

    # --- the documents -------------------------------------------------------------------------------
    def categories(self) -> list[tuple[int, str, list[int]]]:
        """(category id, name, report years it holds) of the lists holding documents."""
        if self.tree_layout == "years":
            return [(self.report_cat + 1 + k, f"{y}年度", [y]) for k, y in enumerate(sorted(self.years, reverse=True))]
        return [(self.report_cat, self.cat_name, self.years)]

    def docs(self) -> list[Doc]:
        if self._docs is None:
            self._build()
        return self._docs

    def _build(self) -> None:
        self._docs = []
        seq = 0
        for cat, _, years in self.categories():
            docs = []
            for y in years:
                seq += 1
                docs.append(self._report(cat, y, seq))
                r = rng_for(self.slug, cat, y, "others")
                if r.random() < 0.5:
                    seq += 1
                    docs.append(self._other(cat, y, r, seq))
            docs.sort(key=lambda d: d.pub, reverse=True)
            self._lists[cat] = docs
            self._docs += docs
        if self.tree_layout == "years":  # the parent category lists its children's documents too
            self._lists[self.report_cat] = sorted(self._docs, key=lambda d: d.pub, reverse=True)
        self._by_path = {d.path: d for d in self._docs}
        if self.spec.get("jump_entry"):
            newest = max(self.years)
            self._jump = {"title": f"图解：{self.name}{newest}年政府信息公开工作年度报告",
                          "url": f"https://mp.weixin.qq.com/s/{self.stable('jump') % 16 ** 8:08x}Lq2dGkmlVx",
                          "pub": pub_date(newest + 1, 4, 2)}

    def _post_id(self, *key) -> int:
        return 2000000 + self.stable("post", *key) % 8000000

    def _content_path(self, post_id: int, nfcms: bool = False) -> str:
        return f"{self.prefix}/gkmlpt/content/{post_id // 10 ** 6}/{post_id // 1000}/{'m' if nfcms else ''}post_{post_id}.html"

    def _identifier(self, pub: str, seq: int) -> str:
        return f"{self.org_code}/{pub[:4]}-{(self.stable('seq', pub[:4]) % 300 + seq * 7) % 100000:05d}"

    def _report(self, cat: int, year: int, seq: int) -> Doc:
        r = rng_for(self.slug, cat, year)
        pub = pub_date(year + 1, 1 + r.randint(0, 2), 1 + r.randint(0, 27), 9 + r.randint(0, 8))
        style = r.randint(0, 3)
        name = self.name
        title = [f"{name}{year}年政府信息公开工作年度报告", f"{name}{year}年度政府信息公开工作年度报告",
                 f"{name}政府信息公开工作年度报告({year}年度)", f"{name}{cn_year(year)}年政府信息公开工作年度报告"][style]
        kind = "gov" if name.endswith("人民政府") else "dept"
        stats: dict = {}
        if year >= 2019:
            body = national_template_body(name, self.we, year, kind, r, html_tables=True, stats_out=stats)
        else:
            body = old_style_body(name, self.we, year, r)
        written = f"{year + 1}-{int(pub[5:7]):02d}-{max(1, int(pub[8:10]) - r.randint(0, 3)):02d}"
        y, m, d = (int(x) for x in written.split("-"))
        body = body + [("right", name), ("right", f"{y}年{m}月{d}日")]
        post_id = self._post_id(cat, year, "report")
        nfcms = year in self.spec.get("nfcms_years", ())
        doc_no = (f"{self.spec['doc_no_prefix']}〔{year + 1}〕{r.randint(2, 60)}号"
                  if year in self.spec.get("doc_no_years", ()) else None)
        doc = Doc(path=self._content_path(post_id, nfcms), title=title, pub=pub, body=body, is_report=True,
                  report_year=year, index_no=self._identifier(pub, seq), publisher=self.publisher,
                  reporting_body=name, written_date=written, doc_no=doc_no, statistics=stats or None)
        if self.spec.get("attachments") and year % 2 == 0:
            aid = 1000000 + self.stable("att", post_id) % 9000000
            apath = f"{self.prefix}/attachment/{aid // 10 ** 6}/{aid // 1000}/{aid}/{post_id}.pdf"
            doc.attachments = [(apath, f"{title}.pdf", make_pdf(title))]
        doc.meta = self._article(doc, post_id, cat, nfcms)
        return doc

    def _other(self, cat: int, year: int, r, seq: int) -> Doc:
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
        post_id = self._post_id(cat, year, "other")
        doc = Doc(path=self._content_path(post_id), title=title, pub=pub, body=body, is_report=False, note=note,
                  index_no=self._identifier(pub, seq), publisher=self.publisher, written_date=pub[:10])
        doc.meta = self._article(doc, post_id, cat, False)
        return doc

    def _article(self, d: Doc, post_id: int, cat: int, nfcms: bool) -> dict:
        """The document as the list API describes it (links in the site's own form: ``link()``)."""
        atts = []
        for apath, name, data in d.attachments:
            aid = int(apath.rsplit("/", 2)[1])
            atts.append({"id": aid, "name": name, "type": "pdf", "mime": "application/pdf", "size": str(len(data)),
                         "url": apath})
        return {
            "id": post_id, "title": d.title, "abstract": "", "keywords": "", "document_number": d.doc_no or "",
            "publisher": d.publisher, "identifier": d.index_no,
            "date": epoch((d.written_date or d.pub[:10]) + " 00:00"),
            "created_at": d.pub + ":00", "create_time": epoch(d.pub), "display_publish_time": epoch(d.pub),
            "classify_main": cat, "classify_main_name": self.cat_name, "classify_genre_name": "", "classify_theme_name": "",
            "url": d.path, "post_url": d.path, "type": "normal", "attachment": atts, "relation": "[]",
            "is_expired": 0, "is_abolished": 0, "nfcms": nfcms,
        }

    # --- pages ---------------------------------------------------------------------------------------
    def link(self, path: str) -> str:
        """A site path as the list JSON writes it."""
        form = self.spec.get("links", "absolute")
        if form == "protocol_relative":
            return f"//{self.host}{path}"
        return f"{self.spec.get('link_scheme', self.scheme)}://{self.host}{path}"

    def respond(self, req: Request) -> Response | None:
        path = req.path
        p = self.prefix
        if path in (p + "/", p + "/index.html"):
            return self.html(self._home())
        if path in (f"{p}/gkmlpt/index", f"{p}/gkmlpt/annualreport"):
            return self.html(self._shell(path.rsplit("/", 1)[1]))
        if path.startswith(f"{p}/gkmlpt/api/all/"):
            return self._api(req, path[len(f"{p}/gkmlpt/api/all/"):])
        self.docs()
        doc = self._by_path.get(path)
        if doc is not None:
            return self.html(self._nfcms_page(doc) if doc.meta.get("nfcms") else self._content_page(doc), doc)
        for d in self._docs:
            for apath, _, data in d.attachments:
                if apath == path:
                    return Response(200, data, "application/pdf")
        return not_found()

    def _tree(self) -> list:
        base = self.report_cat - 40

        def node(i, name, children=(), count=0, jump=""):
            return {"id": i, "name": name, "parent": 0, "post_count": count, "jump_url": jump, "children": list(children)}

        report_children = [node(cat, name, count=len(self._lists.get(cat, ()))) for cat, name, _ in self.categories()] \
            if self.tree_layout == "years" else []
        return [
            node(base + 1, "机构职能", count=12),
            node(base + 2, "政策文件", [node(base + 3, "规范性文件", count=31), node(base + 4, "其他文件", count=208)]),
            node(base + 5, "规划计划", count=17),
            node(base + 6, "财政预决算", count=46),
            node(base + 7, "统计信息", count=58),
            node(base + 8, "政府信息公开指南", jump=f"{self.link(self.prefix + '/zwgk/xxgkzn/')}"),
            node(self.report_cat, self.cat_name, report_children, count=len(self._lists.get(self.report_cat, ()))),
        ]

    def _shell(self, view: str) -> str:
        """``/gkmlpt/index`` and ``/gkmlpt/annualreport``: the platform's Vue shells and their ``window._CONFIG``."""
        self.docs()
        tree = json.dumps(self._tree(), ensure_ascii=False)
        title = "政府信息公开年报" if view == "annualreport" else "政府信息公开"
        return (f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<meta name="renderer" content="webkit">\n'
                f'<title>{esc(self.name)}{title}</title>\n'
                f'<meta name="SiteName" content="{attr(self.name)}">\n<meta name="SiteIDCode" content="{self._site_code()}">\n'
                f'<link href="{self.prefix}/gkmlpt/gkml/pc/css/app.4ab1f6c2.css" rel="stylesheet">\n</head>\n<body>\n'
                f'<noscript><strong>请开启浏览器的JavaScript功能。</strong></noscript>\n<div id="app"></div>\n<script>\n'
                f"window._CONFIG = {{\n    SID: '{self.sid}',\n    SITE_NAME: '{self.name}',\n"
                f"    BASE_URL: '{self.prefix}/gkmlpt',\n    VIEW: '{view}',\n    TREE: {tree},\n"
                f"    SERVICE_AREA_ID: 0,\n    STATISTICS_URL: '//statistics.lingnan.gov.cn/'\n}};\n</script>\n"
                f'<script src="{self.prefix}/gkmlpt/gkml/pc/js/chunk-common.c1553651.js"></script>\n'
                f'<script src="{self.prefix}/gkmlpt/gkml/pc/js/{view}.js"></script>\n</body>\n</html>\n')

    def _api(self, req: Request, cat_text: str) -> Response | None:
        q = req.params()
        if not cat_text.isdigit() or q.get("sid") != self.sid:
            return not_found()
        try:
            page = max(1, int(q.get("page", "1")))  # page 0 is page 1
        except ValueError:
            return not_found()
        cat = int(cat_text)
        self.docs()
        known = {n["id"]: n for n in self._tree()} | {c["id"]: c for n in self._tree() for c in n["children"]}
        if cat not in known:
            return not_found()
        docs = self._lists.get(cat, [])
        entries = [d.meta for d in docs]
        if self._jump and cat == self.report_cat:
            j = self._jump
            entries.insert(0, {"id": self._post_id("jump"), "title": j["title"], "abstract": "", "keywords": "",
                               "document_number": "", "publisher": self.publisher, "identifier": "",
                               "date": epoch(j["pub"]), "created_at": j["pub"] + ":00", "create_time": epoch(j["pub"]),
                               "display_publish_time": epoch(j["pub"]), "classify_main": cat,
                               "classify_main_name": self.cat_name, "url": j["url"], "post_url": j["url"], "type": "url",
                               "attachment": [], "relation": "[]", "is_expired": 0, "is_abolished": 0})
        counted = len(entries) + int(self.spec.get("unlisted", 0))
        if self.paging == "single":
            if page >= 2:
                return not_found()
            shown = entries
        else:
            shown = entries[(page - 1) * self.per_page: page * self.per_page]
        articles = [self._public(a) for a in shown]
        data = {"classify": {"id": cat, "name": known[cat]["name"], "post_count": counted, "jump_url": ""},
                "total": counted, "offset": 0 if self.paging == "single" else (page - 1) * self.per_page,
                "articles": articles}
        return self.json(json.dumps(data, ensure_ascii=False))

    def _public(self, a: dict) -> dict:
        out = {k: v for k, v in a.items() if k != "nfcms"}
        if a.get("type") == "normal":
            out["url"] = out["post_url"] = self.link(a["url"])
            out["attachment"] = [{**att, "url": self.link(att["url"])} for att in a["attachment"]]
        return out

    def listed_metadata(self, url: str) -> str:
        self.docs()
        parts = urlsplit(url)
        doc = self._by_path.get(parts.path) if parts.hostname == self.host else None
        return json.dumps(self._public(doc.meta), ensure_ascii=False) if doc else ""

    def _site_code(self) -> int:
        return 4400000000 + self.stable("id") % 99999999

    def _frame(self, title: str, body: str, metas: str = "", script: str = "") -> str:
        return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="UTF-8">\n<title>{esc(title)}</title>\n'
                f'<meta name="SiteName" content="{attr(self.name)}">\n<meta name="SiteDomain" content="{self.host}">\n'
                f'<meta name="SiteIDCode" content="{self._site_code()}">\n{metas}{script}</head>\n<body>\n'
                f'<div class="top-bar"><a href="javascript:;">无障碍</a> <a href="javascript:;">长者助手</a> '
                f'<a href="javascript:;">我的收藏</a></div>\n<div class="header"><a href="{self.prefix}/">{esc(self.name)}</a></div>\n'
                f'{body}\n<div class="footer"><p>主办单位：{esc(self.name)}</p>'
                f'<p>网站标识码：{self._site_code()} 粤ICP备05012345号</p></div>\n</body>\n</html>\n')

    def _home(self) -> str:
        p = self.prefix
        links = [(f"{p}/xwzx/", "新闻中心"), (f"{p}/gkmlpt/index", "政府信息公开"), (f"{p}/zwfw/", "政务服务"),
                 (f"{p}/hdjl/", "互动交流")]
        if self.spec.get("home_links_report"):
            links.insert(2, (f"{p}/gkmlpt/annualreport#{self.report_cat}", "年度报告"))
        nav = "".join(f'<li><a href="{h}">{t}</a></li>' for h, t in links)
        return self._frame(self.name, f'<ul class="nav">{nav}</ul>\n<div class="banner"></div>')

    def _content_page(self, d: Doc) -> str:
        """A gkmlpt content page: the 8-field table, the title, the body (and the document again in ``DETAIL``)."""
        a = d.meta
        detail = {"id": a["id"], "title": d.title, "abstract": "", "identifier": d.index_no, "publisher": d.publisher,
                  "document_number": d.doc_no or "", "date": a["date"], "created_at": a["created_at"],
                  "content": body_html(d.body)}
        script = (f"<script>\nwindow._CONFIG = {{\n    SID: '{self.sid}',\n    DETAIL: {json_in_script(detail)},\n"
                  f"    TREE: [],\n    SERVICE_AREA_ID: 0\n}};\n</script>\n")
        written = d.written_date or d.pub[:10]
        table = ('<div class="classify"><table class="table-info"><tbody>\n'
                 f'<tr><td class="td-label">索引号：</td><td class="td-value">{esc(d.index_no or "")}</td>'
                 '<td class="td-label">分类：</td><td class="td-value"></td></tr>\n'
                 f'<tr><td class="td-label">发布机构：</td><td class="td-value">{esc(d.publisher or "")}</td>'
                 f'<td class="td-label">成文日期：</td><td class="td-value">{written}</td></tr>\n'
                 f'<tr><td class="td-label">名称：</td><td class="td-value" colspan="3">{esc(d.title)}</td></tr>\n'
                 f'<tr><td class="td-label">文号：</td><td class="td-value">{esc(d.doc_no or "")}</td>'
                 f'<td class="td-label">发布日期：</td><td class="td-value">{d.pub[:10]}</td></tr>\n'
                 '<tr><td class="td-label">主题词：</td><td class="td-value" colspan="3"></td></tr>\n</tbody></table></div>\n')
        att = ""
        if d.attachments:
            att = ('<div class="attachment"><p>附件：</p><ul>' + "".join(
                f'<li><a href="{apath}" target="_blank">{esc(name)}</a></li>' for apath, name, _ in d.attachments)
                + "</ul></div>\n")
        body = (f'<div class="gkml-nav"><a href="{self.prefix}/gkmlpt/index">政府信息公开</a> '
                f'<a href="{self.prefix}/gkmlpt/policy">规章库</a></div>\n'
                f'<div class="site-title">{esc(self.name)}政府信息公开</div>\n<div class="content-box">\n{table}'
                '<div class="tools">【<a href="javascript:window.print()">打印</a>】 【字体：<a>大</a> <a>中</a> <a>小</a>】</div>\n'
                f'<h1 class="content-title">{esc(d.title)}</h1>\n'
                f'<div class="date-row">发布日期：{d.pub[:10]}&nbsp;&nbsp;浏览次数：-</div>\n'
                f'<div class="article-content">{body_html(d.body)}</div>\n{att}</div>')
        return self._frame(d.title, body, script=script)

    def _nfcms_page(self, d: Doc) -> str:
        """An entry the list sends to the portal's NFCMS page: title, time and body, no 索引号 table."""
        a = d.meta
        metas = (f'<meta name="ArticleTitle" content="{attr(d.title)}">\n<meta name="PubDate" content="{d.pub}">\n'
                 f'<meta name="ContentSource" content="">\n<meta name="ArticleId" content="{a["id"]}">\n')
        script = f"<script>var NFCMS_SITE_ID = {self.sid}, NFCMS_POST_ID = {a['id']};</script>\n"
        body = (f'<div class="position">当前位置：<a href="{self.prefix}/">首页</a> &gt; <a href="{self.prefix}/zwgk/">政务公开</a>'
                f' &gt; 年度工作报告</div>\n<div class="news_cont_d_wrap">\n<h1 class="news_title">{esc(d.title)}</h1>\n'
                f'<div class="news_info">时间 : {d.pub}:00</div>\n<div class="news_cont_d">{body_html(d.body)}</div>\n</div>')
        return self._frame(f"{d.title}-{self.name}", body, metas=metas, script=script)


def build(spec: dict) -> Site:
    return Site(spec)
