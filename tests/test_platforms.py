"""Platform list parsing, on the real samples in tests/fixtures/samples/."""

import json
from pathlib import Path

from govcrawl.crawl.spider import _is_attachment
from spiders.jcms import parse_datastore
from spiders.jpaas import parse_query_data, parse_unit_html

SAMPLES = Path(__file__).parent / "fixtures" / "samples"


def test_jcms_dataproxy_sample():
    entries, params, total = parse_datastore((SAMPLES / "hanweb_dataproxy_zhoushan_kjj.xml").read_text())
    assert total == 3432
    assert entries[0] == (
        "/art/2017/5/24/art_1312722_7744076.html",
        "舟山市科技局关于对2017年省重点研发计划项目经费使用监督检查的通知",
        "2017-05-24",
    )
    assert len(entries) == 3
    assert params["columnid"] == "1220132" and params["webid"] == "1934" and params["_path"] == "./dataproxy.jsp"


def test_jpaas_column_shell_and_unit_api_samples():
    html = (SAMPLES / "zj_fzggw_col_main_jpaas_unitbuild.html").read_text()
    import re

    query = parse_query_data(re.search(r'queryData="(\{[^"]+\})"', html).group(1))
    assert query["pageId"] == "1229565788" and query["webId"] == "3185"
    data = json.loads((SAMPLES / "zj_fzggw_jpaas_unit_api.json").read_text())
    entries, pager = parse_unit_html(data["data"]["html"])
    assert pager == {"rows": 15, "count": 388, "pageno": 1}
    assert entries[0][0] == "/col/col1229123351/art/2026/art_937add6719f140bdac86d5b97c525d28.html"
    assert entries[0][2] == "2026-06-05"
    assert any(href.startswith("//fzggw.zj.gov.cn/art/") for href, _, _ in entries)


def test_attachment_links():
    assert _is_attachment("http://www.zj.gov.cn/module/download/downfile.jsp?classid=0&filename=2201234.pdf")
    assert _is_attachment(
        "http://fzggw.zj.gov.cn/api-gateway/jpaas-web-server/front/document/download?fileUrl=x&fileName=a.wps"
    )
    assert _is_attachment("http://x.gov.cn/picture/0/report.PDF")
    assert not _is_attachment("http://x.gov.cn/art/2021/1/1/art_1_2.html")


def test_attachment_hint_sees_every_spelling_of_an_attachment_link():
    """Pages are parsed for attachment links only when their bytes name an attachment extension."""
    from govcrawl.crawl.spider import ATTACHMENT_HINT, _is_attachment

    for link in ("/module/download/a.PDF", "/x/report.docx", "/down?fileName=a.ofd", "/a%2Epdf", "/a&#46;xls"):
        assert ATTACHMENT_HINT.search(f'<a href="{link}">附件</a>'.encode())
    assert not ATTACHMENT_HINT.search('<a href="/art/2024/1/1/art_1_2.html">年报</a> 文件.html'.encode())
    # whatever _is_attachment accepts, the hint has seen
    for url in ("http://x.gov.cn/a/b.wps", "http://x.gov.cn/download?filename=c.rar"):
        assert _is_attachment(url) and ATTACHMENT_HINT.search(url.encode())
