"""The replica's data model: portals, their articles, and the request router.

One compact list of report specs per portal, rendered through the templates in
``templates.py``. ``build_replica()`` builds everything once (cached);
``Replica.respond(request)`` is the single place where a response is produced
(fault modes and edits are applied around it, per server: ``faults.py``, ``server.py``).

Regenerate the committed ground truth with::

    python -m govcrawl.replica.sites --write-ground-truth
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from . import templates as T
from .portals_breadth import BREADTH
from .content import (cn_date, cn_year, jiedu_body, national_template_body, news_body, notice_body, old_style_body, rng_for,
                      seed000_body, seed001_body_tables, seed002_report, seed003_parts, seed004_lines, to_traditional,
                      work_plan_body)

GROUND_TRUTH_PATH = Path(__file__).with_name("ground_truth.json")
BREADTH_REGISTRY_PATH = Path(__file__).with_name("portals_breadth.toml")
YEARS = range(2014, 2025)
CST = timezone(timedelta(hours=8))
GATE_PREFIX = "/gate/big5/drc.hangzhou.gov.cn"
SEARCH_QUERY = "政府信息公开工作年度报告"


# =========================================================================== HTTP model
@dataclass
class Request:
    method: str
    host: str
    target: str  # path + "?" + query, as received (origin form)
    headers: dict  # lower-cased names
    body: bytes = b""

    @property
    def path(self) -> str:
        return urlsplit(self.target).path or "/"

    @property
    def query(self) -> str:
        return urlsplit(self.target).query

    @property
    def url(self) -> str:
        return f"http://{self.host}{self.target}"

    def params(self) -> dict:
        """Query string and (url-encoded) form body merged; first value of each field."""
        out: dict = {}
        sources = [self.query]
        if self.body:
            sources.append(self.body.decode("utf-8", "replace"))
        for src in sources:
            for k, v in parse_qs(src, keep_blank_values=True).items():
                out[k] = v[0]
        return out


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=UTF-8"
    headers: list = field(default_factory=list)  # extra (name, value)
    last_modified: datetime | None = None
    etag: str | None = None


def text_response(status: int, text: str, ctype="text/plain; charset=UTF-8") -> Response:
    return Response(status, text.encode("utf-8"), ctype)


def redirect(status: int, location: str) -> Response:
    body = f"<html><head><title>{status}</title></head><body><a href=\"{location}\">{location}</a></body></html>"
    return Response(status, body.encode(), "text/html; charset=UTF-8", [("Location", location)])


# =========================================================================== sites
@dataclass
class SiteCfg:
    key: str
    host: str
    name: str
    site_id: str
    icp: str
    gongan: str
    colid: str
    column_name: str
    xxgk_path: str
    cms: str  # jcms | jpaas | jslist
    level: str  # gov | dept
    unit: str  # name used in report texts
    we: str  # 我省 / 我委 / 我市
    publisher: str
    charset_label: str = "UTF-8"
    codec: str = "utf-8"
    webid: str = ""
    unitid: str = ""
    tplsetid: str = ""
    per_page: int = 5
    proxy_paths: tuple = ()
    footer_script: str = ""
    gzip: bool = False
    # registry data and the breadth portals' variations (the defaults: the first five portals' behaviour)
    reg_level: str = ""  # province | city | county | department
    region: str = ""
    parent: str = ""
    nav_text: str = "政府信息公开年报"  # the link text that leads to the column
    nested: bool = False  # the 政府信息公开 home links 法定主动公开内容, which links the column
    law_colid: str = ""
    quirk: str = ""  # repeat_page1 | jpaas_max10 | web_proxy_only
    start: str = "column"  # xxgk | column: what the registry's start_urls name
    nav_report_link: bool = True  # the top navigation of every page links the column
    sig: str = ""  # the signature under a government's report
    index_prefix: str = ""
    link_style: str = ""  # protocol_relative
    spec: dict | None = field(default=None, compare=False, repr=False)

    @property
    def xxgk_colid(self) -> int:
        return int(re.search(r"col(\d+)", self.xxgk_path).group(1))

    @property
    def column_url(self) -> str:
        return f"http://{self.host}/col/col{self.colid}/index.html"

    @property
    def xxgk_url(self) -> str:
        return f"http://{self.host}{self.xxgk_path}"


SITES = {
    "zj_gov": SiteCfg(
        key="zj_gov", host="www.zj.gov.cn", name="浙江省人民政府", site_id="3300000068",
        icp="浙ICP备05073733号", gongan="浙公网安备 33010602000016号", colid="1229019383",
        column_name="政府信息公开年报", xxgk_path="/col/col1229019364/index.html", cms="jcms", level="gov",
        unit="浙江省", we="我省", publisher="省政府办公厅", webid="3096", unitid="4411522",
        proxy_paths=("/module/jpage/dataproxy.jsp", "/module/web/jpage/dataproxy.jsp"), gzip=True),
    "zj_fzggw": SiteCfg(
        key="zj_fzggw", host="fzggw.zj.gov.cn", name="浙江省发展和改革委员会", site_id="3300000020",
        icp="浙ICP备05003416号", gongan="浙公网安备 33010602009978号", colid="1229123461",
        column_name="政府信息公开年度报告", xxgk_path="/col/col1229116363/index.html", cms="jpaas", level="dept",
        unit="浙江省发展和改革委员会", we="我委", publisher="浙江省发改委", webid="3185",
        tplsetid="o0YcVHHq5vWtr3uiCp4SY",
        footer_script="/cms_files/jcms1/web3185/site/script/0/1901171025027514.js"),
    "zhoushan": SiteCfg(
        key="zhoushan", host="www.zhoushan.gov.cn", name="舟山市人民政府", site_id="3309000001",
        icp="浙ICP备05007681号", gongan="浙公网安备 33090202000109号", colid="1229006557",
        column_name="政府信息公开年报", xxgk_path="/col/col1229006550/index.html", cms="jcms", level="gov",
        unit="舟山市", we="我市", publisher="市政府办公室", charset_label="gbk", codec="gb18030",
        webid="3314", unitid="4380211", per_page=4, proxy_paths=("/module/web/jpage/dataproxy.jsp",)),
    "hz_drc": SiteCfg(
        key="hz_drc", host="drc.hangzhou.gov.cn", name="杭州市发展和改革委员会", site_id="3301000019",
        icp="浙ICP备05016185号", gongan="浙公网安备 33010302000398号", colid="1693960",
        column_name="政府信息公开年度报告", xxgk_path="/col/col1693950/index.html", cms="jslist", level="dept",
        unit="杭州市发展和改革委员会", we="我委", publisher="市发改委"),
}


@dataclass
class Article:
    site: str
    path: str  # site-relative path served
    link: str  # href as it appears in the list (may be protocol-relative)
    url: str  # absolute URL recorded in the ground truth
    title: str
    pub: str  # "YYYY-MM-DD HH:MM"
    header: str  # date_source | pubdate | pubdate_source
    source: str
    content_source: str
    column_name: str
    body: list
    block: tuple | None = None
    is_report: bool = True
    report_year: int | None = None
    written_date: str | None = None
    kind: str = "other"
    note: str = ""
    traditional: bool = False  # ground-truth page is shown through the /gate/big5/ view
    statistics: dict | None = None  # stat_schema keys, for reports whose tables are HTML tables
    statistics_errors: list | None = None
    extra_gt: dict | None = None

    @property
    def index_no(self):
        return self.block[1]["index_no"] if self.block else None

    @property
    def publisher(self):
        return self.block[1]["publisher"] if self.block else self.source

    @property
    def doc_no(self):
        return (self.block[1].get("doc_no") or None) if self.block else None

    def gt(self) -> dict:
        out = {"url": self.url, "portal": self.site, "title": self.title, "report_year": self.report_year,
               "index_no": self.index_no, "publisher": self.publisher, "written_date": self.written_date,
               "published_date": self.pub[:10], "doc_no": self.doc_no}
        if self.statistics:
            out["statistics"] = self.statistics
        if self.statistics_errors:
            out["statistics_errors"] = self.statistics_errors
        out.update(self.extra_gt or {})
        return out


def _pub(r, year_after: int, level: str) -> str:
    month = 1 if level == "dept" else r.randint(1, 3)
    day = r.randint(8, 30 if month != 2 else 27)
    return f"{year_after}-{month:02d}-{day:02d} {r.randint(8, 17):02d}:{r.choice((0, 15, 25, 30, 40, 45)):02d}"


def _minus_days(pub: str, n: int) -> str:
    d = datetime.strptime(pub[:10], "%Y-%m-%d") - timedelta(days=n)
    return d.strftime("%Y-%m-%d")


def _sig(unit: str, ymd: str, chinese=False):
    y, m, d = (int(x) for x in ymd.split("-"))
    date = cn_date(y, m, d) if chinese else f"{y}年{m}月{d}日"
    return [("right", unit), ("right", date)]


class _Ids:
    def __init__(self, start):
        self.n = start

    def __call__(self):
        self.n += 1371
        return self.n


def _art_path(site: SiteCfg, pub: str, artid: int) -> str:
    y, m, d = (int(x) for x in pub[:10].split("-"))
    return f"/art/{y}/{m}/{d}/art_{site.colid}_{artid}.html"


def _mk(site: SiteCfg, pub: str, artid: int, title: str, **kw) -> Article:
    path = _art_path(site, pub, artid)
    link = path
    if site.link_style == "protocol_relative":
        link = f"//{site.host}{path}"
    if site.key == "zj_fzggw":
        if int(pub[:4]) >= 2021:
            h = hashlib.md5(title.encode()).hexdigest()
            path = link = f"/col/col{site.colid}/art/{pub[:4]}/art_{h}.html"
        else:
            link = f"//{site.host}{path}"
    url = f"http://{site.host}{path}"
    if site.key == "hz_drc":
        url = f"http://{site.host}{GATE_PREFIX}{path}"
        kw.setdefault("traditional", True)
    kw.setdefault("header", "pubdate_source")
    kw.setdefault("source", site.publisher)
    kw.setdefault("content_source", kw["source"])
    return Article(site=site.key, path=path, link=link, url=url, title=title, pub=pub,
                   column_name=site.column_name, **kw)


def _report(site: SiteCfg, year: int, ids, title: str | None = None, variant: str | None = None,
            html_tables=False, header=None, chinese_sig=False, doc_no="", extra_body=(), pub=None,
            blank_zeros=False, stat_error: tuple | None = None) -> Article:
    r = rng_for(site.key, year)
    pub = pub or _pub(r, year + 1, site.level)
    title = title or f"{site.name if site.level == 'dept' else site.unit}{year}年政府信息公开工作年度报告"
    written = _minus_days(pub, r.randint(1, 9))
    kind = "gov" if site.level == "gov" else "dept"
    stats: dict = {}
    if year >= 2019:
        body = national_template_body(site.unit, site.we, year, kind, r, html_tables, stats, blank_zeros, stat_error)
    else:
        body = old_style_body(site.unit, site.we, year, r)
    body = list(body) + list(extra_body)
    block = None
    if variant:
        seq = r.randint(10000, 99999)
        index_no = {
            "zj_gov": f"000014349/{year + 1}-{seq:05d}",
            "zj_fzggw": f"11330000002482031M/{year + 1}-{seq * 1000 + 183}",
            "zhoushan": f"001008003001/{year + 1}-{seq:05d}",
            "hz_drc": f"002489444/{year + 1}-{seq * 3 % 1000000:06d}",
        }.get(site.key) or f"{site.index_prefix}/{year + 1}-{seq:05d}"
        block = (variant, {"index_no": index_no, "publisher": site.publisher, "written_date": written,
                           "doc_no": doc_no, "category": "政府信息公开年报",
                           "date_label": "成文日期" if year % 2 else "生成日期"})
    sig_unit = site.sig or (site.name if site.level == "dept" else (
        site.name if site.key == "zhoushan" else "浙江省人民政府办公厅"))
    body += _sig(sig_unit, written, chinese_sig)
    art = _mk(site, pub, ids(), title, header=header or "pubdate_source", body=body, block=block,
              report_year=year, written_date=written)
    if html_tables and stats:
        art.statistics = stats
    return art


def _other(site: SiteCfg, ids, pub: str, title: str, body, note: str, block=None, source=None) -> Article:
    return _mk(site, pub, ids(), title, body=body, block=block, is_report=False, note=note,
               **({"source": source} if source else {}))


def build_articles() -> dict[str, list[Article]]:
    out: dict[str, list[Article]] = {}

    # ------------------------------------------------------------- zj_gov (jcms, UTF-8)
    s = SITES["zj_gov"]
    ids = _Ids(2287000)
    arts = []
    for y in YEARS:
        kw = {}
        if y <= 2016:
            kw["variant"] = "V4"
        elif y <= 2023:
            kw["variant"] = "V1"
        if y == 2019:
            kw["title"] = "2019年度浙江省政府信息公开工作报告"
        if y in (2021, 2023):
            kw["html_tables"] = True
        if y == 2018:
            kw["doc_no"] = "浙政办函〔2019〕12号"
        if y == 2022:
            kw["extra_body"] = [("raw", '<p style="text-indent: 2em;">附件：<a href="/module/download/downfile.jsp?'
                                        'classid=0&amp;filename=2201234.pdf" target="_blank">'
                                        '浙江省2022年政府信息公开工作年度报告(PDF版).pdf</a></p>')]
        a = _report(s, y, ids, **kw)
        if y == 2017:  # the report pasted into the spam shop page (seed 002)
            title, para = seed002_report()
            a.title = title
            a.body = [para] + a.body[-2:]
        if y == 2024:
            a.header = "pubdate_source"
            a.source = a.content_source = "省政府办公厅"
        arts.append(a)
    plan = seed004_lines()
    arts.append(_other(s, ids, "2021-05-18 16:30", "浙江省人民政府办公厅关于印发2021年浙江省政务公开工作要点的通知",
                       [l for l in plan if l.strip()], "work plan 浙政办发〔2021〕28号 (seed 004)",
                       block=("V1", {"index_no": "000014349/2021-00318", "publisher": "省政府办公厅",
                                     "written_date": "2021-05-12", "doc_no": "浙政办发〔2021〕28号",
                                     "category": "政务公开", "date_label": "成文日期"})))
    arts.append(_other(s, ids, "2020-12-14 10:00", "关于做好2020年政府信息公开工作年度报告编制工作的通知",
                       notice_body("浙江省人民政府办公厅", 2020), "notice about the annual reports"))
    arts.append(_other(s, ids, "2018-06-21 15:00", "全省政务公开工作推进会在杭召开",
                       news_body("省政府办公厅", "全省各级行政机关", 2018), "news"))
    arts.append(_other(s, ids, "2023-04-20 09:00", "2023年浙江省政务公开工作要点",
                       work_plan_body("全省", 2023), "work plan"))
    out[s.key] = arts

    # ------------------------------------------------------------- zj_fzggw (JPaaS)
    s = SITES["zj_fzggw"]
    ids = _Ids(2041000)
    arts = []
    for y in YEARS:
        kw = {}
        if y == 2020:
            lines = [l for l in seed000_body() if l.strip()]
            body_lines, sig = lines[:-2], lines[-2:]
            a = _mk(s, "2021-01-29 15:25", ids(), "浙江省发展和改革委员会2020年政府信息公开工作年度报告",
                    header="date_source", source="浙江省发展和改革委员会",
                    body=body_lines + [("right", sig[0]), ("right", sig[1])],
                    report_year=2020, written_date="2021-01-22", note="seed 000")
            arts.append(a)
            continue
        if 2017 <= y <= 2019:
            kw["variant"] = "V2"
        elif y >= 2021:
            kw["variant"] = "V1"
        else:
            kw["header"] = "date_source"
        if y == 2015:
            kw["title"] = "2015年度浙江省发展和改革委员会政府信息公开工作报告"
        if y == 2022:
            kw["html_tables"] = True
        if y == 2023:
            kw["doc_no"] = "浙发改办〔2024〕3号"
        a = _report(s, y, ids, **kw)
        if kw.get("header") == "date_source":
            a.source = a.content_source = "浙江省发展和改革委员会"
        arts.append(a)
    arts.append(_other(s, ids, "2022-04-12 10:30", "2022年浙江省发展和改革委员会政务公开工作要点",
                       work_plan_body("省发展改革委", 2022), "work plan"))
    arts.append(_other(s, ids, "2018-12-20 09:15", "关于做好2018年政府信息公开工作年度报告编制工作的通知",
                       notice_body("浙江省发展和改革委员会办公室", 2018), "notice about the annual reports"))
    arts.append(_other(s, ids, "2020-07-08 16:40", "省发展改革委召开政务公开工作推进会",
                       news_body("省发展改革委", "我委", 2020), "news"))
    out[s.key] = arts

    # ------------------------------------------------------------- zhoushan (jcms, GBK)
    s = SITES["zhoushan"]
    ids = _Ids(3588000)
    arts = []
    for y in YEARS:
        kw = {}
        if y == 2020:
            body, stats = seed001_body_tables()
            a = _mk(s, "2021-01-28 16:02", ids(), "舟山市人民政府政府信息公开工作年度报告(2020年度)",
                    header="pubdate", source="舟山市人民政府办公室", body=body,
                    report_year=2020, written_date=None, note="seed 001")
            a.statistics = stats
            arts.append(a)
            continue
        if y >= 2021:
            kw["title"] = f"舟山市人民政府政府信息公开工作年度报告({y}年度)"
            kw["variant"] = "V2"
        elif y == 2016:
            kw["title"] = "舟山市人民政府二〇一六年政府信息公开工作年度报告"
            kw["chinese_sig"] = True
        else:
            kw["variant"] = "V4"
        if y in (2019, 2022):
            kw["html_tables"] = True
        if y == 2019:
            kw["doc_no"] = "舟政办发〔2020〕9号"
        a = _report(s, y, ids, **kw)
        if y == 2016:
            a.source = a.content_source = "舟山市人民政府办公室"
        arts.append(a)
    arts.append(_other(s, ids, "2021-04-26 15:20", "舟山市2021年政务公开工作要点",
                       work_plan_body("全市", 2021), "work plan"))
    arts.append(_other(s, ids, "2019-12-16 11:00", "关于做好2019年政府信息公开工作年度报告编制工作的通知",
                       notice_body("舟山市人民政府办公室", 2019), "notice about the annual reports"))
    arts.append(_other(s, ids, "2017-05-10 17:00", "我市召开政务公开工作推进会",
                       news_body("舟山市", "我市", 2017), "news"))
    out[s.key] = arts

    # ------------------------------------------------------------- hz_drc (JS list, big5 gate)
    s = SITES["hz_drc"]
    ids = _Ids(1547000)
    arts = []
    for y in YEARS:
        kw = {}
        if y == 2018:
            block, lines = seed003_parts()
            v = {"index_no": block["索引号"], "publisher": block["发布单位"], "written_date": block["成文日期"],
                 "doc_no": block["文号"], "open_mode": block["公开方式"], "category": block["主题分类"]}
            a = _mk(s, "2019-01-10 09:30", ids(), "杭州市发展和改革委员会2018年政务公开工作总结报告",
                    body=lines, block=("V3", v), report_year=2018, written_date=v["written_date"], note="seed 003")
            arts.append(a)
            continue
        if y >= 2016:
            kw["variant"] = "V3"
        if y == 2017:
            kw["title"] = "杭州市发展和改革委员会2017年政务公开工作总结报告"
        if y == 2022:
            kw["title"] = "2022年度杭州市发展和改革委员会政府信息公开工作报告"
        if y == 2023:
            kw["html_tables"] = True
        if y in (2019, 2021):
            kw["doc_no"] = f"杭发改办〔{y + 1}〕{y % 7 + 1}号"
        arts.append(_report(s, y, ids, **kw))
    arts.append(_other(s, ids, "2020-03-30 10:00", "杭州市发展和改革委员会2020年政务公开工作要点",
                       work_plan_body("市发改委", 2020), "work plan"))
    arts.append(_other(s, ids, "2021-12-17 14:30", "关于做好2021年政府信息公开工作年度报告编制工作的通知",
                       notice_body("杭州市发展和改革委员会办公室", 2021), "notice about the annual reports"))
    arts.append(_other(s, ids, "2016-09-05 09:00", "市发改委召开政务公开工作推进会",
                       news_body("市发改委", "我委", 2016), "news"))
    out[s.key] = arts

    for k in out:
        out[k].sort(key=lambda a: a.pub, reverse=True)
    for k, site in BREADTH_SITES.items():
        out[k] = build_site_articles(site)
    return out


# =========================================================================== breadth & held-out portals (generic)
ORIGINAL_KEYS = ("zj_gov", "zj_fzggw", "zhoushan", "hz_drc")
#: registry data of the first four portals (the breadth portals carry theirs in their SiteCfg)
ORIGINAL_META = {
    "zj_gov": {"level": "province", "region": "浙江省", "platform": "jcms"},
    "zj_fzggw": {"level": "department", "region": "浙江省", "platform": "jpaas", "parent": "zj_gov"},
    "zhoushan": {"level": "city", "region": "浙江省舟山市", "platform": "jcms"},
    "hz_drc": {"level": "department", "region": "浙江省杭州市", "platform": "generic", "parent": "hangzhou"},
}
#: where the breadth portals' registry entries live (None: appended to govcrawl/portals.toml)
BREADTH_REGISTRY = None


def _h(*key) -> int:
    return int(hashlib.sha1("|".join(map(str, key)).encode()).hexdigest()[:12], 16)


def make_site(d: dict) -> SiteCfg:
    """A SiteCfg from a breadth entry (portals_breadth.BREADTH) or a held-out spec (``heldout_spec``)."""
    h = _h(d["host"])
    dept = d.get("reg_level") == "department"
    platform = d.get("platform", "jcms")
    webid = str(d.get("webid") or 3000 + h % 900)
    quirk = d.get("quirk", "")
    proxy = (("/module/web/jpage/dataproxy.jsp",) if quirk == "web_proxy_only"
             else ("/module/jpage/dataproxy.jsp", "/module/web/jpage/dataproxy.jsp"))
    name = d["name"]
    org = f"{h % 10 ** 9:09d}"
    return SiteCfg(
        key=d["slug"], host=d["host"], name=name, site_id=str(d.get("site_id") or 3300000000 + h % 10 ** 6),
        icp=f"浙ICP备{h % 10 ** 8:08d}号", gongan=f"浙公网安备 3301{h % 10 ** 10:010d}号",
        colid=str(d["colid"]), column_name=d.get("column_name", "政府信息公开年报"),
        xxgk_path=f"/col/col{d['xxgk_colid']}/index.html", cms=platform, level="dept" if dept else "gov",
        unit=d.get("unit", name), we=d.get("we", "我委" if dept else "我市"), publisher=d.get("publisher", name),
        webid=webid, unitid=str(d.get("unitid") or 4000000 + h % 999999),
        tplsetid=(hashlib.md5(d["host"].encode()).hexdigest()[:21] if platform == "jpaas" else ""),
        per_page=int(d.get("per_page", 10)), proxy_paths=proxy if platform == "jcms" else (),
        footer_script=(f"/cms_files/jcms1/web{webid}/site/script/0/{h % 10 ** 16:016d}.js" if platform == "jpaas" else ""),
        reg_level=d.get("reg_level", "county"), region=d.get("region", ""), parent=d.get("parent", ""),
        nav_text=d.get("nav", "政府信息公开年报"), nested=bool(d.get("nested")),
        law_colid=str(d.get("law_colid") or int(d["xxgk_colid"]) + 7), quirk=quirk, start=d.get("start", "xxgk"),
        nav_report_link=False, sig=(name if dept else d.get("sig", name)),
        index_prefix=(f"11330000{org}X" if dept and platform == "jpaas" else org),
        link_style=d.get("link_style", ""), spec=d)


def _title(site: SiteCfg, style: str, y: int) -> str:
    return {
        "A": f"{site.unit}{y}年政府信息公开工作年度报告",
        "AN": f"{site.name}{y}年政府信息公开工作年度报告",
        "B": f"{site.name}政府信息公开工作年度报告({y}年度)",
        "BF": f"{site.name}政府信息公开工作年度报告（{y}年度）",
        "C": f"{y}年度{site.name}政府信息公开工作报告",
        "D": f"{site.name}{y}年政务公开工作总结报告",
        "E": f"{site.name}{cn_year(y)}年政府信息公开工作年度报告",
    }[style]


def _style(spec: str, y: int) -> str:
    """Title style plan "A 2016:E": the main style, and per-year overrides."""
    main, *over = spec.split()
    return dict(t.split(":") for t in over).get(str(y), main)


def _variant(spec: str, y: int) -> str | None:
    """Metadata-block plan "V4:2016 V1": V4 up to 2016, then V1 ("-" = no block)."""
    for t in spec.split():
        v, _, upto = t.partition(":")
        if not upto or y <= int(upto):
            return None if v == "-" else v
    return None


def build_site_articles(site: SiteCfg) -> list[Article]:
    """Reports and non-reports of a breadth (or held-out) portal, newest first."""
    d = site.spec
    first, last = d.get("years", (2016, 2024))
    missing = set(d.get("missing", ()))
    ids = _Ids(1000000 + _h(site.host, "ids") % 8000000)
    tables_from = d.get("tables", 2019)
    arts: list[Article] = []
    reports: dict[int, Article] = {}
    for y in range(first, last + 1):
        if y in missing:
            continue
        style = _style(d.get("titles", "A"), y)
        if style == "D" and y >= 2019:
            style = "A"
        kw: dict = {"title": _title(site, style, y), "variant": _variant(d.get("variants", "V1"), y),
                    "header": d.get("header", "pubdate_source"),
                    "chinese_sig": style == "E" or y in d.get("chinese_sig_years", ())}
        if tables_from and y >= max(tables_from, 2019) and y not in d.get("tables_skip", ()):
            kw["html_tables"] = True
            kw["blank_zeros"] = bool(d.get("blank_zeros"))
            if d.get("stat_error") == y:
                kw["stat_error"] = ("total_handled", "natural_person", 10)
        if y in d.get("doc_years", ()) and d.get("abbr"):
            kw["doc_no"] = f"{d['abbr']}〔{y + 1}〕{_h(site.host, y) % 60 + 1}号"
        a = _report(site, y, ids, **kw)
        a.source = a.content_source = site.publisher
        if kw.get("stat_error"):
            row, col, delta = kw["stat_error"]
            printed = a.statistics["applications"][row][col]
            a.statistics_errors = [{"table": "applications", "row": row, "column": col, "printed": printed,
                                    "expected": printed - delta, "violates": ["column_sum", "row_sum", "balance"]}]
        reports[y] = a
        arts.append(a)
    r = rng_for(site.key, "others")
    years = sorted(reports)
    for kind in d.get("others", ("plan", "news")):
        y = r.choice(years) if years else first
        if kind == "plan":
            pub = f"{y}-0{r.randint(3, 6)}-{r.randint(10, 28)} {r.randint(9, 17):02d}:00"
            arts.append(_other(site, ids, pub, f"{site.unit}{y}年政务公开工作要点",
                               work_plan_body(site.unit, y), "work plan"))
        elif kind == "notice":
            pub = f"{y}-12-{r.randint(5, 25):02d} 10:{r.randint(10, 59):02d}"
            arts.append(_other(site, ids, pub, f"关于做好{y}年政府信息公开工作年度报告编制工作的通知",
                               notice_body(site.publisher, y), "notice about the annual reports"))
        elif kind == "news":
            pub = f"{y}-0{r.randint(4, 9)}-{r.randint(10, 28)} 15:{r.randint(10, 59):02d}"
            arts.append(_other(site, ids, pub, f"{site.unit}召开政务公开工作推进会",
                               news_body(site.unit, site.we, y), "news"))
        elif kind == "jiedu" and years:
            ry = max([x for x in years if x >= 2019] or years)
            rep_art = reports[ry]
            t = (f"《{rep_art.title}》解读" if r.random() < 0.5 else f"图解：{site.unit}{ry}年政府信息公开工作年度报告")
            pub = (datetime.strptime(rep_art.pub, "%Y-%m-%d %H:%M") + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
            arts.append(_other(site, ids, pub, t, jiedu_body(site.unit, site.we, ry, r), "解读 of an annual report"))
    arts.sort(key=lambda a: a.pub, reverse=True)
    return arts


BREADTH_SITES = {d["slug"]: make_site(d) for d in BREADTH}
SITES.update(BREADTH_SITES)


def portal_gt(s: SiteCfg, start_url: str) -> dict:
    """A portal's entry in the ground truth: host, start URL and its registry data."""
    meta = ORIGINAL_META.get(s.key) or {"level": s.reg_level, "region": s.region, "platform": s.cms,
                                        **({"parent": s.parent} if s.parent else {})}
    out = {"host": s.host, "start_url": start_url, "name": s.name, **meta}
    if s.key not in ORIGINAL_KEYS:
        out["column_url"] = s.column_url
        if BREADTH_REGISTRY and s.key in BREADTH_SITES:
            out["registry"] = BREADTH_REGISTRY
    return out


def registry_entry(s: SiteCfg, start_url: str) -> str:
    """The portal's [[portal]] entry for a registry file (TOML)."""
    lines = ["[[portal]]", f'slug = "{s.key}"', f'name = "{s.name}"', f'level = "{s.reg_level}"',
             f'region = "{s.region}"', f'platform = "{s.cms}"']
    if s.parent:
        lines.append(f'parent = "{s.parent}"')
    if s.cms == "jpaas" and s.spec and s.spec.get("registry_page_size"):
        lines.append(f"page_size = {int(s.spec['registry_page_size'])}")
    lines.append(f'start_urls = ["{start_url}"]')
    return "\n".join(lines) + "\n"


def breadth_registry_toml() -> str:
    rep = build_replica()
    head = ("# Registry entries of the replica's breadth portals (govcrawl/replica/portals_breadth.py),\n"
            "# generated by `python -m govcrawl.replica.sites --write-ground-truth`; most start at the\n"
            "# portal's 政府信息公开 home, so their spiders must discover the annual-report column.\n")
    return head + "\n" + "\n".join(registry_entry(s, rep.start_urls[k]) for k, s in BREADTH_SITES.items())


# --------------------------------------------------------------------------- held-out portals
HELDOUT_KEYS = {"host", "name", "colid", "slug", "xxgk_colid", "years", "missing", "per_page", "nav", "nested",
                "column_name", "titles", "variants", "header", "tables", "blank_zeros", "quirk", "start",
                "publisher", "unit", "we", "reg_level", "level", "region", "parent", "others", "webid", "unitid",
                "reports_per_year"}


def heldout_spec(d: dict) -> dict:
    """A held-out jcms portal from a small spec: {host, name, colid} required; optional years=[first, last]
    (or reports_per_year={year: 1 or 0}), missing, per_page, nav, nested, start (xxgk | column), slug,
    level, region, xxgk_colid... Defaults make an ordinary county jcms portal."""
    unknown = set(d) - HELDOUT_KEYS
    if unknown:
        raise ValueError(f"replica: unknown held-out spec key(s) {sorted(unknown)}")
    for k in ("host", "name", "colid"):
        if not d.get(k):
            raise ValueError(f"replica: held-out spec needs {k!r}")
    out = dict(d)
    out.setdefault("slug", "x_" + re.sub(r"[^a-z0-9]+", "_", d["host"].lower().removeprefix("www.").split(".gov")[0]))
    out.setdefault("platform", "jcms")
    out["reg_level"] = d.get("level", d.get("reg_level", "county"))
    out.setdefault("region", "浙江省")
    out.setdefault("xxgk_colid", int(d["colid"]) - 23)
    if "reports_per_year" in d:
        ys = sorted(int(y) for y, n in d["reports_per_year"].items() if int(n))
        out["years"] = (ys[0], ys[-1])
        out["missing"] = tuple(y for y in range(ys[0], ys[-1] + 1) if y not in ys)
    out["years"] = tuple(out.get("years", (2018, 2024)))
    out["missing"] = tuple(out.get("missing", ()))
    out.setdefault("per_page", 5)
    out.setdefault("titles", "A 2018:C")
    out.setdefault("variants", "V1")
    out.setdefault("others", ("plan", "news"))
    out.setdefault("we", "我委" if out["reg_level"] == "department" else "我县")
    out.setdefault("unit", d["name"].replace("人民政府", ""))
    out.setdefault("publisher", d["name"] + ("办公室" if out["reg_level"] != "department" else ""))
    return out


def spec_key(specs) -> tuple:
    """Held-out specs as a hashable, canonical tuple (for ``build_replica``)."""
    return tuple(json.dumps(sp, ensure_ascii=False, sort_keys=True) for sp in specs)


def load_extra_specs(path: str | Path) -> list[dict]:
    """Held-out specs from a .toml ([[site]] tables) or .json (a list, or {"sites": [...]}) file."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    if p.suffix == ".toml":
        import tomllib

        data = tomllib.loads(text)
    else:
        data = json.loads(text)
    sites = data.get("site", data.get("sites", [])) if isinstance(data, dict) else data
    if not isinstance(sites, list) or not all(isinstance(x, dict) for x in sites):
        raise ValueError(f"{path}: expected a list of held-out portal specs ([[site]] in TOML)")
    return sites


def heldout_ground_truth(specs) -> dict:
    """The ground truth of held-out portals alone (same shape as ground_truth.json)."""
    specs = [specs] if isinstance(specs, dict) else list(specs)
    portals, reports, others = {}, [], []
    for sp in specs:
        site = make_site(heldout_spec(sp))
        start = site.xxgk_url if site.start == "xxgk" else site.column_url
        portals[site.key] = portal_gt(site, start)
        for a in build_site_articles(site):
            if a.is_report:
                reports.append(a.gt())
            else:
                others.append({"url": a.url, "portal": site.key, "kind": "other", "note": a.note})
    reports.sort(key=lambda r: (r["portal"], r["report_year"]))
    return {"portals": portals, "reports": reports, "non_reports": others}


def heldout_registry_toml(specs) -> str:
    """A registry file (TOML) naming the held-out portals, for ``--portals FILE`` / ``GOVCRAWL_PORTALS``."""
    specs = [specs] if isinstance(specs, dict) else list(specs)
    out = []
    for sp in specs:
        site = make_site(heldout_spec(sp))
        out.append(registry_entry(site, site.xxgk_url if site.start == "xxgk" else site.column_url))
    return "\n".join(out)


# =========================================================================== spam & search
@dataclass
class SpamPage:
    host: str
    path: str
    html: str
    note: str

    @property
    def url(self):
        return f"http://{self.host}{self.path}"


def build_spam(articles) -> list[SpamPage]:
    title, para = seed002_report()
    shop = SpamPage("www.hbsjtao.com", "/chanpin/huaweishoujitao/1024.html", T.shop_page("www.hbsjtao.com", title, para),
                    "shop product page (产品中心 > 华为手机套) carrying the provincial 2017 report (seed 002)")
    zs2020 = next(a for a in articles["zhoushan"] if a.report_year == 2020)
    gamble = [("http://www.88pj-casino.com/", "澳門葡京賭場"), ("http://www.bet365-zx.com/", "線上投注"),
              ("http://www.ag-yule.net/", "真人百家樂")]
    mirror = SpamPage(
        "www.zsgov-tw.com", "/www.zhoushan.gov.cn/art/2021/1/28/art_1229006557_3590123.html",
        T.mirror_page(to_traditional(zs2020.title), to_traditional("发布日期:2021-01-28"),
                      [to_traditional(l) for l in zs2020.body if isinstance(l, str)], gamble),
        "Traditional-converted mirror of the Zhoushan 2020 report on a non-government host, hidden gambling links")
    fz2019 = next(a for a in articles["zj_fzggw"] if a.report_year == 2019)
    doc = SpamPage("www.docin365.com", "/p-2019zjfgw.html",
                   T.doc_share_page(fz2019.title, [x for x in fz2019.body if isinstance(x, str)][:6]),
                   "document-sharing site copy (excerpt, paid download) of the fzggw 2019 report")
    return [shop, mirror, doc]


def build_search(articles, spam) -> list[tuple[str, str, str, str]]:
    """[(token, title, abstract, target_url)] in result order."""
    by = {k: {a.report_year: a for a in v if a.is_report} for k, v in articles.items()}
    news = {k: next(a for a in v if a.note == "news") for k, v in articles.items() if k in ORIGINAL_KEYS}
    picks = [by["zj_gov"][2020], spam[0], by["zj_fzggw"][2020], news["zj_gov"], by["zhoushan"][2020],
             spam[1], by["zj_gov"][2018], by["zj_fzggw"][2016], news["zhoushan"], by["zhoushan"][2019],
             spam[2], news["zj_fzggw"]]
    out = []
    for i, p in enumerate(picks):
        if isinstance(p, SpamPage):
            title = re.search(r"<title>(.*?)</title>", p.html).group(1)
            body = re.sub(r"(?s)<(script|style|div style=\"(?:position|display)[^\"]*\")[^>]*>.*?</(script|style|div)>", "", p.html)
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body.split("</h1>", 1)[-1])).strip()
            target, abstract = p.url, text[:80] + "..."
        else:
            title, target = p.title, p.url
            abstract = next((x for x in p.body if isinstance(x, str) and len(x) > 20), "")[:80] + "..."
        token = hashlib.sha1(f"{i}|{target}".encode()).hexdigest()[:20].upper() + "Kq_" + str(100 + i)
        out.append((token, title, abstract, target))
    return out


# =========================================================================== ground truth
def ground_truth_data() -> dict:
    rep = build_replica()
    portals = {k: portal_gt(s, rep.start_urls[k]) for k, s in SITES.items()}
    portals["web_search"] = {"host": "www.baidu.com", "start_url": rep.start_urls["web_search"], "level": "channel",
                             "region": "", "platform": "web_search"}
    reports, others = [], []
    for k, arts in rep.articles.items():
        for a in arts:
            if a.is_report:
                reports.append(a.gt())
            else:
                others.append({"url": a.url, "portal": k, "kind": "other", "note": a.note})
    for sp in rep.spam:
        others.append({"url": sp.url, "portal": None, "kind": "junk", "note": sp.note})
    reports.sort(key=lambda r: (r["portal"], r["report_year"]))
    return {"portals": portals, "reports": reports, "non_reports": others}


def ground_truth_json() -> str:
    return json.dumps(ground_truth_data(), ensure_ascii=False, indent=1) + "\n"


# =========================================================================== router
def _etag(body: bytes) -> str:
    return '"' + hashlib.md5(body).hexdigest()[:20] + '"'


def _lm(pub: str) -> datetime:
    return datetime.strptime(pub, "%Y-%m-%d %H:%M").replace(tzinfo=CST).astimezone(timezone.utc)


def _encode(text: str, codec: str) -> bytes:
    if codec == "utf-8":
        return text.encode("utf-8")
    check = "gbk" if codec == "gb18030" else codec
    try:
        text.encode(check)
    except UnicodeEncodeError:
        text = "".join(c if _enc_ok(c, check) else f"&#{ord(c)};" for c in text)
    return text.encode(codec, "xmlcharrefreplace")


@functools.lru_cache(maxsize=4096)
def _enc_ok(c, codec):
    try:
        c.encode(codec)
        return True
    except UnicodeEncodeError:
        return False


def make_pdf(title: str) -> bytes:
    """A small valid one-page PDF with a line of (ASCII) text and the title in its metadata."""
    import io

    try:
        from pypdf import PdfWriter

        from pypdf.generic import DecodedStreamObject, NameObject, DictionaryObject

        w = PdfWriter()
        pg = w.add_blank_page(width=595, height=842)
        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                                 NameObject("/BaseFont"): NameObject("/Helvetica")})
        pg[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): w._add_object(font)})})
        cs = DecodedStreamObject()
        cs.set_data(b"BT /F1 14 Tf 72 770 Td (Zhejiang 2022 government information disclosure annual report) Tj ET")
        pg[NameObject("/Contents")] = w._add_object(cs)
        w.add_metadata({"/Title": title, "/Producer": "govcrawl replica"})
        buf = io.BytesIO()
        w.write(buf)
        return buf.getvalue()
    except Exception:  # pragma: no cover - pypdf API drift
        from pypdf import PdfWriter

        w = PdfWriter()
        w.add_blank_page(width=595, height=842)
        buf = io.BytesIO()
        w.write(buf)
        return buf.getvalue()


class Replica:
    def __init__(self, extra_specs: tuple = ()):
        self.sites: dict[str, SiteCfg] = dict(SITES)
        self.articles = build_articles()
        self.extra_keys: list[str] = []
        for raw in extra_specs:
            site = make_site(heldout_spec(json.loads(raw) if isinstance(raw, str) else raw))
            if site.key in self.sites:
                raise ValueError(f"replica: extra site {site.key!r} already exists")
            self.sites[site.key] = site
            self.articles[site.key] = build_site_articles(site)
            self.extra_keys.append(site.key)
        self.spam = build_spam(self.articles)
        self.search = build_search(self.articles, self.spam)
        self.start_urls = {
            "zj_gov": "http://www.zj.gov.cn/col/col1229019383/index.html",
            "zj_fzggw": "http://fzggw.zj.gov.cn/col/col1229123461/index.html",
            "zhoushan": "http://www.zhoushan.gov.cn/col/col1229006557/index.html",
            "hz_drc": f"http://drc.hangzhou.gov.cn{GATE_PREFIX}/col/col1693960/index.html",
        }
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
                pg[f"/col/col{s.colid}/index.html"] = (T.js_list_page(s, entries), None, None)
            for a in arts:
                pg[a.path] = (T.article_page(s, a), None, a)
            pg["/robots.txt"] = ("User-agent: *\nDisallow: /module/search/\n", "text/plain; charset=UTF-8", None)
        zj = self.pages["www.zj.gov.cn"]
        self.pdf = make_pdf("浙江省2022年政府信息公开工作年度报告")
        for sp in self.spam:
            pg = self.pages.setdefault(sp.host, {})
            pg[sp.path] = (sp.html, "text/html; charset=utf-8", None)
            pg.setdefault("/", (f"<html><head><meta charset='utf-8'><title>{sp.host}</title></head><body>"
                                f"<a href='{sp.path}'>{sp.path}</a></body></html>", "text/html; charset=utf-8", None))
            pg.setdefault("/robots.txt", ("User-agent: *\nDisallow:\n", "text/plain; charset=UTF-8", None))
        self.pages.setdefault("www.baidu.com", {})["/robots.txt"] = (
            "User-agent: *\nDisallow: /module/search/\n", "text/plain; charset=UTF-8", None)
        self.hosts = sorted(self.pages)
        self._site_by_host = {s.host: s for s in self.sites.values()}
        self._items_by_host = {s.host: self.articles[k] for k, s in self.sites.items()}
        self._gate_cache: dict[str, tuple] = {}
        self._search_by_token = {t: url for t, _, _, url in self.search}
        self._host_lm = {s.host: _lm(max(a.pub for a in self.articles[k])) for k, s in self.sites.items()
                         if self.articles.get(k)}

    @staticmethod
    def _xxgk_pages(s: SiteCfg, pg: dict, col_path: str) -> None:
        """The 政府信息公开 home of a breadth portal, and its 法定主动公开内容 page; one of them links the column."""
        x, law = s.xxgk_colid, f"/col/col{s.law_colid}/index.html"
        links = [(f"/col/col{x + 1}/index.html", "政府信息公开指南"), (f"/col/col{x + 2}/index.html", "政府信息公开制度"),
                 (law, "法定主动公开内容"), (f"/col/col{x + 3}/index.html", "依申请公开")]
        if not s.nested:
            links.insert(_h(s.host, "pos") % 4 + 1, (col_path, s.nav_text))
        pg[s.xxgk_path] = (T.simple_page(s, "政府信息公开", links), None, None)
        lc = int(s.law_colid)
        law_links = [(f"/col/col{lc + 1}/index.html", "机构职能"), (f"/col/col{lc + 2}/index.html", "规范性文件"),
                     (f"/col/col{lc + 3}/index.html", "规划信息"), (f"/col/col{lc + 4}/index.html", "财政预决算")]
        if s.nested:
            law_links.insert(_h(s.host, "lawpos") % 4, (col_path, s.nav_text))
        pg[law] = (T.simple_page(s, "法定主动公开内容", law_links), None, None)

    # ------------------------------------------------------------------ helpers
    def _html(self, site: SiteCfg | None, text: str, status=200, ctype=None, art: Article | None = None,
              codec=None, charset=None) -> Response:
        codec = codec or (site.codec if site else "utf-8")
        charset = charset or (site.charset_label if site else "UTF-8")
        body = _encode(text, codec)
        resp = Response(status, body, ctype or f"text/html; charset={charset}")
        if art is not None:
            resp.last_modified = _lm(art.pub)
            resp.etag = _etag(body)
        return resp

    def not_found(self, host: str) -> Response:
        site = self._site_by_host.get(host)
        if site:
            return self._html(site, T.not_found(site), 404)
        return Response(404, b"<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1>"
                             b"<hr><center>nginx</center></body></html>", "text/html; charset=UTF-8")

    # ------------------------------------------------------------------ entry point
    def respond(self, req: Request) -> Response:
        """The single place where a response is produced (faults and edits: per server, in ``server.py``)."""
        if req.host not in self.pages:
            return text_response(502, f"replica: no such host {req.host}\n")
        resp = self._route(req)
        return resp if resp is not None else self.not_found(req.host)

    def _route(self, req: Request) -> Response | None:
        host, path = req.host, req.path
        site = self._site_by_host.get(host)
        if host == "www.baidu.com":
            return self._baidu(req)
        if site and site.key == "zj_gov":
            if path == "/col/col1229019000/index.html":
                return redirect(301, "http://www.zj.gov.cn/col/col1229019383/index.html")
            if path == "/module/download/downfile.jsp":
                if req.params().get("filename") == "2201234.pdf":
                    return Response(200, self.pdf, "application/pdf", [
                        ("Content-Disposition", 'attachment; filename="2201234.pdf"')],
                        last_modified=_lm("2023-02-20 10:00"), etag=_etag(self.pdf))
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
                resp.last_modified = self._host_lm.get(host) or _lm("2024-03-31 10:00")
            if not resp.etag:
                resp.etag = _etag(resp.body)
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
            return Response(200, _encode(xml, site.codec), f"text/xml; charset={site.charset_label}")
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
        return Response(200, _encode(xml, site.codec), f"text/xml; charset={site.charset_label}")

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
            src = src.replace(f'href="http://{site.host}/', f'href="http://{site.host}{GATE_PREFIX}/')
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
        return Article(site=s.key, path=path, link=path, url=f"http://{s.host}{path}",
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


def main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="govcrawl replica data")
    ap.add_argument("--write-ground-truth", action="store_true", help=f"write {GROUND_TRUTH_PATH}")
    args = ap.parse_args(argv)
    if args.write_ground_truth:
        GROUND_TRUTH_PATH.write_text(ground_truth_json(), encoding="utf-8")
        if BREADTH_REGISTRY:
            BREADTH_REGISTRY_PATH.write_text(breadth_registry_toml(), encoding="utf-8")
        gt = ground_truth_data()
        print(f"wrote {GROUND_TRUTH_PATH}: {len(gt['reports'])} reports, {len(gt['non_reports'])} non-reports")
    else:
        sys.stdout.write(ground_truth_json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
