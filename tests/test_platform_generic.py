"""Portals off the known platforms (spiders/generic.py): a list that a script fetches as JSON once the page has
loaded is read only when it has loaded, however slow its answer (within the bound), and a list that never loads is
a failure of the portal with its reason, never an empty list. The portal is held out: served by a replica the test
starts, named by a registry entry with neither ``needs_browser`` nor ``list_selector``, so the spider finds by
itself that the page builds its list by script."""

from __future__ import annotations

import re

import pytest
from scrapy.http import HtmlResponse

from spiders.generic import REPORT_LINK_TEXT, REPORT_LINKS_GROW_JS, _report_links, _script_built
from tests.platforms import FIELDS, crawl_portals

SPEC = {"platform": "generic", "list_loader": "xhr", "host": "www.xiangyun.gov.cn", "name": "祥云县人民政府",
        "colid": 1229700001, "start": "column", "years": (2019, 2024)}
LIST_JSON = r"/list\.json"


def mismatches(run: dict) -> list:
    """tests.platforms.mismatches, on the fields a Zhejiang-shaped held-out portal's ground truth has (it names no
    reporting body: its reports are all the portal's own)."""
    rows = {r["url"]: r for r in run["rows"]}
    expected = {r["url"]: r for r in run["gt"]["reports"]}
    out = [("missing", u) for u in sorted(set(expected) - set(rows))]
    out += [("unexpected", u) for u in sorted(set(rows) - set(expected))]
    for url in set(rows) & set(expected):
        out += [(url, f, rows[url][f], expected[url][f]) for f in FIELDS
                if f in expected[url] and rows[url][f] != expected[url][f]]
    return out


def _column_page() -> HtmlResponse:
    from govcrawl.replica.server import ReplicaServer

    with ReplicaServer(port=0, extra_sites=[SPEC]) as server:
        import urllib.request

        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": server.proxy_url}))
        url = "http://www.xiangyun.gov.cn/col/col1229700001/index.html"
        body = opener.open(url, timeout=10).read()
    return HtmlResponse(url, body=body, encoding="utf-8")


def test_the_plain_page_is_seen_as_script_built_with_no_report_link_of_its_own():
    page = _column_page()
    assert _script_built(page)
    assert _report_links(page) == 0
    # the browser's test and the plain page's count the same links
    assert re.search(r"/(.+)/\.test", REPORT_LINKS_GROW_JS).group(1) == REPORT_LINK_TEXT.pattern


def test_report_links_counts_titles_and_text():
    page = HtmlResponse("http://a.gov.cn/", encoding="utf-8", body="""<html><body>
      <a href="/a">首页</a><a href="/b">政府信息公开年报</a><a href="/c" title="2023年度報告">詳情</a>
      <a>年度报告 (no href)</a></body></html>""".encode())
    assert _report_links(page) == 2


@pytest.mark.e2e
@pytest.mark.browser
def test_a_list_fetched_slowly_as_json_is_read_once_it_has_loaded(tmp_path):
    """The list's JSON takes 3 s: the render waits for it (waiting for any link would read the page's menu, and the
    list would come back empty), and every report is found with its fields."""
    run = crawl_portals(tmp_path, [SPEC], faults={SPEC["host"]: ("slow", {"path": LIST_JSON, "delay": 3})})
    assert run["result"].returncode == 0, run["result"].stdout[-2000:] + run["result"].stderr[-3000:]
    assert mismatches(run) == [] and len(run["rows"]) == len(run["gt"]["reports"]) == 6
    (health,) = run["stats"]["portals"]
    assert health["ok"] and health["reports"] == 6, health
    assert any(url.endswith("list.json?_isJson=true&page=1") for _, url in run["requests"])


@pytest.mark.e2e
@pytest.mark.browser
def test_a_list_that_never_loads_fails_the_portal_with_its_reason(tmp_path):
    """The JSON answers 500: the page renders with an empty list. That is the portal's failure, named, with a
    non-zero exit; not a portal with no reports."""
    run = crawl_portals(tmp_path, [SPEC], faults={SPEC["host"]: ("http500", {"path": LIST_JSON})})
    assert run["result"].returncode == 1, run["result"].stdout[-2000:] + run["result"].stderr[-3000:]
    (health,) = run["stats"]["portals"]
    assert not health["ok"] and health["reports"] == 0, health
    assert any("built by JavaScript did not load" in p for p in health["problems"]), health
    assert "did not load: no a report link beyond the 0 the page has without JavaScript within 15 s" in \
        run["result"].stderr
    assert run["rows"] == []
