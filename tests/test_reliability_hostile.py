"""Issue 17, case 6: the analysis is linear or bounded on hostile pages (what each bound does; the time and
memory figures are asserted by benchmarks/hostile_bench.py, not here)."""

from __future__ import annotations

import re

from lxml import html as lxml_html

from govcrawl.analysis import junk
from govcrawl.analysis.page import ANALYSIS_MAX_BYTES, analyze_page, bounded_prefix
from govcrawl.analysis.statistics.grid import MAX_CELLS, MAX_COLUMNS, table_grid


def test_fake_email_found_around_each_at_as_the_whole_text_regex_would():
    for text in ("请联系 admin@example.com 获取", "邮箱：some.one+x@test.net。", "无地址", "a@b.c", "x" * 200 + "@baidu.com",
                 "正常邮箱 office@zj.gov.cn", "@example.com", "多个 a@zj.gov.cn 和 b@yourdomain.cn"):
        whole = junk.FAKE_EMAIL_RE.search(text)
        found = junk.fake_email(text)
        assert (found is None) == (whole is None), text
        if whole:
            assert whole.group(0).endswith(found) or found.endswith(whole.group(0)[-64:])


def test_fake_email_on_a_long_unpunctuated_paragraph_looks_only_near_the_at():
    calls = []
    real = junk.FAKE_EMAIL_RE

    class Spy:
        def search(self, text, start=0, end=None):
            calls.append((end if end is not None else len(text)) - start)
            return real.search(text, start, len(text) if end is None else end)

    junk.FAKE_EMAIL_RE = Spy()
    try:
        text = "abcdefghij数据" * 10_000 + "@" + "abcdefghij" * 7_000
        assert junk.fake_email(text) is None
    finally:
        junk.FAKE_EMAIL_RE = real
    assert calls and max(calls) <= 104  # each search sees a window, never the 190,000 characters


def test_table_grid_is_bounded_under_huge_spans():
    cells = "".join(f'<td rowspan="99999" colspan="99999">{i}</td>' for i in range(12))
    table = lxml_html.fromstring(f"<table>{''.join(f'<tr>{cells}</tr>' for _ in range(200))}</table>")
    grid = table_grid(table)
    assert max(len(row) for row in grid) <= MAX_COLUMNS
    assert sum(len(row) for row in grid) <= MAX_CELLS + MAX_COLUMNS


def test_table_grid_of_an_ordinary_table_is_unchanged():
    table = lxml_html.fromstring('<table><tr><td rowspan="2">a</td><td colspan="2">b</td></tr>'
                                 '<tr><td>c</td><td>d</td></tr></table>')
    assert [[c.text for c in row] for row in table_grid(table)] == [["a", "b", "b"], ["a", "c", "d"]]


def test_a_page_over_the_bound_is_analysed_on_a_prefix_cut_before_a_tag():
    head = "<html><head><meta charset='gbk'><title>浙江省2023年政府信息公开工作年度报告</title></head><body><div id='zoom'>"
    para = "<p>本报告根据《中华人民共和国政府信息公开条例》编制。本年度共收到申请。</p>\n"
    page = (head + para * (ANALYSIS_MAX_BYTES // len(para.encode("gbk")) + 500)).encode("gbk")
    prefix, whole = bounded_prefix(page)
    assert whole == len(page) and len(prefix) <= ANALYSIS_MAX_BYTES and prefix.endswith(b"\n")
    prefix.decode("gbk")  # never cut inside a character
    result = analyze_page(page, url="http://www.zj.gov.cn/art/2024/1/1/art_1_1.html")
    assert result.kind == "annual_report" and result.title == "浙江省2023年政府信息公开工作年度报告"
    assert any(re.match(r"analysed on its first [\d,]+ of [\d,]+ bytes", r) for r in result.classification_reasons)
    small, none = bounded_prefix(b"<html></html>")
    assert small == b"<html></html>" and none is None
