"""Replay: the WARC files of two crawls (the second all revisit records) added to a pywb collection,
then report pages fetched through pywb's replay on 127.0.0.1, Chinese titles intact (UTF-8 and GBK), captured
over https (www.zj.gov.cn) and over http (www.zhoushan.gov.cn).

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
    with ReplicaServer(port=0) as replica:
        for n in range(2):  # the second crawl of the unchanged replica: revisit records
            args = ["crawl", "--proxy", replica.proxy_url, "--ca-file", replica.ca_path, "--db", db,
                    "--warc-dir", str(warc_dir)]
            for slug in PORTALS:
                args += ["--portal", slug]
            result = run_govcrawl(*args, cwd=work)
            assert result.returncode == 0, result.stderr[-3000:]
            if n == 0:
                time.sleep(1.1)  # two distinct 14-digit timestamps
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
        yield {"base": base, "work": work}
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        log.close()


@pytest.mark.parametrize("portal", PORTALS)
def test_pywb_replays_a_report_with_its_chinese_title(replay, ground_truth, portal):
    report = next(r for r in ground_truth["reports"] if r["portal"] == portal)
    assert report["url"].startswith(SCHEMES[portal] + "://")
    base = replay["base"]

    status, _, body = _get(f"{base}/{COLLECTION}/cdx?url={report['url']}&output=json")
    captures = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
    assert status == 200 and len(captures) == 2, captures
    first, latest = sorted(captures, key=lambda c: c["timestamp"])
    assert first["mime"].startswith("text/html") and latest["mime"] == "warc/revisit"  # the recrawl's

    # the latest capture is a revisit record: pywb resolves it to the original's payload
    for when in ("", first["timestamp"]):
        status, headers, body = _get(f"{base}/{COLLECTION}/{when}mp_/{report['url']}")
        assert status == 200
        text = _text(headers, body)
        title = re.search(r"<title>\s*(.*?)\s*</title>", text, re.S)
        assert report["title"] in text and title and report["title"] in title.group(1), (when, text[:500])
    # and unrewritten, the bytes as archived (decoded of their Content-Encoding)
    status, headers, body = _get(f"{base}/{COLLECTION}/{latest['timestamp']}id_/{report['url']}")
    assert status == 200 and report["title"] in _text(headers, body)
