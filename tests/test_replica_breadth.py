"""The replica's breadth portals, platform quirks, statistics tables and held-out portal hook (127.0.0.1 only)."""
from __future__ import annotations

import html
import json
import re
import ssl
import time
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

from govcrawl.replica import ReplicaServer, load_ground_truth
from govcrawl.replica.breadth import (
    BREADTH_SITES,
    SITES,
    heldout_ground_truth,
    heldout_registry_toml,
)
from govcrawl.replica.content import seed_text, to_simplified
from govcrawl.replica.router import Replica
from govcrawl.replica.stat_schema import (
    COLUMN_KEYS,
    application_row_keys,
    balance_errors,
    get_dotted,
)
from govcrawl.replica.truth import breadth_registry_toml
from tests.test_replica import _NoRedirect, charset_of, fetch, text_of

GT = load_ground_truth(all_portals=True)
NAV = re.compile(r"年报|年度报告")


@pytest.fixture(scope="module")
def srv():
    with ReplicaServer(port=0, extra_sites=[]) as s:
        yield s


@pytest.fixture(scope="module")
def opener(srv):
    return _opener(srv)


def _opener(srv):
    """The replica as the proxy for http and https (CONNECT), trusting the replica's CA."""
    tls = ssl.create_default_context(cafile=srv.ca_path)
    return urllib.request.build_opener(urllib.request.ProxyHandler({"http": srv.proxy_url, "https": srv.proxy_url}),
                                       urllib.request.HTTPSHandler(context=tls), _NoRedirect)


def links(page: str, base: str) -> list[tuple[str, str]]:
    out = []
    for href, inner in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', page, re.S):
        out.append((urllib.parse.urljoin(base, html.unescape(href)), re.sub(r"<[^>]+>|\s", "", html.unescape(inner))))
    return out


def column_items(gt, key):
    return {r["url"] for r in gt["reports"] if r["portal"] == key} | {
        n["url"] for n in gt["non_reports"] if n["portal"] == key}


# ------------------------------------------------------------------ ground truth and registry data
def test_breadth_ground_truth_and_registry_file():
    assert len(BREADTH_SITES) >= 20
    import tomllib

    # the shipped registry names every breadth portal exactly as the generator describes it
    generated = {e["slug"]: e for e in tomllib.loads(breadth_registry_toml())["portal"]}
    shipped = Path(__file__).resolve().parent.parent / "govcrawl" / "replica" / "portals.toml"
    entries = {e["slug"]: e for e in tomllib.loads(shipped.read_text(encoding="utf-8"))["portal"] if e["slug"] in generated}
    assert entries == generated
    assert set(entries) == set(BREADTH_SITES)
    levels = {e["level"] for e in entries.values()}
    assert levels == {"city", "county", "department"}
    assert {e["platform"] for e in entries.values()} == {"jcms", "jpaas"}
    assert sum(e["platform"] == "jcms" for e in entries.values()) > len(entries) / 2
    assert all(e.get("parent") for e in entries.values() if e["level"] == "department")
    xxgk = [k for k, e in entries.items() if e["start_urls"][0] == BREADTH_SITES[k].xxgk_url]
    assert len(xxgk) > len(entries) * 0.8
    for k, e in entries.items():
        p = GT["portals"][k]
        assert (p["level"], p["region"], p["platform"], p["start_url"]) == (
            e["level"], e["region"], e["platform"], e["start_urls"][0])
    cities = {"www.hangzhou.gov.cn", "www.ningbo.gov.cn", "www.wenzhou.gov.cn", "www.jiaxing.gov.cn",
              "www.huzhou.gov.cn", "www.sx.gov.cn", "www.jinhua.gov.cn", "www.qz.gov.cn", "www.zjtz.gov.cn",
              "www.lishui.gov.cn"}
    assert cities <= {s.host for s in BREADTH_SITES.values()}


def test_year_ranges_and_title_forms():
    years = {k: sorted(r["report_year"] for r in GT["reports"] if r["portal"] == k) for k in BREADTH_SITES}
    assert len({(y[0], y[-1]) for y in years.values()}) >= 5  # varied ranges
    assert years["deqing"][0] == 2019  # a county that began in 2019
    assert 2017 not in years["lishui"] and years["lishui"] == sorted(set(years["lishui"]))  # a missing year
    assert all(len(set(y)) == len(y) for y in years.values())
    titles = [r["title"] for r in GT["reports"] if r["portal"] in BREADTH_SITES]
    forms = {
        "prefix": r"\d{4}年政府信息公开工作年度报告$",
        "suffix": r"政府信息公开工作年度报告\(\d{4}年度\)$",
        "suffix_fullwidth": r"政府信息公开工作年度报告（\d{4}年度）$",
        "year_first": r"^\d{4}年度.*政府信息公开工作报告$",
        "summary": r"\d{4}年政务公开工作总结报告$",
        "cn_numerals": r"[〇一二三四五六七八九]{4}年政府信息公开工作年度报告$",
    }
    for name, rx in forms.items():
        assert any(re.search(rx, t) for t in titles), name
    kinds = {n["note"] for n in GT["non_reports"] if n["portal"] in BREADTH_SITES}
    assert {"work plan", "notice about the annual reports", "news", "解读 of an annual report"} <= kinds


def test_default_ground_truth_follows_the_shipped_registry():
    import tomllib
    from pathlib import Path

    shipped = tomllib.loads((Path(__file__).parent.parent / "govcrawl/replica/portals.toml").read_text(encoding="utf-8"))
    registered = {e["slug"] for e in shipped.get("portal", []) + shipped.get("channel", [])}
    gt = load_ground_truth()
    assert set(gt["portals"]) <= registered | {"web_search"}
    assert {"zj_gov", "zj_fzggw", "zhoushan", "hz_drc", "web_search"} <= set(gt["portals"])
    assert {r["portal"] for r in gt["reports"]} <= set(gt["portals"])


def test_replica_builds_fast():
    t = time.perf_counter()
    Replica()
    assert time.perf_counter() - t < 1.5


# ------------------------------------------------------------------ navigation
@pytest.mark.parametrize("key", sorted(BREADTH_SITES))
def test_column_reachable_from_the_disclosure_home(opener, key):
    site = BREADTH_SITES[key]
    s, h, b = fetch(opener, f"{site.origin}/")
    assert s == 200 and site.xxgk_url in [u for u, t in links(text_of(h, b), f"{site.origin}/") if t == "政府信息公开"]
    s, h, b = fetch(opener, f"{site.origin}/robots.txt")
    assert s == 200 and b"User-agent" in b
    # breadth-first over navigation links (report-list wording, or the 法定主动公开内容 page)
    frontier, seen, depth = [site.xxgk_url], set(), None
    for d in range(1, 3):
        nxt = []
        for url in frontier:
            s, h, b = fetch(opener, url)
            assert s == 200, url
            for u, t in links(text_of(h, b), url):
                if u in seen or not u.startswith(f"{site.origin}/"):
                    continue
                if NAV.search(t) or t == "法定主动公开内容":
                    seen.add(u)
                    nxt.append(u)
                    if u == site.column_url and NAV.search(t):
                        depth = depth or d
        frontier = nxt
    assert depth == (2 if site.nested else 1), key
    # the disclosure home itself names the column only when not nested, and no page's top navigation does
    s, h, b = fetch(opener, site.xxgk_url)
    assert (site.column_url in [u for u, _ in links(text_of(h, b), site.xxgk_url)]) == (not site.nested)


# ------------------------------------------------------------------ jcms paging
def _jcms_links(text):
    return re.findall(r'<a href="(/art/[^"]+)"', text)


def _dataproxy(opener, site, path, start, per):
    form = (f"col=1&appid=1&webid={site.webid}&path=/&columnid={site.colid}&sourceContentType=1"
            f"&unitid={site.unitid}&webname={urllib.parse.quote(site.name)}&permissiontype=0").encode()
    url = f"{site.origin}{path}?startrecord={start}&endrecord={start + per - 1}&perpage={per}"
    s, h, b = fetch(opener, url, data=form)
    assert s == 200
    xml = b.decode(charset_of(h))
    return _jcms_links(xml), int(re.search(r"<totalrecord>(\d+)</totalrecord>", xml).group(1))


JCMS = sorted(k for k, s in BREADTH_SITES.items() if s.cms == "jcms")


@pytest.mark.parametrize("key", JCMS)
def test_jcms_dataproxy_covers_every_record(opener, key):
    site = BREADTH_SITES[key]
    s, h, b = fetch(opener, site.column_url)
    col = text_of(h, b)
    assert f"perPage: {site.per_page}" in col and f"proxyUrl: '{site.proxy_paths[0]}'" in col
    embedded = _jcms_links(col.split("<recordset>")[1].split("</recordset>")[0])
    expected = {u.split(site.host, 1)[1] for u in column_items(GT, key)}
    for path in ("/module/jpage/dataproxy.jsp", "/module/web/jpage/dataproxy.jsp"):
        if path not in site.proxy_paths:
            assert fetch(opener, f"{site.origin}{path}?startrecord=1&endrecord=5&perpage=5", data=b"col=1")[0] == 404
            continue
        seen, start = [], 1
        while True:
            got, total = _dataproxy(opener, site, path, start, site.per_page)
            if not got or (seen and got[0] == seen[0]):
                break
            seen += got
            start += site.per_page
        if site.quirk == "repeat_page1":
            # every page asked is page 1; the column page embeds every record instead
            assert seen == embedded[:site.per_page] and total == len(expected) > 2 * site.per_page
            assert _dataproxy(opener, site, path, 1 + 2 * site.per_page, site.per_page)[0] == seen
            assert len(embedded) == len(expected) and set(embedded) == expected
        else:
            assert seen[:site.per_page] == embedded and len(embedded) == min(site.per_page, len(expected))
            assert len(seen) == len(set(seen)) == total and set(seen) == expected
    assert sum(-(-len(column_items(GT, k)) // BREADTH_SITES[k].per_page) >= 3 for k in JCMS) >= 5


# ------------------------------------------------------------------ JPaaS paging
JPAAS = sorted(k for k, s in BREADTH_SITES.items() if s.cms == "jpaas")


@pytest.mark.parametrize("key", JPAAS)
def test_jpaas_unit_api_covers_every_record(opener, key):
    site = BREADTH_SITES[key]
    s, h, b = fetch(opener, site.column_url)
    col = b.decode("utf-8")
    assert f"'pageId':'{site.colid}'" in col and "bt-left" not in col
    base = {"parseType": "bulidstatic", "webId": site.webid, "tplSetId": site.tplsetid, "pageType": "column",
            "tagId": "信息列表", "editType": "null", "pageId": site.colid}
    seen, n = [], 1
    while True:
        q = dict(base, paramJson=json.dumps({"pageNo": n, "pageSize": 15}))
        s, h, b = fetch(opener, f"{site.origin}/api-gateway/jpaas-publish-server/front/page/build/unit?"
                        + urllib.parse.urlencode(q))
        page_html = json.loads(b)["data"]["html"]
        got = re.findall(r'<a class="bt-left" title="[^"]*" href="([^"]+)"', page_html)
        if not got:
            break
        rows = int(re.search(r'rows="(\d+)"', page_html).group(1))
        assert rows == (10 if site.quirk == "jpaas_max10" else 15) and len(got) <= rows
        seen += got
        n += 1
    absolute = {(f"{site.scheme}:" + u) if u.startswith("//") else f"{site.origin}{u}" for u in seen}
    assert len(seen) == len(absolute) and absolute == column_items(GT, key)
    if site.quirk == "jpaas_max10":
        assert n - 1 >= 2 and len(seen) > 10


# ------------------------------------------------------------------ statistics tables
class _Grid(HTMLParser):
    """Every <table> of a page as a grid of cell texts, rowspan/colspan expanded."""

    def __init__(self):
        super().__init__()
        self.tables, self._t, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._t = {"rows": [], "spans": {}}
        elif tag == "tr" and self._t is not None:
            self._t["rows"].append([])
        elif tag == "td" and self._t is not None:
            self._cell = ["", int(a.get("rowspan", 1)), int(a.get("colspan", 1))]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._t["rows"][-1].append(tuple(self._cell))
            self._cell = None
        elif tag == "table" and self._t is not None:
            self.tables.append(_expand(self._t["rows"]))
            self._t = None


def _expand(rows):
    grid, pending = [], {}
    for r, row in enumerate(rows):
        out, c, cells = [], 0, list(row)
        while cells or (r, c) in pending:
            if (r, c) in pending:
                out.append(pending.pop((r, c)))
                c += 1
                continue
            text, rs, cs = cells.pop(0)
            for dc in range(cs):
                out.append(text.strip() if dc == 0 else "")
                for dr in range(1, rs):
                    pending[(r + dr, c + dc)] = ""
            c += cs
        grid.append(out)
    return grid


def applications_grid(page: str):
    p = _Grid()
    p.feed(page)
    table = next(t for t in p.tables if t and t[0] and t[0][0].startswith("申请人情况"))
    return [row[-7:] for row in table[2:]]


STAT_REPORTS = [r for r in GT["reports"] if r.get("statistics")]


def test_statistics_ground_truth_shape():
    assert len(STAT_REPORTS) >= 60
    fmts = {r["statistics"]["format"] for r in STAT_REPORTS}
    assert fmts == {"2019", "2021"}
    for r in STAT_REPORTS:
        st = r["statistics"]
        assert st["format"] == ("2021" if r["report_year"] >= 2021 else "2019")
        for k in application_row_keys(st["format"]):
            assert set(get_dotted(st["applications"], k)) == set(COLUMN_KEYS)
    errors = [r for r in STAT_REPORTS if r.get("statistics_errors")]
    assert len(errors) == 1
    for r in STAT_REPORTS:
        bad = balance_errors(r["statistics"])
        assert bool(bad) == bool(r.get("statistics_errors")), (r["url"], bad)


def test_statistics_tables_match_ground_truth(opener):
    blank_seen = zero_seen = False
    for r in STAT_REPORTS:
        s, h, b = fetch(opener, r["url"])
        page = html.unescape(b.decode(charset_of(h)))
        if "/gate/big5/" in r["url"]:
            page = to_simplified(page)
        else:
            assert "（七）总计" in page or "(七)总计" in page
        st = r["statistics"]
        grid = applications_grid(page)
        keys = application_row_keys(st["format"])
        assert len(grid) == len(keys), r["url"]
        for k, row in zip(keys, grid):
            want = get_dotted(st["applications"], k)
            for col, cell in zip(COLUMN_KEYS, row):
                blank_seen |= cell == ""
                zero_seen |= cell == "0"
                assert (int(cell) if cell else None) == want[col], (r["url"], k, col, cell, want[col])
    assert blank_seen and zero_seen


def test_the_arithmetic_error_is_really_on_the_page(opener):
    r = next(x for x in STAT_REPORTS if x.get("statistics_errors"))
    err = r["statistics_errors"][0]
    s, h, b = fetch(opener, r["url"])
    grid = applications_grid(html.unescape(b.decode(charset_of(h))))
    keys = application_row_keys(r["statistics"]["format"])
    rows = {k: dict(zip(COLUMN_KEYS, (int(c or 0) for c in row))) for k, row in zip(keys, grid)}
    col = err["column"]
    printed = rows[err["row"]][col]
    assert printed == err["printed"] != err["expected"]
    column_sum = sum(rows[k][col] for k in keys if k.startswith("results."))
    assert column_sum == err["expected"] != printed
    assert rows["new_received"][col] + rows["carried_over"][col] != printed + rows["carried_forward"][col]
    assert sum(v for c, v in rows[err["row"]].items() if c != "total") != rows[err["row"]]["total"]


def test_seed_001_tables_keep_the_seed_cells(opener):
    r = next(x for x in GT["reports"] if x["portal"] == "zhoushan" and x["report_year"] == 2020)
    s, h, b = fetch(opener, r["url"])
    page = html.unescape(b.decode("gbk"))
    p = _Grid()
    p.feed(page)
    # the non-empty cells, row by row, are the seed's flattened lines in order (labels and numbers)
    lines = [l.strip() for l in seed_text("001").splitlines() if l.strip()]
    i2, i5 = lines.index("第二十条第(一)项"), lines.index("五、存在的主要问题及改进情况")
    seed_cells = [l for l in lines[i2:i5] if not l.startswith(("三、收到", "(本列数据", "四、政府信息公开行政"))]
    cells = [c for t in p.tables for row in t for c in row if c]  # spans expand to ""
    assert cells == seed_cells
    st = r["statistics"]
    app = st["applications"]
    assert app["new_received"]["total"] == 246 and app["total_handled"]["total"] == 243
    assert app["carried_over"]["natural_person"] == 3 and app["carried_over"]["total"] is None  # blank on the page
    assert app["new_received"]["research_institution"] is None and st["active_disclosure"]["rules"]["new_made"] == 0
    assert balance_errors(st) == []


# ------------------------------------------------------------------ held-out portal hook
SPEC = {"host": "www.xianju.gov.cn", "name": "仙居县人民政府", "colid": "1229457001", "years": [2017, 2024],
        "missing": [2019], "per_page": 4}


def test_heldout_portal_served_with_its_own_ground_truth(tmp_path, monkeypatch):
    gt = heldout_ground_truth(SPEC)
    (key,) = gt["portals"]
    assert key not in SITES and key not in GT["portals"]
    assert sorted(r["report_year"] for r in gt["reports"]) == [2017, 2018, 2020, 2021, 2022, 2023, 2024]
    assert "www.xianju.gov.cn" not in ReplicaServer(extra_sites=[]).hosts
    registry = heldout_registry_toml(SPEC)
    assert f'slug = "{key}"' in registry and gt["portals"][key]["start_url"] in registry
    spec_file = tmp_path / "extra.toml"
    spec_file.write_text('[[site]]\nhost = "www.xianju.gov.cn"\nname = "仙居县人民政府"\ncolid = "1229457001"\n'
                         'years = [2017, 2024]\nmissing = [2019]\nper_page = 4\n', encoding="utf-8")
    monkeypatch.setenv("GOVCRAWL_REPLICA_EXTRA", str(spec_file))
    with ReplicaServer(port=0) as srv:
        op = _opener(srv)
        start = gt["portals"][key]["start_url"]
        s, h, b = fetch(op, start)
        assert s == 200
        col = next(u for u, t in links(text_of(h, b), start) if NAV.search(t))
        assert col == gt["portals"][key]["column_url"]
        site = srv.replica.sites[key]
        seen, n = [], 1
        while True:
            got, total = _dataproxy(op, site, "/module/jpage/dataproxy.jsp", n, 4)
            if not got:
                break
            seen += got
            n += 4
        assert {f"{site.origin}{p}" for p in seen} == column_items(gt, key)
        for r in gt["reports"]:
            s, h, b = fetch(op, r["url"])
            assert s == 200 and r["title"] in text_of(h, b) and r["index_no"] in text_of(h, b)
        assert fetch(op, "https://www.zj.gov.cn/robots.txt")[0] == 200  # the shipped portals are still there
