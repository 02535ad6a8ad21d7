"""Annual report vs other (govcrawl/classify.py) and report-year rules (govcrawl/extract.py)."""
from pathlib import Path

import pytest

from govcrawl.analysis.classify import classify, title_verdict
from govcrawl.analysis.dates import year_from_body, year_from_title
from govcrawl.analysis.page import analyze_page

PAGES = Path(__file__).parent / "fixtures" / "pages"


def load(name: str) -> bytes:
    return (PAGES / name).read_bytes()


REPORT_TITLES = [
    ("浙江省发展和改革委员会2020年政府信息公开工作年度报告", 2020),
    ("舟山市人民政府政府信息公开工作年度报告(2020年度)", 2020),
    ("温州市鹿城区人民政府政府信息公开工作年度报告（2019年度）", 2019),
    ("2020年度苍南县灵溪镇政府信息公开工作报告", 2020),
    ("杭州市发展和改革委员会2018年政务公开工作总结报告", 2018),
    ("宁波市统计局2021年政府信息公开年度报告", 2021),
    ("龙泉市住龙镇二〇二〇年政府信息公开工作年度报告", 2020),
    ("杭州市城鄉建設委員會2020年政府信息公開工作年度報告", 2020),
    ("湖州市吴兴区人民政府2019年政府信息公开年报", 2019),
    ("嘉兴市 2022 年政府信息公开工作年度报告", 2022),
    ("衢州市卫生健康委员会政府信息公开工作年度报告(２０２０年度)", 2020),
]
NOT_REPORT_TITLES = [
    "2021年浙江省政务公开工作要点",
    "浙江省人民政府办公厅关于印发2021年浙江省政务公开工作要点的通知",
    "杭州市2021年政务公开工作计划",
    "杭州市2021年政务公开工作实施方案",
    "关于做好2020年政府信息公开工作年度报告编制和发布工作的通知",
    "关于报送2019年度政府信息公开工作年度报告的通知",
    "我市召开政务公开工作推进会",
    "一图读懂：2020年政府信息公开工作年度报告解读",
    "《舟山市人民政府2020年政府信息公开工作年度报告》解读",
    "全省政务公开工作培训会在杭举行",
]


@pytest.mark.parametrize("title,year", REPORT_TITLES)
def test_report_titles(title, year):
    from govcrawl.analysis.text import to_simplified

    verdict, reasons = title_verdict(to_simplified(title))
    assert verdict == "report", (title, reasons)
    assert reasons and reasons[0].startswith("title:")
    assert year_from_title(title) == year


@pytest.mark.parametrize("title", NOT_REPORT_TITLES)
def test_not_report_titles(title):
    verdict, _ = title_verdict(title)
    assert verdict == "not_report", title


BODY = ("根据《中华人民共和国政府信息公开条例》规定，编制本报告。\n一、总体情况\n二、主动公开政府信息情况\n"
        "三、收到和处理政府信息公开申请情况\n四、政府信息公开行政复议、行政诉讼情况\n五、存在的主要问题及改进情况\n六、其他需要报告的事项\n")


def test_body_decides_when_title_is_neutral():
    c = classify("信息公开", BODY)
    assert c.is_report and any("条例" in r for r in c.reasons)
    c2 = classify("信息公开", "我局召开专题会议，研究部署下一阶段工作。")
    assert not c2.is_report


def test_plan_title_beats_report_like_body():
    c = classify("2021年浙江省政务公开工作要点", BODY + "各地、各部门要将本要点落实情况纳入政府信息公开工作年度报告予以公开。")
    assert not c.is_report and c.reasons == ["title: 工作要点"]


@pytest.mark.parametrize("body,year", [
    ("现将我委2020年度相关工作情况报告如下：", 2020),
    ("本报告中所列数据的统计期限自2019年1月1日起至2019年12月31日止。", 2019),
    ("数据统计期限自２０２１年１月１日起至２０２１年１２月３１日止", 2021),
    ("一、总体情况\n2020年，我市始终坚持以公开为常态。2021年将继续努力。", 2020),
    ("編製了杭州市發展和改革委員會2018年政務公開工作總結報告", 2018),
])
def test_year_from_body(body, year):
    from govcrawl.analysis.text import to_simplified

    assert year_from_body(to_simplified(body)) == year


def test_year_from_body_none():
    assert year_from_body("根据条例规定编制本报告。") is None


def test_untitled_report_page_year_from_body():
    text = "信息公开\n" + BODY.replace("编制本报告。", "编制本报告。现将我局2021年度政府信息公开工作情况报告如下：")
    pa = analyze_page(text)
    assert pa.kind == "annual_report" and pa.report_year == 2021 and pa.sources["report_year"] == "body"


@pytest.mark.parametrize("name,kind", [
    ("v1_xxgktab_report.html", "annual_report"),
    ("v2_list_report_gbk.html", "annual_report"),
    ("v3_traditional_big5.html", "annual_report"),
    ("v4_lines_report.html", "annual_report"),
    ("report_title_tag_only.html", "annual_report"),
    ("report_cn_numerals_gb2312.html", "annual_report"),
    ("gov_report_lottery_words.html", "annual_report"),
    ("news_meeting.html", "other"),
    ("notice_compile.html", "other"),
    ("jiedu.html", "other"),
    ("plan_other.html", "other"),
    ("gov_agri_products.html", "other"),
])
def test_fixture_kinds(name, kind):
    pa = analyze_page(load(name), url=None)
    assert pa.kind == kind, (name, pa.classification_reasons, pa.junk_reasons)
    if kind == "other":
        assert pa.report_year is None


@pytest.mark.parametrize("title,verdict", [
    ("某某县人民政府关于2020年政府信息公开工作情况的报告", "report"),
    ("关于2020年度政府信息公开工作的报告", "report"),
    ("关于2020年政府信息公开工作年度报告的解读", "not_report"),
    ("某某区开展政务公开检查情况的报告", "not_report"),
    ("某某市2020年法治政府建设年度报告", "not_report"),  # issue 15: not a disclosure report
])
def test_more_title_forms(title, verdict):
    assert title_verdict(title)[0] == verdict


def test_real_samples_are_not_reports():
    samples = Path(__file__).parent / "fixtures" / "samples"
    col = analyze_page((samples / "zj_fzggw_col_main_jpaas_unitbuild.html").read_bytes(),
                       url="https://fzggw.zj.gov.cn/col/col1229123351/index.html")
    assert col.kind == "other" and col.junk_reasons == []
    xml = analyze_page((samples / "hanweb_dataproxy_zhoushan_kjj.xml").read_bytes(),
                       url="http://kjj.zhoushan.gov.cn/module/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15")
    assert xml.kind == "other"
