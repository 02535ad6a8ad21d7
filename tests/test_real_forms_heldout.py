"""Forms the held-out real pages of 2026-12-01 showed (tests/fixtures/realpages: hr_, ho_, hj_; hm_, hv_, hk_; hn_,
hq_, hx_; hb_, hc_, hd_), each tested on the real page that showed it and, where it could go too far, on what it must
leave alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govcrawl.analysis.classify import listing_lines, report_column
from govcrawl.analysis.page import analyze_page

CORPUS = Path(__file__).parent / "fixtures" / "realpages"
LABELS = {json.loads(line)["file"]: json.loads(line)
          for line in (CORPUS / "labels.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()}


def real(name: str):
    label = LABELS[f"pages/{name}.txt"]
    return analyze_page((CORPUS / label["file"]).read_text(encoding="utf-8"), url=label["url"]), label


def test_a_report_repeating_its_own_title_is_no_list_of_reports():
    """汉阴县's report prints its title, then under 内容概述 and in an 一图读懂 link: one report named, not three."""
    pa, label = real("hm_008")
    assert pa.kind == "annual_report" and pa.report_year == label["report_year"] == 2023
    listing = "\n".join(f"某某县{year}年政府信息公开工作年度报告" for year in (2021, 2022, 2023))
    assert listing_lines(listing) == 3
    assert listing_lines("内容概述: 某某县2023年政府信息公开工作年度报告\n• 一图读懂:某某县2023年政府信息公开工作年度报告") == 1


@pytest.mark.parametrize("name,publisher", [
    ("hm_011", "深圳市人民政府办公厅"),  # 信息来源:深圳市人民政府办公厅 信息提供日期:2021-03-10 18:07
    ("hm_021", "四川省人民防空办公室"),  # 作者: 来源: 点击: 字体:【 -- the empty 来源 takes nothing, not "点击"
])
def test_a_value_ends_where_the_next_label_begins_known_or_not(name, publisher):
    pa, label = real(name)
    assert pa.publisher == label["publisher"] == publisher


def test_a_page_filed_in_the_report_column_counts_that_as_evidence():
    """Pre-2019 reports whose stored opening shows no title (亭子坝镇, 塘山乡): their path files them under the portal's
    annual-report column (…/zfxxgknb/…), one piece of evidence beside the template's sections."""
    for name in ("hv_013", "hv_012"):
        pa, label = real(name)
        assert pa.kind == "annual_report" and pa.report_year == label["report_year"] == 2014, name
        assert any(r.startswith("url: filed in an annual-report column") for r in pa.classification_reasons)
    assert report_column("https://www.sinan.gov.cn/zwgk/zfxxgk/zfxxgknb/2014n/201709/t20170921_64816488.html") == "zfxxgknb"
    assert report_column("https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/") is None  # the column's own index
    assert report_column("https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/index_2.html") is None
    assert report_column("https://www.ndbg.example.cn/art/2023/1/1/art_1_1.html") is None  # the host is no column
    # alone it makes nothing a report
    assert analyze_page("关于做好有关工作的函\n请按时报送。", url="https://www.x.gov.cn/zfxxgknb/202301/t1.html").kind == "other"


def test_news_of_the_best_reports_is_not_a_report():
    """中国政府网 (big5 view): 2015年度政府信息公开优秀年度报告出炉 -- and its 年度报告编制发布工作推动措施更加有力,年报… is no
    preamble (the comma ends the clause)."""
    pa, _ = real("hv_017")
    assert pa.kind == "other"
    assert not any("preamble" in r for r in pa.classification_reasons)


def test_a_journal_article_is_original_writing():
    """A scholar's article on the reports (摘要, 关键词) on a journal site: not a report, not a copy; its key-word line
    is no title, and a bare 'APP下载' menu item is no injected brand."""
    pa, _ = real("hk_007")
    assert "body: a journal article (摘要, 关键词)" in pa.classification_reasons
    assert pa.kind == "other" and not pa.title.startswith("[关键词]")


def test_a_cms_path_alone_makes_no_copy():
    """中国台湾网's commentary on a statistics bureau's report sits under a TRS path (/t20110406_1812456) like a government
    page's; nothing else of a government page is there: original writing, kept apart from the copies."""
    pa, _ = real("hk_024")
    assert pa.kind == "other"
    mirror, label = real("hk_012")  # a mirror keeps the path (/zfxxgk/) and the text: still a copy
    assert label["kind"] == "junk" and mirror.kind == "junk"
    assert any(r.startswith("government_page_copy: government path /zfxxgk/;") for r in mirror.junk_reasons)


def test_an_institutions_own_report_on_its_own_host_is_no_copy_and_no_government_report():
    pa, label = real("ho_017")  # 由淮北市人民医院编制, on huaibeihosp.cn
    assert label["kind"] == pa.kind == "other"
    assert not any(r.startswith("government_report_copy") for r in pa.junk_reasons)


def test_a_sector_word_between_the_year_and_its_disclosure_keeps_the_body():
    pa, _ = real("hv_006")  # 海关总署2010年海关信息公开工作年度报告
    assert pa.reporting_body == "海关总署"


def test_a_title_given_as_a_metadata_value():
    pa, label = real("hm_016")  # | 标题: | 淄博高新技术产业开发区建设局2025年…年度报告 | || (a pipe table), 索引号 /2026-5566305
    assert pa.kind == "annual_report" and pa.title == label["title"]
    assert pa.index_no == "/2026-5566305"


def test_a_bracketed_date_under_the_title_is_the_written_date():
    pa, label = real("hm_017")  # 2016年…政府信息公开 / 年报 / (2017年1月12日)
    assert pa.written_date == label["written_date"] == "2017-01-12" and pa.sources["written_date"] == "heading"


# --- batch 3 (hn_, hq_, hx_)

def test_writing_about_governments_is_no_copy_of_their_pages():
    """A book's blurb on a transparency index, a trade paper's news of a province's 政务公开工作要点: they speak of
    governments, never as one (no 我局, 本机关, 现印发给你们, no notice's addressees). A company site that pasted the
    notice itself keeps its addressees and 现印发给你们: a copy."""
    for name in ("hx_012", "hx_024", "hk_015"):
        pa, label = real(name)
        assert label["kind"] == pa.kind == "other", name
    pa, label = real("hx_002")
    assert label["kind"] == pa.kind == "junk"
    assert any("a government body's disclosure text" in r for r in pa.junk_reasons)


def test_a_page_on_how_the_reports_were_published_is_not_one():
    pa, _ = real("hq_019")  # 石狮市2023年政府信息公开工作年度报告公布情况
    assert pa.kind == "other"


@pytest.mark.parametrize("name", ["hn_022", "hn_023"])
def test_bulleted_labels_over_their_values(name):
    """• 信息索引号: / 11330782002609266A/2021-357849 / • 文件名称: (empty) / • 信息名称: / … ; • 索引号 / mlslcj/2026-00000."""
    pa, label = real(name)
    assert pa.index_no == label["index_no"] and pa.publisher == label["publisher"]
    assert pa.written_date == label["written_date"]


@pytest.mark.parametrize("name", ["hn_008", "hn_020"])
def test_the_body_named_after_jiehe_in_the_first_sentence(name):
    """结合精河工业园区政府信息公开年度工作情况编制本报告 / 结合2025年荣成市退役军人事务局政府信息公开工作实际."""
    pa, label = real(name)
    assert pa.reporting_body == label["reporting_body"]


def test_a_title_broken_after_its_year_and_a_title_with_the_date_glued_on():
    pa, label = real("hn_029")  # 天津市城市管理委员会2025年度 / 政府信息公开工作报告
    assert pa.title == label["title"]
    pa, label = real("hn_026")  # 杨浦区江浦路街道2024年政府信息公开工作年度报告 2025-01-22
    assert pa.title == label["title"] and pa.report_year == 2024


# --- batch 4 (hb_, hc_, hd_)

def test_the_site_itself_is_no_source_and_an_index_no_under_another_name():
    pa, label = real("hb_001")  # 来源: 本网 -- the publisher comes from the title instead
    assert pa.publisher != "本网" and pa.publisher == label["publisher"]
    pa, label = real("hb_014")  # 信息索取号
    assert pa.index_no == label["index_no"]


def test_the_body_named_where_the_report_is_announced():
    pa, label = real("hb_004")  # 现公布中山市自然资源局政府信息公开工作2022年度报告
    assert pa.reporting_body == label["reporting_body"] == "中山市自然资源局"


def test_brands_in_a_copy_a_code_before_its_official_site_and_betting_in_place_of_a_word():
    for name in ("hd_005", "hd_011"):  # -ks8凯发官方网站 in the title; 买足球的软件 in place of every 关于
        pa, label = real(name)
        assert label["kind"] == pa.kind == "junk", (name, pa.junk_reasons)


def test_a_scholars_essay_citing_the_statute_is_no_copy():
    pa, label = real("hd_016")  # 《政府信息公开条例》(以下简称《条例》)实施十年来… on a content aggregator
    assert label["kind"] == pa.kind == "other"
