"""Reading one capture back from the archive (``accept``, and the nightly's unchanged pages)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from govcrawl.archive.files import ArchiveError

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
    from govcrawl.archive.reader import ArchiveReader, RecordNotFound

    def original(url: str, digest: str | None, _refers_to: str | None) -> tuple[str, int] | None:
        from govcrawl.archive.digests import DigestIndex, capture_key

        if not db_url or not digest:
            return None
        found = DigestIndex.open(db_url).lookup(capture_key(url), digest)
        return (found.warc_filename, found.warc_offset) if found else None

    try:
        record = ArchiveReader(warc_dir, original, allow_open=True).record(filename, offset)
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
