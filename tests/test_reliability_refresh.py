"""Issue 17, case 5: lost reports are never silent.

On the replica, three reports of zj_gov answer with a meta refresh: to another of its reports (followed, and
recorded on what it reached), to the portal's list page (not followed: the page is dropped saying where it
pointed, and the list page is never stored as a report) and to another host (not followed, dropped alike).
One report of zhoushan is over the download size cap: its portal fails, naming it (not only a warning).
Every article the listings named ends as a report, a drop or a counted failure.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from govcrawl.crawl.ledger import refresh_target
from govcrawl.replica.server import ReplicaServer

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parent.parent
LIST = "https://www.zj.gov.cn/col/col1229019383/index.html"  # the column (www.zj.gov.cn serves https)


def _refresh(to: str) -> dict:
    return {"text": f'<head><meta http-equiv="refresh" content="0; url={to}">', "replace": "<head>"}


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory, ground_truth):
    work = tmp_path_factory.mktemp("refresh")
    reports = sorted((r["report_year"], r["url"]) for r in ground_truth["reports"] if r["portal"] == "zj_gov")
    to_report, to_list, to_other_host = reports[-1][1], reports[-2][1], reports[-3][1]
    target = reports[0][1]
    edits = {to_report: _refresh(target), to_list: _refresh(LIST), to_other_host: _refresh("http://www.example.com/x.html")}
    big = sorted(r["url"] for r in ground_truth["reports"] if r["portal"] == "zhoushan")[0]
    with ReplicaServer(port=0, edits=edits) as srv:
        srv.set_fault("www.zhoushan.gov.cn", "huge", path=big.split("www.zhoushan.gov.cn", 1)[1].replace(".", r"\."))
        env = dict(os.environ, PYTHONPATH=str(REPO))
        result = subprocess.run(
            [sys.executable, "-m", "govcrawl", "crawl", "--portal", "zj_gov", "--portal", "zhoushan", "--proxy",
             srv.proxy_url, "--ca-file", srv.ca_path, "--db", f"sqlite:///{work / 'db.sqlite3'}",
             "--warc-dir", str(work / "warc"),
             "--stats-json", str(work / "stats.json")],
            cwd=work, env=env, capture_output=True, text=True, timeout=300)
    con = sqlite3.connect(work / "db.sqlite3")
    stored = {url: json.loads(reasons) for url, reasons in con.execute("select url, classification_reasons from reports")}
    drops = {url: json.loads(reasons) for url, reasons in con.execute("select url, reasons from drops")}
    con.close()
    health = {h["portal"]: h for h in json.loads((work / "stats.json").read_text())["portals"]}
    return {"result": result, "reports": stored, "drops": drops, "health": health, "to_report": to_report,
            "to_list": to_list, "to_other_host": to_other_host, "target": target, "big": big, "gt": ground_truth}


def test_a_refresh_within_the_portal_is_followed_and_recorded(refreshed):
    target = refreshed["target"]
    assert target in refreshed["reports"]  # what it led to is a report (reached twice: from its listing, and so)
    assert f"{refreshed['to_report']} answers with a meta refresh to {target}: followed" in refreshed["result"].stderr
    assert refreshed["health"]["zj_gov"]["stats"].get("govcrawl/refresh_followed") == 1


@pytest.mark.parametrize("which, why", [("to_list", "one of the portal's list pages"),
                                        ("to_other_host", "another host than the portal's")])
def test_a_refresh_not_followed_is_a_drop_saying_where_it_pointed(refreshed, which, why):
    url = refreshed[which]
    assert url in refreshed["drops"], f"{url} vanished"
    assert why in refreshed["drops"][url][0] and "meta refresh to" in refreshed["drops"][url][0]
    assert url not in refreshed["reports"]


def test_the_list_page_is_never_stored_as_a_report(refreshed):
    assert LIST not in refreshed["reports"]


def test_every_article_of_the_portal_ends_somewhere(refreshed):
    zj = refreshed["health"]["zj_gov"]
    assert zj["ok"], zj["problems"]
    assert not zj["stats"].get("govcrawl/articles_unaccounted")
    expected = {r["url"] for r in refreshed["gt"]["reports"] if r["portal"] == "zj_gov"}
    moved = {refreshed["to_report"], refreshed["to_list"], refreshed["to_other_host"]}
    assert expected - moved <= set(refreshed["reports"])
    assert {refreshed["to_list"], refreshed["to_other_host"]} <= set(refreshed["drops"])


def test_an_article_over_the_size_cap_fails_its_portal(refreshed):
    zhoushan = refreshed["health"]["zhoushan"]
    assert not zhoushan["ok"]
    assert any("over the size cap" in p for p in zhoushan["problems"]), zhoushan["problems"]
    assert "FAILED portal zhoushan" in refreshed["result"].stderr
    assert refreshed["result"].returncode == 1
    assert refreshed["big"] in refreshed["result"].stderr


def _html(url: str, body: str) -> HtmlResponse:
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=Request(url))


def test_refresh_targets_meta_and_javascript_stubs():
    base = "http://www.zj.gov.cn/art/1.html"
    assert refresh_target(_html(base, '<meta http-equiv="refresh" content="0;url=/art/2.html">')) == (
        "http://www.zj.gov.cn/art/2.html", "meta refresh")
    assert refresh_target(_html(base, "<script>window.location.href='/art/3.html';</script>")) == (
        "http://www.zj.gov.cn/art/3.html", "JavaScript redirect")
    assert refresh_target(_html(base, "<script>location.replace(\"http://www.zj.gov.cn/4.html\")</script>")) == (
        "http://www.zj.gov.cn/4.html", "JavaScript redirect")
    assert refresh_target(_html(base, "<script>location.reload();</script>")) is None  # a cookie challenge
    challenge = "<script>document.cookie='__jsl=1';location.href='/art/1.html?c=1';</script>"
    assert refresh_target(_html(base, challenge)) is None  # a wall, for AntiBotMiddleware
    long_page = "<p>" + "正文" * 5000 + "</p><script>location.href='/x.html'</script>"
    assert refresh_target(_html(base, long_page)) is None  # a script on a real page is not a redirect


def test_the_ledger_fails_a_portal_whose_named_article_vanished():
    from scrapy.utils.test import get_crawler

    from govcrawl.crawl.items import PageItem
    from govcrawl.crawl.ledger import ArticleLedger
    from govcrawl.crawl.runner import portal_health

    crawler = get_crawler()
    ledger = ArticleLedger(crawler)
    kept, gone, moved = (Request(f"http://www.zj.gov.cn/art/{n}.html", meta={"article": True}) for n in (1, 2, 3))
    for request in (kept, gone, moved):
        ledger.scheduled(request)
    ledger.item_done(PageItem(url=kept.url, portal="zj_gov", body=b"", content_type=None, status=200, found_via="t"))
    # a redirect of `moved` to another host, refused by the offsite filter: its failure is counted
    ledger.process_exception(moved.replace(url="http://other.example.com/x"),
                             __import__("scrapy.exceptions", fromlist=["IgnoreRequest"]).IgnoreRequest("offsite"))
    ledger.closed(reason="finished")
    stats = crawler.stats.get_stats()
    assert stats["govcrawl/articles_unaccounted"] == 1 and stats["govcrawl/articles_failed"] == 1
    health = portal_health("zj_gov", {**stats, "downloader/response_count": 3, "item_scraped_count": 1})
    assert not health["ok"] and any("ended as neither a report, a drop nor a failure" in p for p in health["problems"])
