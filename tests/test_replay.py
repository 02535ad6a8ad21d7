"""Replay: the WARC files of two crawls (the second all revisit records) and two nightlies (every page asked
conditionally: 304s, archived as server-not-modified revisit records) added to a pywb collection, then report
and list pages fetched through pywb's replay on 127.0.0.1, with their content (not a 304), Chinese titles intact
(UTF-8 and GBK), captured over https (www.zj.gov.cn) and over http (www.zhoushan.gov.cn); `govcrawl index`
lists no 304 as a page's newest capture.

pywb lives in its own virtual environment (`bash scripts/install-replay.sh` -> .venv-pywb/): its pins
clash with Scrapy's. Outside CI the test is skipped when pywb is absent; in CI it installs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from govcrawl.replica.server import ReplicaServer
from tests.conftest import REPO, run_govcrawl
from tests.pgserver import free_port

pytestmark = pytest.mark.e2e
PORTALS = ("zj_gov", "zhoushan")  # UTF-8 pages over https, GBK pages over http
SCHEMES = {"zj_gov": "https", "zhoushan": "http"}
COLLECTION = "govcrawl"


def _pywb_bin() -> Path | None:
    venv = Path(os.environ.get("GOVCRAWL_PYWB_VENV") or ".venv-pywb")
    if not venv.is_absolute():
        venv = REPO / venv
    for folder in (venv / "bin", Path(shutil.which("wayback") or "/nonexistent").parent):
        if (folder / "wayback").exists() and (folder / "wb-manager").exists():
            return folder
    return None


@pytest.fixture(scope="module")
def pywb_bin() -> Path:
    folder = _pywb_bin()
    if folder is None:
        if not os.environ.get("CI"):
            pytest.skip("pywb is not installed: bash scripts/install-replay.sh")
        install = subprocess.run(["bash", str(REPO / "scripts" / "install-replay.sh")], capture_output=True, text=True)
        assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-2000:]
        folder = _pywb_bin()
    assert folder is not None
    return folder


def _get(url: str) -> tuple[int, dict, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, dict(response.headers), response.read()


def _text(headers: dict, body: bytes) -> str:
    charset = re.search(r"charset=([\w-]+)", headers.get("Content-Type", ""), re.I)
    return body.decode(charset.group(1) if charset else "utf-8")


@pytest.fixture(scope="module")
def replay(tmp_path_factory, pywb_bin):
    work = tmp_path_factory.mktemp("replay")
    warc_dir = work / "warc"
    db = f"sqlite:///{work / 'govcrawl.sqlite3'}"
    runs = (["crawl"], ["crawl"], ["nightly", "--recheck-all"], ["nightly", "--recheck-all"])
    with ReplicaServer(port=0) as replica:
        # the second crawl of the unchanged replica: identical-payload revisits; the nightlies: 304s
        for n, command in enumerate(runs):
            args = [*command, "--proxy", replica.proxy_url, "--ca-file", replica.ca_path, "--db", db,
                    "--warc-dir", str(warc_dir)]
            for slug in PORTALS:
                args += ["--portal", slug]
            result = run_govcrawl(*args, cwd=work)
            assert result.returncode == 0, result.stderr[-3000:]
            if n < len(runs) - 1:
                time.sleep(1.1)  # distinct 14-digit timestamps
    index = run_govcrawl("index", "--warc-dir", str(warc_dir), "--db", db, cwd=work)
    assert index.returncode == 0, index.stderr[-3000:]
    files = sorted(str(p) for p in warc_dir.glob("*.warc.gz"))
    site = work / "pywb"
    site.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    for step in (["wb-manager", "init", COLLECTION], ["wb-manager", "add", COLLECTION, *files]):
        run = subprocess.run([str(pywb_bin / step[0]), *step[1:]], cwd=site, env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    port = free_port()
    log = open(work / "wayback.log", "wb")
    server = subprocess.Popen(
        [str(pywb_bin / "wayback"), "-p", str(port), "-b", "127.0.0.1"], cwd=site, env=env, stdout=log, stderr=log
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/{COLLECTION}/cdx?url=example.invalid")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((work / "wayback.log").read_text(errors="replace")[-3000:]) from None
                time.sleep(0.2)
        yield {"base": base, "work": work, "warc_dir": warc_dir}
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        log.close()


def _cdx(base: str, url: str) -> list[dict]:
    status, _, body = _get(f"{base}/{COLLECTION}/cdx?url={url}&output=json")
    assert status == 200
    return sorted((json.loads(line) for line in body.decode().splitlines() if line.strip()), key=lambda c: c["timestamp"])


@pytest.mark.parametrize("portal", PORTALS)
def test_pywb_replays_a_report_with_its_chinese_title(replay, ground_truth, portal):
    report = next(r for r in ground_truth["reports"] if r["portal"] == portal)
    assert report["url"].startswith(SCHEMES[portal] + "://")
    base = replay["base"]

    captures = _cdx(base, report["url"])
    assert len(captures) == 4, captures  # two crawls, two nightlies
    first = captures[0]
    assert first["mime"].startswith("text/html") and all(c["mime"] == "warc/revisit" for c in captures[1:])
    assert all(c.get("status") != "304" for c in captures)

    # every later capture is a revisit record (the recrawl's identical payload, the nightlies' 304s): pywb
    # resolves each to the original's payload and plays the page, not an empty 304
    for when in ("", *(c["timestamp"] for c in captures)):
        status, headers, body = _get(f"{base}/{COLLECTION}/{when}mp_/{report['url']}")
        assert status == 200
        text = _text(headers, body)
        title = re.search(r"<title>\s*(.*?)\s*</title>", text, re.S)
        assert report["title"] in text and title and report["title"] in title.group(1), (when, text[:500])
    # and unrewritten, the bytes as archived (decoded of their Content-Encoding)
    status, headers, body = _get(f"{base}/{COLLECTION}/{captures[-1]['timestamp']}id_/{report['url']}")
    assert status == 200 and report["title"] in _text(headers, body)


def test_pywb_replays_a_list_page_the_nightlies_found_unchanged(replay):
    column = "https://www.zj.gov.cn/col/col1229019383/index.html"  # zj_gov's start page: 304 in each nightly
    captures = _cdx(replay["base"], column)
    assert len(captures) == 4 and captures[0]["mime"].startswith("text/html")
    status, headers, body = _get(f"{replay['base']}/{COLLECTION}/{captures[-1]['timestamp']}id_/{column}")
    assert status == 200 and "<datastore>" in _text(headers, body)


def test_govcrawl_index_lists_no_304_as_a_pages_newest_capture(replay, ground_truth):
    newest: dict[str, dict] = {}
    last_full: dict[str, str] = {}  # url -> 14-digit time of its latest capture served in full (200)
    lines = (replay["warc_dir"] / "index.cdxj").read_text(encoding="utf-8").splitlines()
    for line in lines:
        key, stamp, fields = line.split(" ", 2)
        entry = json.loads(fields)
        assert entry.get("status") != "304", line
        if key not in newest or stamp >= newest[key]["ts"]:
            newest[key] = {**entry, "ts": stamp}
        if entry.get("status") == "200":
            last_full[entry["url"]] = max(stamp, last_full.get(entry["url"], ""))
    reports = [r["url"] for r in ground_truth["reports"] if r["portal"] in PORTALS]
    by_url = {e["url"]: e for e in newest.values()}
    for url in reports:
        assert by_url[url]["mime"] == "warc/revisit" and by_url[url].get("digest"), by_url[url]
    # the pages list keeps each report at its last full (200) capture
    pages = [json.loads(line) for line in (replay["warc_dir"] / "pages.jsonl").read_text(encoding="utf-8").splitlines()[1:]]
    assert {p["url"] for p in pages} == set(reports)
    for page in pages:
        assert re.sub(r"\D", "", page["ts"])[:14] == last_full[page["url"]] < newest_ts(newest, page["url"])


def newest_ts(newest: dict[str, dict], url: str) -> str:
    return next(e["ts"] for e in newest.values() if e["url"] == url)
