"""Repair after a crash, and a damaged file's inventory -- never at the cost of a good record.

- :func:`repair_file` / :func:`repair_dir` act only on ``*.warc.gz.open`` files, a dead crawl's leftovers
  (one still held by a running crawl, ``flock``, is left alone). Every whole record (one gzip member
  each) is kept where it is; a torn *last* member is cut off, its bytes kept beside the file as
  ``NAME.warc.gz.torn``, and the file renamed to its final ``*.warc.gz`` name (the name the database
  already refers to). A file damaged anywhere but at its end (readable records after the damage) is not
  a crash's leftover: it is left exactly as it is and reported.
- Any other file (a closed ``.warc.gz``, an uncompressed ``.warc``, anything else) is never changed,
  shortened, renamed or removed: :func:`scan_file` says which of its records are readable and where
  the damage is, and :func:`salvage` copies the readable records to a new file beside it.
"""

from __future__ import annotations

import fcntl
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from govcrawl.archive.files import CHUNK, ArchiveError, open_files
from govcrawl.archive.writer import OPEN_SUFFIX

GZIP_MAGIC = b"\x1f\x8b\x08"
TORN_SUFFIX = ".torn"
DAMAGED_SUFFIX = ".damaged"
SALVAGED_SUFFIX = "-salvaged.warc.gz"


@dataclass(frozen=True)
class Member:
    """One readable record: where its gzip member starts and ends, its type and target."""

    offset: int
    end: int
    record_type: str
    target: str


@dataclass
class Scan:
    """A WARC file read member by member: its readable records, and the byte ranges that are not."""

    size: int
    members: list[Member] = field(default_factory=list)
    damage: list[tuple[int, int]] = field(default_factory=list)  # [start, end) ranges no record could be read from

    @property
    def whole_end(self) -> int:
        """Where the run of whole records from the start ends (the first damage, or the end)."""
        return self.damage[0][0] if self.damage else self.size

    @property
    def torn_tail_only(self) -> bool:
        """Is the only damage a torn last record (what a crash mid-write leaves)?"""
        return len(self.damage) == 1 and self.damage[0][1] == self.size

    def readable_after_damage(self) -> int:
        return sum(1 for m in self.members if self.damage and m.offset >= self.damage[0][0])


@dataclass
class RepairResult:
    path: Path  # where the file is now
    # "repaired" (a torn last record cut off, kept in ``kept``) | "closed" (nothing cut) | "busy" (a crawl holds
    # it) | "torn" (no whole record: the bytes renamed to ``kept``) | "empty" (0 bytes: removed) | "damaged"
    # (damage before readable records: left as it is) | "refused" (not a ``.warc.gz.open`` file: left as it is)
    status: str
    records: int = 0
    cut_bytes: int = 0
    kept: Path | None = None
    scan: Scan | None = None


def _record_head(head: bytes, total: int) -> tuple[str, str] | None:
    """(WARC-Type, WARC-Target-URI) if a member's content (``head``: its start, ``total``: its length) is one
    whole WARC record, else None."""
    if not head.startswith(b"WARC/1."):
        return None
    end = head.find(b"\r\n\r\n")
    if end < 0:
        return None
    length, kind, target = None, "", ""
    for line in head[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return None
        elif name == b"warc-type":
            kind = value.strip().decode("latin-1")
        elif name == b"warc-target-uri":
            target = value.strip().decode("latin-1")
    if length is None or total != end + 4 + length + 4:
        return None
    return kind, target


def _read_member(fh, pos: int, size: int) -> Member | None:
    """The whole WARC record in the gzip member starting at ``pos``, or None."""
    fh.seek(pos)
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    head = bytearray()
    total = consumed = 0
    try:
        while not inflate.eof:
            chunk = fh.read(CHUNK)
            if not chunk:
                return None
            consumed += len(chunk)
            out = inflate.decompress(chunk)
            total += len(out)
            if len(head) < CHUNK:
                head += out[: CHUNK - len(head)]
    except zlib.error:
        return None
    found = _record_head(bytes(head), total)
    if found is None:
        return None
    return Member(pos, pos + consumed - len(inflate.unused_data), *found)


def _next_candidate(fh, start: int, size: int) -> int:
    """The next offset at or after ``start`` where a gzip member may begin (its magic bytes), or ``size``."""
    pos = start
    while pos < size:
        fh.seek(pos)
        block = fh.read(CHUNK + len(GZIP_MAGIC) - 1)
        found = block.find(GZIP_MAGIC)
        if found >= 0:
            return pos + found
        if len(block) < CHUNK:
            break
        pos += CHUNK
    return size


def scan_file(path: str | os.PathLike[str]) -> Scan:
    """Read a ``.warc.gz`` member by member; past a damaged member, look for the next whole one."""
    with open(path, "rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        scan = Scan(size)
        pos = 0
        while pos < size:
            member = _read_member(fh, pos, size)
            if member is not None:
                scan.members.append(member)
                pos = member.end
                continue
            start, candidate = pos, _next_candidate(fh, pos + 1, size)
            while candidate < size and _read_member(fh, candidate, size) is None:
                candidate = _next_candidate(fh, candidate + 1, size)
            scan.damage.append((start, candidate))
            pos = candidate
    return scan


def scan_members(fh) -> tuple[int, int]:
    """(whole records from the start, offset where they end) of an open file object."""
    scan = scan_file(fh.name)
    return sum(1 for m in scan.members if m.end <= scan.whole_end), scan.whole_end


def _final_name(path: Path) -> Path:
    return path.with_name(path.name[: -len(OPEN_SUFFIX)]) if path.name.endswith(OPEN_SUFFIX) else path


def is_unfinished(path: str | os.PathLike[str]) -> bool:
    return Path(path).name.endswith(".warc.gz" + OPEN_SUFFIX)


def _keep_copy(path: Path, start: int, end: int, target: Path) -> Path:
    """Copy bytes [start, end) of ``path`` to a new file ``target`` (never overwriting one), synced to disk."""
    if target.exists():
        raise ArchiveError(f"{target} exists already; not overwriting it")
    with open(path, "rb") as src, open(target, "xb") as dst:
        src.seek(start)
        left = end - start
        while left > 0:
            chunk = src.read(min(CHUNK, left))
            if not chunk:
                break
            dst.write(chunk)
            left -= len(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return target


def repair_file(path: str | os.PathLike[str]) -> RepairResult:
    """Close a dead crawl's ``.warc.gz.open`` file: cut a torn last record (keeping its bytes), rename it.

    Anything else is refused, and a file damaged before its end is left as it is (see :func:`salvage`)."""
    path = Path(path)
    if not is_unfinished(path):
        return RepairResult(path, "refused")
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:  # closed (renamed) by its crawl meanwhile
        return RepairResult(_final_name(path), "busy")
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return RepairResult(path, "busy")
        scan = scan_file(path)
        final = _final_name(path)
        if scan.size == 0:  # created, never written: nothing to keep
            os.unlink(path)
            return RepairResult(path, "empty", scan=scan)
        if scan.damage and not scan.torn_tail_only:
            return RepairResult(path, "damaged", len(scan.members), scan=scan)
        if final.exists():
            raise ArchiveError(f"{final} exists already; not overwriting it with {path.name}")
        if not scan.members:  # not even the warcinfo record made it: keep the bytes, out of the archive's files
            kept = final.with_name(final.name + TORN_SUFFIX)
            if kept.exists():
                raise ArchiveError(f"{kept} exists already; not overwriting it with {path.name}")
            os.replace(path, kept)
            return RepairResult(kept, "torn", 0, scan.size, kept, scan)
        kept = None
        end = scan.whole_end
        if end < scan.size:
            kept = _keep_copy(path, end, scan.size, final.with_name(final.name + TORN_SUFFIX))
            os.ftruncate(fd, end)
        os.fsync(fd)
        os.replace(path, final)
        return RepairResult(final, "repaired" if kept else "closed", len(scan.members), scan.size - end, kept, scan)
    finally:
        os.close(fd)


def held_by_a_crawl(path: str | os.PathLike[str]) -> bool:
    """Is a running crawl writing this file (it holds the file's ``flock``)?"""
    try:
        with open(path, "rb") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(fh, fcntl.LOCK_UN)
    except FileNotFoundError:
        return False
    return False


def repair_dir(directory: str | os.PathLike[str]) -> list[RepairResult]:
    if not Path(directory).is_dir():
        raise ArchiveError(f"{directory}: no such folder")
    return [repair_file(p) for p in open_files(directory)]


def salvage(path: str | os.PathLike[str], output: str | os.PathLike[str] | None = None) -> tuple[Path, Scan]:
    """Copy the readable records of a damaged file, byte for byte, to a new file (``NAME-salvaged.warc.gz``
    beside it by default); the damaged file itself is not changed (an ``.open`` one is renamed
    ``NAME.warc.gz.damaged`` so it no longer counts as a crash's leftover)."""
    path = Path(path)
    if is_unfinished(path):
        with open(path, "rb") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ArchiveError(f"{path}: still being written by a running crawl") from None
    scan = scan_file(path)
    if not scan.members:
        raise ArchiveError(f"{path}: no readable WARC record to salvage")
    base = _final_name(path).name
    stem = base[: -len(".warc.gz")] if base.endswith(".warc.gz") else base
    target = Path(output) if output else path.with_name(stem + SALVAGED_SUFFIX)
    if target.exists():
        raise ArchiveError(f"{target} exists already; not overwriting it")
    with open(path, "rb") as src, open(target, "xb") as dst:
        for member in scan.members:
            src.seek(member.offset)
            dst.write(src.read(member.end - member.offset))
        dst.flush()
        os.fsync(dst.fileno())
    if is_unfinished(path):
        os.replace(path, _final_name(path).with_name(base + DAMAGED_SUFFIX))
    return target, scan
