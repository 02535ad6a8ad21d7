"""Repair after a crash.

:func:`repair_file` / :func:`repair_dir`: a ``*.warc.gz.open`` file left by a crawl that died
keeps every whole record (one gzip member each); a torn last member is cut off and the file
renamed to its final ``*.warc.gz`` name (the name the database already refers to). A file still
held open by a running crawl (``flock``) is left alone."""

from __future__ import annotations

import fcntl
import io
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

from govcrawl.archive.files import CHUNK, ArchiveError, open_files
from govcrawl.archive.writer import OPEN_SUFFIX

# --- repair -----------------------------------------------------------------------------------


@dataclass
class RepairResult:
    path: Path  # where the file is now
    status: str  # "repaired" | "closed" (nothing cut) | "busy" (a crawl holds it) | "removed" (no whole record)
    records: int = 0
    cut_bytes: int = 0


def _whole_record(head: bytes, total: int) -> bool:
    """Is a member's decompressed content (``head``: its start, ``total``: its length) one whole WARC record?"""
    if not head.startswith(b"WARC/1."):
        return False
    end = head.find(b"\r\n\r\n")
    if end < 0:
        return False
    length = None
    for line in head[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return False
    return length is not None and total == end + 4 + length + 4


def scan_members(fh: io.BufferedReader) -> tuple[int, int]:
    """Walk the gzip members from the start: (whole records, offset where the whole ones end)."""
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    pos = records = 0
    while pos < size:
        fh.seek(pos)
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        head = bytearray()
        total = consumed = 0
        try:
            while not inflate.eof:
                chunk = fh.read(CHUNK)
                if not chunk:
                    break
                consumed += len(chunk)
                out = inflate.decompress(chunk)
                total += len(out)
                if len(head) < CHUNK:
                    head += out[: CHUNK - len(head)]
        except zlib.error:
            break
        if not inflate.eof or not _whole_record(bytes(head), total):
            break
        pos += consumed - len(inflate.unused_data)
        records += 1
    return records, pos


def _final_name(path: Path) -> Path:
    return path.with_name(path.name[: -len(OPEN_SUFFIX)]) if path.name.endswith(OPEN_SUFFIX) else path


def repair_file(path: str | os.PathLike[str]) -> RepairResult:
    """Cut a torn last record off an ``.open`` file and give it its final name."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:  # closed (renamed) by its crawl meanwhile
        return RepairResult(_final_name(path), "busy")
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return RepairResult(path, "busy")
        with os.fdopen(os.dup(fd), "rb") as fh:
            records, end = scan_members(fh)
            size = fh.seek(0, os.SEEK_END)
        if records == 0:  # not even the warcinfo record made it: nothing anyone can refer to
            os.unlink(path)
            return RepairResult(path, "removed", 0, size)
        if end < size:
            os.ftruncate(fd, end)
        os.fsync(fd)
        final = _final_name(path)
        if final != path:
            if final.exists():
                raise ArchiveError(f"{final} exists already; not overwriting it with {path.name}")
            os.replace(path, final)
        return RepairResult(final, "repaired" if end < size else "closed", records, size - end)
    finally:
        os.close(fd)


def repair_dir(directory: str | os.PathLike[str]) -> list[RepairResult]:
    if not Path(directory).is_dir():
        raise ArchiveError(f"{directory}: no such folder")
    return [repair_file(p) for p in open_files(directory)]


