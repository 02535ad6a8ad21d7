"""Guangdong's gkmlpt (spiders/gkmlpt.py): the real samples' shapes (the annual-report page and its list API, the list
JSON's fields, content and attachment URLs, the real content pages' 8-field table), the spider's paging and list
metadata on the replica's answers, and portals nobody showed the spider, crawled from a registry entry alone and from
their home URL alone (``platform = "auto"``)."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from govcrawl.analysis.page import analyze_page
from govcrawl.crawl.items import PageItem
from govcrawl.crawl.registry import Portal
from govcrawl.crawl.spider import _is_attachment
from govcrawl.replica.http import Request as ReplicaRequest
from govcrawl.replica.platforms import build
from pipelines.metadata import fill_from_listing
from spiders.gkmlpt import (
    GkmlptSpider,
    api_url,
    article_entry,
    epoch_date,
    platform_base,
    read_config,
    report_categories,
)
from tests.platforms import crawl_portals, mismatches

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = (FIXTURES / "platforms" / "gkmlpt" / "guangdong_gkmlpt_fragments.md").read_text(encoding="utf-8")
REALPAGES = FIXTURES / "realpages" / "pages"


# --- the real samples -------------------------------------------------------------------------------------------

def test_the_real_annual_report_page_names_the_list_api_the_real_spider_called():
    # Cul_GD: "# url = 'http://whly.gd.gov.cn/gkmlpt/annualreport#2629'" then "url = '…/gkmlpt/api/all/2629?page=1&sid=175'"
    page = re.search(r"url = '(http://whly\.gd\.gov\.cn/gkmlpt/annualreport#(\d+))'", SAMPLE)
    api = re.search(r"url = '(http://whly\.gd\.gov\.cn/gkmlpt/api/all/\d+\?page=1&sid=(\d+))'", SAMPLE)
    assert page and api
    assert platform_base(page.group(1)) == "http://whly.gd.gov.cn"
    assert api_url(platform_base(page.group(1)), page.group(2), api.group(2), 1) == api.group(1)
    # on a city portal's subsite the platform lives under a folder
    assert platform_base("https://www.zhaoqing.gov.cn/zqrsj/gkmlpt/index") == "https://www.zhaoqing.gov.cn/zqrsj"
    assert platform_base("http://www.sz.gov.cn/cn/xxgk/content/mpost_12193340.html") is None


def test_the_real_content_and_attachment_urls():
    urls = re.findall(r"https?://[\w.-]+/gkmlpt/content/\d+/\d+/post_\d+\.html", SAMPLE)
    assert len(urls) == 3
    for url in urls:
        a, b, post = (int(x) for x in re.search(r"/content/(\d+)/(\d+)/post_(\d+)", url).groups())
        assert (a, b) == (post // 10 ** 6, post // 1000), url  # the shape the replica copies
        assert "gkmlpt content/…/post_N.html" in GkmlptSpider.recognise(url, "")
    att = re.search(r"`(https://amr\.sz\.gov\.cn/attachment/1/(\d+)/(\d+)/(\d+)\.pdf)`", SAMPLE)
    assert att and int(att.group(2)) == int(att.group(3)) // 1000 and _is_attachment(att.group(1))
    # the sample's NFCMS page of the Shenzhen portal is not a gkmlpt page
    assert "gkmlpt content/…/post_N.html" not in GkmlptSpider.recognise(
        "http://www.sz.gov.cn/cn/xxgk/zfxxgj/sldzc/szfld/lwp/jqhd/content/mpost_12193340.html", "")


def test_the_real_attachment_json_and_list_fields():
    raw = re.search(r"`(\{\"id\": 1658591.*?\})`", SAMPLE).group(1)
    attachment = json.loads(raw)
    # the list entry's fields as the sample names them, with the values of the real content page it describes
    for name in ("id", "title", "document_number", "publisher", "keywords", "date", "created_at", "display_publish_time",
                 "identifier", "url", "attachment"):
        assert f"`{name}`" in SAMPLE, name
    index_no = re.search(r"索引号 \((\d+/\d{4}-\d+)\)", SAMPLE).group(1)
    publisher = re.search(r"发布机构 \(([^)]+)\)", SAMPLE).group(1)
    written = re.search(r"成文日期 \((\d{4}-\d{2}-\d{2})\)", SAMPLE).group(1)
    published = re.search(r"发布日期 \((\d{4}-\d{2}-\d{2})\)", SAMPLE).group(1)
    beijing = timezone(timedelta(hours=8))

    def stamp(day: str, hour: int = 0) -> int:
        return int(datetime(*(int(x) for x in day.split("-")), hour, tzinfo=beijing).timestamp())

    article = {"id": 9103540, "title": "坪山区工作总结", "document_number": "", "publisher": publisher, "keywords": "工作总结",
               "date": stamp(written), "created_at": f"{published} 09:30:00", "display_publish_time": stamp(published, 9),
               "identifier": index_no, "url": "https://www.szpsq.gov.cn/gkmlpt/content/9/9103/post_9103540.html",
               "attachment": [attachment]}
    entry = article_entry(article, "http://www.szpsq.gov.cn/gkmlpt/api/all/20765?page=1&sid=755041")
    # gkmlpt sites serve HTTP only: the JSON's https:// links to the API's own host take its scheme
    assert entry["url"] == "http://www.szpsq.gov.cn/gkmlpt/content/9/9103/post_9103540.html"
    assert entry["listing_meta"] == {"index_no": "114403006955506492/2021-00426", "publisher": "深圳市坪山区人民政府",
                                     "written_date": "2021-09-02", "published_date": "2021-09-03"}
    assert entry["date"] == "2021-09-03" and entry["title"] == "坪山区工作总结"
    # an attachment on another host keeps its own scheme
    assert entry["attachments"] == ["https://www.sz.gov.cn/attachment/1/1658/1658591/12541123.docx"]


def test_the_real_content_pages_8_field_table():
    """Real gkmlpt content pages (tests/fixtures/realpages): www.gd.gov.cn's 2024 report (as copied by a web proxy)
    and a disclosure guide of ssl.dg.gov.cn: 索引号 / 发布机构 / 成文日期 / 发布日期 read from the table."""
    cases = [("junk_027.txt", "http://www.gd.gov.cn/gkmlpt/content/4/4688/post_4688997.html", "annual_report",
              ("006939748/2025-00084", "广东省人民政府", "2025-03-31", "2025-03-31")),
             ("south_009.txt", "http://ssl.dg.gov.cn/gkmlpt/content/4/4491/post_4491720.html", "other",
              ("114419005813893675/2026-00027", "东莞松山湖高新技术产业开发区管理委员会", "2026-01-22", "2026-01-22"))]
    for name, url, kind, (index_no, publisher, written, published) in cases:
        a = analyze_page((REALPAGES / name).read_bytes(), url=url, content_type="text/plain; charset=utf-8")
        assert a.kind == kind
        assert (a.index_no, a.publisher, a.written_date, a.published_date) == (index_no, publisher, written, published)
        assert {a.sources[f] for f in ("index_no", "publisher", "written_date")} == {"table"}


# --- the list metadata reaches the report ---------------------------------------------------------------------------

def test_list_metadata_fills_only_what_the_page_does_not_print():
    # the real province page prints its fields: a list that says otherwise does not change them
    a = analyze_page((REALPAGES / "junk_027.txt").read_bytes(),
                     url="http://www.gd.gov.cn/gkmlpt/content/4/4688/post_4688997.html", content_type="text/plain")
    record = {"index_no": a.index_no, "publisher": a.publisher, "written_date": a.written_date,
              "published_date": a.published_date, "doc_no": a.doc_no, "sources": dict(a.sources)}
    fill_from_listing(record, {"index_no": "006939748/2025-99999", "publisher": "广东省人民政府办公厅",
                               "written_date": "2025-03-30", "doc_no": "粤府办函〔2025〕1号"})
    assert (record["index_no"], record["publisher"], record["written_date"]) == \
        ("006939748/2025-00084", "广东省人民政府", "2025-03-31")
    assert record["doc_no"] == "粤府办函〔2025〕1号" and record["sources"]["doc_no"] == "listing"  # 文号 was empty
    # a real report page captured without its table (south_008): every field from the list
    b = analyze_page((REALPAGES / "south_008.txt").read_bytes(), url="http://fs-hitech.foshan.gov.cn/gkmlpt/content/6/"
                     "6251/post_6251491.html", content_type="text/plain")
    assert b.kind == "annual_report" and b.index_no is None and b.publisher is None
    record = {"index_no": None, "publisher": None, "written_date": None, "published_date": None, "doc_no": None,
              "sources": dict(b.sources)}
    meta = {"index_no": "11440600MB2D34567X/2025-00012", "publisher": "佛山高新技术产业开发区管理委员会",
            "written_date": "2025-01-20", "published_date": "2025-01-21"}
    fill_from_listing(record, meta)
    assert {k: record[k] for k in meta} == meta and all(record["sources"][k] == "listing" for k in meta)
    # a publisher the analysis only derived (from the reporting body) gives way to the list's 发布机构
    record = {"publisher": "海湾市滨江区人民政府", "written_date": "2024-02-26",
              "sources": {"publisher": "reporting_body", "written_date": "signature"}}
    fill_from_listing(record, {"publisher": "海湾市滨江区人民政府办公室", "written_date": "2024-02-26"})
    assert record["publisher"] == "海湾市滨江区人民政府办公室" and record["sources"]["publisher"] == "listing"


# --- the platform's config and tree ---------------------------------------------------------------------------------

TREE = [
    {"id": 101, "name": "政策文件", "children": [{"id": 102, "name": "规范性文件", "children": []}]},
    {"id": 103, "name": "统计年报", "children": []},
    {"id": 104, "name": "政府信息公开指南", "jump_url": "http://x.gov.cn/zwgk/xxgkzn/", "children": []},
    {"id": 2629, "name": "政府信息公开年报", "children": [
        {"id": 2630, "name": "2023年度", "children": []}, {"id": 2631, "name": "2022年度", "children": []},
        {"id": 2632, "name": "往年年报", "jump_url": "http://old.x.gov.cn/nb/", "children": []}]},
]


def test_config_and_report_categories():
    html = ("<script>\nwindow._CONFIG = {\n    SID: '755041',\n    TREE: " + json.dumps(TREE, ensure_ascii=False)
            + ",\n    SERVICE_AREA_ID: 0\n};\n</script>")
    sid, tree = read_config(html)
    assert sid == "755041" and tree == TREE
    assert read_config("<script>window._CONFIG = { SID: '2', TREE: [{'id': 1}], SERVICE_AREA_ID: 0 }</script>") == ("2", None)
    assert read_config("<script>var _CONFIG = {}</script>") is None
    # the 年报 node's leaves (not 统计年报, not a node that jumps elsewhere)
    assert report_categories(tree) == [(2630, "2023年度"), (2631, "2022年度")]
    # a page's #category wins, even one the tree does not show
    assert report_categories(tree, "102") == [(102, "规范性文件")]
    assert report_categories(tree, "5") == [(5, "")]
    assert report_categories([{"id": 7, "name": "年度报告", "children": []}]) == [(7, "年度报告")]


def test_epoch_dates_are_beijing_dates():
    beijing = timezone(timedelta(hours=8))
    midnight = int(datetime(2025, 3, 31, tzinfo=beijing).timestamp())  # 2025-03-30 16:00 UTC
    assert epoch_date(midnight) == "2025-03-31" and epoch_date(str(midnight)) == "2025-03-31"
    assert epoch_date(midnight * 1000) == "2025-03-31"
    assert epoch_date("2025-03-31 10:12:00") == "2025-03-31"
    assert epoch_date(0) is None and epoch_date("") is None and epoch_date(None) is None and epoch_date(True) is None


# --- the spider on the replica's answers ------------------------------------------------------------------------------

def _site(**over):
    spec = {"platform": "gkmlpt", "slug": "t_gk", "name": "岭南省测试局", "host": "t.lingnan.gov.cn", "sid": "9",
            "report_cat": 500, "cat_name": "年度报告", "per_page": 3, "years": list(range(2016, 2024)), **over}
    return build(spec)


def _answer(site, url: str) -> TextResponse:
    parts = url.split(site.host, 1)[1]
    resp = site.respond(ReplicaRequest("GET", site.host, parts, {}))
    cls = HtmlResponse if resp.content_type.startswith("text/html") else TextResponse
    return cls(url, status=resp.status, body=resp.body, headers={"Content-Type": resp.content_type}, encoding="utf-8",
               request=Request(url))


def _spider(site):
    crawler = get_crawler(GkmlptSpider)
    portal = Portal(site.slug, site.name, site.level, site.region, "gkmlpt", (site.start_url(),))
    spider = GkmlptSpider.from_crawler(crawler, portal=portal)
    return spider, crawler.stats


def _drain(spider, site, first) -> tuple[list, list]:
    """Follow the spider's list requests on the replica; (article requests, list URLs read)."""
    articles, lists, queue = [], [], list(first)
    while queue:
        out = queue.pop(0)
        if not isinstance(out, Request):
            continue
        if out.callback == spider.parse_article:
            articles.append(out)
            continue
        lists.append(out.url)
        response = _answer(site, out.url)
        response.request.meta.update(out.meta)
        queue += list(out.callback(response.replace(request=out), **out.cb_kwargs))
    return articles, lists


def test_pages_until_the_count_and_every_entry_carries_its_list_metadata():
    site = _site()
    spider, _ = _spider(site)
    shell = _answer(site, site.start_url())
    assert spider.is_listing(shell)
    articles, lists = _drain(spider, site, spider.parse_listing(shell))
    docs = site.docs()
    assert lists == [f"http://t.lingnan.gov.cn/gkmlpt/api/all/500?page={p}&sid=9" for p in range(1, 1 + -(-len(docs) // 3))]
    assert sorted(r.url for r in articles) == sorted(site.url(d.path) for d in docs)
    for r in articles:
        d = next(d for d in docs if site.url(d.path) == r.url)
        meta = r.cb_kwargs["listing_meta"]
        assert meta["index_no"] == d.index_no and meta["publisher"] == d.publisher
        assert meta["written_date"] == d.written_date and meta["published_date"] == d.pub[:10]
        assert r.cb_kwargs["listing_title"] == d.title


def test_a_single_page_list_ends_at_the_404_and_a_long_list_at_its_empty_page():
    # 单页全量模式: every article on page 1, 404 for page 2 (post_count counts more than the list shows)
    site = _site(paging="single", unlisted=4)
    spider, stats = _spider(site)
    articles, lists = _drain(spider, site, spider.parse_listing(_answer(site, site.start_url())))
    assert len(articles) == len(site.docs()) and lists[-1].endswith("page=2&sid=9")
    assert stats.get_value("govcrawl/gkmlpt_single_page_lists") == 1 and not stats.get_value("govcrawl/empty_listing")
    # pages of 3 with a count above what is listed: the list ends at the first empty page
    site = _site(unlisted=7)
    spider, stats = _spider(site)
    articles, lists = _drain(spider, site, spider.parse_listing(_answer(site, site.start_url())))
    pages = -(-len(site.docs()) // 3)
    assert len(articles) == len(site.docs()) and len(lists) == pages + 1
    assert json.loads(_answer(site, lists[-1]).text)["articles"] == [] and not stats.get_value("govcrawl/empty_listing")
    # page 0 is page 1 on the real platform: the replica too, and the spider never asks for it
    assert _answer(site, lists[0].replace("page=1", "page=0")).body == _answer(site, lists[0]).body
    assert not any("page=0" in u for u in lists)


def test_links_offsite_entries_and_listed_attachments():
    site = _site(links="protocol_relative", jump_entry=True, attachments=True, nfcms_years=[2018, 2020])
    spider, stats = _spider(site)
    articles, _ = _drain(spider, site, spider.parse_listing(_answer(site, site.start_url())))
    assert all(r.url.startswith("http://t.lingnan.gov.cn/") for r in articles)
    assert stats.get_value("govcrawl/gkmlpt_offsite_entries") == 1  # the WeChat jump is not followed
    # an NFCMS page does not link the attachment the list names: it is fetched all the same, for its report
    nfcms = next(r for r in articles if "/mpost_" in r.url and r.meta["gkmlpt_attachments"])
    page = _answer(site, nfcms.url)
    out = list(spider.parse_article(page.replace(request=nfcms), **nfcms.cb_kwargs))
    item = out[-1]
    assert isinstance(item, PageItem) and item.attachments == nfcms.meta["gkmlpt_attachments"]
    assert item.listing_meta == nfcms.cb_kwargs["listing_meta"] and item.listing_meta["index_no"]
    fetch = [r for r in out if isinstance(r, Request)]
    assert [r.url for r in fetch] == item.attachments and fetch[0].headers["Referer"] == nfcms.url.encode()


def test_broken_answers_fail_loudly():
    site = _site()
    spider, stats = _spider(site)
    api = "http://t.lingnan.gov.cn/gkmlpt/api/all/500?page=1&sid=9"
    bad = TextResponse(api, body=b"<html>502 Bad Gateway</html>", encoding="utf-8", request=Request(api))
    assert list(spider.parse_gkmlpt_api(bad, 500, "9", 1)) == []
    gone = TextResponse(api, status=404, body=b"", request=Request(api))
    assert list(spider.parse_gkmlpt_api(gone, 500, "9", 1)) == []
    assert stats.get_value("govcrawl/empty_listing") == 2
    shell = HtmlResponse("http://t.lingnan.gov.cn/gkmlpt/index", body="<script>window._CONFIG = {SID: '9', TREE: "
                         '[{"id": 1, "name": "机构职能"}], SERVICE_AREA_ID: 0}</script>'.encode(), encoding="utf-8")
    assert spider.is_listing(shell) and list(spider.parse_listing(shell)) == []
    assert stats.get_value("govcrawl/empty_listing") == 3


def test_a_list_that_ignores_its_page_parameter_ends_and_an_api_url_can_be_the_start():
    site = _site()
    spider, stats = _spider(site)
    page1 = _answer(site, "http://t.lingnan.gov.cn/gkmlpt/api/all/500?page=1&sid=9")
    first = next(r for r in spider.parse_gkmlpt_api(page1, 500, "9", 1) if r.callback == spider.parse_article)
    nxt = [r for r in spider.parse_gkmlpt_api(page1, 500, "9", 1) if r.callback == spider.parse_gkmlpt_api]
    assert [r.cb_kwargs["previous"] for r in nxt] == [first.url]
    # page 2 answered with page 1's articles: nothing followed twice, no page 3
    again = page1.replace(url=nxt[0].url)
    assert list(spider.parse_gkmlpt_api(again, 500, "9", 2, listed=3, previous=first.url)) == []
    assert stats.get_value("govcrawl/gkmlpt_repeated_pages") == 1
    # a registry entry naming the list API itself (page 0 is page 1: the next page asked is 2)
    page0 = _answer(site, "http://t.lingnan.gov.cn/gkmlpt/api/all/500?page=0&sid=9")
    assert spider.is_listing(page0)
    out = list(spider.parse_listing(page0))
    assert [r.url for r in out if r.callback == spider.parse_gkmlpt_api] == \
        ["http://t.lingnan.gov.cn/gkmlpt/api/all/500?page=2&sid=9"]
    assert len([r for r in out if r.callback == spider.parse_article]) == 3


def test_home_pages_lead_to_the_platform():
    site = _site(home_links_report=True)
    home = _answer(site, site.home_url())
    assert GkmlptSpider.recognise(home.url, home.text) == ["/gkmlpt/ pages"]
    assert GkmlptSpider.platform_column_links(home) == ["http://t.lingnan.gov.cn/gkmlpt/annualreport#500",
                                                        "http://t.lingnan.gov.cn/gkmlpt/index"]
    index = _answer(site, "http://t.lingnan.gov.cn/gkmlpt/index")
    assert GkmlptSpider.platform_column_links(index) == ["http://t.lingnan.gov.cn/gkmlpt/annualreport#500"]
    content = _answer(site, site.url(site.docs()[0].path))
    assert not GkmlptSpider(portal=_spider(site)[0].portal).is_listing(content)


# --- portals nobody showed the spider ---------------------------------------------------------------------------------

HELD_OUT = [
    {   # a province: small pages, https:// links on an HTTP-only site, attachments, a jump entry off the site
        "platform": "gkmlpt", "slug": "ho_gk_province", "name": "岭北省人民政府", "level": "province", "region": "岭北省",
        "host": "www.lingbei.gov.cn", "unit": "省政府", "we": "省政府", "sid": "2", "report_cat": 5120,
        "cat_name": "政府信息公开工作年度报告", "per_page": 2, "link_scheme": "https", "attachments": True, "jump_entry": True,
        "years": list(range(2014, 2025)), "org_code": "006939801", "start": "annualreport",
    },
    {   # a county's subsite under a folder: the report node holds per-year categories, the count above what is
        # listed, home page links 年度报告 to the annual-report page
        "platform": "gkmlpt", "slug": "ho_gk_years", "name": "岭北省云岭县人民政府", "level": "county",
        "region": "岭北省云岭县", "host": "www.yunling.gov.cn", "prefix": "/ylxzf", "unit": "云岭县", "we": "我县",
        "sid": "753088", "report_cat": 3301, "cat_name": "政府信息公开年报", "tree": "years", "per_page": 1,
        "unlisted": 2, "home_links_report": True, "years": [2019, 2020, 2021, 2022, 2023, 2024],
        "org_code": "11441523007172215X", "start": "home",
    },
    {   # a city bureau: 单页全量模式, protocol-relative links, NFCMS pages whose 索引号/发布机构/成文日期/文号 only the
        # list gives, the government office as 发布机构
        "platform": "gkmlpt", "slug": "ho_gk_nfcms", "name": "岭北省江城市交通运输局", "level": "department",
        "region": "岭北省江城市", "host": "jtj.jiangcheng.gov.cn", "unit": "市交通运输局", "we": "我局", "sid": "751023",
        "report_cat": 877, "cat_name": "年度报告", "paging": "single", "unlisted": 3, "links": "protocol_relative",
        "publisher": "岭北省江城市交通运输局办公室", "nfcms_years": [2017, 2019, 2020, 2022, 2024],
        "doc_no_years": [2020, 2024], "doc_no_prefix": "江交函", "attachments": True,
        "years": list(range(2016, 2025)), "org_code": "11440700MB2A71234K", "start": "index",
    },
]


@pytest.mark.e2e
@pytest.mark.parametrize("auto", [False, True], ids=["registry entry", "home URL only (auto)"])
def test_portals_nobody_showed_the_spider(tmp_path, auto):
    run = crawl_portals(tmp_path, HELD_OUT, auto=auto)
    assert run["result"].returncode == 0, run["result"].stdout[-2000:] + run["result"].stderr[-3000:]
    assert mismatches(run) == []
    assert len(run["rows"]) == len(run["gt"]["reports"]) >= 25
    for health in run["stats"]["portals"]:
        assert health["ok"], health
        if auto:
            assert health["platform_detected"] == "gkmlpt" and "/gkmlpt/" in health["column"], health
    for other in run["gt"]["non_reports"]:
        assert other["url"] in run["drops"]
    # the fields only the list gives reached the NFCMS pages' reports, recorded as coming from the list
    db = sqlite3.connect(tmp_path / f"{'auto' if auto else 'named'}.sqlite3")
    listed = {url: json.loads(src) for url, src in db.execute("select url, sources from reports where url like '%/mpost_%'")}
    assert len(listed) == 5
    assert all(s["index_no"] == "listing" and s["publisher"] == "listing" for s in listed.values())
    # every attachment the lists name was fetched, NFCMS pages' included
    fetched = {u for (u,) in db.execute("select url from attachments")}
    expected = {build(s).url(p) for s in HELD_OUT for d in build(s).docs() for p, _, _ in d.attachments}
    assert expected and expected <= fetched
