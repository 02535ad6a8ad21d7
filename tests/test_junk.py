"""Spam-mirror signals (govcrawl/junk.py) through analyze_page and directly."""
from pathlib import Path

import pytest

from govcrawl.analysis.junk import (
    DEFAULT_SETTINGS,
    JunkSettings,
    host_of,
    is_government_host,
    junk_signals,
)
from govcrawl.analysis.page import analyze_page

PAGES = Path(__file__).parent / "fixtures" / "pages"


def load(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def names(reasons):
    return {r.split(":")[0] for r in reasons}


@pytest.mark.parametrize("host,gov", [
    ("fzggw.zj.gov.cn", True), ("www.gov.cn", True), ("WWW.HANGZHOU.GOV.CN", True), ("杭州.政府.cn", True),
    ("xn--6qq986b3xl.xn--mxtq1m.cn", True), ("www.xpj-888.net", False), ("gov.cn.evil.com", False),
    ("zj-gov-cn.com", False), ("www.shoujike.cn", False),
])
def test_government_hosts(host, gov):
    assert is_government_host(host_of("http://" + host + "/a.html")) is gov


@pytest.mark.parametrize("name,url,expected", [
    ("spam_gambling_mirror.html", "http://www.xpj-888.net/zjgov/2019.html",
     {"non_government_host", "hidden_links", "gambling_adult"}),
    ("spam_traditional_mirror.html", "http://www.shoujike-abc.com/art/2019/1/8/art_1229_255897.html",
     {"non_government_host", "government_url_layout", "traditional_on_non_government_host"}),
    ("spam_keyword_shop.html", "http://www.shoujike-abc.com/",
     {"commerce_navigation", "contact_form", "keyword_stuffing", "hidden_links"}),
    ("spam_embedded_gov_path.html", "http://m.xyz-trade.com/www.zhoushan.gov.cn/art/2021/1/28/art_1229_1.html",
     {"commerce_navigation", "fake_contacts", "government_url_layout"}),
])
def test_spam_fixtures_are_junk(name, url, expected):
    pa = analyze_page(load(name), url=url)
    assert pa.kind == "junk", (name, pa.junk_reasons, pa.junk_score)
    assert expected <= names(pa.junk_reasons), pa.junk_reasons
    assert pa.junk_score >= DEFAULT_SETTINGS.threshold


@pytest.mark.parametrize("name,url,kind", [
    ("v1_xxgktab_report.html", "https://www.yiwu.gov.cn/art/2021/1/20/art_1229_5678.html", "annual_report"),
    ("v3_traditional_big5.html", "http://www.hangzhou.gov.cn/gate/big5/cxjw.hangzhou.gov.cn/art/2021/1/26/art_1_3.html",
     "annual_report"),
    ("gov_report_lottery_words.html", "https://mzt.zj.gov.cn/art/2021/1/28/art_1_9.html", "annual_report"),
    ("gov_agri_products.html", "http://nyncj.jinhua.gov.cn/art/2021/4/12/art_1_1.html", "other"),
    ("gov_agri_products.html", None, "other"),
    ("gov_report_lottery_words.html", None, "annual_report"),
    ("v3_traditional_big5.html", None, "annual_report"),
])
def test_genuine_pages_are_not_junk(name, url, kind):
    pa = analyze_page(load(name), url=url)
    assert pa.kind == kind, (name, pa.junk_reasons, pa.junk_score)
    assert not {"commerce_navigation", "gambling_adult", "fake_contacts", "hidden_links"} & names(pa.junk_reasons)


def test_traditional_copy_is_fine_on_gov_host_and_junk_elsewhere():
    raw = load("spam_traditional_mirror.html")
    gov = analyze_page(raw, url="http://www.hangzhou.gov.cn/gate/big5/drc.hangzhou.gov.cn/art/2019/1/8/art_1229_255897.html")
    assert gov.kind == "annual_report"
    spam = analyze_page(raw, url="http://www.hz-shouji.com/drc.hangzhou.gov.cn/art_255897.html")
    assert spam.kind == "junk" and "traditional_on_non_government_host" in spam.junk_reasons


def test_a_report_on_a_non_government_host_is_a_copy():
    # a plain genuine-looking report copied to a news portal: the government did not publish it there (issue 15)
    pa = analyze_page(load("v4_lines_report.html"), url="https://news.example.com/a/123.html")
    assert pa.kind == "junk"
    assert pa.junk_reasons[0].startswith("government_report_copy: an annual report on news.example.com")
    # the same page on the government's host is the report
    assert analyze_page(load("v4_lines_report.html"), url="https://www.yiwu.gov.cn/art/2021/1/20/art_1_1.html").kind == "annual_report"


def test_a_registry_portal_host_is_official_whatever_its_domain():
    settings = JunkSettings(official_hosts=frozenset({"www.some-portal.com.cn"}))
    pa = analyze_page(load("v4_lines_report.html"), url="http://www.some-portal.com.cn/a.html", settings=settings)
    assert pa.kind == "annual_report"


def test_original_news_on_a_media_site_is_not_a_copy():
    text = ("县政府召开政务公开工作推进会\n本报讯（记者 王明）3月5日，县政府召开全县政务公开工作推进会，"
            "部署政府信息公开和依申请公开工作，县人民政府办公室负责人出席。")
    pa = analyze_page(text, url="http://epaper.example-daily.com/html/2021-03/06/content_1.htm")
    assert pa.kind == "other", pa.junk_reasons
    # the same news kept on a blog with the portal's path is a copy of the government's page
    copy = analyze_page(text.replace("本报讯（记者 王明）", ""), url="http://blog.example.com/zwgk/xwdt/202103/t20210306_1.html")
    assert copy.kind == "junk" and copy.junk_reasons[0].startswith("government_page_copy")


def test_commerce_words_in_prose_do_not_count():
    text = ("临安县市场监管局2020年政府信息公开工作年度报告\n"
            "全年公开产品质量抽检信息56期，农产品质量安全信息12期，指导企业做好产品展示和在线订购合规经营。\n"
            "根据《中华人民共和国政府信息公开条例》编制本报告。一、总体情况\n二、主动公开政府信息情况\n")
    r = junk_signals(text)
    assert r.reasons == [] and not r.is_junk


def test_contact_form_needs_three_fields_and_html_form_detection():
    assert not junk_signals("我要留言\n留言：\n").reasons
    html_form = ("<html><body><p>正文</p><form><input name='xingming'><input name='phone'><input name='email'>"
                 "<textarea name='content'></textarea></form></body></html>")
    pa = analyze_page(html_form)
    assert "contact_form" in names(pa.junk_reasons)


def test_gambling_terms_vs_welfare_lottery():
    r = junk_signals("主动公开福利彩票公益金、体育彩票公益金使用情况，加强与澳门特别行政区交流。")
    assert r.reasons == []
    r2 = junk_signals("澳门新葡京 真人百家乐 时时彩 彩票开户送彩金")
    assert "gambling_adult" in names(r2.reasons) and r2.is_junk


def test_hidden_gov_menu_is_not_hidden_links():
    html = ("<html><body><div style='display:none'><a href='http://www.zj.gov.cn/'>省政府</a>"
            "<a href='https://fzggw.zj.gov.cn/'>发改委</a><a href='/col/col1/'>栏目</a><a href='/col/col2/'>栏目</a></div>"
            "<p>正文</p></body></html>")
    pa = analyze_page(html, url="https://jxt.zj.gov.cn/art/2021/1/1/art_1_1.html")
    assert "hidden_links" not in names(pa.junk_reasons)


def test_missing_footer_is_weak_only():
    html = "<html><body><h1>公司新闻</h1><div id='zoom'><p>本公司参加了行业年会，交流了产品设计经验。</p></div></body></html>"
    pa = analyze_page(html, url="http://www.some-company.com.cn/a.html")
    assert "missing_footer_marks" in pa.junk_reasons and pa.kind != "junk"


def test_threshold_is_configurable():
    text = "产品中心\n订购\n正文"
    assert junk_signals(text).score < DEFAULT_SETTINGS.threshold
    assert junk_signals(text, settings=JunkSettings(threshold=1.0)).is_junk


def test_never_junk_gov_report():
    seed = (Path(__file__).parents[1] / "govcrawl" / "replica" / "seeds" / "002_c2de2f714b624d29.txt").read_text("utf-8")
    pa = analyze_page(seed + "\n澳门新葡京 真人百家乐", url="https://www.zj.gov.cn/art/2018/5/1/art_1_1.html")
    assert pa.kind == "annual_report"
    assert any(r.startswith("overridden") for r in pa.junk_reasons)
