"""Fault modes of the replica, and how the crawl survives them.

Three crawls, each over several portals at once (one fault per portal host, so one process start serves many
modes; every mode has its own test below):

1. ``transient``: faults that a well-behaved crawl rides out (first N requests fail, a wrong charset, one
   50 MB answer): the run exits 0 with every report, and the cause is in the log / stats.
2. ``persistent``: faults that stay: the run exits non-zero naming each failed portal and why; blocked
   pages are never stored as reports; what is not affected is still stored.
3. ``recovered``: the faults switched off, ``nightly`` on the same database picks up everything missed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from govcrawl.replica.server import ReplicaServer
from govcrawl.store.store import Store

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parent.parent
ENV = {
    "GOVCRAWL_DOWNLOAD_TIMEOUT": "1",  # the slow host sleeps 3 s
    "GOVCRAWL_MAX_LIST_PAGES": "6",  # the pagination trap's bound (the portals here have 1-3 list pages)
    "GOVCRAWL_AUTOTHROTTLE": "0",
}
SLOW = {"delay": 3}

TRANSIENT = {  # portal -> (mode, options): rides out within the run
    "ningbo": ("http500", {"count": 2}),
    "wenzhou": ("reset", {"count": 2}),
    "huzhou": ("truncate", {"count": 2}),
    "shaoxing": ("slow", {"count": 2, **SLOW}),
    "yuhang": ("wrong_charset", {}),
    "zj_gov": ("huge", {"path": r"/module/download/downfile\.jsp"}),  # the PDF attachment: 50 MiB
}
PERSISTENT = {  # portal -> (mode, options); "REPORT" = the path of one of its reports
    "ningbo": ("http500", {"path": "REPORT"}),
    "wenzhou": ("reset", {"path": "REPORT"}),
    "huzhou": ("truncate", {"path": "REPORT"}),
    "shaoxing": ("slow", {"path": "REPORT", **SLOW}),
    "jinhua": ("redirect_loop", {"path": "REPORT"}),
    "quzhou": ("antibot_412", {}),  # the whole host is behind the wall
    "lishui": ("antibot_412", {"path": "REPORT"}),  # one report behind it
    "taizhou": ("js_cookie_challenge", {}),
    "deqing": ("pagination_trap", {}),  # jcms dataproxy
    "anji": ("pagination_trap", {}),  # JPaaS unit API
    "hz_jyj": ("dead", {}),  # the proxy answers 502
    "nb_fgw": ("dead", {"how": "close"}),  # closes without an answer
}


def _govcrawl(*args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO), **ENV)
    return subprocess.run([sys.executable, "-m", "govcrawl", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _victim(gt: dict, portal: str) -> str:
    """The report a path fault hits: the portal's 2020 report (or its newest)."""
    reports = sorted((r for r in gt["reports"] if r["portal"] == portal), key=lambda r: r["report_year"])
    return next((r for r in reports if r["report_year"] == 2020), reports[-1])["url"]


def _path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def _switch_on(srv: ReplicaServer, gt: dict, faults: dict) -> dict:
    victims = {}
    for portal, (mode, opts) in faults.items():
        opts = dict(opts)
        if opts.get("path") == "REPORT":
            victims[portal] = _victim(gt, portal)
            opts["path"] = re.escape(_path_of(victims[portal]))
        srv.set_fault(gt["portals"][portal]["host"], mode, **opts)
    return victims


def _run(srv, work: Path, command: str, portals, name: str) -> dict:
    stats = work / f"{name}.json"
    start = time.monotonic()
    result = _govcrawl(command, *[a for p in portals for a in ("--portal", p)], "--proxy", srv.proxy_url,
                       "--ca-file", srv.ca_path,
                       "--db", f"sqlite:///{work / 'db.sqlite3'}", "--warc-dir", str(work / "warc"),
                       "--stats-json", str(stats))
    elapsed = time.monotonic() - start
    store = Store(f"sqlite:///{work / 'db.sqlite3'}")
    reports = {r.url: r for r in store.reports()}
    drops = {d.url: d for d in store.drops()}
    store.close()
    data = json.loads(stats.read_text()) if stats.exists() else {"portals": []}
    return {"result": result, "elapsed": elapsed, "health": {h["portal"]: h for h in data["portals"]},
            "reports": reports, "drops": drops}


@pytest.fixture(scope="module")
def runs(tmp_path_factory, ground_truth):
    gt = ground_truth
    out: dict = {"gt": gt}
    with ReplicaServer(port=0) as srv:
        _switch_on(srv, gt, TRANSIENT)
        out["transient"] = _run(srv, tmp_path_factory.mktemp("transient"), "crawl", TRANSIENT, "transient")
        out["transient_log"] = list(srv.fault_log)
    with ReplicaServer(port=0) as srv:
        work = tmp_path_factory.mktemp("persistent")
        out["victims"] = _switch_on(srv, gt, PERSISTENT)
        out["persistent"] = _run(srv, work, "crawl", PERSISTENT, "persistent")
        out["persistent_log"] = list(srv.fault_log)
        srv.clear_faults()
        out["recovered"] = _run(srv, work, "nightly", PERSISTENT, "recovered")
        out["work"] = work
    return out


def _urls(gt: dict, portal: str) -> set[str]:
    return {r["url"] for r in gt["reports"] if r["portal"] == portal}


def _stored(run: dict, portal: str) -> set[str]:
    return {u for u, r in run["reports"].items() if r.portal == portal}


def _check_transient(runs, portal: str, cause: str) -> None:
    run = runs["transient"]
    health = run["health"][portal]
    assert health["ok"], health["problems"]
    assert _stored(run, portal) == _urls(runs["gt"], portal)  # nothing lost
    assert any(host == runs["gt"]["portals"][portal]["host"] for host, _, _ in runs["transient_log"])
    warning = f"WARNING portal {portal}: retried: "
    assert warning in run["result"].stderr and cause in run["result"].stderr.split(warning, 1)[1].split("\n")[0]
    assert any(k.startswith("retry/reason_count/") and cause in k for k in health["stats"])


def _check_persistent(runs, portal: str, problem: str, log_line: str | None = None) -> None:
    run, gt = runs["persistent"], runs["gt"]
    health = run["health"][portal]
    assert not health["ok"] and any(problem in p for p in health["problems"]), health["problems"]
    assert f"FAILED portal {portal}: " in run["result"].stderr
    victim = runs["victims"].get(portal)
    if victim:  # one report hit: the rest of the portal is stored, the victim is not
        assert _stored(run, portal) == _urls(gt, portal) - {victim}
        assert victim not in run["drops"]
    if log_line:
        assert re.search(log_line, run["result"].stderr), run["result"].stderr[-2000:]
    recovered = runs["recovered"]
    assert recovered["health"][portal]["ok"], recovered["health"][portal]["problems"]
    assert _stored(recovered, portal) == _urls(gt, portal)


# --- the runs as a whole ------------------------------------------------------------------------------


def test_transient_faults_run_completes_with_exit_zero(runs):
    run = runs["transient"]
    assert run["result"].returncode == 0, run["result"].stderr[-3000:]
    assert run["elapsed"] < 90
    assert "Traceback" not in run["result"].stderr


def test_persistent_faults_exit_nonzero_naming_each_failed_portal(runs):
    run = runs["persistent"]
    assert run["result"].returncode == 1, run["result"].stderr[-3000:]
    assert run["elapsed"] < 150
    failed = set(re.findall(r"FAILED portal (\w+):", run["result"].stderr))
    assert failed == set(PERSISTENT)
    assert "Traceback" not in run["result"].stderr


def test_rerun_after_faults_recovers_every_report(runs):
    recovered = runs["recovered"]
    assert recovered["result"].returncode == 0, recovered["result"].stderr[-3000:]
    for portal in PERSISTENT:
        assert _stored(recovered, portal) == _urls(runs["gt"], portal), portal
    # the recovered reports carry the ground truth's metadata (nothing half-read was kept)
    by_url = {r["url"]: r for r in runs["gt"]["reports"]}
    for url, row in recovered["reports"].items():
        assert (row.title, row.report_year) == (by_url[url]["title"], by_url[url]["report_year"])


# --- one test per fault mode ---------------------------------------------------------------------------


def test_http500(runs):
    _check_transient(runs, "ningbo", "500 Internal Server Error")
    _check_persistent(runs, "ningbo", "lost after retries (HTTP 500 x1)", r"Lost http://www\.ningbo\.gov\.cn/\S+: HTTP 500")


def test_connection_reset(runs):
    _check_transient(runs, "wenzhou", "")
    _check_persistent(runs, "wenzhou", "lost after retries (connection reset x1)", r"Lost \S+: connection reset")


def test_truncated_body(runs):
    _check_transient(runs, "huzhou", "")
    _check_persistent(runs, "huzhou", "lost after retries (truncated body x1)", r"Lost \S+: truncated body")


def test_slow_host_past_the_timeout(runs):
    _check_transient(runs, "shaoxing", "Timeout")
    _check_persistent(runs, "shaoxing", "lost after retries (timeout x1)", r"Lost \S+: timeout \(after 2 retries\)")


def test_redirect_loop(runs):
    _check_persistent(runs, "jinhua", "1 redirect loop(s)", r"Redirect loop at http://www\.jinhua\.gov\.cn/\S+")
    loops = [u for h, m, u in runs["persistent_log"] if m == "redirect_loop"]
    assert 2 <= len(loops) <= 25  # detected at the first turn of the loop, not after endless hops


@pytest.mark.parametrize("portal", ["quzhou", "lishui"])
def test_antibot_412_is_blocked_and_never_stored(runs, portal):
    _check_persistent(runs, portal, "blocked by the site", r"Blocked at \S+: HTTP 412 anti-bot challenge \(\$_ts\)")
    run = runs["persistent"]
    if portal == "quzhou":  # the whole host walled: nothing of it stored, neither as report nor as drop
        assert _stored(run, portal) == set()
        assert not [u for u, d in run["drops"].items() if d.portal == portal]
    _assert_walls_archived_not_stored(runs, 412)


def test_js_cookie_challenge_is_blocked_and_never_stored(runs):
    _check_persistent(runs, "taizhou", "blocked by the site", r"Blocked at \S+: JavaScript cookie challenge")
    run = runs["persistent"]
    assert _stored(run, "taizhou") == set()
    assert not [u for u, d in run["drops"].items() if d.portal == "taizhou"]
    _assert_walls_archived_not_stored(runs, 200, b"document.cookie")


def _assert_walls_archived_not_stored(runs, status: int, marker: bytes = b"$_ts") -> None:
    """The walls are in the WARC archive (every response is), and no stored report points at one."""
    from warcio.archiveiterator import ArchiveIterator

    walls = set()
    for path in sorted((runs["work"] / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type == "response" and rec.http_headers.get_statuscode() == str(status):
                    if marker in rec.content_stream().read():
                        walls.add(rec.rec_headers.get_header("WARC-Target-URI"))
    assert walls
    stored = set(runs["persistent"]["reports"]) | set(runs["persistent"]["drops"])
    assert not walls & stored


def test_wrong_charset_declaration(runs):
    """GBK bytes declared utf-8 (header and meta): every report read right, by its real text."""
    run, gt = runs["transient"], runs["gt"]
    assert run["health"]["yuhang"]["ok"]
    expected = {r["url"]: r for r in gt["reports"] if r["portal"] == "yuhang"}
    assert _stored(run, "yuhang") == set(expected)
    for url, want in expected.items():
        row = run["reports"][url]
        assert (row.title, row.publisher, row.index_no, row.written_date) == (
            want["title"], want["publisher"], want["index_no"], want["written_date"])
        assert "\ufffd" not in (row.body_text or "") and "政府信息公开" in row.body_text
    assert any(m == "wrong_charset" for _, m, _ in runs["transient_log"])


@pytest.mark.parametrize("portal", ["deqing", "anji"])
def test_endless_pagination_trap(runs, portal):
    _check_persistent(runs, portal, "stopped at the list-page bound (pagination trap?)",
                      r"more than 6 list pages; stopping \(pagination trap\?\)")
    run = runs["persistent"]
    health = run["health"][portal]
    assert health["list_pages"] <= 7
    assert _stored(run, portal) == _urls(runs["gt"], portal)  # the real entries come first: none lost


def test_huge_response_is_capped_and_the_crawl_carries_on(runs):
    run = runs["transient"]
    health = run["health"]["zj_gov"]
    assert health["ok"], health["problems"]
    assert health["stats"].get("govcrawl/oversize") == 1
    assert any("over the download size cap" in w for w in health["warnings"])
    assert re.search(r"Skipped https://www\.zj\.gov\.cn/module/download/downfile\.jsp\S*: larger than the download "
                     r"size cap", run["result"].stderr)
    assert _stored(run, "zj_gov") == _urls(runs["gt"], "zj_gov")  # the report that links it is stored
    assert health["bytes"] < 5_000_000  # the 50 MiB were never read


def test_dead_host_fails_naming_the_portal(runs):
    run = runs["persistent"]
    for portal in ("hz_jyj", "nb_fgw"):
        line = re.search(rf"FAILED portal {portal}: (.*)", run["result"].stderr).group(1)
        assert "no page could be downloaded: host unreachable or dead" in line
    assert "HTTP 502" in run["health"]["hz_jyj"]["problems"][0]
    assert _stored(run, "hz_jyj") == _stored(run, "nb_fgw") == set()
    for portal in ("hz_jyj", "nb_fgw"):
        assert _stored(runs["recovered"], portal) == _urls(runs["gt"], portal)


def test_fault_switches(tmp_path):
    """The fault spec string (GOVCRAWL_REPLICA_FAULTS) and the control host of a running replica."""
    import http.client

    from govcrawl.replica.faults import parse_faults

    assert parse_faults("www.zj.gov.cn=http500:count=2, fzggw.zj.gov.cn=dead:how=close") == [
        ("www.zj.gov.cn", "http500", {"count": 2}), ("fzggw.zj.gov.cn", "dead", {"how": "close"})]
    with pytest.raises(ValueError, match="unknown fault mode"):
        ReplicaServer(faults={"www.zj.gov.cn": "flaky"})

    def get(srv, url):
        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=5)
        conn.request("GET", url)
        resp = conn.getresponse()
        return resp.status, resp.read()

    home = "https://www.zj.gov.cn/index.html"  # fetched as https by the replica (its http answers 301 to it)
    with ReplicaServer(port=0, faults="www.zj.gov.cn=http500:count=1") as srv:
        assert [get(srv, home)[0] for _ in range(2)] == [500, 200]
        status, body = get(srv, "http://replica.control/fault?host=www.zj.gov.cn&mode=antibot_412")
        assert status == 200 and json.loads(body)["faults"][0]["mode"] == "antibot_412"
        assert get(srv, home)[0] == 412
        get(srv, "http://replica.control/clear")
        assert get(srv, home)[0] == 200
    # the standalone replica reads its faults from the environment
    env = dict(os.environ, PYTHONPATH=str(REPO), GOVCRAWL_REPLICA_FAULTS="www.zj.gov.cn=dead")
    proc = subprocess.Popen([sys.executable, "-m", "govcrawl", "replica", "--port", "0"], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        port = int(re.search(r":(\d+) ", first).group(1))
        assert "fault: www.zj.gov.cn dead" in proc.stdout.readline()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", home)
        assert conn.getresponse().status == 502
    finally:
        proc.terminate()
        proc.wait(10)


def test_silent_depth_cut_is_a_problem():
    """Scrapy drops requests past DEPTH_LIMIT without a word; list paging goes one level down per page."""
    from govcrawl.crawl.runner import portal_health

    stats = {"downloader/response_count": 30, "downloader/response_status_count/200": 30, "item_scraped_count": 9}
    assert portal_health("x", {**stats, "request_depth_max": 5}, depth_limit=8)["ok"]
    health = portal_health("x", {**stats, "request_depth_max": 8}, depth_limit=8)
    assert not health["ok"] and "depth limit" in health["problems"][0]


def test_a_spider_error_fails_the_portal():
    """An exception in a spider callback (a bug, or a page the spider does not understand) loses the pages it was
    reading: the portal is not ok, whatever else it found; so is a row the database refused."""
    from govcrawl.crawl.runner import portal_health

    stats = {"downloader/response_count": 30, "downloader/response_status_count/200": 30, "item_scraped_count": 9}
    assert portal_health("x", stats)["ok"]
    health = portal_health("x", {**stats, "spider_exceptions/TypeError": 2})
    assert not health["ok"] and health["problems"] == [
        "2 spider error(s) (TypeError; see the log): pages they were reading are lost"]
    assert health["errors"] == 2
    health = portal_health("x", {**stats, "govcrawl/store_failed": 3})
    assert not health["ok"] and "3 row(s) could not be written to the database" in health["problems"][0]
