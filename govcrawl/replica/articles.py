"""The Zhejiang portals modelled on the seeds and samples (jcms, JPaaS, a JavaScript-built list in a Big5 view),
and their articles: reports of every year in every title form, and the non-reports beside them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from govcrawl.replica.content import (
    cn_date,
    national_template_body,
    news_body,
    notice_body,
    old_style_body,
    rng_for,
    seed000_body,
    seed001_body_tables,
    seed002_report,
    seed003_parts,
    seed004_lines,
    work_plan_body,
)

GROUND_TRUTH_PATH = Path(__file__).with_name("ground_truth.json")
BREADTH_REGISTRY_PATH = Path(__file__).with_name("portals_breadth.toml")
YEARS = range(2014, 2025)
GATE_PREFIX = "/gate/big5/drc.hangzhou.gov.cn"
SEARCH_QUERY = "政府信息公开工作年度报告"


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
    scheme: str = "http"  # https: served through CONNECT, with the replica's certificates
    https_redirect: bool = False  # http requests are sent to https (301), as many real portals do
    spec: dict | None = field(default=None, compare=False, repr=False)

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.host}"

    @property
    def xxgk_colid(self) -> int:
        return int(re.search(r"col(\d+)", self.xxgk_path).group(1))

    @property
    def column_url(self) -> str:
        return f"{self.origin}/col/col{self.colid}/index.html"

    @property
    def xxgk_url(self) -> str:
        return f"{self.origin}{self.xxgk_path}"


SEED_SITES = {
    "zj_gov": SiteCfg(
        key="zj_gov", host="www.zj.gov.cn", name="浙江省人民政府", site_id="3300000068",
        icp="浙ICP备05073733号", gongan="浙公网安备 33010602000016号", colid="1229019383",
        column_name="政府信息公开年报", xxgk_path="/col/col1229019364/index.html", cms="jcms", level="gov",
        unit="浙江省", we="我省", publisher="省政府办公厅", webid="3096", unitid="4411522",
        proxy_paths=("/module/jpage/dataproxy.jsp", "/module/web/jpage/dataproxy.jsp"), gzip=True,
        scheme="https", https_redirect=True),
    "zj_fzggw": SiteCfg(
        key="zj_fzggw", host="fzggw.zj.gov.cn", name="浙江省发展和改革委员会", site_id="3300000020",
        icp="浙ICP备05003416号", gongan="浙公网安备 33010602009978号", colid="1229123461",
        column_name="政府信息公开年度报告", xxgk_path="/col/col1229116363/index.html", cms="jpaas", level="dept",
        unit="浙江省发展和改革委员会", we="我委", publisher="浙江省发改委", webid="3185",
        tplsetid="o0YcVHHq5vWtr3uiCp4SY",
        footer_script="/cms_files/jcms1/web3185/site/script/0/1901171025027514.js", scheme="https"),
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
        unit="杭州市发展和改革委员会", we="我委", publisher="市发改委", scheme="https"),
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


class IdSequence:
    def __init__(self, start):
        self.n = start

    def __call__(self):
        self.n += 1371
        return self.n


def _art_path(site: SiteCfg, pub: str, artid: int) -> str:
    y, m, d = (int(x) for x in pub[:10].split("-"))
    return f"/art/{y}/{m}/{d}/art_{site.colid}_{artid}.html"


def make_article(site: SiteCfg, pub: str, artid: int, title: str, **kw) -> Article:
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
    url = f"{site.origin}{path}"
    if site.key == "hz_drc":
        url = f"{site.origin}{GATE_PREFIX}{path}"
        kw.setdefault("traditional", True)
    kw.setdefault("header", "pubdate_source")
    kw.setdefault("source", site.publisher)
    kw.setdefault("content_source", kw["source"])
    return Article(site=site.key, path=path, link=link, url=url, title=title, pub=pub,
                   column_name=site.column_name, **kw)


def report_article(site: SiteCfg, year: int, ids, title: str | None = None, variant: str | None = None,
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
    art = make_article(site, pub, ids(), title, header=header or "pubdate_source", body=body, block=block,
              report_year=year, written_date=written)
    if html_tables and stats:
        art.statistics = stats
    return art


def other_article(site: SiteCfg, ids, pub: str, title: str, body, note: str, block=None, source=None) -> Article:
    return make_article(site, pub, ids(), title, body=body, block=block, is_report=False, note=note,
               **({"source": source} if source else {}))


def build_articles() -> dict[str, list[Article]]:
    out: dict[str, list[Article]] = {}

    # ------------------------------------------------------------- zj_gov (jcms, UTF-8)
    s = SEED_SITES["zj_gov"]
    ids = IdSequence(2287000)
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
        a = report_article(s, y, ids, **kw)
        if y == 2017:  # the report pasted into the spam shop page (seed 002)
            title, para = seed002_report()
            a.title = title
            a.body = [para] + a.body[-2:]
        if y == 2024:
            a.header = "pubdate_source"
            a.source = a.content_source = "省政府办公厅"
        arts.append(a)
    plan = seed004_lines()
    arts.append(other_article(s, ids, "2021-05-18 16:30", "浙江省人民政府办公厅关于印发2021年浙江省政务公开工作要点的通知",
                       [l for l in plan if l.strip()], "work plan 浙政办发〔2021〕28号 (seed 004)",
                       block=("V1", {"index_no": "000014349/2021-00318", "publisher": "省政府办公厅",
                                     "written_date": "2021-05-12", "doc_no": "浙政办发〔2021〕28号",
                                     "category": "政务公开", "date_label": "成文日期"})))
    arts.append(other_article(s, ids, "2020-12-14 10:00", "关于做好2020年政府信息公开工作年度报告编制工作的通知",
                       notice_body("浙江省人民政府办公厅", 2020), "notice about the annual reports"))
    arts.append(other_article(s, ids, "2018-06-21 15:00", "全省政务公开工作推进会在杭召开",
                       news_body("省政府办公厅", "全省各级行政机关", 2018), "news"))
    arts.append(other_article(s, ids, "2023-04-20 09:00", "2023年浙江省政务公开工作要点",
                       work_plan_body("全省", 2023), "work plan"))
    out[s.key] = arts

    # ------------------------------------------------------------- zj_fzggw (JPaaS)
    s = SEED_SITES["zj_fzggw"]
    ids = IdSequence(2041000)
    arts = []
    for y in YEARS:
        kw = {}
        if y == 2020:
            lines = [l for l in seed000_body() if l.strip()]
            body_lines, sig = lines[:-2], lines[-2:]
            a = make_article(s, "2021-01-29 15:25", ids(), "浙江省发展和改革委员会2020年政府信息公开工作年度报告",
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
        a = report_article(s, y, ids, **kw)
        if kw.get("header") == "date_source":
            a.source = a.content_source = "浙江省发展和改革委员会"
        arts.append(a)
    arts.append(other_article(s, ids, "2022-04-12 10:30", "2022年浙江省发展和改革委员会政务公开工作要点",
                       work_plan_body("省发展改革委", 2022), "work plan"))
    arts.append(other_article(s, ids, "2018-12-20 09:15", "关于做好2018年政府信息公开工作年度报告编制工作的通知",
                       notice_body("浙江省发展和改革委员会办公室", 2018), "notice about the annual reports"))
    arts.append(other_article(s, ids, "2020-07-08 16:40", "省发展改革委召开政务公开工作推进会",
                       news_body("省发展改革委", "我委", 2020), "news"))
    out[s.key] = arts

    # ------------------------------------------------------------- zhoushan (jcms, GBK)
    s = SEED_SITES["zhoushan"]
    ids = IdSequence(3588000)
    arts = []
    for y in YEARS:
        kw = {}
        if y == 2020:
            body, stats = seed001_body_tables()
            a = make_article(s, "2021-01-28 16:02", ids(), "舟山市人民政府政府信息公开工作年度报告(2020年度)",
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
        a = report_article(s, y, ids, **kw)
        if y == 2016:
            a.source = a.content_source = "舟山市人民政府办公室"
        arts.append(a)
    arts.append(other_article(s, ids, "2021-04-26 15:20", "舟山市2021年政务公开工作要点",
                       work_plan_body("全市", 2021), "work plan"))
    arts.append(other_article(s, ids, "2019-12-16 11:00", "关于做好2019年政府信息公开工作年度报告编制工作的通知",
                       notice_body("舟山市人民政府办公室", 2019), "notice about the annual reports"))
    arts.append(other_article(s, ids, "2017-05-10 17:00", "我市召开政务公开工作推进会",
                       news_body("舟山市", "我市", 2017), "news"))
    out[s.key] = arts

    # ------------------------------------------------------------- hz_drc (JS list, big5 gate)
    s = SEED_SITES["hz_drc"]
    ids = IdSequence(1547000)
    arts = []
    for y in YEARS:
        kw = {}
        if y == 2018:
            block, lines = seed003_parts()
            v = {"index_no": block["索引号"], "publisher": block["发布单位"], "written_date": block["成文日期"],
                 "doc_no": block["文号"], "open_mode": block["公开方式"], "category": block["主题分类"]}
            a = make_article(s, "2019-01-10 09:30", ids(), "杭州市发展和改革委员会2018年政务公开工作总结报告",
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
        arts.append(report_article(s, y, ids, **kw))
    arts.append(other_article(s, ids, "2020-03-30 10:00", "杭州市发展和改革委员会2020年政务公开工作要点",
                       work_plan_body("市发改委", 2020), "work plan"))
    arts.append(other_article(s, ids, "2021-12-17 14:30", "关于做好2021年政府信息公开工作年度报告编制工作的通知",
                       notice_body("杭州市发展和改革委员会办公室", 2021), "notice about the annual reports"))
    arts.append(other_article(s, ids, "2016-09-05 09:00", "市发改委召开政务公开工作推进会",
                       news_body("市发改委", "我委", 2016), "news"))
    out[s.key] = arts

    for k in out:
        out[k].sort(key=lambda a: a.pub, reverse=True)
    return out


