"""The WARC writer: request/response pairs, digests, gzip members, .open -> final name."""

import gzip
import hashlib
import os
import subprocess
import zlib
from base64 import b32encode

from scrapy.http import Headers
from warcio.archiveiterator import ArchiveIterator

from govcrawl.archive.writer import OPEN_SUFFIX, WarcFileWriter


def _sha1(data: bytes) -> str:
    return "sha1:" + b32encode(hashlib.sha1(data).digest()).decode()


def test_exchange_records_are_linked_and_digested(tmp_path):
    body = gzip.compress("<html>浙江省2020年政府信息公开工作年度报告</html>".encode())
    writer = WarcFileWriter(tmp_path, crawl_id="t1")
    loc = writer.write_exchange(
        url="http://www.zj.gov.cn/art/2021/3/25/art_1_2.html",
        method="GET",
        request_headers=Headers({"User-Agent": "govcrawl-test", "Accept-Encoding": "gzip"}),
        request_body=b"",
        status=200,
        response_headers=Headers({"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}),
        body=body,
    )
    assert (tmp_path / (loc.filename + OPEN_SUFFIX)).exists()
    writer.close()
    path = tmp_path / loc.filename
    assert path.exists() and not (tmp_path / (loc.filename + OPEN_SUFFIX)).exists()

    records = list(ArchiveIterator(open(path, "rb")))
    assert [r.rec_type for r in records] == ["warcinfo", "response", "request"]
    response, request = records[1], records[2]
    assert request.rec_headers["WARC-Concurrent-To"] == response.rec_headers["WARC-Record-ID"]
    assert response.rec_headers["WARC-Payload-Digest"] == _sha1(body) == loc.payload_digest
    assert response.http_headers.get_header("Content-Encoding") == "gzip"
    assert request.http_headers.protocol == "GET"  # request line
    assert request.http_headers.statusline.startswith("/art/2021/3/25/art_1_2.html")

    # The offset points at the response record, and every record is its own gzip member.
    with open(path, "rb") as fh:
        fh.seek(loc.offset)
        member = zlib.decompressobj(16 + zlib.MAX_WBITS)
        text = member.decompress(fh.read())
        assert text.startswith(b"WARC/1.1\r\nWARC-Type: response") or b"WARC-Type: response" in text[:200]
        assert member.eof and member.unused_data[:2] == b"\x1f\x8b"

    # The raw (still gzip-encoded) payload is what was archived.
    with open(path, "rb") as fh:
        fh.seek(loc.offset)
        record = next(iter(ArchiveIterator(fh)))
        assert record.raw_stream.read() == body

    check = subprocess.run(["warcio", "check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_rotation_by_size(tmp_path):
    writer = WarcFileWriter(tmp_path, crawl_id="t2", max_size=2000)
    for n in range(5):
        writer.write_exchange(
            url=f"http://example.gov.cn/{n}",
            method="GET",
            request_headers={},
            request_body=b"",
            status=200,
            response_headers={"Content-Type": "text/plain"},
            body=bytes(range(256)) * 8,
        )
    writer.close()
    assert len(writer.closed_files) >= 2
    assert [p.name.split("-")[-1] for p in writer.closed_files][:2] == ["00001.warc.gz", "00002.warc.gz"]
    for path in writer.closed_files:
        types = [r.rec_type for r in ArchiveIterator(open(path, "rb"))]
        assert types[0] == "warcinfo"


def test_conversion_record_refers_to_its_page(tmp_path):
    writer = WarcFileWriter(tmp_path, crawl_id="t3")
    page = writer.write_exchange(
        url="http://drc.hangzhou.gov.cn/col/col1/index.html",
        method="GET",
        request_headers={},
        request_body=b"",
        status=200,
        response_headers={"Content-Type": "text/html"},
        body=b"<ul id=report-list></ul><script>build()</script>",
    )
    conv = writer.write_conversion(
        "http://drc.hangzhou.gov.cn/col/col1/index.html", b"<ul><li>rendered</li></ul>", "text/html", note="DOM"
    )
    writer.close()
    records = list(ArchiveIterator(open(tmp_path / conv.filename, "rb")))
    conversion = [r for r in records if r.rec_type == "conversion"][0]
    assert conversion.rec_headers["WARC-Refers-To"] == page.record_id
    from govcrawl.archive.files import verify_file

    verdict = verify_file(tmp_path / conv.filename)
    assert verdict.ok and verdict.types["conversion"] == 1, verdict.problems


# --- warcinfo, IP address, revisit records, repair ------------------------------------------------

import fcntl  # noqa: E402

import pytest  # noqa: E402
from fastwarc.warc import ArchiveIterator as FastArchiveIterator  # noqa: E402

from govcrawl.archive.digests import DigestFilter, DigestIndex, PayloadDigest, sha1_digest
from govcrawl.archive.files import verify_file
from govcrawl.archive.repair import repair_dir, repair_file, scan_members
from govcrawl.store.store import Store

REPORT_URL = "http://www.zj.gov.cn/art/2021/3/25/art_1_2.html"


def _exchange(writer, url=REPORT_URL, body=b"<html>\xe6\xb5\x99\xe6\xb1\x9f</html>", **kw):
    return writer.write_exchange(
        url=url,
        method=kw.pop("method", "GET"),
        request_headers={"User-Agent": "govcrawl-test"},
        request_body=kw.pop("request_body", b""),
        status=kw.pop("status", 200),
        response_headers={"Content-Type": "text/html; charset=utf-8", "ETag": '"v1"'},
        body=body,
        **kw,
    )


def test_warcinfo_names_software_format_host_and_settings(tmp_path):
    writer = WarcFileWriter(tmp_path, crawl_id="c1-zj_gov", info={"robots": "obey", "govcrawl-setting-DEPTH_LIMIT": "8"})
    _exchange(writer, ip_address="192.0.2.7")
    writer.close()
    records, blocks = [], []
    for record in ArchiveIterator(open(writer.closed_files[0], "rb")):
        records.append(record)
        blocks.append(record.raw_stream.read())
    info = records[0]
    assert info.rec_type == "warcinfo" and info.rec_headers.protocol == "WARC/1.1"
    assert info.rec_headers["WARC-Filename"] == writer.closed_files[0].name
    assert info.rec_headers["Content-Type"] == "application/warc-fields"
    fields = dict(
        line.split(": ", 1) for line in blocks[0].decode().splitlines() if ": " in line
    )
    assert fields["software"].startswith("govcrawl/") and fields["format"] == "WARC File Format 1.1"
    assert fields["hostname"] and fields["isPartOf"] == "c1-zj_gov"
    assert fields["robots"] == "obey" and fields["govcrawl-setting-DEPTH_LIMIT"] == "8"
    response, request = records[1], records[2]
    assert response.rec_headers["WARC-IP-Address"] == "192.0.2.7"
    assert response.rec_headers["WARC-Date"] == request.rec_headers["WARC-Date"]
    for record in records[1:]:
        assert record.rec_headers["WARC-Block-Digest"].startswith("sha1:")
        assert record.rec_headers["WARC-Payload-Digest"].startswith("sha1:")


def _index(tmp_path, exclusive: bool = False) -> DigestIndex:
    return DigestIndex(Store(f"sqlite:///{tmp_path / 'digests.sqlite3'}"), exclusive=exclusive)


@pytest.mark.parametrize("exclusive", [False, True], ids=["shared", "exclusive"])
def test_an_archived_payload_is_written_again_as_a_revisit_record(tmp_path, exclusive):
    """The same records whether the index asks the table about every payload or knows which ones it may hold."""
    index = _index(tmp_path, exclusive)
    first = WarcFileWriter(tmp_path / "a", crawl_id="crawl1-x", dedup=index, dedup_crawl_id="crawl1")
    original = _exchange(first)
    same_crawl = _exchange(first)  # duplicates within one crawl stay full responses (scope "previous")
    first.close()
    assert original.record_type == same_crawl.record_type == "response"

    second = WarcFileWriter(tmp_path / "b", crawl_id="crawl2-x", dedup=index, dedup_crawl_id="crawl2")
    again = _exchange(second)
    changed = _exchange(second, body=b"<html>changed</html>")
    post = _exchange(second, method="POST", request_body=b"page=2")  # another capture key: full response
    second.close()
    assert (again.record_type, again.payload_bytes) == ("revisit", 0)
    assert changed.record_type == post.record_type == "response"

    records = list(ArchiveIterator(open(second.closed_files[0], "rb")))
    revisit = records[1]
    assert revisit.rec_type == "revisit" and revisit.rec_headers.get_header("WARC-Target-URI") == REPORT_URL
    h = revisit.rec_headers
    assert h["WARC-Profile"] == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    assert h["WARC-Refers-To"] == original.record_id
    assert h["WARC-Refers-To-Target-URI"] == REPORT_URL
    assert h["WARC-Payload-Digest"] == original.payload_digest
    first_response = list(ArchiveIterator(open(first.closed_files[0], "rb")))[1]
    assert h["WARC-Refers-To-Date"] == first_response.rec_headers["WARC-Date"]
    assert revisit.http_headers.get_statuscode() == "200"  # the revisit keeps its own HTTP headers
    assert revisit.content_stream().read() == b""
    assert records[2].rec_type == "request" and records[2].rec_headers["WARC-Concurrent-To"] == h["WARC-Record-ID"]

    # the index lives in the database, one row per archived payload and capture key
    rows = index.all()
    assert {(r.url, r.method, r.crawl_id) for r in rows} == {
        (REPORT_URL, "GET", "crawl1"), (REPORT_URL, "GET", "crawl2"), (REPORT_URL, "POST", "crawl2")
    }
    with index.store.session() as session:
        assert session.get(PayloadDigest, rows[0].id).revisits == 1
    for path in first.closed_files + second.closed_files:
        assert verify_file(path).ok, verify_file(path).problems


def _digest(n: int) -> str:
    return sha1_digest(f"payload {n}".encode())


def test_the_digest_filter_never_misses_a_digest_and_rarely_claims_one():
    known = DigestFilter(capacity=1_000)  # grows by levels past its first capacity
    for n in range(50_000):
        known.add(_digest(n))
    assert len(known.levels) > 1
    assert all(_digest(n) in known for n in range(50_000))
    assert sum(_digest(n) in known for n in range(50_000, 100_000)) < 1_000  # < 2 % false positives
    assert sum(len(bits) for bits, _ in known.levels) < 4 * 50_000  # a few bytes a digest


def test_an_exclusive_index_asks_the_table_only_about_payloads_it_may_hold(tmp_path):
    from sqlalchemy import event

    earlier = _index(tmp_path)
    earlier.add(REPORT_URL, _digest(1), url=REPORT_URL, method="GET", warc_date="2026-01-01T00:00:00Z",
                record_id="<urn:uuid:1>", warc_filename="a.warc.gz", warc_offset=0, payload_length=10, crawl_id="c1")
    earlier.close()

    index = _index(tmp_path, exclusive=True)  # reads the table's digests when it opens
    queries: list[str] = []
    event.listen(index.store.engine, "before_cursor_execute", lambda *args: queries.append(args[2]))
    assert all(index.lookup(f"http://www.zj.gov.cn/{n}.html", _digest(n)) is None for n in range(100, 200))
    assert len(queries) <= 5  # never seen: no query (but for the filter's few false positives)
    found = index.lookup(REPORT_URL, _digest(1))
    assert found is not None and (found.record_id, found.crawl_id) == ("<urn:uuid:1>", "c1")

    # a payload another open index of the same database archives is known to this one too
    other = DigestIndex(index.store, exclusive=True)
    other.add("http://www.zj.gov.cn/new.html", _digest(2), url="http://www.zj.gov.cn/new.html", method="GET",
              warc_date="2026-01-02T00:00:00Z", record_id="<urn:uuid:2>", warc_filename="b.warc.gz", warc_offset=0,
              payload_length=10, crawl_id="c2")
    other.flush()
    assert index.lookup("http://www.zj.gov.cn/new.html", _digest(2)).record_id == "<urn:uuid:2>"
    other.release()
    index.close()


def test_dedup_scope_all_dedups_within_the_crawl(tmp_path):
    writer = WarcFileWriter(tmp_path, crawl_id="c-x", dedup=_index(tmp_path), dedup_scope="all")
    assert [_exchange(writer).record_type for _ in range(2)] == ["response", "revisit"]
    writer.close()


def _tear(path, keep_bytes_of_last: int) -> int:
    """Simulate a crash mid-write: a whole record, then only the start of another gzip member."""
    data = path.read_bytes()
    with open(path, "rb") as fh:
        records, end = scan_members(fh)
    assert end == len(data)
    torn = gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\n" + b"x" * 500)
    path.write_bytes(data + torn[:keep_bytes_of_last])
    return records


@pytest.mark.parametrize("keep", [0, 5, 60])
def test_repair_cuts_a_torn_record_and_renames(tmp_path, keep):
    writer = WarcFileWriter(tmp_path, crawl_id="k")
    locations = [_exchange(writer, url=f"http://www.zj.gov.cn/{n}.html") for n in range(3)]
    open_path = writer.current_path
    os.close(writer._fd)  # the process dies: no close(), no rename
    whole = _tear(open_path, keep)
    assert whole == 7  # warcinfo + 3 x (response, request)

    results = repair_dir(tmp_path)
    assert [r.status for r in results] == (["closed"] if keep == 0 else ["repaired"])
    final = results[0].path
    assert final.name == locations[0].filename and not open_path.exists()
    assert results[0].records == 7
    ok, out = _warcio_check(final)
    assert ok, out
    verdict = verify_file(final)
    assert verdict.ok and verdict.records == 7, verdict.problems
    for loc in locations:  # what the database was told is still where it was
        with open(final, "rb") as fh:
            fh.seek(loc.offset)
            assert next(iter(ArchiveIterator(fh))).rec_headers["WARC-Record-ID"] == loc.record_id


def test_repair_leaves_a_file_a_running_crawl_holds(tmp_path):
    writer = WarcFileWriter(tmp_path, crawl_id="live")
    _exchange(writer)
    assert [r.status for r in repair_dir(tmp_path)] == ["busy"]
    assert writer.current_path.exists()
    writer.close()
    assert repair_dir(tmp_path) == []


def test_repair_keeps_the_bytes_of_a_file_with_no_whole_record(tmp_path):
    # Changed on purpose (issue 17): repair never removes bytes without a copy; they leave the archive's files
    # (no longer *.warc.gz.open nor *.warc.gz) as NAME.warc.gz.torn.
    path = tmp_path / "govcrawl-x-20260101000000-00001.warc.gz.open"
    torn = gzip.compress(b"WARC/1.1\r\n")[:10]
    path.write_bytes(torn)
    result = repair_file(path)
    assert result.status == "torn" and not path.exists()
    assert result.kept.name == "govcrawl-x-20260101000000-00001.warc.gz.torn" and result.kept.read_bytes() == torn
    empty = tmp_path / "govcrawl-x-20260101000000-00002.warc.gz.open"
    empty.write_bytes(b"")
    assert repair_file(empty).status == "empty" and not empty.exists()


def test_fastwarc_verification_catches_a_wrong_digest(tmp_path):
    writer = WarcFileWriter(tmp_path, crawl_id="v")
    _exchange(writer)
    writer.close()
    path = writer.closed_files[0]
    assert verify_file(path).ok
    records = [gzip.decompress(m) for m in _members(path.read_bytes())]
    records[1] = records[1].replace("浙江".encode(), "浙北".encode())  # same length, other bytes
    path.write_bytes(b"".join(gzip.compress(r) for r in records))
    assert [r.record_type for r in FastArchiveIterator(open(path, "rb"), parse_http=False)]
    problems = verify_file(path).problems
    assert any("Block-Digest does not match" in p for p in problems)
    assert any("Payload-Digest does not match" in p for p in problems)


def _members(data: bytes) -> list[bytes]:
    out, pos = [], 0
    while pos < len(data):
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        d.decompress(data[pos:])
        end = len(data) - len(d.unused_data)
        out.append(data[pos:end])
        pos = end
    return out


def _warcio_check(path):
    check = subprocess.run(["warcio", "check", str(path)], capture_output=True, text=True)
    return check.returncode == 0, check.stdout + check.stderr


def test_writer_holds_an_exclusive_lock_on_the_open_file(tmp_path):
    writer = WarcFileWriter(tmp_path, crawl_id="l")
    _exchange(writer)
    fd = os.open(writer.current_path, os.O_RDONLY)
    try:
        with pytest.raises(BlockingIOError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)
    writer.close()


def test_capture_records_the_server_ip_only_when_not_proxied(tmp_path):
    import ipaddress

    from scrapy import Request
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from pipelines.warc_capture import WarcCapture

    def capture(proxy: str, meta: dict) -> str | None:
        crawler = get_crawler(
            settings_dict={
                "GOVCRAWL_WARC_DIR": str(tmp_path / f"w{bool(proxy)}{bool(meta)}"),
                "GOVCRAWL_DB_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                "GOVCRAWL_PROXY": proxy,
                "GOVCRAWL_CRAWL_ID": "ipcheck",
            }
        )
        ext = WarcCapture(crawler)
        request = Request(REPORT_URL, meta=meta)
        response = HtmlResponse(
            REPORT_URL, body=b"<html></html>", request=request, ip_address=ipaddress.ip_address("192.0.2.9")
        )
        ext.response_downloaded(response, request)
        assert request.meta["warc"].record_type == "response"
        ext.spider_closed()
        with open(ext.writer.closed_files[0], "rb") as fh:
            records = list(ArchiveIterator(fh))
        info = records[0]
        assert info.rec_type == "warcinfo"
        return records[1].rec_headers.get_header("WARC-IP-Address")

    assert capture("", {}) == "192.0.2.9"
    assert capture("http://127.0.0.1:8080", {}) is None  # the proxy's address is not the server's
    assert capture("", {"proxy": "http://127.0.0.1:3128"}) is None


def test_the_writer_and_the_digest_index_hold_a_bounded_memory_and_lose_nothing_by_it(tmp_path, monkeypatch):
    """A crawl's memory must not grow with its length: the writer remembers the record ids of its latest URIs only,
    the digest index its latest payloads only; an older payload is found in the table, so the revisits are the
    same."""
    import govcrawl.archive.writer as writer_module

    monkeypatch.setattr(writer_module, "RECORD_IDS", 3)
    monkeypatch.setattr(DigestIndex, "CACHE", 4)
    index = _index(tmp_path)
    urls = [f"http://www.zj.gov.cn/art/{i}.html" for i in range(12)]
    first = WarcFileWriter(tmp_path / "a", crawl_id="c1-x", dedup=index, dedup_crawl_id="c1")
    originals = [_exchange(first, url=url, body=f"<p>{i}</p>".encode()) for i, url in enumerate(urls)]
    assert len(first.record_ids) == 3 and len(index._cache) == 4
    assert list(first.record_ids) == urls[-3:]
    conv = first.write_conversion(urls[-1], b"<p>rendered</p>", "text/html", note="DOM")
    first.close()
    records = list(ArchiveIterator(open(tmp_path / "a" / conv.filename, "rb")))
    conversion = [r for r in records if r.rec_type == "conversion"][0]
    assert conversion.rec_headers["WARC-Refers-To"] == originals[-1].record_id

    second = WarcFileWriter(tmp_path / "b", crawl_id="c2-x", dedup=index, dedup_crawl_id="c2")
    again = [_exchange(second, url=url, body=f"<p>{i}</p>".encode()) for i, url in enumerate(urls)]
    second.close()
    assert [a.record_type for a in again] == ["revisit"] * len(urls)
    refers = [r.rec_headers["WARC-Refers-To"] for r in ArchiveIterator(open(second.closed_files[0], "rb"))
              if r.rec_type == "revisit"]
    assert refers == [o.record_id for o in originals]
    assert len(index._cache) == 4 and len(index.all()) == len(urls)
