"""Field extraction over the markups of docs/page-conventions.md and saved fixture pages."""
from pathlib import Path

import pytest

from govcrawl.analysis.dates import parse_date
from govcrawl.analysis.fields import signature
from govcrawl.analysis.page import analyze_page

PAGES = Path(__file__).parent / "fixtures" / "pages"


def load(name: str) -> bytes:
    return (PAGES / name).read_bytes()


@pytest.mark.parametrize("s,expected", [
    ("2021-01-29 15:25", "2021-01-29"),
    ("2021年1月29日", "2021-01-29"),
    ("2021/1/29", "2021-01-29"),
    ("2021.01.29", "2021-01-29"),
    ("２０２１年１月２９日", "2021-01-29"),
    ("二〇二一年一月二十二日", "2021-01-22"),
    ("二○二○年十二月三十一日", "2020-12-31"),
    ("2021 年 3 月 5 日", "2021-03-05"),
    ("2021-13-01", None),
    ("无", None),
    (None, None),
])
def test_parse_date(s, expected):
    assert parse_date(s) == expected


def test_signature_formats():
    assert signature(["正文。", "浙江省发展和改革委员会", "2021年1月22日", "打印 关闭"]) == ("2021-01-22", "浙江省发展和改革委员会")
    assert signature(["正文。", "某某县人民政府", "二〇二一年一月二十二日"]) == ("2021-01-22", "某某县人民政府")
    assert signature(["正文。", "浙江省人民政府办公厅", "2021年5月12日", "抄送：省委各部门。", "2021年5月17日印发"])[0] == "2021-05-12"
    assert signature(["没有落款的正文。"]) == (None, None)
    assert signature(["正文。", "浙江省发展和改革委员会 2021年1月22日", "打印 关闭"]) == ("2021-01-22", "浙江省发展和改革委员会")
    assert signature(["正文。", "某某县人民政府办公室　二〇二一年一月五日"]) == ("2021-01-05", "某某县人民政府办公室")
    assert signature(["正文。", "截至2020年12月31日"]) == (None, None)


def test_traditional_header_labels():
    pa = analyze_page("某某縣統計局2020年政府信息公開工作年度報告\n發佈日期：2021年1月28日　來源：縣統計局\n根據條例編製本報告。")
    assert pa.published_date == "2021-01-28" and pa.publisher == "县统计局" and pa.original["publisher"] == "縣統計局"
    assert pa.title == "某某县统计局2020年政府信息公开工作年度报告" and pa.report_year == 2020


EXPECTED = {
    "v1_xxgktab_report.html": dict(
        title="义乌市财政局2020年政府信息公开工作年度报告", report_year=2020, index_no="11330782002580888X/2021-00123",
        publisher="义乌市财政局", written_date="2021-01-15", published_date="2021-01-20", doc_no=None,
        sources=dict(title="meta", index_no="table", publisher="table", written_date="table", published_date="header",
                     report_year="title"),
        extra=dict(subject="政府信息公开年报", disclosure_mode="主动公开")),
    "v2_list_report_gbk.html": dict(
        title="温州市鹿城区人民政府政府信息公开工作年度报告（2019年度）", report_year=2019, index_no="002482410/2020-00045",
        publisher="温州市鹿城区人民政府办公室", written_date="2020-03-20", published_date="2020-03-25", doc_no=None,
        extra=dict(subject="综合政务", disclosure_mode="主动公开")),
    "v3_traditional_big5.html": dict(
        title="杭州市城乡建设委员会2020年政府信息公开工作年度报告", report_year=2020, index_no="002489444/2020-301122",
        publisher="市建委", written_date="2021-01-25", published_date=None, doc_no="杭建委〔2021〕3号",
        original=dict(title="杭州市城鄉建設委員會2020年政府信息公開工作年度報告", doc_no="杭建委〔2021〕3號"),
        extra=dict(subject="城乡建设", disclosure_mode="主动公开")),
    "v4_lines_report.html": dict(
        title="2020年度苍南县灵溪镇政府信息公开工作报告", report_year=2020, index_no="330327000/2021-12345",
        publisher="苍南县灵溪镇人民政府", written_date="2021-03-10", published_date=None, doc_no="灵政〔2021〕15号",
        extra=dict(subject="政务公开", disclosure_mode="主动公开")),
    "report_title_tag_only.html": dict(
        title="宁波市江北区人民政府办公室2019年政务公开工作总结报告", report_year=2019, index_no=None,
        publisher="宁波市江北区人民政府办公室", written_date="2020-01-20", published_date="2020-01-21",
        # no 发布机构 / 来源 printed: the publisher is the reporting body the title names (issue 15's convention)
        sources=dict(title="title", written_date="signature", publisher="reporting_body", published_date="header")),
    "report_cn_numerals_gb2312.html": dict(
        title="龙泉市住龙镇二〇二〇年政府信息公开工作年度报告", report_year=2020, publisher="住龙镇",
        written_date="2021-02-01", published_date="2021-02-03"),
    "gov_report_lottery_words.html": dict(
        publisher="浙江省民政厅", written_date="2021-01-27", published_date="2021-01-28",
        sources=dict(publisher="header", written_date="signature", published_date="header")),
    "notice_compile.html": dict(
        index_no="000000/2021-00001", doc_no="杭政办函〔2021〕1号", publisher="杭州市人民政府办公厅",
        written_date="2021-01-04", published_date="2021-01-05", sources=dict(published_date="meta")),
    "news_meeting.html": dict(publisher="市政府办公室", published_date="2021-03-15", written_date=None),
    "jiedu.html": dict(published_date=None),  # the related-links list below the body does not count
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_fields(name):
    pa = analyze_page(load(name), url=None)
    d = pa.to_dict()
    for key, val in EXPECTED[name].items():
        if key in ("sources", "original", "extra"):
            for k, v in val.items():
                assert d[key].get(k) == v, (name, key, k, d[key])
        else:
            assert d[key] == val, (name, key, d[key])


# --- inline markup variants --------------------------------------------------

def art(block: str = "", header: str = "", body: str = "<p>正文内容。</p>", metas: str = "",
        title: str = "某某县统计局2020年政府信息公开工作年度报告") -> str:
    return (f"<html><head><meta charset='utf-8'><title>{title}</title>{metas}</head><body>"
            f"<div class='nav'><a href='/'>首页</a></div>{block}<h1>{title}</h1>{header}"
            f"<div id='zoom'>{body}</div><div class='foot'>网站标识码：3300000001</div></body></html>")


def test_v1_table_with_written_and_doc_no_labels_variants():
    block = ("<table class='xxgktab'><tr><td>索引号：</td><td>ABC123/2021-0001</td><td>主题分类：</td><td>其他</td></tr>"
             "<tr><td>发文机关：</td><td>某某县统计局</td><td>成文日期：</td><td>2021年1月8日</td></tr>"
             "<tr><td>发文字号：</td><td>某统〔2021〕2号</td><td>公开方式：</td><td>主动公开</td></tr></table>")
    pa = analyze_page(art(block=block))
    assert (pa.index_no, pa.publisher, pa.written_date, pa.doc_no) == (
        "ABC123/2021-0001", "某某县统计局", "2021-01-08", "某统〔2021〕2号")
    assert pa.extra == {"subject": "其他", "disclosure_mode": "主动公开"}
    assert pa.sources["doc_no"] == "table"


def test_label_cells_without_colon():
    block = "<table><tr><td>索引号</td><td>X1/2020-5</td><td>发布机构</td><td>某某局</td></tr></table>"
    pa = analyze_page(art(block=block))
    assert pa.index_no == "X1/2020-5" and pa.publisher == "某某局"


def test_v2_list_half_width_colons_and_label_span():
    block = ("<div class='xxgk_top'><ul><li><span class='label'>索引号:</span><span>33/2021-77</span></li>"
             "<li><span class='label'>发布单位:</span><span>某某镇人民政府</span></li>"
             "<li><span class='label'>生成日期:</span><span>2021/2/3</span></li>"
             "<li><span class='label'>文件编号:</span><span></span></li></ul></div>")
    pa = analyze_page(art(block=block))
    assert (pa.index_no, pa.publisher, pa.written_date, pa.doc_no) == ("33/2021-77", "某某镇人民政府", "2021-02-03", None)


def test_v3_traditional_labels_and_values():
    block = ("<table><tr><td>索引號:</td><td>002489444/2019-255897</td><td>公開方式:</td><td>主動公開</td></tr>"
             "<tr><td>文號:</td><td>杭發改〔2020〕0號</td><td>成文日期:</td><td>2019-01-07</td></tr>"
             "<tr><td>發布單位:</td><td>市發改委</td><td>主題分類:</td><td>其他</td></tr></table>")
    pa = analyze_page(art(block=block, title="杭州市發展和改革委員會2018年政務公開工作總結報告"))
    assert pa.title == "杭州市发展和改革委员会2018年政务公开工作总结报告"
    assert pa.publisher == "市发改委" and pa.doc_no == "杭发改〔2020〕0号" and pa.index_no == "002489444/2019-255897"
    assert pa.original["publisher"] == "市發改委" and pa.original["doc_no"] == "杭發改〔2020〕0號"
    assert pa.extra["disclosure_mode"] == "主动公开" and pa.original["disclosure_mode"] == "主動公開"
    assert "index_no" not in pa.original
    assert pa.report_year == 2018
    assert "doc_no year 2020 != report_year 2018" in pa.disagreements


def test_v4_lines_nbsp_br_mixed_colons():
    block = ("<div class='info'>索引号：330100/2020-0042&nbsp;&nbsp;&nbsp;发布单位: 某某区发改局<br>"
             "成文日期：2020-01-21&nbsp;&nbsp;文号：区发改〔2020〕5号&nbsp;&nbsp;&nbsp;公开方式：主动公开</div>")
    pa = analyze_page(art(block=block))
    assert (pa.index_no, pa.publisher, pa.written_date, pa.doc_no) == (
        "330100/2020-0042", "某某区发改局", "2020-01-21", "区发改〔2020〕5号")
    assert pa.extra["disclosure_mode"] == "主动公开"


def test_v4_single_spaces_between_pairs():
    block = "<p>索引号：A/2020-1 发布机构：某局 成文日期：2020年12月1日 文号：某〔2020〕1号</p>"
    pa = analyze_page(art(block=block))
    assert (pa.index_no, pa.publisher, pa.written_date, pa.doc_no) == ("A/2020-1", "某局", "2020-12-01", "某〔2020〕1号")


def test_meta_and_header_sources_and_order():
    metas = ('<meta name="ArticleTitle" content="某某县统计局2020年政府信息公开工作年度报告">'
             '<meta name="PubDate" content="2021-01-30 10:00"><meta name="ContentSource" content="县统计局">')
    # header wins over meta for published date; 来源 header wins over ContentSource
    header = "<div class='small-title'><span>日期:2021-01-29 15:25</span><span>来源:某某县统计局</span></div>"
    pa = analyze_page(art(header=header, metas=metas))
    assert pa.published_date == "2021-01-29" and pa.sources["published_date"] == "header"
    assert pa.publisher == "某某县统计局" and pa.sources["publisher"] == "header"
    assert pa.sources["title"] == "meta"
    # without the header: meta
    pa2 = analyze_page(art(metas=metas))
    assert pa2.published_date == "2021-01-30" and pa2.sources["published_date"] == "meta"
    assert pa2.publisher == "县统计局" and pa2.sources["publisher"] == "meta"


def test_block_publisher_beats_header_source_and_written_beats_signature():
    block = "<table><tr><td>发布机构：</td><td>某某县统计局</td><td>成文日期：</td><td>2021-01-05</td></tr></table>"
    header = "<p>发布日期：2021-01-06　信息来源：办公室</p>"
    body = "<p>正文。</p><p style='text-align:right'>某某县统计局</p><p style='text-align:right'>2021年1月4日</p>"
    pa = analyze_page(art(block=block, header=header, body=body))
    assert pa.publisher == "某某县统计局" and pa.sources["publisher"] == "table"
    assert pa.written_date == "2021-01-05" and pa.sources["written_date"] == "table"
    assert pa.published_date == "2021-01-06"


def test_signature_date_when_no_block():
    body = "<p>正文。</p><p style='text-align:right'>某某县统计局</p><p style='text-align:right'>二〇二一年一月二十二日</p>"
    pa = analyze_page(art(body=body))
    assert pa.written_date == "2021-01-22" and pa.sources["written_date"] == "signature"
    # the title names the body too: the publisher is the reporting body (the signature is the last resort)
    assert pa.publisher == "某某县统计局" and pa.sources["publisher"] == "reporting_body"
    untitled = analyze_page(art(title="政府信息公开工作年度报告", body=body))
    assert untitled.publisher == "某某县统计局" and untitled.sources["publisher"] == "signature"


def test_header_labels_do_not_match_inside_words():
    body = "<p>资金来源：财政拨款。截止日期：2021-03-01。</p>"
    pa = analyze_page(art(body=body))
    assert pa.published_date is None
    assert pa.publisher != "财政拨款" and pa.sources.get("publisher") not in ("header", "table")


def test_no_metadata_at_all():
    pa = analyze_page("某某县统计局2020年政府信息公开工作年度报告\n根据条例编制本报告。")
    assert (pa.index_no, pa.written_date, pa.published_date, pa.doc_no) == (None,) * 4
    # no label: the publisher is the body the title names
    assert pa.reporting_body == pa.publisher == "某某县统计局" and pa.sources["publisher"] == "reporting_body"
    assert pa.title == "某某县统计局2020年政府信息公开工作年度报告" and pa.report_year == 2020


def test_real_sample_article_xxgktab():
    raw = (Path(__file__).parent / "fixtures" / "samples" / "zj_fzggw_article_xxgktab.html").read_bytes()
    pa = analyze_page(raw, url="https://fzggw.zj.gov.cn/col/col1229123351/art/2026/art_937add6719f140bdac86d5b97c525d28.html")
    assert pa.kind == "other"
    assert pa.index_no == "11330000002482031M/2026-1010578183"
    assert pa.publisher == "浙江省发改委" and pa.written_date == "2026-06-02"
    assert pa.doc_no == "浙发改能源〔2026〕116号" and pa.published_date == "2026-06-05"
    assert pa.title.startswith("省发展改革委关于印发") and pa.sources["title"] == "meta"
    assert pa.extra.get("subject") == "行政规范性文件" and pa.extra.get("validity") == "有效"


def test_to_dict_keys_order():
    d = analyze_page(load("v1_xxgktab_report.html")).to_dict()
    assert list(d)[:16] == ["kind", "junk_reasons", "title", "report_year", "index_no", "publisher", "reporting_body",
                            "written_date",
                            "published_date", "doc_no", "sources", "original", "disagreements",
                            "classification_reasons", "junk_score", "extra"]
    import json

    json.dumps(d, ensure_ascii=False)


def test_jpaas_page_without_zoom_and_time_label():
    html = ("<html><head><meta charset='utf-8'><title>某某县卫生健康局2021年政府信息公开工作年度报告</title>"
            "<meta name='SiteIDCode' content='3311000012'></head><body>"
            "<div class='article'><div class='tit'>某某县卫生健康局2021年政府信息公开工作年度报告</div>"
            "<div class='sub'>[ 时间：2022-01-25 ]  [ 来源单位：县卫生健康局 ]</div>"
            "<div class='article-conter'><p>根据《中华人民共和国政府信息公开条例》，编制本报告。</p><p>一、总体情况</p>"
            "<p>2021年，我局扎实推进政务公开。</p><p>某某县卫生健康局</p><p>2022年1月20日</p></div></div>"
            "<script src='/footer.js'></script></body></html>")
    pa = analyze_page(html, url="http://www.xx.gov.cn/art/2022/1/25/art_1_2.html")
    assert pa.kind == "annual_report" and pa.report_year == 2021
    assert pa.published_date == "2022-01-25" and pa.publisher == "县卫生健康局"
    assert pa.written_date == "2022-01-20" and pa.sources["written_date"] == "signature"


def test_spaced_labels_and_fullwidth_digits():
    block = "<table><tr><td>索 引 号：</td><td>A2/2020-9</td><td>文　　号：</td><td>某〔２０２０〕３号</td></tr></table>"
    pa = analyze_page(art(block=block))
    assert pa.index_no == "A2/2020-9" and pa.doc_no == "某〔２０２０〕３号"
