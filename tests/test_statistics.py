"""Statistics tables of the national template (govcrawl/statistics.py): seeds, HTML fixtures, replica pages."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from govcrawl.analysis.statistics import long_rows, parse_statistics
from govcrawl.analysis.statistics.grid import table_grid
from govcrawl.analysis.statistics.schema import APP_COLS, Statistics, application_rows
from govcrawl.analysis.statistics.text_tables import text_counts
from govcrawl.analysis.statistics.values import norm, parse_value
from govcrawl.analysis.text import parse_html

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "govcrawl" / "replica" / "seeds"
FIX = Path(__file__).parent / "fixtures" / "statistics"


def seed(n: str) -> str:
    return next(SEEDS.glob(f"{n}_*.txt")).read_text(encoding="utf-8")


def fixture(name: str) -> tuple[str, dict]:
    return ((FIX / f"{name}.html").read_text(encoding="utf-8"),
            json.loads((FIX / f"{name}.expected.json").read_text(encoding="utf-8")))


def dotted(d: dict, path: str):
    for p in path.split("."):
        d = d[p]
    return d


# --------------------------------------------------------------------------- seed 000 (flattened, complete)
@pytest.fixture(scope="module")
def s000() -> Statistics:
    st = parse_statistics(seed("000"), 2020)
    assert st is not None
    return st


def test_seed000_figures(s000):
    d = s000.to_dict()
    app = d["applications"]
    assert app["new_received"]["total"] == 142
    assert app["carried_over"]["total"] == 6
    assert app["total_handled"]["total"] == 146
    assert app["carried_forward"]["total"] == 2
    assert app["new_received"]["natural_person"] == 120
    assert d["consistency_ok"] is True
    assert d["format"] == "2019" and d["source"] == "text"


def test_seed000_applications_every_cell_against_the_text(s000):
    # the numbers of section 三 in the order of the text, 7 per row, rows in the template's order
    text = seed("000")
    body = text[text.index("三、收到和处理政府信息公开申请情况"):text.index("四、政府信息公开行政复议")]
    nums = [int(l) for l in body.splitlines() if re.fullmatch(r"\d+", l.strip())]
    rows = application_rows("2019")
    assert len(nums) == 7 * len(rows)
    app = s000.tables["applications"]
    for i, key in enumerate(rows):
        assert [dotted(app, key)[c] for c in APP_COLS] == nums[7 * i:7 * i + 7], key
    assert app["results"]["unable_to_provide"]["not_held"] == {
        "natural_person": 80, "commercial_enterprise": 15, "research_institution": 0, "public_interest_org": 0,
        "legal_service_org": 0, "other_org": 0, "total": 95}
    assert app["results"]["other"]["total"] == 0  # 2019: 其他处理 is one row


def test_seed000_active_disclosure(s000):
    act = s000.tables["active_disclosure"]
    assert act["rules"] == {"new_made": 0, "new_published": 0, "total_published": 0}
    assert act["normative_documents"] == {"new_made": 17, "new_published": 17, "total_published": 400}
    assert act["licensing"] == {"prev_count": 5, "change": 4, "decisions": 20}
    assert act["other_services"] == {"prev_count": 7, "change": 8, "decisions": 5373}
    assert act["punishment"] == {"prev_count": 5, "change": 33, "decisions": 9}
    assert act["enforcement"] == {"prev_count": 0, "change": 0, "decisions": 0}
    assert act["procurement"] == {"items": 205, "amount": 10529.28}
    assert s000.raw["active_disclosure"] == {"procurement.items": "205项", "procurement.amount": "10529.28万元"}
    # (八): one number printed under two columns: which one is unknown
    assert "fees" not in act
    assert "1 cells for 2 columns" in s000.unparsed["active_disclosure.fees"]


def test_seed000_reviews_not_guessed(s000):
    # 11 numbers printed for the 15 cells of section 四: not parsed
    assert "reviews_litigation" not in s000.tables
    assert "11 of the 15 cells" in s000.unparsed["reviews_litigation"]


def test_seed000_checks(s000):
    # every sum holds; the 勾稽 rule fails in two applicant columns (one application moved from 自然人 to
    # 商业企业 between the rows) while the 总计 column balances: warnings, recorded with their cells
    assert s000.checks_run > 30
    assert all(c["severity"] == "warning" for c in s000.checks)
    assert {(c["rule"], c["cells"][0], c["expected"], c["found"]) for c in s000.checks} == {
        ("balance", "new_received.natural_person", 126, 125),
        ("balance", "new_received.commercial_enterprise", 22, 23)}
    assert s000.strictly_consistent is False and s000.consistency_ok is True


# --------------------------------------------------------------------------- seed 001 (blank cells dropped)
def test_seed001_text_is_not_guessed():
    st = parse_statistics(seed("001"), 2020)
    assert "applications" not in st.tables
    reason = st.unparsed["applications"]
    assert reason.startswith("flattened text") and "blank cells dropped" in reason
    assert "5 of 7 cells" in reason  # 一、本年新收: 240 4 1 1 246
    assert "reviews_litigation" in st.unparsed and "reviews_litigation" not in st.tables
    # section 二 has every cell: parsed
    assert st.tables["active_disclosure"]["licensing"] == {"prev_count": 1001, "change": -70, "decisions": 605986}
    assert st.consistency_ok is None  # nothing checkable was parsed
    assert st.to_dict()["applications"] is None


def test_seed001_as_html_parses_completely():
    html, exp = fixture("seed001")
    st = parse_statistics(html, 2020)
    assert st.source == "html" and st.format == "2019"
    assert st.tables["applications"] == exp["applications"]
    assert not st.unparsed and "applications" not in st.notes
    app = st.tables["applications"]
    assert app["new_received"] == {"natural_person": 240, "commercial_enterprise": 4, "research_institution": None,
                                   "public_interest_org": 1, "legal_service_org": None, "other_org": 1, "total": 246}
    assert app["results"]["not_disclosed"]["state_secret"] == dict.fromkeys(APP_COLS)  # all blank: None, not 0
    # the page leaves 上年结转's 总计 blank: flagged (as warnings: a total left empty), not corrected
    assert app["carried_over"]["total"] is None
    bad = {(c["rule"], c["cells"][-1], c["severity"]) for c in st.checks}
    assert bad == {("row_total", "carried_over.total", "warning"), ("balance", "carried_forward.total", "warning")}
    assert st.consistency_ok is True and st.strictly_consistent is False


# --------------------------------------------------------------------------- HTML fixtures
@pytest.mark.parametrize("name,fmt", [("report_2019", "2019"), ("report_2021", "2021")])
def test_html_fixture_parses_completely(name, fmt):
    html, exp = fixture(name)
    st = parse_statistics(html, 2020 if fmt == "2019" else 2022)
    assert st.format == fmt and st.source == "html"
    assert not st.unparsed, st.unparsed
    assert not st.notes, st.notes
    for t in ("applications", "active_disclosure", "reviews_litigation"):
        assert st.tables[t] == exp[t], t
    assert st.checks == [] and st.consistency_ok is True
    assert set(st.sources.values()) == {"html"}


def test_html_2019_empty_cells_and_placeholders():
    html, _ = fixture("report_2019")
    st = parse_statistics(html, 2020)
    app, act = st.tables["applications"], st.tables["active_disclosure"]
    assert app["new_received"]["research_institution"] is None          # blank cell
    assert app["carried_over"]["legal_service_org"] is None             # &nbsp;
    assert app["results"]["not_disclosed"]["state_secret"]["natural_person"] is None  # '—'
    assert app["results"]["not_processed"]["publications"]["total"] is None            # '/'
    assert app["results"]["disclosed"]["natural_person"] == 31                          # full-width digits
    assert act["rules"]["new_made"] == 0                                                # full-width ０
    assert act["fees"] == {"prev_count": None, "change": None}
    assert act["enforcement"]["change"] is None
    assert st.raw["applications"] == {"results.not_disclosed.state_secret.natural_person": "—",
                                      "results.not_processed.publications.total": "/"}
    assert st.raw["active_disclosure"]["fees.prev_count"] == "—"
    assert st.tables["reviews_litigation"]["litigation_direct"] == dict.fromkeys(
        ("upheld", "corrected", "other", "pending", "total"))


def test_html_2021_split_table_and_other_rows():
    html, _ = fixture("report_2021")
    assert html.count("<table") == 4  # section 三 is split over two tables
    st = parse_statistics(html, 2022)
    other = st.tables["applications"]["results"]["other"]
    assert set(other) == {"overdue_correction", "overdue_fee", "other"}
    assert other["overdue_correction"]["total"] == 6
    assert st.tables["active_disclosure"]["fees"] == {"amount": 12.35}
    assert st.tables["active_disclosure"]["licensing"] == {"decisions": 5123}
    assert st.tables["reviews_litigation"]["litigation_after_review"]["corrected"] is None


def test_arithmetic_error_is_flagged_with_its_cells():
    html, exp = fixture("arith_error_2019")
    st = parse_statistics(html, 2020)
    assert st.tables["applications"] == exp["applications"]  # printed values, not corrected
    assert st.consistency_ok is False
    by_rule = {c["rule"]: c for c in st.checks}
    assert set(by_rule) == {"row_total", "results_total", "balance"}
    assert all("total_handled.total" in c["cells"] for c in st.checks)
    assert by_rule["row_total"]["cells"][-1] == "total_handled.total"
    assert (by_rule["row_total"]["expected"], by_rule["row_total"]["found"]) == (71, 61)
    assert (by_rule["results_total"]["expected"], by_rule["results_total"]["found"]) == (71, 61)
    assert by_rule["balance"]["cells"] == ["new_received.total", "carried_over.total", "total_handled.total",
                                           "carried_forward.total"]


# --------------------------------------------------------------------------- replica pages
def _replica_page(items) -> str:
    return "<html><body><div>" + "\n".join(it[1] if isinstance(it, tuple) else f"<p>{it}</p>" for it in items) \
        + "</div></body></html>"


def _same(expected, got, blank_zero: bool) -> bool:
    if isinstance(expected, dict):
        return isinstance(got, dict) and set(expected) == set(got) and all(
            _same(expected[k], got[k], blank_zero) for k in expected)
    return expected == got or (blank_zero and expected == 0 and got is None)


@pytest.mark.parametrize("year,blank_zeros,error", [
    (2019, False, None), (2020, True, None), (2021, False, None), (2023, True, None),
    (2020, False, ("results.unable_to_provide.not_held", "natural_person", 3)),
    (2022, True, ("carried_forward", "total", -1)),
])
def test_replica_html_tables_round_trip(year, blank_zeros, error):
    content = pytest.importorskip("govcrawl.replica.content")
    pytest.importorskip("govcrawl.replica.stat_schema")
    truth: dict = {}
    try:
        items = content.national_template_body("某某局", "我局", year, "dept", random.Random(year), True,
                                               stats_out=truth, blank_zeros=blank_zeros, error=error)
    except TypeError:
        pytest.skip("replica without structured statistics")
    st = parse_statistics(_replica_page(items), year)
    assert st.format == truth["format"] and st.source == "html"
    assert not st.unparsed
    assert _same(truth["applications"], st.tables["applications"], blank_zeros)
    assert _same(truth["active_disclosure"], st.tables["active_disclosure"], blank_zeros)
    rl = truth.get("reviews_litigation", truth.get("review_litigation"))
    assert _same(rl, st.tables["reviews_litigation"], blank_zeros)
    if error is None:
        assert st.checks == [] and st.consistency_ok is True
    else:
        row, col, _ = error
        assert st.consistency_ok is False
        assert st.checks and all(f"{row}.{col}" in c["cells"] for c in st.checks)


def test_replica_ground_truth_pages():
    """Every replica report with statistics in its ground truth, served in-process (no socket)."""
    from urllib.parse import urlsplit

    replica = pytest.importorskip("govcrawl.replica")
    sites = pytest.importorskip("govcrawl.replica.router")
    http = pytest.importorskip("govcrawl.replica.http")
    from govcrawl.analysis.text import decode_body

    reports = [r for r in replica.load_ground_truth(all_portals=True)["reports"] if r.get("statistics")]
    if not reports:
        pytest.skip("ground truth without statistics")
    rep = sites.Replica()
    for r in reports:
        u = urlsplit(r["url"])
        resp = rep.respond(http.Request("GET", u.netloc, u.path + (f"?{u.query}" if u.query else ""), {}))
        text, _ = decode_body(resp.body, resp.content_type)
        st = parse_statistics(text, r.get("report_year"))
        truth = json.loads(json.dumps(r["statistics"]))
        for table, row, col in r.get("statistics_blank_cells") or []:  # printed empty: None in the data
            dotted(truth["applications" if table == "applications" else table], row)[col] = None
        assert st.format == truth["format"], r["url"]
        assert _same(truth["applications"], st.tables["applications"], True), r["url"]
        assert _same(truth["active_disclosure"], st.tables["active_disclosure"], True), r["url"]
        rl = truth.get("reviews_litigation", truth.get("review_litigation"))
        assert _same(rl, st.tables["reviews_litigation"], True), r["url"]
        errors = [c for c in st.checks if c["severity"] == "error"]
        if r.get("statistics_errors"):
            e = r["statistics_errors"][0]
            assert errors and all(f"{e['row']}.{e['column']}" in c["cells"] for c in errors), r["url"]
        else:
            assert not errors and st.consistency_ok is True, r["url"]


def test_replica_flattened_text_pages():
    content = pytest.importorskip("govcrawl.replica.content")
    items = content.national_template_body("某某局", "我局", 2020, "dept", random.Random(7), False)
    st = parse_statistics(_replica_page(items), 2020)
    assert st.source == "text" and st.format == "2019"
    assert set(st.tables) == {"applications", "active_disclosure", "reviews_litigation"}
    assert st.consistency_ok is True


def test_traditional_page():
    import opencc

    html, exp = fixture("report_2021")
    st = parse_statistics(opencc.OpenCC("s2t").convert(html), 2022)
    assert st.format == "2021" and st.tables["applications"] == exp["applications"]


# --------------------------------------------------------------------------- pre-2019 text
def test_seed003_traditional_text_counts():
    st = parse_statistics(seed("003"), 2018)
    assert st.format == "text" and st.source == "text" and not st.tables
    tc = st.text_counts
    assert tc["received"] == 215
    assert tc["answered"] == 249
    assert tc["disclosed"] == 53 and tc["not_disclosed"] == 56 and tc["already_public"] == 2
    assert tc["reviews"] == 1
    assert tc["lawsuits"] == 0  # 没有发生因政府信息公开提起的行政诉讼
    assert st.consistency_ok is None


def test_seed002_text_counts():
    tc = parse_statistics(seed("002"), 2017).text_counts
    assert tc["disclosed"] == 12940 and tc["partially_disclosed"] == 2174 and tc["not_disclosed"] == 2333
    assert tc["reviews"] == 1586 and tc["lawsuits"] == 1134


def test_text_counts_rules():
    assert text_counts("2016年共收到政府信息公开申请80件,其中同意公开42件,不同意公开4件。") == {
        "received": 80, "disclosed": 42, "not_disclosed": 4}
    assert "received" not in text_counts("受理依申请公开约150件")  # approximate: not a clear count
    assert text_counts("因政府信息公开申请行政复议0件,提起行政诉讼3件。") == {"reviews": 0, "lawsuits": 3}


def test_no_statistics():
    assert parse_statistics(seed("004"), 2021) is None  # a work plan
    assert parse_statistics("") is None
    assert parse_statistics("<html><body><p>通知</p><table><tr><td>a</td><td>1</td></tr></table></body></html>") is None


# --------------------------------------------------------------------------- API pieces
def test_to_dict_and_long_rows(s000):
    d = s000.to_dict()
    assert {"format", "source", "applications", "active_disclosure", "reviews_litigation", "unparsed", "checks",
            "consistency_ok", "text_counts"} <= set(d)
    json.dumps(d, ensure_ascii=False)
    rows = long_rows(s000)
    assert ("applications", "results.not_disclosed.state_secret", "natural_person", 0) in rows
    assert ("applications", "new_received", "total", 142) in rows
    assert ("active_disclosure", "procurement", "amount", 10529.28) in rows
    assert len([r for r in rows if r[0] == "applications"]) == 7 * len(application_rows("2019"))
    html, _ = fixture("report_2021")
    rows21 = long_rows(parse_statistics(html))
    assert ("applications", "results.other.overdue_fee", "total", 1) in rows21
    assert len([r for r in rows21 if r[0] == "reviews_litigation"]) == 15


def test_values_and_grid():
    assert parse_value("１２") == (12, True)
    assert parse_value("—") == (None, False)
    assert parse_value("\xa0") == (None, True)
    assert parse_value("-70") == (-70, True)
    assert parse_value("205项") == (205, False)
    assert parse_value("1,234") == (1234, False)
    assert parse_value("约5") == (None, False)
    assert norm("（一）予以公开 ") == "(一)予以公开"
    root = parse_html('<table><tr><td rowspan="2">a</td><td colspan="2">b</td></tr><tr><td>c</td><td>d</td></tr></table>')
    grid = table_grid(root.xpath("//table")[0])
    assert [[c.text for c in r] for r in grid] == [["a", "b", "b"], ["a", "c", "d"]]
    assert [[c.origin for c in r] for r in grid] == [[True, True, False], [False, True, True]]
