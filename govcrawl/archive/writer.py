"""Writing WARC/1.1 files (warcio) the way Heritrix and warcprox write them.

- A ``warcinfo`` record opens every file: software and version, format, hostname and IP, the
  crawl id and the crawl's settings.
- Every exchange is a ``response`` record (the body exactly as received: still
  ``Content-Encoding``-encoded) and a ``request`` record linked to it by ``WARC-Concurrent-To``;
  both carry ``WARC-Block-Digest`` and ``WARC-Payload-Digest`` (sha1, base32), the response
  ``WARC-IP-Address`` when known.
- Dedup: given a :class:`govcrawl.digests.DigestIndex`, a payload already archived under the same
  capture key is written as a ``revisit`` record (identical-payload-digest profile,
  ``WARC-Refers-To``, ``WARC-Refers-To-Target-URI`` and ``-Date``): HTTP headers, no payload.
- A ``304 Not Modified`` is a ``revisit`` record of the server-not-modified profile referring to the
  capture it confirms (:meth:`WarcFileWriter.write_not_modified`), never a ``response``.
- One gzip member per record, each written with one ``write()`` of the whole member, so a crawl
  killed at any moment leaves whole records followed by at most one torn member
  (``govcrawl repair`` cuts it off).
- Files are written as ``*.warc.gz.open`` (held with an exclusive ``flock`` while open) and renamed
  to ``*.warc.gz`` when closed; a file is closed and the next opened past ``max_size`` bytes, and at
  the end of each crawl. Names: ``govcrawl-{crawl id}-{UTC time}-{serial}.warc.gz``.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import http
import io
import os
import socket
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import BufferWARCWriter

from govcrawl import __version__

if TYPE_CHECKING:  # pragma: no cover
    from govcrawl.archive.digests import DigestIndex

OPEN_SUFFIX = ".open"
RECORD_IDS = 10_000  # URIs whose latest record id the writer remembers
WARC_VERSION = "WARC/1.1"
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# Headers that describe the transport, not the payload: Twisted has already undone them.
_DECODED_TRANSPORT_HEADERS = {b"transfer-encoding"}


class WarcWriteError(OSError):
    """A record could not be written (disk full, I/O error, no permission). The file keeps every whole record
    written before it (the torn one is cut off), and the writer writes nothing more."""


def new_crawl_id() -> str:
    """A crawl's id: its UTC start time and a random suffix (it names the crawl's WARC files)."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


@dataclass(frozen=True)
class WarcLocation:
    filename: str
    offset: int
    record_id: str
    payload_digest: str | None
    record_type: str = "response"
    payload_bytes: int = 0  # payload bytes this record holds (0 for a revisit)


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
        for name, value in (headers or {}).items():
            if str(name).lower().encode() in _DECODED_TRANSPORT_HEADERS:
                continue
            pairs.append((str(name), str(value)))
    return pairs


def _host_ip() -> str | None:
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return None


class WarcFileWriter:
    """Append WARC records to rotating files in one folder."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        crawl_id: str,
        max_size: int = 1_000_000_000,
        info: dict[str, str] | None = None,
        dedup: "DigestIndex | None" = None,
        dedup_scope: str = "previous",
        dedup_crawl_id: str | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.crawl_id = crawl_id
        self.max_size = max_size
        self.info = dict(info or {})
        self.dedup = dedup
        # "previous": a payload archived by an earlier crawl becomes a revisit (Heritrix's DeDuplicator
        # way: duplicates within one crawl are kept in full); "all": within the crawl too.
        if dedup_scope not in ("previous", "all"):
            raise ValueError(f"dedup scope {dedup_scope!r}: expected 'previous' or 'all'")
        self.dedup_scope = dedup_scope
        self.dedup_crawl_id = dedup_crawl_id or crawl_id
        self.serial = 0
        self.hostname = socket.gethostname()
        self._fd: int | None = None
        self._size = 0
        self._name: str | None = None
        self.failed: OSError | None = None  # the error that stopped this writer (see _write_failed)
        self.closed_files: list[Path] = []
        # target URI -> id of its latest response/revisit record, for the latest RECORD_IDS URIs: what a conversion
        # record (a browser's rendering, written right after its page) refers to; bounded, as a crawl's memory must be
        self.record_ids: OrderedDict[str, str] = OrderedDict()

    # --- files --------------------------------------------------------------
    @property
    def current_name(self) -> str | None:
        return self._name

    @property
    def current_path(self) -> Path | None:
        return None if self._name is None else self.directory / (self._name + OPEN_SUFFIX)

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            self.serial += 1
            stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M%S")
            name = f"govcrawl-{self.crawl_id}-{stamp}-{self.serial:05d}.warc.gz"
            if not (self.directory / name).exists():
                try:
                    fd = os.open(self.directory / (name + OPEN_SUFFIX), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                    break
                except FileExistsError:
                    continue
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # `govcrawl repair` leaves a locked file alone
        self._fd, self._name, self._size = fd, name, 0
        fields: dict[str, str] = {
            "software": f"govcrawl/{__version__} (warcio, Scrapy)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": self.hostname,
        }
        ip = _host_ip()
        if ip:
            fields["ip"] = ip
        fields["isPartOf"] = self.crawl_id
        fields.update({k: str(v) for k, v in self.info.items() if v is not None})
        builder = BufferWARCWriter(gzip=True, warc_version=WARC_VERSION)
        self._write(builder.create_warcinfo_record(self._name, fields))

    def close(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)
            final = self.directory / self._name
            os.replace(self.directory / (self._name + OPEN_SUFFIX), final)
            os.close(self._fd)  # closing releases the lock, after the rename
            self.closed_files.append(final)
            self._fd = None
            self._name = None
        if self.dedup is not None:
            self.dedup.flush()  # the digest index learns of the records last, once they are on disk

    def _ensure_open(self) -> None:
        if self.failed is not None:
            raise WarcWriteError(self.failed.errno, f"WARC writing stopped earlier: {self.failed.strerror}")
        try:
            if self._fd is not None and self._size >= self.max_size:
                self.close()
            if self._fd is None:
                self._open()
        except WarcWriteError:
            raise
        except OSError as exc:
            self._write_failed(exc, self._size)

    def _write(self, record: Any, undo_to: int | None = None) -> int:
        """Write one record as one gzip member with one write(); return its offset. If the write fails, the
        file is cut back to before this record (or to ``undo_to``: the exchange's first record goes too)."""
        buffer = BufferWARCWriter(gzip=True, warc_version=WARC_VERSION)
        buffer.write_record(record)
        data = buffer.get_contents()
        offset = self._size
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError as exc:
            self._write_failed(exc, offset if undo_to is None else undo_to)
        self._size += len(data)
        return offset

    def _write_failed(self, exc: OSError, whole_end: int) -> None:
        """A write failed: cut the file back to its last whole record (``whole_end``), close it (a file with no
        whole record is removed: it holds nothing), write nothing more, raise WarcWriteError."""
        self.failed = exc
        if self._fd is not None:
            path = self.current_path
            try:
                os.ftruncate(self._fd, whole_end)  # frees space: works on a full disk
                self._size = whole_end
                if whole_end == 0:
                    os.unlink(path)
                    os.close(self._fd)
                    self._fd, self._name = None, None
                else:
                    self.close()
            except OSError:  # left as .open: whole records and a torn tail, which `govcrawl repair` cuts
                pass
        raise WarcWriteError(exc.errno, f"{exc.strerror or exc} (writing {self.directory})") from exc

    def _builder(self) -> BufferWARCWriter:
        return BufferWARCWriter(gzip=True, warc_version=WARC_VERSION)

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
        reason: str | None = None,
        confirms: str | None = None,
    ) -> WarcLocation:
        """Write a response (or revisit) record and its request record; return where the first sits.

        A 304 answer is never a response record: see :meth:`write_not_modified` (``confirms``: the payload
        digest of the capture the request's validators came from)."""
        from govcrawl.archive.digests import capture_key, sha1_digest

        if status == 304:
            return self.write_not_modified(url, method, request_headers, request_body, confirms, ip_address, protocol)
        self._ensure_open()
        builder = self._builder()
        when = warc_date()
        method = (method or "GET").upper()
        request_body = request_body or b""
        response_http = StatusAndHeaders(
            f"{status} {reason or _reason(status)}", _header_pairs(response_headers), protocol=protocol
        )
        warc_headers = {"WARC-Date": when}
        if ip_address:
            warc_headers["WARC-IP-Address"] = ip_address

        digest = sha1_digest(body)
        key = capture_key(url, method, request_body)
        known = self.dedup.lookup(key, digest) if (self.dedup is not None and body) else None
        original = known
        if known is not None and self.dedup_scope == "previous" and known.crawl_id == self.dedup_crawl_id:
            original = None
        if original is not None:
            warc_headers["WARC-Refers-To"] = original.record_id
            record = builder.create_revisit_record(
                url,
                digest=digest,
                refers_to_uri=original.url,
                refers_to_date=original.warc_date,
                http_headers=response_http,
                warc_headers_dict=warc_headers,
            )
            record_type, payload_bytes = "revisit", 0
        else:
            record = builder.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=response_http,
                warc_headers_dict=warc_headers,
            )
            record_type, payload_bytes = "response", len(body)
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        request = self._request_record(builder, url, method, request_headers, request_body, protocol, when, record_id)
        offset = self._write(record)
        self._write(request, undo_to=offset)
        self._remember_record(url, record_id)
        if self.dedup is not None and body:
            if known is None:
                self.dedup.add(
                    key,
                    digest,
                    url=url,
                    method=method,
                    warc_date=when,
                    record_id=record_id,
                    warc_filename=self._name,
                    warc_offset=offset,
                    payload_length=len(body),
                    crawl_id=self.dedup_crawl_id,
                )
            elif original is not None:
                self.dedup.seen_again(key, digest)
        return WarcLocation(self._name, offset, record_id, digest, record_type, payload_bytes)

    def write_not_modified(
        self,
        url: str,
        method: str,
        request_headers: Any,
        request_body: bytes = b"",
        confirms: str | None = None,
        ip_address: str | None = None,
        protocol: str = "HTTP/1.1",
    ) -> WarcLocation:
        """A "304 Not Modified": a ``revisit`` record of the server-not-modified profile (WARC 1.1, 6.7.3), and
        its request record.

        The record stands for the capture the request's validators came from: ``WARC-Refers-To`` (its record),
        ``-Target-URI`` and ``-Date``, and its payload digest (the profile defines the record's payload as that
        capture's payload), found in the digest index by ``confirms`` (else the URL's latest full capture). The
        validators sent are kept as ``WARC-Etag`` / ``WARC-Last-Modified`` (Heritrix's fields). The record has no
        block: the 304's status line would make replay tools play an empty 304 instead of the page.
        """
        from govcrawl.archive.digests import capture_key

        self._ensure_open()
        builder = self._builder()
        when = warc_date()
        method = (method or "GET").upper()
        request_body = request_body or b""
        key = capture_key(url, method, request_body)
        original = None
        if self.dedup is not None:
            original = self.dedup.lookup(key, confirms) if confirms else self.dedup.latest(url, method, request_body)
        warc_headers = {"WARC-Date": when, "WARC-Profile": NOT_MODIFIED_PROFILE}
        if ip_address:
            warc_headers["WARC-IP-Address"] = ip_address
        if original is not None:
            warc_headers["WARC-Refers-To"] = original.record_id
            warc_headers["WARC-Refers-To-Target-URI"] = original.url
            warc_headers["WARC-Refers-To-Date"] = original.warc_date
            if original.digest:
                warc_headers["WARC-Payload-Digest"] = original.digest
        else:  # no capture known to refer to (dedup off, or validators from elsewhere): the URL is all it names
            warc_headers["WARC-Refers-To-Target-URI"] = url
        validators = {name.lower(): value for name, value in _header_pairs(request_headers)}
        if validators.get("if-none-match"):
            warc_headers["WARC-Etag"] = validators["if-none-match"]
        if validators.get("if-modified-since"):
            warc_headers["WARC-Last-Modified"] = validators["if-modified-since"]
        record = builder.create_warc_record(url, "revisit", payload=io.BytesIO(b""), length=0,
                                            warc_headers_dict=warc_headers)
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        request = self._request_record(builder, url, method, request_headers, request_body, protocol, when, record_id)
        offset = self._write(record)
        self._write(request)
        self._remember_record(url, record_id)
        if original is not None and original.digest:
            self.dedup.seen_again(key, original.digest)
        return WarcLocation(self._name, offset, record_id, original.digest if original else None, "revisit", 0)

    def _remember_record(self, url: str, record_id: str) -> None:
        self.record_ids[url] = record_id
        self.record_ids.move_to_end(url)
        if len(self.record_ids) > RECORD_IDS:
            self.record_ids.popitem(last=False)

    @staticmethod
    def _request_record(
        builder: BufferWARCWriter, url: str, method: str, headers: Any, body: bytes, protocol: str, when: str,
        concurrent_to: str,
    ) -> Any:
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        pairs = _header_pairs(headers)
        if not any(name.lower() == "host" for name, _ in pairs):
            pairs.insert(0, ("Host", parts.netloc))
        request_http = StatusAndHeaders(f"{method} {target} {protocol}", pairs, is_http_request=True)
        return builder.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=request_http,
            warc_headers_dict={"WARC-Date": when, "WARC-Concurrent-To": concurrent_to},
        )

    def write_conversion(self, url: str, body: bytes, content_type: str, note: str) -> WarcLocation:
        """A derived representation (e.g. the DOM a browser rendered), never passed off as a response."""
        self._ensure_open()
        headers = {"WARC-Date": warc_date(), "WARC-Refers-To-Target-URI": url}
        if url in self.record_ids:
            headers["WARC-Refers-To"] = self.record_ids[url]
        headers["WARC-Govcrawl-Note"] = note
        record = self._builder().create_warc_record(
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
            "conversion",
            len(body),
        )
