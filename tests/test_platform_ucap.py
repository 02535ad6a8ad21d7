"""The "Ucap" family (spiders/ucap.py): the real samples (gov.cn's metadata table and UCAP-CONTENT body, the
es-search loader, the observed list endpoints), and portals nobody showed the spider, crawled from a registry entry
alone and from their home URL alone (``platform = "auto"``)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from urllib.parse import urljoin

import pytest
import scrapy
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from govcrawl.analysis.page import analyze_page
from govcrawl.crawl.registry import Portal
from pipelines.metadata import fill_from_listing
from spiders.trs import TrsSpider
from spiders.ucap import UcapSpider, channel_meta, json_entries, listing_meta, literal_list, variable_list
from govcrawl.replica.platforms.ucap import build
from tests.conftest import run_govcrawl
from tests.platforms import crawl_portals, mismatches

SAMPLES = Path(__file__).parent / "fixtures" / "platforms" / "ucap"


def govcn_content_page() -> str:
    """Fragment (B) of the real gov.cn sample: the ``table.bd1`` metadata table, then ``td#UCAP-CONTENT``."""
    src = (SAMPLES / "govcn_xxgk_fragments.html").read_text(encoding="utf-8")
    return "<html><head><meta charset=\"utf-8\"></head><body>" + src[src.index("<!-- (B) -->"):] + "</body></html>"


def test_the_real_govcn_metadata_table_is_read():
    """The cells of the real table sit on separate source lines: a line break between two cells is no line break on
    the page, so every label meets its value (索 引 号 / 发文机关 / 成文日期 / 发文字号 / 发布日期)."""
    url = "http://www.gov.cn/zhengce/content/2018-12/29/content_5353307.htm"
    a = analyze_page(govcn_content_page().encode("utf-8"), url=url)
    assert (a.index_no, a.publisher, a.written_date, a.doc_no, a.published_date) == (
        "000014349/2018-00222", "国务院", "2018-12-21", "国发〔2018〕43号", "2018-12-29")
    assert {a.sources[f] for f in ("index_no", "publisher", "written_date", "doc_no", "published_date")} == {"table"}
    # the body is the UCAP-CONTENT cell: its text starts with the document's own heading, not the metadata
    assert a.text.startswith("国务院关于在海南博鳌乐城国际医疗旅游先行区")


# --- the list loaders and the search service --------------------------------------------------------------------
def test_the_es_search_sample_loader_names_its_list():
    """The real loader adds the channel from ``lmCode`` (defined by the column page; its definition is not in the
    sample) and loads an HTML fragment (template ucap/list_ejs) page by page."""
    script = (SAMPLES / "pager_createPageHTML_and_ucap_es_search.js").read_text(encoding="utf-8")
    found = variable_list(script, "<script>var lmCode = 'c1004567';</script>")
    assert (found.service, found.channel, found.fragment) == ("/es-search/search", "c1004567", True)
    assert found.url("http://www.a.gov.cn/col/list.shtml", 3, 20) == \
        "http://www.a.gov.cn/es-search/search/c1004567?_template=ucap/list_ejs&_isAgg=1&_pageSize=20&page=3"
    assert UcapSpider.recognise("http://www.a.gov.cn/", script) == [
        "UCAP markup (UCAP-CONTENT, UCAPCONTENT, ucap/list_ejs)",
        "Ucap search service (/common/search, /searchList, /es-search)"]


def observed_ucap_endpoints() -> list[tuple[str, str]]:
    rows = [line.split("\t") for line in (SAMPLES / "list_endpoints_observed.tsv").read_text(encoding="utf-8").splitlines()
            if line.startswith("Ucap")]
    return [(r[2], r[4]) for r in rows]


def test_every_observed_service_url_is_understood():
    """The real URL templates of the family (placeholders given values): the service, the channel, and the JSON
    variant of the same query for any page."""
    endpoints = observed_ucap_endpoints()
    assert len(endpoints) == 5
    channel = "817052cbb3a94d0d8217824e7a3aca53"
    for template, host in endpoints:
        url = template.replace("{channelId}", channel).replace("{channel_id}", channel).replace("<lmCode>", channel)
        url = url.replace("{size}", "20").replace("{p}", "1").replace("{page}", "1").replace("{n}", "1")
        found = literal_list(url)
        assert found is not None, template
        assert found.service in ("/common/search", "/searchList", "/search", "/es-search/search"), template
        page_2 = found.url(f"http://{host.split(' ')[0].split(',')[0]}/", 2, 15)
        assert "page=2" in page_2 and "page=1" not in page_2, page_2
        assert ("_isJson=true" in page_2) != found.fragment, page_2
    hainan = literal_list(endpoints[3][0])
    assert hainan.channel == "a0d73dab7c3740779419e6ef289c247e" and dict(hainan.params)["_template"] == "sfgw"
    assert hainan.url("http://plan.hainan.gov.cn/", 2, 15) == (
        "http://plan.hainan.gov.cn/common/search/a0d73dab7c3740779419e6ef289c247e?sort=publishedTime&_isAgg=false"
        "&_pageSize=12&_template=sfgw&_channelName=&page=2&_isJson=true")


def test_a_loader_in_a_script_the_page_loads_reads_the_channel_meta():
    """CSRC's shape: the column page names its channel in <meta name="channelid">; its list script builds the URL."""
    script = ("var pageSize = 10;\nvar _id = $('meta[name=\"channelid\"]').attr('content');\n"
              "url: '/searchList/' + _id + '?_isAgg=true&_isJson=true&_pageSize=' + pageSize + "
              "'&_template=index&_rangeTimeGte=&_channelName=&page=' + curPage,")
    found = variable_list(script, '<meta name="channelid" content="cd11df89f5894c1eac37ae37cc11e369">')
    assert found.service == "/searchList" and found.channel == "cd11df89f5894c1eac37ae37cc11e369"
    assert found.url("http://www.csrc.gov.cn/csrc/c100028/common_list.shtml", 1, 10) == (
        "http://www.csrc.gov.cn/searchList/cd11df89f5894c1eac37ae37cc11e369?_isAgg=true&_isJson=true&_pageSize=10"
        "&_template=index&_rangeTimeGte=&_channelName=&page=1")
    # a site search box is no list loader
    assert literal_list("window.location = '/search/searchResult?q=' + kw") is None
    assert variable_list("location.href = '/search/' + kw + '?page=1';", "") is None


def test_a_result_gives_its_metadata_by_key():
    """domainMetaList, read by key (the groups' order and names vary); empty, "null" and code-like values left out."""
    result = {
        "title": "北江省教育厅<em>2023</em>年政府信息公开工作年度报告", "url": "//www.bj.gov.cn/bjs/c1/c99/content.shtml",
        "publishedTimeStr": "2024-01-22 10:00:00",
        "domainMetaList": [
            {"domainMetadataName": "默认元数据集", "resultList": [{"name": "来源", "key": "source", "value": "SZfaguiku"},
                                                               {"name": "作者", "key": "author", "value": ""}]},
            {"domainMetadataName": "政府信息公开", "resultList": [
                {"name": "索引号", "key": "indexnumber", "value": "11230000123/2024-00012"},
                {"name": "文号", "key": "refno", "value": "null"},
                {"name": "成文日期", "key": "writedate", "value": "2024年01月19日"},
                {"name": "发文日期", "key": "pubdate", "value": "2024-01-22"}]}],
    }
    assert listing_meta(result) == {"index_no": "11230000123/2024-00012", "written_date": "2024-01-19"}
    result["domainMetaList"][0]["resultList"][0]["value"] = "北江省教育厅"
    assert listing_meta(result)["publisher"] == "北江省教育厅"
    assert json_entries({"results": [result, {"title": "no url"}]}) == [(
        "//www.bj.gov.cn/bjs/c1/c99/content.shtml", "北江省教育厅2023年政府信息公开工作年度报告", "2024-01-22",
        {"index_no": "11230000123/2024-00012", "written_date": "2024-01-19", "publisher": "北江省教育厅",
         "published_date": "2024-01-22"})]


def test_the_list_fills_only_what_the_page_leaves_empty():
    """domainMetaList through the metadata pipeline: the page's printed fields first, the list's fill the gaps."""
    meta = listing_meta({"domainMetaList": [{"resultList": [
        {"key": "indexnumber", "value": "0001/2024-1"}, {"key": "source", "value": "北江省教育厅办公室"},
        {"key": "writedate", "value": "2024-01-19 00:00:00"}, {"key": "refno", "value": "null"}]}]})
    record = {"index_no": None, "publisher": "北江省教育厅", "written_date": None, "doc_no": None,
              "sources": {"publisher": "header"}}
    fill_from_listing(record, meta)
    assert record == {"index_no": "0001/2024-1", "publisher": "北江省教育厅", "written_date": "2024-01-19", "doc_no": None,
                      "sources": {"index_no": "listing", "publisher": "header", "written_date": "listing"}}
    # a publisher the analysis only derived (from the reporting body) is no printed one: the list's 来源 takes its place
    record = {"publisher": "北江省教育厅", "sources": {"publisher": "reporting_body"}}
    fill_from_listing(record, meta)
    assert (record["publisher"], record["sources"]["publisher"]) == ("北江省教育厅办公室", "listing")


def test_no_false_platform_evidence_on_other_platforms_pages():
    for path in (Path(__file__).parent / "fixtures" / "platforms" / "trs").glob("*.html"):
        assert UcapSpider.recognise("https://www.ndrc.gov.cn/xxgk/zcfb/tz/", path.read_text(encoding="utf-8")) == []
    assert TrsSpider.recognise("http://www.gov.cn/zhengce/content/", govcn_content_page()) == []
    assert "UCAP markup (UCAP-CONTENT, UCAPCONTENT, ucap/list_ejs)" in UcapSpider.recognise(
        "http://www.gov.cn/zhengce/content/", govcn_content_page())


def spider_for(column: str, **settings) -> UcapSpider:
    portal = Portal(slug="t", name="北江省教育厅", level="department", region="北江省", platform="ucap", start_urls=(column,))
    crawler = get_crawler(UcapSpider, settings_dict=settings)
    return UcapSpider.from_crawler(crawler, portal=portal)


def answer(url: str, page: int, total: int, rows: int, years: list[int]) -> TextResponse:
    results = [{"title": f"北江省教育厅{y}年政府信息公开工作年度报告", "url": f"/jyt/c100009/{y + 1}01/c00_{y}.shtml",
                "publishedTimeStr": f"{y + 1}-01-20 10:00:00",
                "domainMetaList": [{"resultList": [{"key": "indexnumber", "value": f"0001/{y + 1}-00001"}]}]} for y in years]
    body = json.dumps({"data": {"total": total, "page": page, "rows": rows, "results": results}}, ensure_ascii=False)
    return TextResponse(url, body=body.encode("utf-8"), encoding="utf-8", request=scrapy.Request(url))


def test_the_service_is_paged_by_the_size_it_used_and_the_list_metadata_goes_with_each_article():
    column = "http://jyt.bj.gov.cn/jyt/c100009/common_list.shtml"
    spider = spider_for(column)
    found = ["/common/search", "817052cbb3a94d0d8217824e7a3aca53", [["_isAgg", "true"], ["_pageSize", ""], ["page", ""]]]
    out = list(spider.parse_ucap_page(answer(column, 1, 7, 3, [2024, 2023, 2022]), column, found, 1, 15, []))
    articles, pages = out[:3], out[3:]
    assert [a.cb_kwargs["listing_meta"] for a in articles] == [
        {"index_no": f"0001/{y + 1}-00001", "published_date": f"{y + 1}-01-20"} for y in (2024, 2023, 2022)]
    assert articles[0].url == "http://jyt.bj.gov.cn/jyt/c100009/202501/c00_2024.shtml"
    assert [p.url for p in pages] == ["http://jyt.bj.gov.cn/common/search/817052cbb3a94d0d8217824e7a3aca53"
                                      "?_isAgg=true&_pageSize=15&page=2&_isJson=true"]
    # the last page (7 entries, 3 a page: page 3) asks for no more; a service that answers page 1 for page 2 stops
    assert len(list(spider.parse_ucap_page(answer(column, 3, 7, 3, [2018]), column, found, 3, 15, []))) == 1
    assert list(spider.parse_ucap_page(answer(column, 1, 7, 3, [2024]), column, found, 2, 15, [])) == []
    assert spider.crawler.stats.get_value("govcrawl/empty_listing") is None
    # an answer that is no JSON (a challenge page, an error page) is a listing that yielded nothing: the portal fails
    assert list(spider.parse_ucap_page(TextResponse(column, body=b"<html>412</html>", encoding="utf-8"), column,
                                       found, 1, 15, [])) == []
    assert spider.crawler.stats.get_value("govcrawl/empty_listing") == 1
    # a channel the service says is empty (total 0) is no broken page: the portal's health says "no candidate page"
    assert list(spider.parse_ucap_page(answer(column, 1, 0, 15, []), column, found, 1, 15, [])) == []
    assert spider.crawler.stats.get_value("govcrawl/empty_listing") == 1


def test_a_backfill_asks_only_for_its_years_and_stops_paging_once_a_page_is_older():
    column = "http://jyt.bj.gov.cn/jyt/c100009/common_list.shtml"
    spider = spider_for(column, GOVCRAWL_YEAR_FROM=2022, GOVCRAWL_YEAR_TO=2022)
    found = ["/common/search", "817052cbb3a94d0d8217824e7a3aca53", []]
    out = list(spider.parse_ucap_page(answer(column, 1, 9, 3, [2024, 2023, 2022]), column, found, 1, 15, []))
    assert [r.url for r in out] == ["http://jyt.bj.gov.cn/jyt/c100009/202301/c00_2022.shtml",
                                    "http://jyt.bj.gov.cn/common/search/817052cbb3a94d0d8217824e7a3aca53?_isJson=true&page=2"]
    assert list(spider.parse_ucap_page(answer(column, 2, 9, 3, [2021, 2020, 2019]), column, found, 2, 15, [])) == []


def test_which_pages_are_lists():
    """A column page that loads a list script and names its channel is a list; the 政府信息公开 home of the same
    template (a channel meta, the same scripts, links to list pages) is not; the search service's own URL is."""
    head = ('<html><head><meta name="channelId" content="c0c8c340c68d4381998c567d89c3e38e">'
            '<script src="/common/js/jquery-1.12.4.min.js"></script><script src="/gdj/xhtml/js/render.js"></script></head>')
    column = "http://gdj.xb.gov.cn/gdj/c109217/common_list.shtml"
    spider = spider_for(column)
    page = HtmlResponse(column, body=(head + '<body><ul class="pagelist"></ul><div id="page_div"></div></body></html>')
                        .encode("utf-8"), encoding="utf-8")
    assert spider.is_listing(page)
    request = next(iter(spider.parse_listing(page)))
    assert request.url == "http://gdj.xb.gov.cn/gdj/xhtml/js/render.js"  # the library script is not read
    assert request.cb_kwargs["context"].endswith('<meta name="channelId" content="c0c8c340c68d4381998c567d89c3e38e">')
    home = HtmlResponse("http://gdj.xb.gov.cn/gdj/c108369/zfxxgk.shtml", encoding="utf-8", body=(
        head + '<body><a href="/gdj/c109217/common_list.shtml">政府信息公开年报</a></body></html>').encode("utf-8"))
    assert not spider.is_listing(home)
    api = ("http://www.csrc.gov.cn/searchList/cd11df89f5894c1eac37ae37cc11e369?_isAgg=true&_isJson=true&_pageSize=18"
           "&_template=index&_rangeTimeGte=&_channelName=&page=1")
    answer_page = TextResponse(api, body=b'{"data": {"total": 0, "results": []}}', encoding="utf-8")
    assert spider.is_listing(answer_page)
    first = next(iter(spider.parse_listing(answer_page)))
    assert first.url == api and first.dont_filter  # read again as the list's page 1 (a start URL is not filtered)


def test_the_channel_meta_in_either_attribute_order():
    assert channel_meta('<meta content="c0c8c340c68d4381998c567d89c3e38e" name="channelId">') == \
        "c0c8c340c68d4381998c567d89c3e38e"
    assert channel_meta('<meta name="channelid" content="cd11df89f5894c1eac37ae37cc11e369" />') == \
        "cd11df89f5894c1eac37ae37cc11e369"
    assert channel_meta('<meta name="ColumnName" content="政府信息公开年报">') is None


def test_the_replica_serves_in_its_list_what_its_ground_truth_takes_from_the_list():
    """Every report of a shipped Ucap portal is in the search service's answers (as the spider pages them), with the
    very result ``listed_metadata`` gives (what tests/test_replica.py checks the ground truth against)."""
    from govcrawl.replica.http import Request
    from govcrawl.replica.platforms.ucap import SPECS

    for spec in SPECS:
        site = build({**spec, "platform": "ucap"})
        served, page = {}, 1
        while True:
            query = f"_isAgg=true&_isJson=true&_pageSize={site.per_page}&_template=index&page={page}"
            data = json.loads(site.respond(Request("GET", site.host, f"{site.service}/{site.channel}?{query}", {})).body)
            if not data["data"]["results"]:
                break
            served.update({urljoin(site.url("/"), r["url"]): r for r in data["data"]["results"]})
            page += 1
        reports = site.ground_truth()["reports"]
        assert len(reports) >= 9 and {r["url"] for r in reports} <= set(served), site.slug
        for r in reports:
            assert json.loads(site.listed_metadata(r["url"])) == served[r["url"]]


# --- portals nobody showed the spider ----------------------------------------------------------------------------
HELD_OUT = [
    {   # the es-search loader in the column page itself (an HTML fragment of links, 20 a page, no metadata in the list):
        # the pages print it all (gov.cn's metadata table); site-relative links
        "platform": "ucap", "slug": "ho_ucap_es", "name": "西岭省卫生健康委员会", "level": "department", "region": "西岭省",
        "host": "wjw.xiling.gov.cn", "site": "wjw", "service": "es", "loader": "inline", "layout": "govcn",
        "url_form": "hex", "url_style": "relative", "per_page": 20, "years": list(range(2015, 2025)), "start": "xxgk",
        "units": [["西岭省卫生健康委员会", "西岭省卫生健康委员会", "我委"], ["西岭省中医药管理局", "西岭省中医药管理局", "我局"]],
    },
    {   # Hainan's shape: the 政府信息公开 home links the search itself (an HTML rendering); the server caps the page
        # size at 8 whatever is asked; two bodies' reports in one list; pages without 索引号 / 成文日期
        "platform": "ucap", "slug": "ho_ucap_link", "name": "南溟省海阳市人民政府", "level": "city", "region": "南溟省海阳市",
        "host": "www.haiyang.gov.cn", "site": "hysrmzf", "service": "common", "loader": "link", "layout": "ucapcontent",
        "url_form": "hex", "url_style": "absolute", "per_page": 12, "max_page_size": 8,
        "years": [2019, 2020, 2021, 2022, 2023, 2024], "start": "xxgk",
        "units": [["南溟省海阳市人民政府", "海阳市人民政府办公室", "我市"], ["海阳市财政局", "海阳市财政局", "我局"]],
    },
    {   # NHC's /search/<channel>, the channel meta read by the page's list script, small pages, older free-text
        # reports, site-relative links; registered by its column
        "platform": "ucap", "slug": "ho_ucap_search", "name": "国家健康促进局", "level": "department", "region": "全国",
        "host": "www.nhpa.gov.cn", "site": "nhpa", "service": "search", "loader": "script", "layout": "ucapcontent",
        "url_form": "c00", "url_style": "relative", "per_page": 4, "years": list(range(2016, 2025)), "start": "column",
        "units": [["国家健康促进局", "国家健康促进局办公室", "我局"]],
    },
]


@pytest.mark.e2e
@pytest.mark.parametrize("auto", [False, True], ids=["registry entry", "home URL only (auto)"])
def test_portals_nobody_showed_the_spider(tmp_path, auto):
    run = crawl_portals(tmp_path, HELD_OUT, auto=auto)
    assert run["result"].returncode == 0, run["result"].stdout[-2000:] + run["result"].stderr[-3000:]
    assert mismatches(run) == []
    assert len(run["rows"]) == len(run["gt"]["reports"]) >= 30
    for health in run["stats"]["portals"]:
        assert health["ok"], health
        if auto:
            assert health["platform_detected"] == "ucap", health
            assert health["column"], health
    for other in run["gt"]["non_reports"]:
        assert other["url"] in run["drops"]


@pytest.mark.e2e
def test_backfill_and_nightly_page_only_as_far_as_they_need(tmp_path):
    """A backfill stores only its year and stops paging once a page is older; a nightly after a complete crawl reads
    the column and the service's first page only (every entry known) and finds nothing new."""
    from govcrawl.replica.breadth import heldout_registry_toml
    from govcrawl.replica.server import ReplicaServer

    spec = HELD_OUT[2]
    registry = tmp_path / "portals.toml"
    registry.write_text(heldout_registry_toml([spec]), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    runs = {}
    with ReplicaServer(port=0, extra_sites=[spec]) as server:
        for command in (["backfill", "--year", "2021"], ["crawl"], ["nightly"]):
            stats = tmp_path / f"{command[0]}.json"
            result = run_govcrawl(*command, "--portals", str(registry), "--proxy", server.proxy_url, "--db", db,
                                  "--warc-dir", str(tmp_path / "warc"), "--stats-json", str(stats), cwd=tmp_path)
            assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
            runs[command[0]] = json.loads(stats.read_text(encoding="utf-8"))["portals"][0]
            if command[0] == "backfill":
                rows = [json.loads(line) for line in run_govcrawl("export", "--db", db, "--format", "jsonl",
                                                                  cwd=tmp_path).stdout.splitlines() if line.strip()]
                assert [r["report_year"] for r in rows] == [2021]
    pages = 1 + math.ceil(len(build({**spec}).docs()) / spec["per_page"])  # the column page, the service's pages
    assert runs["backfill"]["list_pages"] < pages == runs["crawl"]["list_pages"]
    assert runs["crawl"]["reports"] == 9
    assert runs["nightly"]["ok"] and runs["nightly"]["list_pages"] == 2 and runs["nightly"]["new"] == 0
