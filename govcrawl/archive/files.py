"""The WARC files of an archive, and their verification.

- :func:`verify_file`: FastWARC (resiliparse) reads every record and checks every block digest
  and every payload digest (revisit records carry their original's payload digest: not checked).
- :func:`warcio_check`: the same file through ``warcio check``."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from govcrawl.archive.writer import OPEN_SUFFIX

WARC_SUFFIX = ".warc.gz"
CHUNK = 1 << 16


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


