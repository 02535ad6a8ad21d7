"""The five seed texts (govcrawl/replica/seeds), as plain text and wrapped in portal-like markup."""
import html as htmlmod
import re
from pathlib import Path

import pytest

from govcrawl.analysis.page import analyze_page

SEEDS = Path(__file__).parents[1] / "govcrawl" / "replica" / "seeds"


def seed(prefix: str) -> str:
    return next(SEEDS.glob(prefix + "_*.txt")).read_text("utf-8")


def check_000(pa):
    assert pa.kind == "annual_report"
    assert pa.report_year == 2020
    assert pa.publisher == "浙江省发展和改革委员会"
    assert pa.written_date == "2021-01-22" and pa.sources["written_date"] == "signature"
    assert pa.published_date == "2021-01-29"
    assert pa.title == "浙江省发展和改革委员会2020年政府信息公开工作年度报告"
    assert pa.index_no is None and pa.doc_no is None


def check_001(pa):
    assert pa.kind == "annual_report"
    assert pa.report_year == 2020
    assert pa.published_date == "2021-01-28"
    assert pa.title == "舟山市人民政府政府信息公开工作年度报告(2020年度)"


def check_002_text(pa):
    assert pa.kind == "junk"
    names = {r.split(":")[0] for r in pa.junk_reasons}
    assert {"commerce_navigation", "contact_form", "fake_contacts"} <= names
    assert any("产品中心" in r and "订购" in r for r in pa.junk_reasons)


def check_003(pa):
    assert pa.kind == "annual_report"
    assert pa.report_year == 2018
    assert pa.index_no == "002489444/2019-255897"
    assert pa.publisher == "市发改委"
    assert pa.original.get("publisher") == "市發改委"
    assert pa.written_date == "2019-01-07"
    assert pa.doc_no == "杭发改〔2020〕0号" and pa.original.get("doc_no") == "杭發改〔2020〕0號"
    assert pa.extra.get("disclosure_mode") == "主动公开" and pa.extra.get("subject") == "其他"
    assert any(d.startswith("doc_no year 2020 != report_year 2018") for d in pa.disagreements)
    assert any(d.startswith("written_date year 2019 != report_year 2018") for d in pa.disagreements)
    assert pa.sources["index_no"] == pa.sources["publisher"] == pa.sources["written_date"] == "table"


def check_004(pa):
    assert pa.kind == "other"
    assert pa.report_year is None
    assert any("工作要点" in r for r in pa.classification_reasons)


@pytest.mark.parametrize("prefix,check", [
    ("000", check_000), ("001", check_001), ("002", check_002_text), ("003", check_003), ("004", check_004)])
def test_seed_plain_text(prefix, check):
    check(analyze_page(seed(prefix), url=None))


def test_seed_bytes_input():
    check_000(analyze_page(seed("000").encode("gb18030"), content_type="text/html; charset=gbk"))
    check_003(analyze_page(seed("003").encode("utf-8")))


# --- seeds wrapped in jcms article markup ------------------------------------------------

HEADER_RE = re.compile(r"^[•·]?\s*(?:日期|发布日期|來源|来源|浏览次数|瀏覽次數|字体|字體)\s*[:：]")


def jcms_page(text: str, title: str, site: str, domain: str, pubdate: str | None = None, source: str | None = None,
              footer: bool = True) -> str:
    esc = htmlmod.escape
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    try:
        t_idx = lines.index(title)
    except ValueError:
        t_idx = -1
    nav = lines[:t_idx] if t_idx > 0 else []
    rest = lines[t_idx + 1:] if t_idx >= 0 else lines
    header, rows, paras = [], [], []
    for ln in rest:
        if " | " in ln or ln.endswith(" |"):
            cells = [c.strip() for c in ln.strip(" |").split("|")]
            rows.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
        elif HEADER_RE.match(ln) and not paras:
            header.append(f"<span>{esc(ln.lstrip('•· '))}</span>")
        elif ln == site and not paras:
            continue
        else:
            paras.append(ln)
    # closing signature: trailing short lines (organisation, date) right-aligned
    body = []
    for i, p in enumerate(paras):
        tail = i >= len(paras) - 4 and len(p) <= 20
        style = ' style="text-align:right"' if tail else ' style="text-indent:2em"'
        body.append(f"<p{style}>{esc(p)}</p>")
    metas = [f'<meta name="ArticleTitle" content="{esc(title)}">', f'<meta name="SiteName" content="{esc(site)}">',
             f'<meta name="SiteDomain" content="{domain}">', '<meta name="SiteIDCode" content="3300000020">']
    if pubdate:
        metas.append(f'<meta name="PubDate" content="{pubdate}">')
    if source:
        metas.append(f'<meta name="ContentSource" content="{esc(source)}">')
    foot = ('<div class="footer">主办：' + esc(site) + ' 网站标识码：3300000020 浙ICP备05007728号</div>') if footer else ""
    return f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>{esc(title)}</title>{''.join(metas)}<script src="/script/webglobal.js"></script></head><body>
<div class="top"><a href="/">首页</a><a href="/col/col1229/">信息公开</a>{''.join(f'<a href="#">{esc(n)}</a>' for n in nav)}</div>
<div class="wz-con"><div class="con">
{('<table class="xxgktab">' + ''.join(rows) + '</table>') if rows else ''}
<p class="con-title">{esc(title)}</p>
<div class="small-title clearfix">{''.join(header)}</div>
<div class="main-txt" id="zoom">{''.join(body)}</div>
</div></div>{foot}</body></html>"""


SITE = "浙江省发展和改革委员会"


def test_seed_000_html():
    t = "浙江省发展和改革委员会2020年政府信息公开工作年度报告"
    html = jcms_page(seed("000"), t, SITE, "fzggw.zj.gov.cn", "2021-01-29 15:25", SITE)
    pa = analyze_page(html.encode("utf-8"), url="https://fzggw.zj.gov.cn/art/2021/1/29/art_1229123366_4435013.html",
                      content_type="text/html; charset=UTF-8")
    check_000(pa)
    assert pa.sources["title"] == "meta" and pa.sources["published_date"] == "header"
    assert pa.junk_reasons == []


def test_seed_001_html():
    t = "舟山市人民政府政府信息公开工作年度报告(2020年度)"
    html = jcms_page(seed("001"), t, "舟山市人民政府", "www.zhoushan.gov.cn", "2021-01-28 09:00")
    pa = analyze_page(html, url="http://www.zhoushan.gov.cn/art/2021/1/28/art_1229341006_3654289.html")
    check_001(pa)


def test_seed_003_html_big5_gate():
    t = "杭州市發展和改革委員會2018年政務公開工作總結報告"
    html = jcms_page(seed("003"), t, "杭州市發展和改革委員會", "drc.hangzhou.gov.cn")
    raw = html.replace("charset=UTF-8", "charset=big5").encode("big5hkscs", "replace")
    pa = analyze_page(raw, url="http://www.hangzhou.gov.cn/gate/big5/drc.hangzhou.gov.cn/art/2019/1/8/art_1229_255897.html")
    check_003(pa)
    assert pa.title == "杭州市发展和改革委员会2018年政务公开工作总结报告" and pa.original["title"] == t
    assert pa.junk_reasons == []


def test_seed_004_html():
    t = "浙江省人民政府办公厅关于印发2021年浙江省政务公开工作要点的通知"
    html = jcms_page(seed("004"), t, "浙江省人民政府", "www.zj.gov.cn", "2021-05-18 10:00", "浙江省人民政府办公厅")
    pa = analyze_page(html, url="https://www.zj.gov.cn/art/2021/5/18/art_1229019365_2287812.html")
    check_004(pa)
    assert pa.published_date == "2021-05-18"


SEED2_TITLE = "浙江省2017年政府信息公开工作年度报告"


def test_seed_002_on_shop_host_is_junk():
    html = jcms_page(seed("002"), SEED2_TITLE, "华为手机套批发", "www.hwsjt-shop.com", footer=False)
    pa = analyze_page(html, url="http://www.hwsjt-shop.com/product/hwsjt/1234.html")
    assert pa.kind == "junk"
    names = {r.split(":")[0] for r in pa.junk_reasons}
    assert {"non_government_host", "commerce_navigation", "contact_form", "fake_contacts"} <= names


def test_seed_002_text_on_government_page_is_a_report():
    # the same text on a government host: host signal is negative, a report there is never junk
    html = jcms_page(seed("002"), SEED2_TITLE, "浙江省人民政府", "www.zj.gov.cn", "2018-05-02 10:00")
    pa = analyze_page(html, url="https://www.zj.gov.cn/art/2018/5/2/art_1229019365_1234567.html")
    assert pa.kind == "annual_report" and pa.report_year == 2017
    assert pa.title == SEED2_TITLE
    # but the shop signals are still recorded for review
    assert any(r.startswith("commerce_navigation") for r in pa.junk_reasons)


def test_seed_002_genuine_report_body_on_clean_gov_page():
    lines = [ln for ln in seed("002").splitlines() if len(ln) > 200]
    html = jcms_page(SEED2_TITLE + "\n" + "\n".join(lines), SEED2_TITLE, "浙江省人民政府", "www.zj.gov.cn", "2018-05-02 10:00")
    pa = analyze_page(html, url="https://www.zj.gov.cn/art/2018/5/2/art_1229019365_1234567.html")
    assert pa.kind == "annual_report" and pa.junk_reasons == [] and pa.report_year == 2017
    assert pa.published_date == "2018-05-02" and pa.sources["published_date"] == "meta"
