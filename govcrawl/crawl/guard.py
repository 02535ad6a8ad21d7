"""What a run checks before it crawls, and what it holds while it does.

- :func:`check_warc_dir`, :func:`check_output_path`: a WARC folder that is a file or not writable, an
  output file in a missing folder, are one clear line before the crawl, not a traceback after it.
- :func:`repair_leftovers`: the ``*.warc.gz.open`` files a dead run left in the WARC folder (found under the
  run lock, so no live run holds them) are repaired first; a file damaged before its end is not a crash's
  leftover, and the run refuses to start, naming it.
- :class:`DatabaseLock`: one run per database, whatever its WARC folder (a lock file beside a SQLite
  database, an advisory lock on PostgreSQL).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from govcrawl.errors import CliError


def check_warc_dir(folder: str | os.PathLike[str]) -> None:
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise CliError(f"--warc-dir {folder}: is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"--warc-dir {folder}: cannot create the folder ({exc.strerror or exc})") from None
    try:
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise CliError(f"--warc-dir {folder}: cannot write there ({exc.strerror or exc})") from None


def check_output_path(path: str | os.PathLike[str] | None, option: str) -> None:
    """An output file must be writable where it is named: its folder exists and it is not a folder."""
    if not path:
        return
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise CliError(f"{option} {path}: no such folder {folder}")
    if target.is_dir():
        raise CliError(f"{option} {path}: is a folder")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise CliError(f"{option} {path}: not writable")


def repair_leftovers(folder: str | os.PathLike[str]) -> list[str]:
    """Repair the ``.open`` files a dead run left (call under the run lock); returns what was done, one line
    each. Raises CliError naming the files that cannot be repaired without losing records."""
    from govcrawl.archive.files import ArchiveError, open_files
    from govcrawl.archive.repair import repair_file

    lines, refused = [], []
    for path in open_files(folder):
        try:
            result = repair_file(path)
        except (ArchiveError, OSError) as exc:
            refused.append(f"{path.name} ({exc})")
            continue
        if result.status == "damaged":
            refused.append(f"{path.name} (damaged before its end: {result.records} records readable)")
        elif result.status == "busy":
            refused.append(f"{path.name} (held by another process)")
        elif result.status in ("repaired", "closed"):
            cut = f", cut {result.cut_bytes} bytes of a torn record (kept as {result.kept.name})" if result.kept else ""
            lines.append(f"repaired {result.path.name} left by a run that died: {result.records} records{cut}")
        elif result.status == "torn":
            lines.append(f"{path.name} left by a run that died held no whole record; its bytes are kept as {result.kept.name}")
        elif result.status == "empty":
            lines.append(f"removed {path.name}: empty, left by a run that died")
    if refused:
        raise CliError(f"unfinished WARC files in {folder} that repair would not close: {'; '.join(refused)}; "
                       "see `govcrawl repair FILE` (and --salvage); not starting")
    for line in lines:
        print(line, file=sys.stderr)
    return lines


class DatabaseLock:
    """One run per database: a second crawl into the same database (from any WARC folder) exits 2 naming it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._fh: Any = None
        self._conn: Any = None

    def __enter__(self) -> "DatabaseLock":
        from sqlalchemy.engine import make_url

        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                self._lock_file(Path(parsed.database).with_name(Path(parsed.database).name + ".govcrawl.lock"))
        elif parsed.get_backend_name() == "postgresql":
            self._lock_postgres()
        return self

    def _lock_file(self, path: Path) -> None:
        self._fh = open(path, "a+")
        try:
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._fh.seek(0)
            holder = self._fh.read().strip() or "?"
            self._fh.close()
            self._fh = None
            raise CliError(f"another govcrawl run (pid {holder}) is writing the database {self.url}; not starting") from None
        self._fh.seek(0)
        self._fh.truncate()
        self._fh.write(str(os.getpid()))
        self._fh.flush()

    def _lock_postgres(self) -> None:
        from sqlalchemy import create_engine, text

        key = int.from_bytes(hashlib.sha1(b"govcrawl run").digest()[:8], "big", signed=True)
        engine = create_engine(self.url, poolclass=__import__("sqlalchemy.pool", fromlist=["NullPool"]).NullPool)
        self._conn = engine.connect()
        got = self._conn.execute(text("select pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        self._conn.commit()
        if not got:
            self._conn.close()
            self._conn = None
            raise CliError(f"another govcrawl run is writing the database {self.url}; not starting")

    def __exit__(self, *exc: Any) -> None:
        if self._fh is not None:
            self._fh.seek(0)
            self._fh.truncate()
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None
        if self._conn is not None:
            self._conn.close()  # the session's advisory lock ends with it
            self._conn = None


def stop_on_write_failure(crawler: Any, exc: OSError, url: str) -> None:
    """A WARC record could not be written: counted (``govcrawl/warc_write_failed``), logged once naming the
    portal and the error, and the portal's crawl stopped (its health fails with the error)."""
    import logging

    stats = crawler.stats
    first = not stats.get_value("govcrawl/warc_write_failed")
    stats.inc_value("govcrawl/warc_write_failed")
    if not first:
        return
    spider = getattr(crawler, "spider", None)
    name = getattr(spider, "name", "?")
    stats.set_value("govcrawl/warc_write_error", str(exc))
    logging.getLogger(__name__).error(
        "portal %s: the WARC record of %s could not be written (%s); nothing is stored for it, and the portal's "
        "crawl stops", name, url, exc)
    engine = getattr(crawler, "engine", None)
    if engine is not None and spider is not None:
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(engine.close_spider_async(reason="warc_write_failed"))


def archived(crawler: Any, item: Any) -> bool:
    """May this item be stored? Only if the WARC capture (when the crawl has it) archived its exchange."""
    if getattr(item, "warc_filename", None):
        return True
    extensions = crawler.settings.getwithbase("EXTENSIONS")
    return not any(str(name).endswith("WarcCapture") and order is not None for name, order in extensions.items())


def record_route(item: Any, analysis: Any) -> None:
    """A page reached by redirects says so in its reasons; a page whose meta refresh was not followed (off the
    portal, or to a list page) is not a report: it is dropped, saying where it pointed."""
    if getattr(item, "refresh_note", None):
        analysis.kind = "other" if analysis.kind == "annual_report" else analysis.kind
        analysis.classification_reasons = [item.refresh_note] + list(analysis.classification_reasons)
    if getattr(item, "redirected_from", None):
        analysis.classification_reasons = list(analysis.classification_reasons) + [
            "reached from " + " -> ".join(item.redirected_from)]
