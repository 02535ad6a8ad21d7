"""Fields as real pages print them (issue 15): the reporting body, metadata layouts without colons, and titles and
years in the forms real portals write. Unit-sized cases; tests/test_realpages.py measures the same on real pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from govcrawl.analysis.bodies import (
    body_from_first_sentence,
    body_from_title,
    body_name,
    reporting_body,
)
from govcrawl.analysis.classify import title_verdict
from govcrawl.analysis.page import analyze_page


@pytest.mark.parametrize("title,body", [
    ("莆田市公安局2022年政府信息公开工作年度报告", "莆田市公安局"),
    ("2021年度黄石市公安局政府信息公开工作年度报告", "黄石市公安局"),
    ("2015年兴县人民政府信息公开年度报告", "兴县人民政府"),
    ("淮北市妇幼保健计划生育服务中心(市妇幼保健院)2021年政府信息公开年度报告", "淮北市妇幼保健计划生育服务中心(市妇幼保健院)"),
    ("西藏自治区审计厅2025年政务信息公开工作开展年度报告", "西藏自治区审计厅"),
    ("长河街道2020年政府信息公开工作年度报告", "长河街道"),
    ("侯马经济开发区2023年度政府信息公开年度报告", "侯马经济开发区"),
    ("舟山市人民政府政府信息公开工作年度报告(2020年度)", "舟山市人民政府"),
    # a place is not a body
    ("河北省2020年政府信息公开工作年度报告", None),
    ("苏州市2018年政府信息公开工作年度报告", None),
    ("2020年度政府信息公开工作年度报告", None),
])
def test_body_from_title(title, body):
    assert body_from_title(title) == body


@pytest.mark.parametrize("text,body", [
    ("本年度报告由天津市发展改革委编制，根据《条例》要求……", "天津市发展改革委"),
    ("本年度报告根据《中华人民共和国政府信息公开条例》要求，由静安区人民政府编制。全文包括……", "静安区人民政府"),
    ("按照《条例》要求，编制了城厢区发展和改革局2021年度政府信息公开工作年度报告。", "城厢区发展和改革局"),
    ("根据《条例》规定，现将岳阳市人民政府2020年政府信息公开年度报告向社会公布。", "岳阳市人民政府"),
    ("一、总体情况\n2019年，广州市番禺区人民政府办公室认真贯彻落实《条例》，……", "广州市番禺区人民政府办公室"),
    ("本报告由南宁经济技术开发区管理委员会(以下简称经开区管委会)编制。", "南宁经济技术开发区管理委员会"),
    # relative names, places and compilers of a region's report are not its body
    ("根据《条例》规定，现将我局2021年度政府信息公开工作情况报告如下：", None),
    ("根据《条例》规定，现公布贵港市2021年政府信息公开工作年度报告。", None),
    ("本年度报告是由某市政务公开办公室汇总全市各级政府机关年度报告编制而成的。", None),
    # a body the preamble merely cites is not the report's
    ("根据《国务院办公厅关于印发2021年政务公开工作要点的通知》要求，编制本报告。", None),
])
def test_body_from_first_sentence(text, body):
    assert body_from_first_sentence(text) == body


def test_body_names():
    assert body_name("政府") is None and body_name("我局") is None and body_name("白银区") is None
    assert body_name("佛山高新区") == "佛山高新区" and body_name("南平市人民政府信息公开工作领导小组办公室")


def test_a_title_split_over_two_lines_names_its_body_above():
    text = "盐城市公安局盐都分局\n2024年政府信息公开工作年度报告\n本报告是根据《中华人民共和国政府信息公开条例》要求编制而成。一、总体情况"
    pa = analyze_page(text, url="http://www.yandu.gov.cn/art/2025/1/20/art_1_1.html")
    assert pa.kind == "annual_report"
    assert pa.title == "盐城市公安局盐都分局2024年政府信息公开工作年度报告" and pa.reporting_body == "盐城市公安局盐都分局"
    assert reporting_body(pa.title, pa.text) == ("盐城市公安局盐都分局", "title")


REAL = Path(__file__).parent / "fixtures" / "realpages" / "pages"


def test_a_date_under_its_label_is_no_title_and_a_lone_label_with_its_colon_takes_the_next_line():
    """Tongliao's page (held out, real) opens with 发布时间: / 2023-01-18 10:36 / 信息来源: / 市政府办公室, each on its own
    line and no title: the date was taken for the title, and its year (2023) for the report's (the body: 2022)."""
    pa = analyze_page((REAL / "hr_010.txt").read_text(encoding="utf-8"),
                      url="https://www.tongliao.gov.cn/zwgk/zfxxgk/zfxxgknb/2022_645/szfzcbm/202301/t20230118_62744.html")
    assert pa.kind == "annual_report" and pa.title != "2023-01-18 10:36"
    assert pa.report_year == 2022 and pa.publisher == "市政府办公室"
    assert analyze_page("发布机构：\n【字体：大 中 小】\n" + BODY).publisher is None  # the next line is no value


def test_a_title_broken_inside_its_body_name_is_put_back_together():
    """重庆市沙坪坝区人民政府小龙坎街道 / 办事处2023年…年度报告 (held out, real): the words across the break (街道办事处) recur
    in the body, so the two lines are one title; a line above that the page never continues stays apart."""
    pa = analyze_page((REAL / "hr_021.txt").read_text(encoding="utf-8"),
                      url="https://www.cqspb.gov.cn/zj/xlkjd_64765/zwgk_64769/zfxxgknb_64786/202401/t20240124_12860407.html")
    assert pa.title == "重庆市沙坪坝区人民政府小龙坎街道办事处2023年政府信息公开工作年度报告"
    text = "网站首页\n2023年政府信息公开工作年度报告\n根据《中华人民共和国政府信息公开条例》编制本报告。一、总体情况"
    assert analyze_page(text).title == "2023年政府信息公开工作年度报告"


BODY = "<div id='zoom'><p>根据《中华人民共和国政府信息公开条例》编制本报告。</p><p>一、总体情况</p><p>二、主动公开政府信息情况</p></div>"


def page(block: str, title: str = "某某县统计局2020年政府信息公开工作年度报告") -> str:
    return f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>{block}<h1>{title}</h1>{BODY}</body></html>"


@pytest.mark.parametrize("name,block", [
    ("space-separated runs", "<div>索引号 bgs01/2023-00011 发文字号 统发〔2023〕1号 成文日期 2023-01-05 发布机构 某某县统计局</div>"),
    ("glued labels", "<div>索引号000014349/2023-74857</div><div>发布机构某某县统计局</div><div>成文日期2023年1月5日</div>"),
    ("td grid by class", "<table><tr><td class='t1'>索引号</td><td class='t2'>11330000/2023-001</td><td class='t1'>发布机构</td>"
                         "<td class='t2'>某某县统计局</td></tr><tr><td class='t1'>成文日期</td><td class='t2'>2023-01-05</td></tr></table>"),
    ("dl/dt/dd", "<dl><dt>索引号</dt><dd>11330000/2023-001</dd><dt>发布机构</dt><dd>某某县统计局</dd><dt>成文日期</dt>"
                 "<dd>2023-01-05</dd></dl>"),
    ("label/span grid", "<div><label>索引号：</label><span>11330000/2023-001</span><label>发布机构：</label>"
                        "<span>某某县统计局</span><label>成文日期：</label><span>2023-01-05</span></div>"),
    ("label row over value row", "<p>索引号 | 公开方式 | 发布机构 | 成文日期</p><p>11330000/2023-001 | 主动公开 | 某某县统计局 | 2023-01-05</p>"),
])
def test_metadata_layouts_without_colons(name, block):
    pa = analyze_page(page(block))
    assert pa.index_no and pa.index_no.endswith(("/2023-00011", "/2023-74857", "/2023-001")), (name, pa.index_no)
    assert pa.publisher == "某某县统计局" and pa.sources["publisher"] == "table", name
    assert pa.written_date == "2023-01-05", name


def test_empty_label_rows_stay_empty():
    block = ("<table><tr><td>索引号：</td><td></td></tr><tr><td>发布机构：</td><td></td></tr>"
             "<tr><td>文号：</td><td></td></tr><tr><td>成文日期：</td><td>2023-01-05</td></tr></table>")
    pa = analyze_page(page(block))
    assert pa.index_no is None and pa.doc_no is None and pa.written_date == "2023-01-05"
    assert pa.publisher == "某某县统计局" and pa.sources["publisher"] == "reporting_body"


def test_publishtime_tag_and_issue_date_are_not_the_written_date():
    pa = analyze_page(page("<div><publishtime>2023-01-06 10:00</publishtime></div><div>发文日期：2023-01-04</div>"))
    assert pa.published_date == "2023-01-06" and pa.written_date is None and pa.extra["issued_date"] == "2023-01-04"


@pytest.mark.parametrize("title", [
    "某某区发展和改革局2020年政府信息公开年度工作报告", "某某镇2021年政府信息公开工作开展年度报告", "某某县2020年政务信息公开工作年度报告",
    "某某市人民政府2020年政府信息公开工作年度报告（2020年度）", "某某县二〇二〇年政府信息公开工作年度报告",
    "某某縣人民政府2020年政府信息公開工作年度報告",
])
def test_report_title_forms(title):
    from govcrawl.analysis.text import to_simplified

    assert title_verdict(to_simplified(title))[0] == "report", title


@pytest.mark.parametrize("title", [
    "某某大学2021-2022学年信息公开年度报告", "某某市2020年法治政府建设年度报告", "关于做好2023年政府信息公开工作年度报告编制工作的通知",
    "某某区2022年政府信息公开工作年度报告发布", "《某某市2021年政府信息公开工作年度报告》解读", "中国省部两级行政机关年度报告格式范本",
])
def test_look_alike_titles(title):
    assert title_verdict(title)[0] == "not_report", title


def test_untitled_pages_opening_at_the_report_are_reports():
    preamble = ("本年度报告根据《中华人民共和国政府信息公开条例》编制。本年度报告中所列数据的统计期限自2021年1月1日起至2021年12月31日止。\n"
                "一、总体情况\n2021年，本机关认真落实《2021年政务公开工作要点》。")
    pa = analyze_page(preamble, url="http://www.example.gov.cn/art/2022/1/20/art_1_1.html")
    assert pa.kind == "annual_report" and pa.report_year == 2021
    section = "一、总体情况\n(一)主动公开\n2022年，开发区发布信息1330条。\n(二)依申请公开\n本年度未收到申请。\n(三)政府信息管理\n……"
    assert analyze_page(section, url="http://kfq.example.gov.cn/info/1.htm").kind == "annual_report"


def test_navigation_text_never_makes_a_report():
    text = "首页 > 政府信息公开 > 政府信息公开年报\n浙江省政务动态（第12期）\n省政府召开常务会议，研究部署近期工作。"
    assert analyze_page(text, url="http://www.zj.gov.cn/art/2021/3/1/art_1_1.html").kind == "other"


def test_a_university_report_and_an_interpretation_are_not_reports():
    uni = "根据《高等学校信息公开办法》，现编制某某大学2021-2022学年信息公开工作年度报告。统计期限自2021年9月1日至2022年8月31日。"
    assert analyze_page(uni, url="https://xxgk.example.edu.cn/a.htm").kind == "other"
    jiedu = "《某某镇人民政府2023年政府信息公开工作年度报告》已经编制完成，现就年报内容进行如下解读。一、编制背景"
    assert analyze_page(jiedu, url="http://www.example.gov.cn/a.html").kind == "other"
