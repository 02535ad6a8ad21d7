"""The WARC writer: request/response pairs, digests, gzip members, .open -> final name."""

import gzip
import hashlib
import subprocess
import zlib
from base64 import b32encode

from scrapy.http import Headers
from warcio.archiveiterator import ArchiveIterator

from govcrawl.warc import OPEN_SUFFIX, WarcFileWriter


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
