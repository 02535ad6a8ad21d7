"""Writing WARC files (warcio): one gzip member per record, request + response per exchange.

Files are written as ``*.warc.gz.open`` and renamed to ``*.warc.gz`` when closed, so a crawl
that dies leaves every finished file under its final name. A file is closed and the next
opened past ``max_size`` bytes; names carry the crawl id, the time and a serial.
"""

from __future__ import annotations

import datetime as dt
import http
import io
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from govcrawl import __version__

OPEN_SUFFIX = ".open"
# Headers that describe the transport, not the payload: Twisted has already undone them.
_DECODED_TRANSPORT_HEADERS = {b"transfer-encoding"}


@dataclass(frozen=True)
class WarcLocation:
    filename: str
    offset: int
    record_id: str
    payload_digest: str | None


def warc_date(when: dt.datetime | None = None) -> str:
    when = when or dt.datetime.now(dt.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond:06d}Z"


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _header_pairs(headers: Any) -> list[tuple[str, str]]:
    """Scrapy ``Headers`` (bytes, multi-valued) or a plain mapping -> list of str pairs."""
    pairs: list[tuple[str, str]] = []
    if hasattr(headers, "getlist"):
        for name in headers.keys():
            if name.lower() in _DECODED_TRANSPORT_HEADERS:
                continue
            for value in headers.getlist(name):
                pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    else:
        for name, value in headers.items():
            if name.lower().encode() in _DECODED_TRANSPORT_HEADERS:
                continue
            pairs.append((str(name), str(value)))
    return pairs


class WarcFileWriter:
    """Append WARC records to rotating files in one folder."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        crawl_id: str,
        max_size: int = 1_000_000_000,
        info: dict[str, str] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.crawl_id = crawl_id
        self.max_size = max_size
        self.info = dict(info or {})
        self.serial = 0
        self.hostname = socket.gethostname()
        self._file: io.BufferedWriter | None = None
        self._writer: WARCWriter | None = None
        self._name: str | None = None
        self.closed_files: list[Path] = []
        self.record_ids: dict[str, str] = {}  # target URI -> id of its latest response record

    # --- files --------------------------------------------------------------
    @property
    def current_name(self) -> str | None:
        return self._name

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.serial += 1
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M%S")
        self._name = f"govcrawl-{self.crawl_id}-{stamp}-{self.serial:05d}.warc.gz"
        self._file = open(self.directory / (self._name + OPEN_SUFFIX), "xb")
        self._writer = WARCWriter(self._file, gzip=True)
        fields = {
            "software": f"govcrawl/{__version__} (warcio, Scrapy)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": self.hostname,
            "isPartOf": self.crawl_id,
            **self.info,
        }
        record = self._writer.create_warcinfo_record(self._name, fields)
        self._writer.write_record(record)
        self._file.flush()

    def close(self) -> None:
        if self._file is None:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        final = self.directory / self._name
        os.replace(self.directory / (self._name + OPEN_SUFFIX), final)
        self.closed_files.append(final)
        self._file = self._writer = self._name = None

    def _ensure_open(self) -> None:
        if self._file is not None and self._file.tell() >= self.max_size:
            self.close()
        if self._file is None:
            self._open()

    def _write(self, record: Any) -> int:
        offset = self._file.tell()
        self._writer.write_record(record)
        self._file.flush()
        return offset

    # --- records ------------------------------------------------------------
    def write_exchange(
        self,
        url: str,
        method: str,
        request_headers: Any,
        request_body: bytes,
        status: int,
        response_headers: Any,
        body: bytes,
        ip_address: str | None = None,
        protocol: str = "HTTP/1.1",
    ) -> WarcLocation:
        """Write a response record (body as received) and its request record; return where it sits."""
        self._ensure_open()
        when = warc_date()
        response_http = StatusAndHeaders(
            f"{status} {_reason(status)}", _header_pairs(response_headers), protocol=protocol
        )
        warc_headers = {"WARC-Date": when}
        if ip_address:
            warc_headers["WARC-IP-Address"] = ip_address
        response = self._writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=response_http,
            warc_headers_dict=warc_headers,
        )
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request_pairs = _header_pairs(request_headers)
        if not any(name.lower() == "host" for name, _ in request_pairs):
            request_pairs.insert(0, ("Host", parts.netloc))
        request_http = StatusAndHeaders(f"{method} {target} {protocol}", request_pairs, is_http_request=True)
        request = self._writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(request_body),
            length=len(request_body),
            http_headers=request_http,
            warc_headers_dict={
                "WARC-Date": when,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        offset = self._write(response)
        self._write(request)
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        self.record_ids[url] = record_id
        return WarcLocation(
            self._name, offset, record_id, response.rec_headers.get_header("WARC-Payload-Digest")
        )

    def write_conversion(self, url: str, body: bytes, content_type: str, note: str) -> WarcLocation:
        """A derived representation (e.g. the DOM a browser rendered), never passed off as a response."""
        self._ensure_open()
        headers = {"WARC-Date": warc_date(), "WARC-Refers-To-Target-URI": url}
        if url in self.record_ids:
            headers["WARC-Refers-To"] = self.record_ids[url]
        headers["WARC-Govcrawl-Note"] = note
        record = self._writer.create_warc_record(
            url,
            "conversion",
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type=content_type,
            warc_headers_dict=headers,
        )
        offset = self._write(record)
        return WarcLocation(
            self._name,
            offset,
            record.rec_headers.get_header("WARC-Record-ID"),
            record.rec_headers.get_header("WARC-Payload-Digest"),
        )
