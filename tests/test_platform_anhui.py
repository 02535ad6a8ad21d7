"""Anhui's unified 政务公开 platform (spiders/anhui.py): the URL forms of the real samples (list endpoints, annual-report
URLs), the geo-fence reported as a block, and portals nobody showed the spider, crawled from a registry entry alone and
from their home URL alone (``platform = "auto"``, the site search as the last resort)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from govcrawl.crawl.middlewares import looks_blocked
from govcrawl.crawl.runner import portal_health
from spiders.anhui import (
    ARTICLE_HREF_RE,
    AnhuiSpider,
    category,
    fragment_entries,
    list_label,
    page_count,
    search_results,
    with_page,
)
from tests.platforms import crawl_portals, mismatches

SAMPLES = Path(__file__).parent / "fixtures" / "platforms" / "anhui"


def rows(name: str) -> list[list[str]]:
    lines = (SAMPLES / name).read_text(encoding="utf-8").splitlines()
    return [r for r in csv.reader((line for line in lines if line and not line.startswith("#")), delimiter="\t")]


def endpoint(kind: str) -> tuple[str, str, list[str]]:
    """The Anhui row of list_endpoints_observed.tsv of this kind: (URL template, paging, example hosts)."""
    row = next(r for r in rows("list_endpoints_observed.tsv") if r[0].startswith("Anhui") and r[0].endswith(kind))
    return row[2], row[3], [h.strip() for h in row[4].split(",")]


def page(url: str, html: str) -> HtmlResponse:
    return HtmlResponse(url, body=html.encode("utf-8"), encoding="utf-8", request=Request(url))


def test_the_list_endpoint_of_the_samples():
    template, paging, hosts = endpoint("platform")
    assert "www.ah.gov.cn" in hosts and "mpa.ah.gov.cn" in hosts
    # the parameters elided in the sample, as mpa.ah.gov.cn's column (PLATFORMS.md §3.5) has them
    label = template.replace("siteId=…", "siteId=10914581").replace("organId=…", "organId=4140867").replace(
        "catId=…", "catId=11908678")
    first = "https://mpa.ah.gov.cn" + label.replace("{n}", "1")
    third = with_page(first, 3)
    assert dict(parse_qsl(urlsplit(third).query))["pageIndex"] == "3"
    assert third.replace("pageIndex=3", "pageIndex=1") == first  # everything else as the site wrote it
    assert dict(parse_qsl(urlsplit(first).query))["file"] == "/xxgk/publicInfoList_newest2022"
    # the total: "pageCount:N" in the column page /public/column/<organId>?type=4&action=list&catId=…
    assert paging.startswith("pageIndex; total from \"pageCount:N\" in /public/column/<organId>?type=4&action=list&catId=")
    column_url = "https://mpa.ah.gov.cn/public/column/4140867?type=4&action=list&nav=&sub=&catId=11908678"
    html = (f'<a href="{column_url.replace("&", "&amp;")}">政府信息公开年报</a>'
            f'<script>var u = "{label.replace("{n}", "1")}"; x({{pageCount:7}});</script>')
    assert list_label(html, column_url) == first
    assert page_count(html) == 7 and category(column_url) == "11908678"
    assert AnhuiSpider.recognise(column_url, html) == ["/public/column/<organId> columns", "/site/label/8888 label API"]
    assert list_label(html.replace("publicInfoList", "searchDataList"), column_url) is None


def test_the_annual_report_urls_of_the_samples():
    anhui = [r[1] for r in rows("annual_report_urls_observed.tsv") if r[2].startswith("Anhui platform")]
    assert anhui == ["https://www.shucheng.gov.cn/public/content/37034572", "http://ahjx.gov.cn/XxgkAnnualReport/show/5712.html"]
    for url in anhui:
        assert ARTICLE_HREF_RE.search(f'<a href="{url}">'), url
        assert AnhuiSpider.recognise("http://x.gov.cn/", f'<li><a href="{url}" target="_blank">…</a></li>')
    others = [r[1] for r in rows("annual_report_urls_observed.tsv") if not r[2].startswith("Anhui platform")]
    assert not [u for u in others if ARTICLE_HREF_RE.search(f'<a href="{u}">') and "XxgkAnnualReport" not in u]
    assert AnhuiSpider.recognise("http://xxgk.ah.gov.cn/", '<a href="/UserData/DocHtml/731/2018/3/26/3618558579887.html">x</a>') == []


def test_the_site_search_asks_what_the_sample_asks():
    template, _, hosts = endpoint("search")
    expected = dict(parse_qsl(urlsplit(template).query, keep_blank_values=True))
    home = page(f"http://{hosts[0]}/", "<html><body><a href='/public/column/1?type=4'>政务公开</a></body></html>")
    req = AnhuiSpider.site_search_request(AnhuiSpider(portal=_portal(hosts[0])), home)
    asked = dict(parse_qsl(urlsplit(req.url).query))
    assert req.url.startswith(f"http://{hosts[0]}/site/label/8888?")
    assert {k: v for k, v in asked.items() if k not in ("pageIndex", "keywords")} == \
        {k: v for k, v in expected.items() if k not in ("pageIndex", "keywords")}
    assert asked["keywords"] == "年度报告" and asked["pageIndex"] == "1"
    # a site whose label API sits under a path prefix is searched there
    prefixed = page("http://www.ahqimen.gov.cn/zwgk/public/column/6615904?type=4&catId=6718734&action=list",
                    '<script>var u="/huangshanzwgk/zwgk/site/label/8888?IsAjax=1&labelName=publicInfoList&pageIndex=1";</script>')
    assert AnhuiSpider.site_search_request(AnhuiSpider(portal=_portal("www.ahqimen.gov.cn")), prefixed).url.startswith(
        "http://www.ahqimen.gov.cn/huangshanzwgk/zwgk/site/label/8888?labelName=searchDataList")


def test_search_answers_and_fragments():
    answer = {"data": {"data": [{"title": "某县2023年政府信息公开工作<em>年度报告</em>", "link": "https://www.x.gov.cn/public/content/5",
                                 "createDate": "2024-01-20 10:00:00"}, {"title": "no link"}], "pageCount": 3}}
    assert search_results(answer) == ([("https://www.x.gov.cn/public/content/5", "某县2023年政府信息公开工作年度报告", "2024-01-20")], 3)
    with pytest.raises(ValueError):
        search_results({"total": 0})
    frag = page("http://www.x.gov.cn/site/label/8888?IsAjax=1&labelName=publicInfoList&pageIndex=2",
                '<ul class="clearfix xxgk_nav_list"><li><a href="/public/content/7" target="_blank">某县2022年政府信息公开工作年度报告'
                '</a><span>2023-01-30</span></li><li><a href="/XxgkAnnualReport/show/5712.html" target="_blank">泾县年报</a>'
                '<span>2024-01-26</span></li></ul>')
    assert fragment_entries(frag) == [("/public/content/7", "某县2022年政府信息公开工作年度报告", "2023-01-30"),
                                      ("/XxgkAnnualReport/show/5712.html", "泾县年报", "2024-01-26")]
    assert fragment_entries(page(frag.url, "暂无相关信息")) == []


def test_the_annual_report_column_is_the_one_the_navigation_names():
    nav = ('<div class="xxgk_nav"><a href="/public/column/9?type=4&amp;action=list&amp;nav=&amp;sub=&amp;catId=100">法定主动公开内容</a>'
           '<a href="/public/column/9?type=4&amp;action=list&amp;nav=&amp;sub=&amp;catId=200">政府信息公开年报</a></div>'
           '<script>var u = "/site/label/8888?IsAjax=1&labelName=publicInfoList&catId={cat}&pageIndex=1"; y({{pageCount:2}});</script>')
    spider = AnhuiSpider(portal=_portal("www.x.gov.cn"))
    other = page("http://www.x.gov.cn/public/column/9?type=4&action=list&nav=&sub=&catId=100", nav.format(cat=100))
    column = page("http://www.x.gov.cn/public/column/9?catId=200&type=4&action=list", nav.format(cat=200))
    assert not spider.is_listing(other) and spider.is_listing(column)
    # a column page whose navigation names no 年报 column is taken as the column the registry gave
    assert spider.is_listing(page(other.url, nav.format(cat=100).replace("政府信息公开年报", "依申请公开")))


WZWS_403 = b"<html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1><p>WZWS</p><p>reason:GeoBL</p></body></html>"


def test_the_geo_fence_is_a_block_not_an_empty_portal():
    assert looks_blocked(403, WZWS_403) == "HTTP 403 geo-block (WZWS WAF, reason:GeoBL)"
    assert looks_blocked(403, b"<html><body>403 Forbidden</body></html>") is None  # a plain 403 is the page's answer
    stats = {"downloader/response_count": 2, "downloader/response_status_count/403": 2, "govcrawl/blocked": 2,
             "govcrawl/blocked_by/HTTP 403 geo-block (WZWS WAF, reason:GeoBL)": 2, "finish_reason": "finished"}
    health = portal_health("ah_x", stats)
    assert not health["ok"]
    assert health["problems"] == ["blocked by the site (2 anti-bot answers: HTTP 403 geo-block (WZWS WAF, reason:GeoBL) x2)"]
    # without the wall, the same emptiness is "no candidate page found"
    plain = portal_health("ah_x", {"downloader/response_count": 2, "downloader/response_status_count/200": 2})
    assert plain["problems"] == ["no candidate page found"]


def _portal(host: str):
    from govcrawl.crawl.registry import Portal

    return Portal(slug="ah_x", name="某县人民政府", level="county", region="安徽省", platform="anhui",
                  start_urls=(f"http://{host}/",))


# --- portals nobody showed the spider -------------------------------------------------------------------

HELD_OUT = [
    {   # a city bureau under a path prefix (/zwgk/public/…, /zwgk/site/label/8888), articles /public/<organId>/<id>.html,
        # three rows a page, found from its 信息公开 home
        "platform": "anhui", "slug": "ho_ah_prefix", "name": "淮江省临淮市生态环境局", "level": "department",
        "region": "淮江省临淮市", "host": "sthjj.linhuai.gov.cn", "unit": "市生态环境局", "we": "我局", "organ": 731,
        "cat": 61410617, "site_id": 4704187, "file": "/xsxxgk/publicInfoList-xs", "page_size": 3, "prefix": "/zwgk",
        "articles": "organ", "years": [2018, 2019, 2020, 2021, 2022, 2023, 2024], "start": "xxgk",
    },
    {   # a county whose navigation names no 年报 column (the registry gives it; auto finds it by the site search), reports
        # in the XxgkAnnualReport module, 来源 shorter than the name, 15 rows a page over 17 years
        "platform": "anhui", "slug": "ho_ah_search", "name": "淮江省龙泉县人民政府", "level": "county",
        "region": "淮江省龙泉县", "host": "www.ahlongquan.gov.cn", "unit": "龙泉县", "we": "我县", "organ": 6626171,
        "cat": 160330211, "site_id": 6795677, "file": "/c1/lq/publicInfoList_new2022", "page_size": 15, "module": True,
        "source": "龙泉县人民政府", "years": list(range(2008, 2025)), "start": "column", "nav_report": False,
    },
    {   # a provincial department, two rows a page, /public/content/<id>
        "platform": "anhui", "slug": "ho_ah_dept", "name": "淮江省水利厅", "level": "department", "region": "淮江省",
        "host": "slt.huaijiang.gov.cn", "unit": "省水利厅", "we": "我厅", "organ": 21731, "cat": 32710533,
        "site_id": 6788749, "file": "/xxgk/publicInfoList_newest2020", "page_size": 2, "years": [2020, 2021, 2022, 2023, 2024],
        "start": "column",
    },
]


@pytest.mark.e2e
@pytest.mark.parametrize("auto", [False, True], ids=["registry entry", "home URL only (auto)"])
def test_portals_nobody_showed_the_spider(tmp_path, auto):
    run = crawl_portals(tmp_path, HELD_OUT, auto=auto)
    assert run["result"].returncode == 0, run["result"].stdout[-2000:] + run["result"].stderr[-3000:]
    assert mismatches(run) == []
    assert len(run["rows"]) == len(run["gt"]["reports"]) >= 25
    health = {h["portal"]: h for h in run["stats"]["portals"]}
    for h in health.values():
        assert h["ok"], h
        assert h["list_pages"] >= 2, h
        if auto:
            assert h["platform_detected"] == "anhui", h
    for other in run["gt"]["non_reports"]:
        assert other["url"] in run["drops"]
    stats = health["ho_ah_search"]["stats"]
    if auto:  # nothing names its column: the site search for 年度报告 found the reports
        assert stats.get("govcrawl/site_search_pages", 0) >= 2 and "searchDataList" in health["ho_ah_search"]["column"]
        assert "/site/label/8888" in health["ho_ah_prefix"]["detection"]
    else:
        assert not stats.get("govcrawl/site_search_pages")


@pytest.mark.e2e
def test_a_nightly_after_the_crawl_reads_the_first_fragment_again_and_adds_nothing(tmp_path):
    first = crawl_portals(tmp_path, HELD_OUT[:1])
    assert first["result"].returncode == 0, first["result"].stderr[-3000:]
    again = crawl_portals(tmp_path, HELD_OUT[:1], command="nightly")
    assert again["result"].returncode == 0, again["result"].stderr[-3000:]
    (health,) = again["stats"]["portals"]
    assert health["ok"] and health["new"] == 0 and health["changed"] == 0, health
    # the first fragment lists only known pages: none is asked (not due for a revisit the night after the crawl),
    # and paging stops there
    assert health["stats"].get("govcrawl/paging_stopped_known") == 1, health
    assert health["stats"].get("govcrawl/entries_known") == HELD_OUT[0]["page_size"], health
    assert health["revisit_due"] == health["revisit_checked"] == 0 and health["list_pages"] == 2, health
    assert sorted(r["url"] for r in again["rows"]) == sorted(r["url"] for r in first["rows"])


@pytest.mark.e2e
@pytest.mark.parametrize("auto", [False, True], ids=["registry entry", "home URL only (auto)"])
def test_a_geo_fenced_portal_fails_as_blocked(tmp_path, auto):
    spec = HELD_OUT[2]
    run = crawl_portals(tmp_path, [spec], auto=auto, faults={spec["host"]: "geo_block_403"})
    assert run["result"].returncode == 1
    (health,) = run["stats"]["portals"]
    assert not health["ok"] and health["reports"] == 0
    assert [p for p in health["problems"] if p.startswith("blocked by the site") and "reason:GeoBL" in p], health
    assert "no candidate page found" not in health["problems"], health
    assert f"FAILED portal {spec['slug']}: blocked by the site" in run["result"].stderr
    assert run["rows"] == []
    assert json.dumps(health["stats"]).count("geo-block") >= 1
