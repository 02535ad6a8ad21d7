"""The archive's indexes.

- :func:`write_cdxj`: a CDXJ index of the archive (cdxj-indexer, POST bodies appended to keys
  as pywb expects).
- :func:`pages` / :func:`write_pages`: the pages list (``pages.jsonl``, WACZ ``json-pages-1.0``):
  the reports the database knows, or with no database every HTML page fetched with status 200."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from govcrawl.archive.files import ArchiveError

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
    from govcrawl.store.store import StorageError, Store

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


