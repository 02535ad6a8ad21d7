"""Reading single records out of the WARC archive, safely (the web application, `accept`, the nightly).

A record is named by (file name, offset). The file name must be a bare ``*.warc.gz`` name (no
folder part), the file a regular file directly in the archive folder, and not a symbolic link;
its resolved path must lie inside the resolved archive folder. Anything else is "not found":
no file outside the archive can be read through here.

Revisit records (identical-payload-digest) are followed to their original through the digest
index (``payload_digests``) or, failing that, ``WARC-Refers-To-Target-URI`` + ``-Date`` in the
same folder. The payload is decoded (chunked transfer, gzip/deflate/br content encoding) by warcio.
"""

from __future__ import annotations

import os
import re
import stat
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,250}\.warc\.gz$")
MAX_PAYLOAD = 64 << 20  # a report page or attachment larger than this is not served


class RecordNotFound(Exception):
    """No such file in the archive, or no WARC record at that offset."""


@dataclass
class Record:
    filename: str
    offset: int
    rec_type: str
    url: str
    date: str
    record_id: str
    payload_digest: str | None
    status: int | None
    content_type: str
    http_headers: list[tuple[str, str]]
    payload: bytes  # decoded (transfer and content encodings undone); a revisit's original payload
    original: tuple[str, int] | None = None  # a revisit: where the payload was read from
    truncated: bool = False
    size: int | None = None  # the whole payload's length (``payload`` may hold only its first ``limit`` bytes)


class ArchiveReader:
    def __init__(self, warc_dir: str | os.PathLike[str],
                 lookup_original: Callable[[str, str | None, str | None], tuple[str, int] | None] | None = None,
                 allow_open: bool = False) -> None:
        self.root = Path(warc_dir).resolve()
        self.lookup_original = lookup_original
        # the crawl itself may read what it wrote earlier in the run, in the file it still writes (``*.open``)
        self.allow_open = allow_open

    # --- files ---------------------------------------------------------------------------

    def path(self, filename: str) -> Path:
        """The archive file of that name, or RecordNotFound (traversal, absolute paths, symlinks)."""
        if not isinstance(filename, str) or not NAME_RE.match(filename) or ".." in filename:
            raise RecordNotFound(f"{filename!r} is not a WARC file name")
        candidate = self.root / filename
        try:
            st = os.lstat(candidate)
        except OSError:
            if not self.allow_open:
                raise RecordNotFound(f"{filename}: no such WARC file") from None
            candidate = self.root / (filename + ".open")
            try:
                st = os.lstat(candidate)
            except OSError:
                raise RecordNotFound(f"{filename}: no such WARC file") from None
        if not stat.S_ISREG(st.st_mode):  # symbolic links (and anything but a plain file) refused
            raise RecordNotFound(f"{filename}: not a regular file")
        resolved = candidate.resolve()
        if resolved.parent != self.root:
            raise RecordNotFound(f"{filename}: outside the archive")
        return resolved

    def _check_offset(self, path: Path, filename: str, offset: int) -> None:
        if not isinstance(offset, int) or offset < 0 or offset >= path.stat().st_size:
            raise RecordNotFound(f"no WARC record at {filename}@{offset}")

    # --- raw bytes -----------------------------------------------------------------------

    def raw_member_chunks(self, filename: str, offset: int) -> Any:
        """The exact bytes of the gzip member starting at ``offset``, as an iterator of chunks (checked to be a
        WARC record before the first chunk is given; memory: one chunk, whatever the record's size)."""
        path = self.path(filename)
        self._check_offset(path, filename, offset)
        with open(path, "rb") as fh:
            fh.seek(offset)
            first = fh.read(1 << 16)
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            if not inflate.decompress(first, 16).startswith(b"WARC/"):
                raise RecordNotFound(f"no WARC record at {filename}@{offset}")
        except zlib.error:
            raise RecordNotFound(f"no WARC record at {filename}@{offset}") from None

        def chunks() -> Any:
            inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
            with open(path, "rb") as fh:
                fh.seek(offset)
                while not inflate.eof:
                    chunk = fh.read(1 << 16)
                    if not chunk:
                        return
                    try:
                        inflate.decompress(chunk, 1 << 20)
                        while inflate.unconsumed_tail and not inflate.eof:
                            inflate.decompress(inflate.unconsumed_tail, 1 << 20)
                    except zlib.error:
                        return
                    yield chunk[: len(chunk) - len(inflate.unused_data)] if inflate.eof else chunk

        return chunks()

    def raw_member(self, filename: str, offset: int) -> bytes:
        """The exact bytes of the gzip member (one record) starting at ``offset``."""
        path = self.path(filename)
        self._check_offset(path, filename, offset)
        with open(path, "rb") as fh:
            fh.seek(offset)
            inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
            chunks = []
            consumed = 0
            head = b""
            try:
                while not inflate.eof:
                    chunk = fh.read(1 << 16)
                    if not chunk:
                        break
                    out = inflate.decompress(chunk)
                    if len(head) < 8:
                        head += out[:8]
                    chunks.append(chunk)
                    consumed += len(chunk)
                    if consumed > MAX_PAYLOAD * 2:
                        raise RecordNotFound("record too large")
            except zlib.error:
                raise RecordNotFound(f"no WARC record at {filename}@{offset}") from None
            if not inflate.eof or not head.startswith(b"WARC/"):
                raise RecordNotFound(f"no WARC record at {filename}@{offset}")
            data = b"".join(chunks)
            return data[: len(data) - len(inflate.unused_data)]

    # --- parsed records ------------------------------------------------------------------------

    def _read(self, filename: str, offset: int, limit: int = MAX_PAYLOAD) -> tuple[Any, bytes, bool, int]:
        from warcio.archiveiterator import ArchiveIterator
        from warcio.exceptions import ArchiveLoadFailed

        path = self.path(filename)
        self._check_offset(path, filename, offset)
        with open(path, "rb") as fh:
            fh.seek(offset)
            if fh.read(3) != b"\x1f\x8b\x08":  # every record is a gzip member of its own
                raise RecordNotFound(f"no WARC record at {filename}@{offset}")
            fh.seek(offset)
            try:
                for record in ArchiveIterator(fh, check_digests=False):
                    if record.rec_headers.protocol not in ("WARC/1.0", "WARC/1.1"):
                        break
                    # a new reader starting mid-file reports offsets from where it started
                    payload = b""
                    truncated = False
                    size = 0
                    if record.rec_type in ("response", "resource", "conversion"):
                        stream = record.content_stream()
                        payload = stream.read(limit + 1)
                        truncated = len(payload) > limit
                        size = len(payload)
                        payload = payload[:limit]
                        if truncated:  # measured, not kept: memory stays at one chunk
                            while chunk := stream.read(1 << 20):
                                size += len(chunk)
                    return record, payload, truncated, size
            except (ArchiveLoadFailed, ValueError, EOFError, zlib.error, OSError) as exc:
                raise RecordNotFound(f"no WARC record at {filename}@{offset}: {exc}") from None
        raise RecordNotFound(f"no WARC record at {filename}@{offset}")

    def record(self, filename: str, offset: int, _depth: int = 0, limit: int = MAX_PAYLOAD) -> Record:
        """The record at ``offset``; of its payload, at most the first ``limit`` bytes are kept (``size`` is the
        whole payload's length, ``truncated`` says whether it was cut)."""
        rec, payload, truncated, size = self._read(filename, offset, limit)
        h = rec.rec_headers
        http = rec.http_headers
        headers = list(http.headers) if http is not None else []
        status = None
        if http is not None and rec.rec_type in ("response", "revisit"):
            try:
                status = int(http.get_statuscode())
            except (TypeError, ValueError):
                status = None
        content_type = (http.get_header("Content-Type") if http is not None else None) or h.get_header("Content-Type") or ""
        out = Record(
            filename=filename,
            offset=offset,
            rec_type=rec.rec_type,
            url=h.get_header("WARC-Target-URI") or "",
            date=h.get_header("WARC-Date") or "",
            record_id=h.get_header("WARC-Record-ID") or "",
            payload_digest=h.get_header("WARC-Payload-Digest"),
            status=status,
            content_type=content_type,
            http_headers=headers,
            payload=payload,
            truncated=truncated,
            size=size,
        )
        if rec.rec_type == "revisit" and _depth == 0:
            where = None
            if self.lookup_original is not None:
                where = self.lookup_original(out.url, out.payload_digest, h.get_header("WARC-Refers-To"))
            if where is None:
                raise RecordNotFound(f"the original of the revisit record at {filename}@{offset} is not in the archive")
            original = self.record(where[0], where[1], _depth=1, limit=limit)
            out.payload = original.payload
            out.truncated = original.truncated
            out.size = original.size
            out.original = where
            if original.content_type:
                out.content_type = original.content_type
        return out

    def payload_chunks(self, filename: str, offset: int) -> tuple[Record, Any]:
        """The record's headers (``payload`` empty, ``size`` set) and an iterator of its decoded payload in chunks
        (a revisit's from its original): what a download streams, never holding the payload in memory."""
        from warcio.archiveiterator import ArchiveIterator

        head = self.record(filename, offset, limit=0)
        source = head.original or (filename, offset)
        path = self.path(source[0])

        def chunks() -> Any:
            with open(path, "rb") as fh:
                fh.seek(source[1])
                for record in ArchiveIterator(fh, check_digests=False):
                    stream = record.content_stream()
                    while chunk := stream.read(1 << 16):
                        yield chunk
                    return

        return head, chunks()
