"""Hanweb jcms and JPaaS outside Zhejiang (spiders/jcms.py, spiders/jpaas.py; replica portals in
govcrawl/replica/platforms/hanweb.py): the real Jiangsu column page, the list forms of PLATFORMS.md §3.2, and portals
nobody showed the spiders, crawled from a registry entry alone and from their home URL alone (``platform = "auto"``)."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import scrapy
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from govcrawl.crawl.registry import Portal
from spiders.auto import detect
from spiders.jcms import (
    JcmsSpider,
    jpage_units,
    own_column_articles,
    parse_xxgk_list,
    report_column_title,
    report_sub_columns,
    with_currpage,
    xxgk_module_urls,
)
from spiders.jpaas import JpaasSpider, parse_query_data, parse_unit_html
from tests.platforms import crawl_portals, mismatches

SAMPLES = Path(__file__).parent / "fixtures" / "platforms" / "hanweb"
JIANGSU = (SAMPLES / "hanweb_jcms_jiangsu_col284_datastore.html").read_text(encoding="utf-8")
JIANGSU_URL = "http://fzggw.jiangsu.gov.cn/col/col284/index.html"


def page(url: str, html: str) -> HtmlResponse:
    return HtmlResponse(url, body=html.encode("utf-8"), encoding="utf-8", request=scrapy.Request(url))


def spider_for(cls, url: str):
    portal = Portal("hw_test", "测试", "department", "测试省", cls.name, (url,))
    crawler = get_crawler(cls, settings_dict={"ROBOTSTXT_OBEY": True})
    return cls.from_crawler(crawler, portal=portal)


def requests_of(results) -> list[scrapy.Request]:
    out = list(results)
    assert all(isinstance(r, scrapy.Request) for r in out), out
    return out


# --- the real Jiangsu column page ------------------------------------------------------------------------------

def test_the_real_jiangsu_column_page():
    (unit,) = jpage_units(JIANGSU)
    assert unit.unitid == "423656"
    assert [e[0] for e in unit.entries] == ["/art/2026/8/28/art_284_11821965.html", "/art/2026/6/6/art_284_11781718.html"]
    assert unit.entries[0][1] == "江苏省成品油价格调整公告（2026年第16号）" and unit.entries[0][2] == "2026-08-28"
    # the call that shows the embedded store, not jpage_423656()'s placeholder totalRecord:1000
    assert (unit.per_page, unit.group_size, unit.total) == (10, 3, 138)
    assert unit.proxy_url == "/module/web/jpage/dataproxy.jsp"
    assert unit.nextgroup.startswith("/module/web/jpage/dataproxy.jsp?page=1&appid=1&appid=1&webid=3&path=/&columnid=284"
                                     "&unitid=423656&webname=%25E6")
    assert unit.ajax["unitid"] == "423656" and unit.ajax["webname"] == "江苏省发展和改革委员会"


def test_the_spider_on_the_jiangsu_page_asks_the_nextgroup_url_for_the_next_records():
    spider = spider_for(JcmsSpider, JIANGSU_URL)
    response = page(JIANGSU_URL, JIANGSU)
    assert spider.is_listing(response)
    out = requests_of(spider.parse(response))
    articles = [r.url for r in out if r.method == "GET"]
    assert articles == ["http://fzggw.jiangsu.gov.cn/art/2026/8/28/art_284_11821965.html",
                        "http://fzggw.jiangsu.gov.cn/art/2026/6/6/art_284_11781718.html"]
    (proxy,) = [r for r in out if r.method == "POST"]
    url = urlsplit(proxy.url)
    assert url.path == "/module/web/jpage/dataproxy.jsp"
    query = parse_qs(url.query)
    # the nextgroup link's own ids, and the window after the records the page embeds (a group: perPage x groupSize)
    assert query["columnid"] == ["284"] and query["unitid"] == ["423656"] and query["page"] == ["1"]
    assert (query["startrecord"], query["endrecord"], query["perpage"]) == (["3"], ["32"], ["10"])
    form = parse_qs(proxy.body.decode())
    assert form["unitid"] == ["423656"] and form["columnid"] == ["284"] and form["webname"] == ["江苏省发展和改革委员会"]
    assert proxy.cb_kwargs["paging"]["total"] == 138


def test_a_mobile_unit_repeating_the_records_is_neither_followed_nor_paged():
    # the sample's page carries a second (mobile) unit 427101 with the same records (its excerpt keeps the first)
    unit = re.search(r'<div id="423656">.*?</script>\s*</div>.*?</script>', JIANGSU, re.S).group(0)
    mobile = unit.replace("423656", "427101")
    html = JIANGSU.replace("</body>", f'<div class="mblist">{mobile}</div>\n</body>')
    assert [u.unitid for u in jpage_units(html)] == ["423656", "427101"]
    spider = spider_for(JcmsSpider, JIANGSU_URL)
    out = requests_of(spider.parse(page(JIANGSU_URL, html)))
    assert Counter(r.url for r in out if r.method == "GET") == {
        "http://fzggw.jiangsu.gov.cn/art/2026/8/28/art_284_11821965.html": 1,
        "http://fzggw.jiangsu.gov.cn/art/2026/6/6/art_284_11781718.html": 1}
    proxies = [r for r in out if r.method == "POST"]
    assert [parse_qs(urlsplit(r.url).query)["unitid"] for r in proxies] == [["423656"]]
    assert spider.crawler.stats.get_value("govcrawl/jcms_duplicate_units") == 1


def test_recognise_tells_jcms_from_jpaas_on_the_real_pages():
    platforms = {"jcms": JcmsSpider, "jpaas": JpaasSpider}
    assert detect(page(JIANGSU_URL, JIANGSU), platforms)[0] == "jcms"
    shell = (Path(__file__).parent / "fixtures" / "samples" / "zj_fzggw_col_main_jpaas_unitbuild.html").read_text()
    assert detect(page("http://fzggw.zj.gov.cn/col/col1229565788/index.html", shell), platforms)[0] == "jpaas"


# --- the other list forms ----------------------------------------------------------------------------------------

def dataproxy_answer(url: str, records: list[str], total: int) -> TextResponse:
    recs = "".join(f"<record><![CDATA[<li><a href='{h}' title='{h}'>{h}</a><span>2024-01-02</span></li>]]></record>" for h in records)
    xml = f"<datastore><totalrecord>{total}</totalrecord><nextgroup><![CDATA[]]></nextgroup><recordset>{recs}</recordset></datastore>"
    return TextResponse(url, body=xml.encode(), encoding="utf-8", request=scrapy.Request(url))


SHANDONG_COLUMN = """<html><head><meta name="ColumnName" content="政府信息公开年报"><title>海岱省人民政府 政府信息公开年报</title></head>
<body><ul class="nav"><li><a href="/art/2024/3/1/art_305000_1.html">要闻</a></li></ul>
<ul class="wip_col_list"><li><a href="/art/2024/1/20/art_305145_11.html" title="海岱省人民政府2023年政府信息公开工作年度报告">海岱省人民政府2023年政府信息公开工作年度报告</a><span>2024-01-20</span></li>
<li><a href="http://www.haidai.gov.cn/art/2023/1/18/art_305145_10.html?xxgkhide=1">海岱省人民政府2022年政府信息公开工作年度报告</a><span>2023-01-18</span></li></ul>
<div id="4711"></div><script>var param_4711 = {col:1,webid:410,columnid:305145,unitid:'4711'};
$(function(){$('#4711').jpage({totalRecord:1000,groupSize:1,proxyUrl:'/module/web/jpage/dataproxy.jsp',perPage:15,ajaxParam:param_4711});});</script>
</body></html>"""


def test_a_column_listing_its_own_articles_while_the_dataproxy_answers_empty():
    url = "http://www.haidai.gov.cn/col/col305145/index.html"
    response = page(url, SHANDONG_COLUMN)
    entries = own_column_articles(response)
    assert [(e[0], e[2]) for e in entries] == [("/art/2024/1/20/art_305145_11.html", "2024-01-20"),
                                               ("http://www.haidai.gov.cn/art/2023/1/18/art_305145_10.html?xxgkhide=1", "2023-01-18")]
    spider = spider_for(JcmsSpider, url)
    out = requests_of(spider.parse(response))
    assert [r.url for r in out if r.method == "GET"] == ["http://www.haidai.gov.cn/art/2024/1/20/art_305145_11.html",
                                                         "http://www.haidai.gov.cn/art/2023/1/18/art_305145_10.html?xxgkhide=1"]
    (proxy,) = [r for r in out if r.method == "POST"]  # the page claims 1000 records: the dataproxy is asked ...
    assert parse_qs(urlsplit(proxy.url).query)["startrecord"] == ["3"]
    assert parse_qs(proxy.body.decode())["unitid"] == ["4711"]
    # ... and answers empty: the end of the list, not a broken selector
    assert list(spider.parse_dataproxy(dataproxy_answer(proxy.url, [], 0), **proxy.cb_kwargs)) == []
    assert spider.crawler.stats.get_value("govcrawl/dataproxy_empty") == 1
    assert not spider.crawler.stats.get_value("govcrawl/empty_listing")


def test_an_empty_dataproxy_page_of_a_list_without_links_of_its_own_is_a_failure():
    spider = spider_for(JcmsSpider, JIANGSU_URL)
    (proxy,) = [r for r in spider.parse(page(JIANGSU_URL, JIANGSU)) if r.method == "POST"]
    assert list(spider.parse_dataproxy(dataproxy_answer(proxy.url, [], 0), **proxy.cb_kwargs)) == []
    assert spider.crawler.stats.get_value("govcrawl/empty_listing") == 1


def test_dataproxy_pages_follow_group_by_group():
    spider = spider_for(JcmsSpider, JIANGSU_URL)
    (proxy,) = [r for r in spider.parse(page(JIANGSU_URL, JIANGSU)) if r.method == "POST"]
    records = [f"/art/2026/1/{k}/art_284_{k}.html" for k in range(3, 33)]
    out = requests_of(spider.parse_dataproxy(dataproxy_answer(proxy.url, records, 138), **proxy.cb_kwargs))
    assert len([r for r in out if r.method == "GET"]) == 30
    (following,) = [r for r in out if r.method == "POST"]
    query = parse_qs(urlsplit(following.url).query)
    assert (query["startrecord"], query["endrecord"], query["unitid"]) == (["33"], ["62"], ["423656"])


# the xxgk module's list as public crawlers quote it: rows tr.tr_main_value_odd|even, <a mc= syh= rq=>, a header row,
# 共N页 in table.tb_title (Jiangxi, Huanggang, Yancheng crawlers; PLATFORMS.md §3.2)
XXGK_PAGE = """<html><body><table class="tb_main"><tr class="tr_main_title"><td>标题</td><td>发布机构</td><td>发布日期</td></tr>
<tr class="tr_main_value_odd"><td><a href="/art/2024/1/20/art_30513_1.html" target="_blank" title="东莱市人民政府2023年政府信息公开工作年度报告" mc="东莱市人民政府2023年政府信息公开工作年度报告" syh="11370600X/2024-00001" rq="2024-01-20" wh="">东莱市人民政府2023年…</a></td><td>东莱市人民政府办公室</td><td>2024-01-20</td></tr>
<tr class="tr_main_value_even"><td><a href="/art/2024/1/18/art_30516_2.html" title="东莱市财政局2023年政府信息公开工作年度报告">东莱市财政局2023年政府信息公开工作年度报告</a></td><td>东莱市财政局</td><td>[2024-01-18]</td></tr>
</table><table class="tb_title"><tr><td>共有记录23条&nbsp;&nbsp;第1页/共5页</td></tr></table></body></html>"""
XXGK_URL = ("http://www.donglai.gov.cn/module/xxgk/search_custom.jsp?fieldConfigId=247732&infotypeId=A0801&jdid=21"
            "&sortfield=compaltedate:0&fields=&fbtime=&vc_all=&currpage=1&binlay=&c_issuetime=&infoCount=5")


def test_the_xxgk_module_rows_and_pages():
    rows, pages = parse_xxgk_list(XXGK_PAGE)
    assert pages == 5
    assert rows[0] == ("/art/2024/1/20/art_30513_1.html", "东莱市人民政府2023年政府信息公开工作年度报告", "2024-01-20",
                       {"index_no": "11370600X/2024-00001", "publisher": "东莱市人民政府办公室"})
    assert rows[1][1:] == ("东莱市财政局2023年政府信息公开工作年度报告", "2024-01-18", {"publisher": "东莱市财政局"})
    assert with_currpage(XXGK_URL, 2) == XXGK_URL.replace("currpage=1", "currpage=2")
    assert with_currpage("http://a.gov.cn/module/xxgk/search.jsp?infotypeId=1", 3).endswith("infotypeId=1&currpage=3")
    shandong = ('<div class="wip_lists"><a href="http://www.shandong.gov.cn/art/2016/12/21/art_97741_53852.html?xxgkhide=1">'
                "\n\t\t\t 山东省人民政府办公厅关于印发山东省安全生产巡查工作制度的通知\n\t\t</a></div>")
    assert parse_xxgk_list(shandong)[0][0][:2] == ("http://www.shandong.gov.cn/art/2016/12/21/art_97741_53852.html?xxgkhide=1",
                                                  "山东省人民政府办公厅关于印发山东省安全生产巡查工作制度的通知")


def test_the_xxgk_module_is_paged_by_currpage_and_its_fields_go_with_each_article():
    column = page("http://www.donglai.gov.cn/col/col30512/index.html",
                  f'<html><body><iframe id="xxgkiframe" src="{XXGK_URL.replace("&", "&amp;")}"></iframe></body></html>')
    assert xxgk_module_urls(column) == [XXGK_URL]
    spider = spider_for(JcmsSpider, column.url)
    (module,) = requests_of(spider.parse(column))
    assert module.url == XXGK_URL
    out = requests_of(spider.parse_jcms_xxgk(page(XXGK_URL, XXGK_PAGE), **module.cb_kwargs))
    assert out[0].cb_kwargs["listing_meta"] == {"index_no": "11370600X/2024-00001", "publisher": "东莱市人民政府办公室"}
    assert out[-1].url == XXGK_URL.replace("currpage=1", "currpage=2") and out[-1].cb_kwargs == {"page": 2}
    last = XXGK_PAGE.replace("第1页/共5页", "第5页/共5页")
    assert [r.url for r in spider.parse_jcms_xxgk(page(out[-1].url, last), page=5)][-1].endswith("art_30516_2.html")
    assert list(spider.parse_jcms_xxgk(page(out[-1].url, "<html><body></body></html>"), page=6)) == []


def test_a_report_tree_of_year_columns_whose_pages_are_the_reports():
    tree = page("http://jtyst.jianghuai.gov.cn/col/col90210/index.html",
                '<html><head><meta name="ColumnName" content="政府信息公开年报"></head><body><ul>'
                '<li><a href="/col/col90231/index.html">2023年度报告</a></li><li><a href="/col/col90220/index.html">2022年度</a></li>'
                '<li><a href="/col/col90200/index.html">政府信息公开</a></li><li><a href="/col/col1/index.html">2023年工作要点</a></li>'
                "</ul></body></html>")
    assert report_sub_columns(tree) == [("http://jtyst.jianghuai.gov.cn/col/col90231/index.html", "2023年度报告"),
                                        ("http://jtyst.jianghuai.gov.cn/col/col90220/index.html", "2022年度")]
    assert report_column_title(tree) is None
    spider = spider_for(JcmsSpider, tree.url)
    out = requests_of(spider.parse(tree))
    assert [r.callback.__name__ for r in out] == ["parse_jcms_column", "parse_jcms_column"]
    spider.year_range = (2023, 2023)   # a backfill reads only the years it asks for
    assert [r.url for r in spider.parse(tree)] == ["http://jtyst.jianghuai.gov.cn/col/col90231/index.html"]
    spider.year_range = None
    report = page("http://jtyst.jianghuai.gov.cn/col/col90231/index.html",
                  '<html><head><meta name="ColumnName" content="2023年度报告"></head><body><h1>江淮省交通运输厅2023年政府信息公开工作年度报告</h1>'
                  "<p>一、总体情况</p></body></html>")
    assert report_column_title(report) == "2023年度报告"
    items = list(spider.parse_jcms_column(report, title="2023年度报告"))
    assert [type(i).__name__ for i in items] == ["PageItem"] and items[0].url == report.url
    # reached as a start page (not from its tree), it is read again as an article
    (again,) = requests_of(spider.parse(report))
    assert again.callback.__name__ == "parse_article" and again.url == report.url and again.dont_filter


# --- JPaaS with plain numbers ------------------------------------------------------------------------------------

def unit_answer(url: str, hrefs: list[str], pager: str = "") -> TextResponse:
    lis = "".join(f'<li class="cf border-line"><a class="fl" href="{h}" title="t{k}">t{k}</a><span class="fr">2024-01-0{k % 9 + 1}</span></li>'
                  for k, h in enumerate(hrefs))
    html = f'<div id="列表新闻"><div class="page-content"><ul class="ajax-ul">{lis}</ul></div></div>{pager}'
    return TextResponse(url, body=json.dumps({"success": True, "data": {"html": html}}).encode(), encoding="utf-8",
                        request=scrapy.Request(url))


def test_jpaas_numeric_ids_and_lists_without_a_pager():
    # hyj.yantai.gov.cn: webId=52, pageId=1638 (list_endpoints_observed.tsv), written as numbers
    query = parse_query_data("{'webId':52,'pageId':1638,'parseType':'bulidstatic','pageType':'column','tagId':'列表新闻'}")
    assert query["webId"] == "52" and query["pageId"] == "1638"
    url = "http://hyj.yantai.gov.cn/col/col1638/index.html"
    shell = page(url, '<script src="/cms_files/default/script/AuthorizedRead/unitbuild.js" webId="52" '
                      'url="/api-gateway/jpaas-publish-server/front/page/build/unit" '
                      "queryData=\"{'webId':52,'pageId':1638,'tagId':'列表新闻'}\"></script>")
    spider = spider_for(JpaasSpider, url)
    (first,) = requests_of(spider.parse(shell))
    assert parse_qs(urlsplit(first.url).query)["webId"] == ["52"]
    hrefs = [f"/col/col1638/art/2024/art_{k:032x}.html" for k in range(5)]
    entries, pager = parse_unit_html(json.loads(unit_answer(first.url, hrefs).text)["data"]["html"])
    assert [e[0] for e in entries] == hrefs and entries[0][2] == "2024-01-01" and pager == {}
    out = requests_of(spider.parse_unit(unit_answer(first.url, hrefs), **first.cb_kwargs))
    (following,) = [r for r in out if "build/unit" in r.url]
    assert json.loads(parse_qs(urlsplit(following.url).query)["paramJson"][0])["pageNo"] == 2
    # an empty page ends the list; a server repeating the page it gave stops it too
    assert list(spider.parse_unit(unit_answer(following.url, []), **following.cb_kwargs)) == []
    repeated = requests_of(spider.parse_unit(unit_answer(following.url, hrefs), **following.cb_kwargs))
    assert not [r for r in repeated if "build/unit" in r.url]


# --- the replica's portals: what each page tells auto ------------------------------------------------------------

HELD_OUT = [
    {   # jpage with the mobile unit first, ids as opaque blobs (NHSA/NRTA), perPage 2 x groupSize 3, attachments
        "platform": "hanweb", "cms": "jcms", "mode": "jpage", "slug": "ho_hw_jpage", "name": "云梦省水利厅",
        "level": "department", "region": "云梦省", "host": "slt.yunmeng.gov.cn", "unit": "省水利厅", "we": "我厅",
        "webid": 33, "colid": 7701, "xxgk_colid": 7650, "per_page": 2, "group_size": 3, "mobile": True,
        "mobile_first": True, "encrypted": True, "attachments": True, "years": list(range(2014, 2025)),
        "metadata": "table", "start": "xxgk",
    },
    {   # Shandong: the column renders its list, the jpage call claims 1000 records, the dataproxy answers empty
        "platform": "hanweb", "cms": "jcms", "mode": "static", "slug": "ho_hw_static", "name": "云梦省泽州市人民政府",
        "level": "city", "region": "云梦省泽州市", "host": "www.zezhou.gov.cn", "unit": "泽州市", "we": "我市",
        "webid": 88, "colid": 120455, "xxgk_colid": 120400, "total": 1000, "years": list(range(2016, 2025)),
        "metadata": "header", "start": "column",
    },
    {   # the xxgk module with ?xxgkhide=1 links: the articles print no 索引号 table, the list's row is all there is
        "platform": "hanweb", "cms": "jcms", "mode": "xxgk", "slug": "ho_hw_xxgk", "name": "云梦省泽州市云溪区人民政府",
        "level": "county", "region": "云梦省泽州市云溪区", "host": "www.yunxi.gov.cn", "unit": "云溪区", "we": "我区",
        "webid": 5, "colid": 55120, "xxgk_colid": 55100, "rows": 4, "field_config": 38195, "infotype": "A00025A00010",
        "xxgkhide": True, "years": [2021, 2022, 2023, 2024], "metadata": "table", "start": "column",
        "units": [["泽州市云溪区人民政府", "泽州市云溪区人民政府办公室"], ["泽州市云溪区卫生健康局", "泽州市云溪区卫生健康局"]],
    },
    {   # a report tree of year columns, the older years short lists
        "platform": "hanweb", "cms": "jcms", "mode": "column_report", "slug": "ho_hw_tree", "name": "云梦省生态环境厅",
        "level": "department", "region": "云梦省", "host": "sthjt.yunmeng.gov.cn", "unit": "省生态环境厅", "we": "我厅",
        "webid": 61, "colid": 81200, "xxgk_colid": 81150, "years": list(range(2017, 2025)), "list_years": [2017, 2018, 2019],
        "start": "xxgk",
    },
    {   # JPaaS with quoted plain-number ids, no pager table, pageSize capped at 3, attachments through the gateway
        "platform": "hanweb", "cms": "jpaas", "slug": "ho_hw_jpaas", "name": "泽州市自然资源和规划局",
        "level": "department", "region": "云梦省泽州市", "host": "zrzyghj.zezhou.gov.cn", "unit": "市自然资源和规划局",
        "we": "我局", "webid": 61, "colid": 2270, "xxgk_colid": 2250, "tag": "信息列表", "numeric_quoted": True,
        "pager": False, "max_page_size": 3, "attachments": True, "years": list(range(2018, 2025)), "start": "xxgk",
    },
]


def _replica_pages(specs):
    from govcrawl.replica.http import Request
    from govcrawl.replica.platforms import build

    for spec in specs:
        site = build(spec)
        for path in ("/", site.col_url(site.xxgk_colid), site.col_url(site.colid)):
            resp = site.respond(Request("GET", site.host, path, {}))
            assert resp.status == 200, (site.slug, path)
            yield site, path, resp.body.decode("utf-8")


@pytest.mark.parametrize("spec", [{**s, "platform": "hanweb"} for s in __import__(
    "govcrawl.replica.platforms.hanweb", fromlist=["SPECS"]).SPECS] + HELD_OUT, ids=lambda s: s["slug"])
def test_every_page_of_the_portals_is_recognised_as_its_platform(spec):
    from govcrawl.crawl.spiderloader import platform_spiders
    from scrapy.utils.project import get_project_settings

    platforms = platform_spiders(get_project_settings())
    for site, path, html in _replica_pages([spec]):
        name, evidence = detect(page(site.url(path), html), platforms)
        assert name == site.platform, (site.slug, path, evidence)


@pytest.mark.e2e
@pytest.mark.parametrize("auto", [False, True], ids=["registry entry", "home URL only (auto)"])
def test_portals_nobody_showed_the_spiders(tmp_path, auto):
    run = crawl_portals(tmp_path, HELD_OUT, auto=auto)
    assert run["result"].returncode == 0, run["result"].stdout[-2000:] + run["result"].stderr[-3000:]
    assert mismatches(run) == []
    assert len(run["rows"]) == len(run["gt"]["reports"]) >= 40
    for health in run["stats"]["portals"]:
        assert health["ok"], health
        if auto:
            spec = next(s for s in HELD_OUT if s["slug"] == health["portal"])
            assert health["platform_detected"] == spec["cms"], health
            assert health["column"], health
    for other in run["gt"]["non_reports"]:
        assert other["url"] in run["drops"]
    requests = run["requests"]
    # each record once: no article fetched twice, the mobile unit never paged
    got = Counter(url for method, url in requests if "/art/" in url)
    assert [u for u, n in got.items() if n > 1] == []
    proxies = [url for method, url in requests if "jpage/dataproxy.jsp" in url]
    # one of the two units is paged (the page's first: here the mobile one), with the ids its nextgroup wrote
    units = {parse_qs(urlsplit(u).query)["unitid"][0] for u in proxies if "slt.yunmeng" in u}
    assert len(units) == 1 and not units.pop().isdigit()
    assert any("www.zezhou.gov.cn" in u for u in proxies)  # the static column's empty dataproxy was asked, and survived
    assert [u for _, u in requests if "currpage=" in u and "www.yunxi.gov.cn" in u][-1:] != []
    with sqlite3.connect(run["db"].removeprefix("sqlite:///")) as con:
        # the xxgk list's 索引号 and 发布机构 reached the reports whose pages hide them, marked as the list's
        hidden = con.execute("select index_no, publisher, sources from reports where url like '%xxgkhide=1%'").fetchall()
        assert hidden and all(i and p and json.loads(s)["index_no"] == "listing" for i, p, s in hidden)
        # attachments reached through downfile.jsp's redirect belong to their report, not to downfile.jsp
        attached = con.execute("select url, report_url from attachments").fetchall()
    assert any("/attach/0/" in u and "/art/" in r for u, r in attached)
    assert any("jpaas-web-server" in u and "/art/" in r for u, r in attached)
