"""TRS WCM static publishing (spiders/trs.py): the pager forms of the real samples, and portals nobody showed the
spider, crawled from a registry entry alone and from their home URL alone (``platform = "auto"``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from spiders.trs import TrsSpider, list_entries, pager
from tests.platforms import crawl_portals, mismatches

SAMPLES = Path(__file__).parent / "fixtures" / "platforms" / "trs"


def page(url: str, html: str) -> HtmlResponse:
    return HtmlResponse(url, body=html.encode("utf-8"), encoding="utf-8")


def test_the_real_ndrc_list_sample():
    html = (SAMPLES / "trs_wcm_ndrc_list_createPageHTML.html").read_text(encoding="utf-8")
    r = page("https://www.ndrc.gov.cn/xxgk/zcfb/tz/", html)
    entries = list_entries(r)
    assert [e[0] for e in entries] == ["./202608/t20260828_1407232.html", "./202608/t20260820_1407094.html"]
    assert entries[0][2] == "2026-08-27"
    count, current, urls = pager(html, r.url)
    assert (count, current) == (20, 0)  # 0-based: page 2 is index_1.html
    assert urls[:3] == ["https://www.ndrc.gov.cn/xxgk/zcfb/tz/index.html", "https://www.ndrc.gov.cn/xxgk/zcfb/tz/index_1.html",
                        "https://www.ndrc.gov.cn/xxgk/zcfb/tz/index_2.html"]
    assert TrsSpider.recognise(r.url, html) == ["createPageHTML pager", "t-date article links"]
    detail = (SAMPLES / "trs_wcm_ndrc_detail_pdf_ofd.html").read_text(encoding="utf-8")
    assert "TRS_Editor body" in TrsSpider.recognise("https://www.ndrc.gov.cn/", detail)


@pytest.mark.parametrize("script,url,expected", [
    # the 6-argument pager of the shared pager script: 1-based, page 2 is name_2
    ("createPageHTML('page_div', 4, 1, 'xxgknb_list', 'shtml', 37);", "http://a.gov.cn/nb/xxgknb_list.shtml",
     (4, 0, ["xxgknb_list.shtml", "xxgknb_list_2.shtml", "xxgknb_list_3.shtml", "xxgknb_list_4.shtml"])),
    ("createPageHTML('page_div', 4, 2, 'xxgknb_list', 'shtml', 37);", "http://a.gov.cn/nb/xxgknb_list_2.shtml",
     (4, 1, ["xxgknb_list.shtml", "xxgknb_list_2.shtml", "xxgknb_list_3.shtml", "xxgknb_list_4.shtml"])),
    # Beijing's 3 arguments: records, pages, current (0-based)
    ("createPageHTML(83, 6, 1);", "http://b.gov.cn/nb/index_1.html",
     (6, 1, ["index.html", "index_1.html", "index_2.html", "index_3.html", "index_4.html", "index_5.html"])),
    # Chongqing's createPage
    ('createPage(3, 0, "index", "shtml");', "http://c.gov.cn/nb/", (3, 0, ["index.shtml", "index_1.shtml", "index_2.shtml"])),
])
def test_pager_forms(script, url, expected):
    count, current, urls = pager(f"<script>{script}</script>", url)
    folder = url[: url.rindex("/") + 1]
    assert (count, current, urls) == (expected[0], expected[1], [folder + n for n in expected[2]])


HELD_OUT = [
    {   # a ministry-like portal: the 3-argument pager, .htm articles, per-year sub-columns, stub pages past the end
        "platform": "trs", "slug": "ho_trs_years", "name": "南岭省农业农村厅", "level": "department", "region": "南岭省",
        "host": "nyt.nanling.gov.cn", "unit": "省农业农村厅", "we": "我厅", "column": "/xxgk/gknb/", "pager": "3arg",
        "per_page": 3, "art_ext": "htm", "layout": "years", "metadata": "table", "years": [2019, 2020, 2021, 2022, 2023],
        "stub_pages": True, "start": "xxgk",
    },
    {   # a county whose list is sliced by script in the browser (every row in page 1), Chongqing-style names
        "platform": "trs", "slug": "ho_trs_slice", "name": "南岭省石门县人民政府", "level": "county", "region": "南岭省石门县",
        "host": "www.shimen.gov.cn", "unit": "石门县", "we": "我县", "column": "/zwgk/zfxxgkml/zfxxgknb/", "pager": "slice",
        "layout": "flat", "metadata": "meta", "years": list(range(2014, 2025)), "attachments": True, "start": "column",
    },
    {   # a city bureau with Chongqing's createPage pager and a custom list name
        "platform": "trs", "slug": "ho_trs_cq", "name": "南岭省临川市财政局", "level": "department", "region": "南岭省临川市",
        "host": "czj.linchuan.gov.cn", "unit": "市财政局", "we": "我局", "column": "/zwgk/zfxxgknb/", "pager": "createPage",
        "per_page": 2, "layout": "flat", "metadata": "table", "years": [2020, 2021, 2022, 2023, 2024], "start": "xxgk",
    },
]


@pytest.mark.e2e
@pytest.mark.parametrize("auto", [False, True], ids=["registry entry", "home URL only (auto)"])
def test_portals_nobody_showed_the_spider(tmp_path, auto):
    run = crawl_portals(tmp_path, HELD_OUT, auto=auto)
    assert run["result"].returncode == 0, run["result"].stdout[-2000:] + run["result"].stderr[-3000:]
    assert mismatches(run) == []
    assert len(run["rows"]) == len(run["gt"]["reports"]) >= 20
    for health in run["stats"]["portals"]:
        assert health["ok"], health
        if auto:
            assert health["platform_detected"] == "trs" and "createPageHTML" in health["detection"] or \
                health["platform_detected"] == "trs", health
            assert health["column"], health
    for other in run["gt"]["non_reports"]:
        assert other["url"] in run["drops"]
