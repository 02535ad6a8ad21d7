"""Working with the WARC archive once written: repair, verification, CDXJ index, pages list, WACZ.

- :func:`repair_file` / :func:`repair_dir`: a ``*.warc.gz.open`` file left by a crawl that died
  keeps every whole record (one gzip member each); a torn last member is cut off and the file
  renamed to its final ``*.warc.gz`` name (the name the database already refers to). A file still
  held open by a running crawl (``flock``) is left alone.
- :func:`verify_file`: FastWARC (resiliparse) reads every record and checks every block digest
  and every payload digest (revisit records carry their original's payload digest: not checked).
- :func:`write_cdxj`: a CDXJ index of the archive (cdxj-indexer, POST bodies appended to keys
  as pywb expects).
- :func:`pages` / :func:`write_pages`: the pages list (``pages.jsonl``, WACZ ``json-pages-1.0``):
  the reports the database knows, or with no database every HTML page fetched with status 200.
- :func:`pack`: a WACZ (the ``wacz`` package) of a crawl, with its index and pages; the files holding
  the originals its revisit records refer to go in too, so the package replays on its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from govcrawl.warc import OPEN_SUFFIX

WARC_SUFFIX = ".warc.gz"
_CHUNK = 1 << 16


class ArchiveError(Exception):
    """A problem with the archive the user can act on (bad folder, nothing to pack, invalid WACZ)."""


# --- files ----------------------------------------------------------------------------------


def warc_files(directory: str | os.PathLike[str], crawl_id: str | None = None) -> list[Path]:
    """The closed WARC files in a folder (sorted by name: crawl, time, serial), optionally of one crawl."""
    folder = Path(directory)
    if not folder.is_dir():
        raise ArchiveError(f"{directory}: no such folder")
    files = sorted(p for p in folder.glob("*" + WARC_SUFFIX) if p.is_file())
    if crawl_id:
        files = [p for p in files if p.name.startswith(f"govcrawl-{crawl_id}")]
    return files


def open_files(directory: str | os.PathLike[str]) -> list[Path]:
    folder = Path(directory)
    return sorted(folder.glob("*" + WARC_SUFFIX + OPEN_SUFFIX)) if folder.is_dir() else []


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
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                consumed += len(chunk)
                out = inflate.decompress(chunk)
                total += len(out)
                if len(head) < _CHUNK:
                    head += out[: _CHUNK - len(head)]
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


# --- verification (FastWARC) ---------------------------------------------------------------------


@dataclass
class VerifyResult:
    path: Path
    records: int = 0
    types: Counter = field(default_factory=Counter)
    block_digests: int = 0
    payload_digests: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.records > 0


def verify_file(path: str | os.PathLike[str]) -> VerifyResult:
    """Read every record with FastWARC and check every block and payload digest."""
    from fastwarc.warc import ArchiveIterator

    result = VerifyResult(Path(path))
    try:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh, parse_http=False):
                result.records += 1
                kind = str(record.record_type).rsplit(".", 1)[-1]
                result.types[kind] += 1
                where = f"{Path(path).name}@{record.stream_pos} {kind} {record.headers.get('WARC-Target-URI', '')}"
                if record.headers.get("WARC-Block-Digest") is None:
                    result.problems.append(f"{where}: no WARC-Block-Digest")
                elif not record.verify_block_digest():
                    result.problems.append(f"{where}: WARC-Block-Digest does not match")
                else:
                    result.block_digests += 1
                if kind in ("response", "request", "resource", "conversion"):
                    if record.headers.get("WARC-Payload-Digest") is None:
                        result.problems.append(f"{where}: no WARC-Payload-Digest")
                        continue
                    if kind in ("response", "request"):
                        record.parse_http()
                        payload_ok = record.verify_payload_digest()
                    else:  # no HTTP message: the payload is the whole block, checked just above
                        payload_ok = record.headers.get("WARC-Payload-Digest") == record.headers.get(
                            "WARC-Block-Digest"
                        ) and record.verify_block_digest()
                    if not payload_ok:
                        result.problems.append(f"{where}: WARC-Payload-Digest does not match")
                    else:
                        result.payload_digests += 1
    except (OSError, ValueError) as exc:
        result.problems.append(f"{Path(path).name}: unreadable after record {result.records}: {exc}")
    if result.records == 0 and not result.problems:
        result.problems.append(f"{Path(path).name}: no record")
    return result


def warcio_check(path: str | os.PathLike[str]) -> tuple[bool, str]:
    """``warcio check`` on one file (digests and structure, warcio's reading)."""
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", str(path)], capture_output=True, text=True
    )
    if run.returncode != 0 and "No module named" in run.stderr:
        run = subprocess.run(["warcio", "check", str(path)], capture_output=True, text=True)
    return run.returncode == 0, (run.stdout + run.stderr).strip()


# --- records --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Capture:
    """One response or revisit record, as the pages list and the tests need it."""

    url: str
    date: str
    record_type: str
    status: int | None
    mime: str
    method: str
    filename: str
    offset: int
    refers_to_uri: str | None = None
    refers_to_date: str | None = None
    payload_digest: str | None = None


def iter_captures(files: Iterable[str | os.PathLike[str]]) -> Iterator[Capture]:
    """Every response/revisit record in the files, with the method of its request record."""
    from warcio.archiveiterator import ArchiveIterator

    for path in files:
        pending: dict[str, Capture] = {}
        with open(path, "rb") as fh:
            it = ArchiveIterator(fh)
            for record in it:
                kind = record.rec_type
                h = record.rec_headers
                if kind in ("response", "revisit"):
                    http = record.http_headers
                    status = None
                    mime = ""
                    if http is not None:
                        with contextlib.suppress(ValueError, TypeError):
                            status = int(http.get_statuscode())
                        mime = (http.get_header("Content-Type") or "").split(";")[0].strip().lower()
                    capture = Capture(
                        url=h.get_header("WARC-Target-URI"),
                        date=h.get_header("WARC-Date"),
                        record_type=kind,
                        status=status,
                        mime=mime,
                        method="GET",
                        filename=Path(path).name,
                        offset=it.get_record_offset(),
                        refers_to_uri=h.get_header("WARC-Refers-To-Target-URI"),
                        refers_to_date=h.get_header("WARC-Refers-To-Date"),
                        payload_digest=h.get_header("WARC-Payload-Digest"),
                    )
                    pending[h.get_header("WARC-Record-ID")] = capture
                elif kind == "request":
                    parent = pending.pop(h.get_header("WARC-Concurrent-To") or "", None)
                    if parent is not None:
                        method = (record.http_headers.protocol if record.http_headers else "GET") or "GET"
                        yield Capture(**{**parent.__dict__, "method": method.upper()})
            yield from pending.values()


# --- index and pages ---------------------------------------------------------------------------


def write_cdxj(files: list[Path], output: str | os.PathLike[str]) -> int:
    """A sorted CDXJ index of the files (cdxj-indexer); returns the number of lines."""
    from cdxj_indexer.main import CDXJIndexer

    if not files:
        raise ArchiveError("no WARC file to index")
    tmp = Path(str(output) + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        CDXJIndexer(out, [str(p) for p in files], post_append=True, sort=True).process_all()
    os.replace(tmp, output)
    with open(output, encoding="utf-8") as fh:
        return sum(1 for line in fh if line.strip())


def _report_titles(db_url: str | None) -> dict[str, str | None] | None:
    if not db_url:
        return None
    from govcrawl.storage import StorageError, Store

    try:
        store = Store(db_url, create=False)
        try:
            return {r.url: r.title for r in store.reports()}
        finally:
            store.close()
    except StorageError as exc:
        raise ArchiveError(str(exc)) from exc
    except Exception as exc:  # no reports table: not a govcrawl database
        raise ArchiveError(f"cannot read reports from {db_url}: {exc.__class__.__name__}") from exc


def pages(files: list[Path], db_url: str | None = None) -> list[dict]:
    """The pages list: each report (with a database) or each HTML page, at its latest capture."""
    titles = _report_titles(db_url)
    latest: dict[str, Capture] = {}
    for capture in iter_captures(files):
        if capture.method != "GET" or capture.status != 200:
            continue
        if titles is not None:
            if capture.url not in titles:
                continue
        elif capture.mime not in ("text/html", "application/xhtml+xml"):
            continue
        if capture.url not in latest or capture.date >= latest[capture.url].date:
            latest[capture.url] = capture
    out = []
    for url, capture in sorted(latest.items()):
        page = {"url": url, "ts": capture.date}
        title = titles.get(url) if titles else None
        if title:
            page["title"] = title
        out.append(page)
    return out


def write_pages(page_list: list[dict], output: str | os.PathLike[str], title: str = "Reports") -> None:
    with open(output, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": title}) + "\n")
        for page in page_list:
            fh.write(json.dumps(page, ensure_ascii=False) + "\n")


# --- WACZ ------------------------------------------------------------------------------------------


def files_with_originals(selected: list[Path], directory: Path) -> list[Path]:
    """The selected files plus those holding the originals their revisit records refer to."""
    wanted = {(c.refers_to_uri, c.refers_to_date) for c in iter_captures(selected) if c.record_type == "revisit"}
    chosen = list(selected)
    if not wanted:
        return chosen
    have = {(c.url, c.date) for c in iter_captures(selected) if c.record_type == "response"}
    wanted -= have
    for path in warc_files(directory):
        if not wanted:
            break
        if path in chosen:
            continue
        found = {(c.url, c.date) for c in iter_captures([path]) if c.record_type == "response"} & wanted
        if found:
            chosen.append(path)
            wanted -= found
    if wanted:
        raise ArchiveError(
            f"{len(wanted)} revisit record(s) refer to captures not in {directory}, e.g. {sorted(wanted)[0]}"
        )
    return sorted(chosen)


def validate_wacz(path: str | os.PathLike[str]) -> tuple[bool, str]:
    """``wacz validate``: (valid, what it printed)."""
    from wacz.main import main as wacz_main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = wacz_main(["validate", "-f", str(path)])
    return code == 0, out.getvalue().strip()


def pack(
    directory: str | os.PathLike[str],
    output: str | os.PathLike[str],
    db_url: str | None = None,
    crawl_id: str | None = None,
    title: str | None = None,
    validate: bool = True,
) -> dict:
    """Package the archive (or one crawl of it) as a WACZ; returns what went in."""
    from wacz.main import main as wacz_main

    directory = Path(directory)
    leftover = open_files(directory)
    selected = warc_files(directory, crawl_id)
    if not selected:
        what = f"of crawl {crawl_id} " if crawl_id else ""
        raise ArchiveError(f"no closed WARC file {what}in {directory}")
    if leftover and not crawl_id:
        names = ", ".join(p.name for p in leftover[:3])
        raise ArchiveError(f"unfinished WARC file(s) in {directory} ({names}): run `govcrawl repair` first")
    files = files_with_originals(selected, directory)
    page_list = pages(files, db_url)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    pages_file = output.with_name(output.name + ".pages.jsonl")
    args = ["create", "-o", str(output)]
    if page_list:
        write_pages(page_list, pages_file)
        args += ["-p", str(pages_file)]
    else:
        args += ["--detect-pages"]
    args += ["--title", title or f"govcrawl archive{' ' + crawl_id if crawl_id else ''}"]
    args += ["--desc", "Government information-disclosure annual reports archived by govcrawl"]
    log = io.StringIO()
    try:
        with contextlib.redirect_stdout(log):
            code = wacz_main(args + [str(p) for p in files])
    finally:
        pages_file.unlink(missing_ok=True)
    if code not in (0, None):
        raise ArchiveError(f"wacz create failed: {log.getvalue().strip()[-500:]}")
    result = {"wacz": output, "files": files, "pages": len(page_list), "log": log.getvalue()}
    if validate:
        ok, message = validate_wacz(output)
        result["valid"] = ok
        if not ok:
            raise ArchiveError(f"{output} does not pass `wacz validate`: {message[-500:]}")
    return result


# --- reading one capture back ------------------------------------------------------------------


@dataclass
class Payload:
    """A capture read back from the archive: its HTTP status, headers and decoded body."""

    url: str
    status: int | None
    content_type: str | None
    body: bytes
    filename: str
    offset: int


def read_capture(warc_dir: str | os.PathLike[str], filename: str, offset: int, db_url: str | None = None) -> Payload:
    """The response record at ``filename``/``offset`` (a revisit is followed to its original through the
    digest index in ``db_url``), with its body decoded from any Content-Encoding."""
    from govcrawl.warcread import ArchiveReader, RecordNotFound

    def original(url: str, digest: str | None, _refers_to: str | None) -> tuple[str, int] | None:
        from govcrawl.digests import DigestIndex, capture_key

        if not db_url or not digest:
            return None
        found = DigestIndex.open(db_url).lookup(capture_key(url), digest)
        return (found.warc_filename, found.warc_offset) if found else None

    try:
        record = ArchiveReader(warc_dir, original).record(filename, offset)
    except RecordNotFound as exc:
        raise ArchiveError(str(exc)) from exc
    if record.rec_type not in ("response", "revisit"):
        raise ArchiveError(f"{filename}@{offset}: not a response or revisit record")
    return Payload(
        url=record.url,
        status=record.status,
        content_type=record.content_type or None,
        body=record.payload,
        filename=filename,
        offset=offset,
    )
