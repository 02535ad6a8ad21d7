"""Issue 17, cases 6 and 7 in the archive browser: 400/404 (never 500) for hostile requests, the live link only
for http(s) URLs, and a 48 MB capture served streamed with what a page renders capped.

(Memory and time on the 48 MB page, ten at once, are measured by benchmarks/hostile_bench.py.)
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

pytest.importorskip("starlette")

from govcrawl.archive.writer import WarcFileWriter  # noqa: E402
from govcrawl.store.store import Store  # noqa: E402
from tests.test_web import copy_db, make_client  # noqa: E402

BIG = 48 << 20


@pytest.fixture(scope="module")
def site(demo_run, tmp_path_factory):
    work = tmp_path_factory.mktemp("rweb")
    db = copy_db(demo_run["db"], work / "govcrawl.sqlite3")
    return {"client": make_client(db, demo_run["warc_dir"]), "warc_dir": demo_run["warc_dir"], "db": db}


@pytest.mark.parametrize("path", [
    "/report/99999999999999999999999", "/report/9223372036854775808", "/report/9223372036854775808/diff?a=1&b=2",
    "/report/1/diff?a=1&b=99999999999999999999999",
    "/archive/{f}/99999999999999999999999", "/archive/{f}/9223372036854775807/content",
    "/archive/{f}/9223372036854775806/record.warc.gz", "/archive/{f}/99999999999",
    "/search?q=a%00b", "/search?q=%00", "/search?publisher=%00x", "/export.csv?q=a%00b", "/export.json?q=%00",
    "/archived?url=http://a%00b", "/coverage?from=%00",
    "/archive/a%00b.warc.gz/0", "/archive/..%2F..%2Fetc%2Fpasswd/0", "/archive/%FF%FE.warc.gz/0",
    "/archive/" + "a" * 300 + ".warc.gz/0", "/archive/.warc.gz/0", "/archive/%0A.warc.gz/0",
    "/search?q=" + "x" * 9000,
])
def test_hostile_requests_get_400_or_404_never_500(site, path):
    name = sorted(p.name for p in Path(site["warc_dir"]).glob("*.warc.gz"))[0]
    response = site["client"].get(path.replace("{f}", name))
    assert response.status_code in (400, 404, 414), (path, response.status_code)


def _store_report(db: str, url: str, filename: str, offset: int) -> None:
    store = Store(db)
    store.save_report({"url": url, "portal": "zj_gov", "title": "浙江省2023年政府信息公开工作年度报告",
                       "report_year": 2023, "warc_filename": filename, "warc_offset": offset,
                       "payload_digest": "sha1:X" + url[-6:]})
    store.close()


def test_the_live_link_only_for_http_urls(site, tmp_path):
    from sqlalchemy import text

    from govcrawl.web.app import create_app  # noqa: F401

    db = copy_db(site["db"], tmp_path / "db.sqlite3")
    for url in ("javascript:alert(1)", "data:text/html,hi", "ftp://x.gov.cn/a"):
        _store_report(db, url, "none.warc.gz", 0)
    store = Store(db)
    with store.engine.connect() as conn:
        ids = dict(conn.execute(text("select url, id from reports")).all())
    store.close()
    client = make_client(db, site["warc_dir"])
    for url in ("javascript:alert(1)", "data:text/html,hi", "ftp://x.gov.cn/a"):
        page = client.get(f"/report/{ids[url]}")
        assert page.status_code == 200
        assert 'class="live"' not in page.text
    http_id = next(i for u, i in ids.items() if u.startswith("http://"))
    assert 'class="live"' in client.get(f"/report/{http_id}").text


@pytest.fixture(scope="module")
def huge(tmp_path_factory):
    """An archive with one 48 MB report page (a link to an attachment near its start) and its database."""
    work = tmp_path_factory.mktemp("huge")
    warc = work / "warc"
    writer = WarcFileWriter(warc, crawl_id="huge")
    head = '<html><head><meta charset="utf-8"><title>浙江省2023年政府信息公开工作年度报告</title></head><body>' \
           '<a href="/attach/report.pdf">附件：年报.pdf</a>'
    filler = "<p>" + "数据" * 500 + "</p>\n"
    body = (head + filler * (BIG // len(filler.encode()))).encode()
    url = "http://www.zj.gov.cn/art/2024/1/1/art_1_999.html"
    location = writer.write_exchange(url=url, method="GET", request_headers={}, request_body=b"", status=200,
                                     response_headers={"Content-Type": "text/html; charset=utf-8"}, body=body)
    writer.close()
    db = f"sqlite:///{work / 'db.sqlite3'}"
    _store_report(db, url, location.filename, location.offset)
    return {"db": db, "warc": warc, "location": location, "body_size": len(body), "url": url}


def test_a_48_mb_capture_is_streamed_whole(huge):
    client = make_client(huge["db"], huge["warc"])
    loc = huge["location"]
    with client.stream("GET", f"/archive/{loc.filename}/{loc.offset}/content") as response:
        assert response.status_code == 200
        assert int(response.headers["content-length"]) == huge["body_size"]
        size, chunks = 0, 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            chunks += 1
    assert size == huge["body_size"] and chunks > 10  # streamed in pieces, not one 48 MB body
    record = client.get(f"/archive/{loc.filename}/{loc.offset}")
    assert record.status_code == 200 and huge["url"] in record.text
    raw = client.get(f"/archive/{loc.filename}/{loc.offset}/record.warc.gz")
    assert raw.status_code == 200
    assert gzip.decompress(raw.content).startswith(b"WARC/1.1")
    with open(huge["warc"] / loc.filename, "rb") as fh:
        fh.seek(loc.offset)
        assert raw.content == fh.read(len(raw.content))


def test_a_48_mb_report_page_renders_from_a_capped_prefix(huge):
    client = make_client(huge["db"], huge["warc"])
    from sqlalchemy import text

    store = Store(huge["db"])
    with store.engine.connect() as conn:
        report_id = conn.execute(text("select id from reports")).scalar()
    store.close()
    page = client.get(f"/report/{report_id}")
    assert page.status_code == 200
    assert "http://www.zj.gov.cn/attach/report.pdf" in page.text  # the attachment link, from the first bytes


def test_heavy_pages_are_bounded_in_number(monkeypatch):
    import threading
    import time

    from starlette.exceptions import HTTPException

    from govcrawl.web import limits

    monkeypatch.setattr(limits, "_heavy", threading.BoundedSemaphore(2))
    monkeypatch.setattr(limits, "HEAVY_WAIT", 0.2)
    running, peak, lock = [0], [0], threading.Lock()

    def slow(request):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.5)
        with lock:
            running[0] -= 1
        return "ok"

    bounded = limits.heavy(slow)
    results = []

    def call():
        try:
            results.append(bounded(None))
        except HTTPException as exc:
            results.append(exc.status_code)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 2
    assert results.count("ok") == 2 and results.count(503) == 4
