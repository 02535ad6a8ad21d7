"""The archive browser in a real browser: Debian's Chromium driven by Playwright against `govcrawl serve`'s
application (uvicorn on 127.0.0.1, a random port) over the demo crawl.

Search a phrase of seed 000, open the report, view the capture (its Chinese text in the sandboxed
frame), export the search as CSV; an archived page carrying scripts cannot touch the UI. A screenshot
of the capture is saved under pytest's temporary folder (its path printed).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette")
uvicorn = pytest.importorskip("uvicorn")
pytest.importorskip("playwright.sync_api")

from tests.test_web import SEED000_PHRASE, SEED000_TITLE, copy_db  # noqa: E402

CHROMIUM = os.environ.get("GOVCRAWL_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
pytestmark = [pytest.mark.e2e, pytest.mark.browser]

EVIL_URL = "http://evil.example.com/attack.html"
EVIL_TEXT = "这是一个带脚本的存档页面"
EVIL_HTML = f"""<!doctype html><html><head><meta charset="utf-8"><title>存档</title>
<script>document.title = 'SCRIPT RAN'; try {{ parent.document.body.innerHTML = 'PWNED'; }} catch (e) {{}}
try {{ top.location = 'http://evil.example.com/'; }} catch (e) {{}}</script>
<link rel="stylesheet" href="http://evil.example.com/x.css"></head>
<body onload="document.body.innerHTML='ONLOAD RAN'"><p id="t">{EVIL_TEXT}</p>
<img src="http://evil.example.com/beacon.png" onerror="document.body.innerHTML='ONERROR RAN'">
<iframe src="http://evil.example.com/frame"></iframe></body></html>""".encode("utf-8")


def write_evil_warc(folder: Path) -> tuple[str, int]:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    name = "govcrawl-test-evil-00001.warc.gz"
    with open(folder / name, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(EVIL_URL, "response", payload=io.BytesIO(EVIL_HTML),
                                                      http_headers=http))
    return name, 0


@pytest.fixture(scope="module")
def server(demo_run, tmp_path_factory):
    from govcrawl.web import build_index
    from govcrawl.web.app import create_app

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} missing in CI (scripts/install.sh installs Debian's chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    work = tmp_path_factory.mktemp("web_browser")
    db = copy_db(demo_run["db"], work / "govcrawl.sqlite3")
    build_index(db)
    warc = work / "warc"
    shutil.copytree(demo_run["warc_dir"], warc)
    evil = write_evil_warc(warc)
    app = create_app(db, warc)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP: asyncio sets TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(100):
        if uv.started:
            break
        time.sleep(0.05)
    assert uv.started
    yield {"base": f"http://127.0.0.1:{port}", "work": work, "evil": evil, "db": db}
    uv.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def test_search_open_view_capture_export(server, browser, tmp_path_factory):
    base = server["base"]
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    responded: list[str] = []
    page.on("response", lambda resp: responded.append(resp.url))
    try:
        page.goto(base + "/")
        page.fill("input[name=q]", SEED000_PHRASE)
        page.click("form.search button[type=submit]")
        page.wait_for_url("**/search?**")
        assert page.inner_text("#total") == "1"
        results = page.locator("ol.results a.title")
        assert results.count() == 1 and results.first.inner_text() == SEED000_TITLE

        results.first.click()
        page.wait_for_url("**/report/*")
        assert page.inner_text("#report-title") == SEED000_TITLE
        assert page.locator("table.fields").count() >= 1 and page.locator("#captures tr").count() >= 2

        page.click("#view-capture")
        page.wait_for_url("**/archive/**")
        frame = page.frame_locator("#capture")
        body = frame.locator("body")
        body.wait_for()
        text = body.inner_text()
        assert SEED000_TITLE in text and SEED000_PHRASE in text  # the Chinese text of the capture, decoded
        shots = tmp_path_factory.mktemp("screenshots")
        shot = shots / "capture.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        print(f"\nscreenshot of the captured page: {shot}")

        page.go_back()
        page.go_back()
        page.wait_for_url("**/search?**")
        with page.expect_download() as info:
            page.click("#export-csv")
        download = info.value
        path = shots / "export.csv"
        download.save_as(str(path))
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        assert [r["title"] for r in rows] == [SEED000_TITLE]
        assert any(k.startswith("applications.") for k in rows[0])
        # nothing but the application itself answered: archived pages load nothing live
        assert all(u.startswith(base) for u in responded), [u for u in responded if not u.startswith(base)]
    finally:
        context.close()


def test_archived_scripts_cannot_run_or_reach_the_ui(server, browser, tmp_path_factory):
    base = server["base"]
    name, offset = server["evil"]
    context = browser.new_context()
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    outside: list[str] = []  # what reached the network (the routing layer) outside the application
    context.route("**/*", lambda route: (outside.append(route.request.url) if not route.request.url.startswith(base)
                                         else None, route.continue_())[1])
    blocked: list[tuple[str, str]] = []
    page.on("requestfailed", lambda req: blocked.append((req.url, req.failure or "")))
    responded: list[str] = []
    page.on("response", lambda resp: responded.append(resp.url))
    try:
        page.goto(f"{base}/archive/{name}/{offset}")
        frame = page.frame_locator("#capture")
        frame.locator("#t").wait_for()
        page.wait_for_timeout(500)
        assert frame.locator("#t").inner_text() == EVIL_TEXT
        body = frame.locator("body").inner_text()
        assert "RAN" not in body
        assert "PWNED" not in page.locator("body").inner_text()
        assert page.url.startswith(base)
        assert "SCRIPT RAN" not in page.title()
        shot = tmp_path_factory.mktemp("screenshots") / "sandboxed.png"
        page.screenshot(path=str(shot))
        print(f"\nscreenshot of the sandboxed archived page: {shot}")
        # opened alone (top level), the payload is still sandboxed by its Content-Security-Policy
        alone = context.new_page()
        alone.goto(f"{base}/archive/{name}/{offset}/content")
        alone.wait_for_timeout(500)
        assert alone.locator("#t").inner_text() == EVIL_TEXT
        assert "RAN" not in alone.locator("body").inner_text() and alone.title() != "SCRIPT RAN"
        assert alone.evaluate("() => 1") == 1  # (Playwright's own world) the page is there, its scripts were not run
        assert not outside, outside  # nothing left the browser for the archived page's hosts
        assert all(u.startswith(base) for u in responded)
        stray = {u for u in requests if not u.startswith(base)}
        assert stray <= {u for u, why in blocked if "csp" in why.lower()}, (stray, blocked)  # stopped by the policy
    finally:
        context.close()


# --- the reports as data: trends and data quality, drawn in the browser ------------------------------------

def png_colors(data: bytes) -> dict[tuple[int, int, int], int]:
    """How many pixels of each colour a PNG (8-bit RGB or RGBA, as Chromium writes them) holds."""
    import struct
    import zlib
    from collections import Counter

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and color_type in (2, 6) and interlace == 0, (depth, color_type, interlace)
            bpp = 3 if color_type == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    counts: Counter = Counter()
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        counts.update(bytes(line[i:i + 3]) for i in range(0, stride, bpp))
        prev = line
    return {tuple(k): v for k, v in counts.items()}


def hex_rgb(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


MARKS_JS = """els => els.map(e => [e.dataset.series, e.dataset.category, e.dataset.value, e.getAttribute('fill'),
                                  e.tagName === 'circle' ? 8 : parseFloat(e.getAttribute('height'))])"""


def test_trends_draws_its_charts_and_the_csv_is_what_is_drawn(server, browser, tmp_path_factory):
    base = server["base"]
    shots = tmp_path_factory.mktemp("trends")
    context = browser.new_context(accept_downloads=True, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    responded: list[str] = []
    page.on("response", lambda resp: responded.append(resp.url))
    try:
        page.goto(base + "/trends")  # every portal of the replica
        charts = page.locator("svg.chart")
        assert charts.count() == 8
        page.screenshot(path=str(shots / "trends.png"), full_page=True)
        print(f"\nscreenshot of the trends page: {shots / 'trends.png'}")
        for n in range(charts.count()):
            svg = charts.nth(n)
            chart = svg.get_attribute("id")[len("chart-"):]
            marks = svg.locator(".mark").evaluate_all(MARKS_JS)
            assert marks, chart
            colors = png_colors(svg.screenshot(path=str(shots / f"{chart}.png")))
            seen = 0
            for series in {m[0] for m in marks}:
                fill = hex_rgb(next(m[3] for m in marks if m[0] == series))
                if any(float(m[2]) and m[4] >= 3 for m in marks if m[0] == series):  # tall enough to show
                    assert colors.get(fill, 0) >= 3, (chart, series, fill)  # the mark is painted, in its colour
                seen += colors.get(fill, 0)
            assert seen > 300, chart  # the chart is not empty
            with page.expect_download() as info:
                page.click(f"#{chart} a.csv")
            path = shots / f"{chart}.csv"
            info.value.save_as(str(path))
            rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
            assert sorted((r["series"], r["year"], r["value"]) for r in rows) == sorted((m[0], m[1], m[2]) for m in marks)
            assert {r["chart"] for r in rows} == {chart}
        assert all(u.startswith(base) for u in responded)
    finally:
        context.close()


def test_the_deliberate_arithmetic_error_shows_on_the_data_quality_page(server, browser, ground_truth,
                                                                      tmp_path_factory):
    import sqlite3

    [bad] = [r for r in ground_truth["reports"] if r.get("statistics_errors")]
    error = bad["statistics_errors"][0]
    key = f"{error['row']}.{error['column']}"
    conn = sqlite3.connect(server["db"][len("sqlite:///"):])
    rid = conn.execute("SELECT id FROM reports WHERE url = ?", (bad["url"],)).fetchone()[0]
    conn.close()
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(server["base"] + "/")
        page.click("header nav >> text=Data quality")
        page.wait_for_url("**/quality")
        row = page.locator(f'#checks-table tr[data-report="{rid}"]')
        assert row.count() == 1
        row.scroll_into_view_if_needed()
        assert row.locator(".suspect-cell").inner_text() == key
        assert f"printed {error['printed']}" in row.locator("p.suspect").inner_text()
        failing = row.locator("td.flagged code").all_inner_texts()
        assert key in failing and len(failing) > 2  # every cell of the failing checks
        assert "results_total" in row.inner_text() and "row_total" in row.inner_text()
        shot = tmp_path_factory.mktemp("quality") / "quality.png"
        row.screenshot(path=str(shot))
        assert shot.stat().st_size > 5_000
        print(f"\nscreenshot of the failing checks: {shot}")
        row.locator("a").first.click()  # to the report, its cells flagged
        page.wait_for_url(f"**/report/{rid}")
        assert page.locator("td.flag").count() >= 1
        assert str(error["printed"]) in page.locator("td.flag").all_inner_texts()
    finally:
        context.close()
