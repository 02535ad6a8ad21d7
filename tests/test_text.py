"""Decoding, visible text and script helpers (govcrawl/text.py)."""
import codecs

from govcrawl.analysis.text import (
    decode_body,
    html_to_text,
    is_traditional,
    looks_like_html,
    to_simplified,
)

ZH = "浙江省发展和改革委员会2020年政府信息公开工作年度报告。根据《中华人民共和国政府信息公开条例》的要求，现将我委2020年度相关工作情况报告如下："
ZH_TRAD = "杭州市發展和改革委員會2018年政務公開工作總結報告。為貫徹落實《中華人民共和國政府信息公開條例》，編製了本報告，報告中所列數據的統計期限自2018年1月1日起。"
GB18030_ONLY = "镕堃喆䶮𠀾"  # not in GB2312 (some not even in GBK)


def page(body: str, charset: str | None) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    return f"<html><head>{meta}<title>t</title></head><body><div id='zoom'><p>{body}</p></div></body></html>"


def test_gbk_page_declaring_gbk():
    raw = page(ZH, "gbk").encode("gbk")
    text, enc = decode_body(raw, "text/html; charset=GBK")
    assert ZH in text and enc == "gb18030"


def test_gb2312_declaration_with_gb18030_only_characters():
    raw = page(ZH + GB18030_ONLY, "gb2312").encode("gb18030")
    text, enc = decode_body(raw, "text/html; charset=gb2312")
    assert GB18030_ONLY in text and enc == "gb18030"


def test_utf8_body_header_says_gbk():
    raw = page(ZH, "gbk").encode("utf-8")
    text, enc = decode_body(raw, "text/html; charset=gbk")
    assert ZH in text and enc == "utf-8"


def test_gbk_body_meta_says_utf8():
    raw = page(ZH, "utf-8").encode("gbk")
    text, enc = decode_body(raw, None)
    assert ZH in text and enc == "gb18030"


def test_gbk_body_header_utf8_meta_gb2312():
    raw = page(ZH, "gb2312").encode("gbk")
    text, enc = decode_body(raw, "text/html;charset=UTF-8")
    assert ZH in text and enc == "gb18030"


def test_big5_page():
    raw = page(ZH_TRAD, "big5").encode("big5")
    text, enc = decode_body(raw, "text/html")
    assert ZH_TRAD in text and enc.startswith("big5")


def test_big5_page_without_declaration():
    raw = page(ZH_TRAD, None).encode("big5")
    text, enc = decode_body(raw)
    assert ZH_TRAD in text and enc.startswith("big5")


def test_gbk_page_without_declaration():
    raw = page(ZH, None).encode("gbk")
    text, enc = decode_body(raw)
    assert ZH in text and enc == "gb18030"


def test_utf8_with_bom():
    raw = codecs.BOM_UTF8 + page(ZH, "gbk").encode("utf-8")
    text, enc = decode_body(raw, "text/html; charset=gbk")
    assert ZH in text and not text.startswith("\ufeff") and enc.startswith("utf-8")


def test_ascii_and_garbage_do_not_crash():
    assert decode_body(b"<html>hello</html>")[0] == "<html>hello</html>"
    text, _ = decode_body(b"\xff\xfe\x00<html>" + "报告".encode("utf-8") + b"\x81")
    assert isinstance(text, str)


def test_html_to_text_blocks_scripts_nbsp():
    html = ("<html><head><title>T</title><style>p{color:red}</style></head><body>"
            "<script>var x='脚本';</script><div>第一行&nbsp;&nbsp;文字</div><p>第二<b>行</b></p>"
            "<ul><li>甲</li><li>乙</li></ul>一<br>二<div style='display:none'>隐藏</div>"
            "<table><tr><td>索引号：</td><td>001/2020-1</td></tr></table></body></html>")
    lines = html_to_text(html).splitlines()
    assert "第二行" in lines and "甲" in lines and "乙" in lines and "一" in lines and "二" in lines
    assert any(l.startswith("第一行") and "\xa0" not in l for l in lines)
    assert "索引号： | 001/2020-1" in lines
    joined = "\n".join(lines)
    assert "脚本" not in joined and "color" not in joined and "隐藏" not in joined and "T" not in lines


def test_html_to_text_on_plain_text_is_identity_like():
    assert html_to_text("标题\n\n  正文  \n") == "标题\n正文"


def test_looks_like_html():
    assert looks_like_html("<!DOCTYPE html><html><body>x</body></html>")
    assert looks_like_html("<div class='a'>报告</div>")
    assert not looks_like_html("浙江省2017年政府信息公开工作年度报告\n产品中心 > 华为手机套 >")
    assert not looks_like_html("a < b and c > d")


def test_to_simplified_and_is_traditional():
    assert to_simplified("索引號 發布單位 杭發改〔2020〕0號") == "索引号 发布单位 杭发改〔2020〕0号"
    assert is_traditional(ZH_TRAD)
    assert not is_traditional(ZH)
    assert not is_traditional("")
    assert not is_traditional("2020-01-01 | 002489444/2019-255897")


def test_the_statutory_deadline_follows_the_body_else_the_portal_level():
    import datetime as dt

    from govcrawl.analysis.dates import report_deadline

    assert report_deadline("东莱市人民政府", "department", 2021)[0] == dt.date(2022, 3, 31)   # a government
    assert report_deadline("东莱市海洋发展和渔业局", "city", 2021)[0] == dt.date(2022, 1, 31)  # a department
    assert report_deadline("某某街道办事处", None, 2021)[0] == dt.date(2022, 1, 31)
    assert report_deadline(None, "department", 2021)[0] == dt.date(2022, 1, 31)
    assert report_deadline(None, "county", 2021) == (dt.date(2022, 3, 31), "by the portal's level (county): 31 March")


def test_the_label_variants_table_is_opencc_s_own_for_every_label_character():
    """Labels match in Traditional script through a table of OpenCC's forms (govcrawl/analysis/label_variants.json),
    kept so that no process loads OpenCC's s2t dictionaries (~40 MB) to build the label patterns. It must say what
    OpenCC says, for every label character: `python -m govcrawl.analysis.labels` writes it again."""
    import json
    import subprocess
    import sys

    from govcrawl.analysis import labels

    table = json.loads(labels.VARIANTS_FILE.read_text(encoding="utf-8"))
    assert sorted(table) == labels.label_characters()
    assert table == {ch: labels.opencc_variants(ch) for ch in labels.label_characters()}
    assert table["发"] == "發發發" and table["机"] == "機機機"
    # a process that imports the analysis builds its patterns without OpenCC's s2t converters
    probe = ("import govcrawl.analysis.page, govcrawl.analysis.labels as L; "
             "print(L._s2t_converters.cache_info().misses, bool(L.LABEL_RE.search('發佈機構：某某局')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", "True"]
