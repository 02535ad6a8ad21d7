"""The "Ucap" family (spiders/ucap.py): the real samples (gov.cn's metadata table and UCAP-CONTENT body, the
es-search loader, the observed list endpoints), and portals nobody showed the spider, crawled from a registry entry
alone and from their home URL alone (``platform = "auto"``)."""

from __future__ import annotations

from pathlib import Path

from govcrawl.analysis.page import analyze_page

SAMPLES = Path(__file__).parent / "fixtures" / "platforms" / "ucap"


def govcn_content_page() -> str:
    """Fragment (B) of the real gov.cn sample: the ``table.bd1`` metadata table, then ``td#UCAP-CONTENT``."""
    src = (SAMPLES / "govcn_xxgk_fragments.html").read_text(encoding="utf-8")
    return "<html><head><meta charset=\"utf-8\"></head><body>" + src[src.index("<!-- (B) -->"):] + "</body></html>"


def test_the_real_govcn_metadata_table_is_read():
    """The cells of the real table sit on separate source lines: a line break between two cells is no line break on
    the page, so every label meets its value (索 引 号 / 发文机关 / 成文日期 / 发文字号 / 发布日期)."""
    a = analyze_page(govcn_content_page().encode("utf-8"), url="http://www.gov.cn/zhengce/content/2018-12/29/content_5353307.htm")
    assert (a.index_no, a.publisher, a.written_date, a.doc_no, a.published_date) == (
        "000014349/2018-00222", "国务院", "2018-12-21", "国发〔2018〕43号", "2018-12-29")
    assert {a.sources[f] for f in ("index_no", "publisher", "written_date", "doc_no", "published_date")} == {"table"}
    # the body is the UCAP-CONTENT cell: its text starts with the document's own heading, not the metadata
    assert a.text.startswith("国务院关于在海南博鳌乐城国际医疗旅游先行区")
