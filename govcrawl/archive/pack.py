""":func:`pack`: a WACZ (the ``wacz`` package) of a crawl, with its index and pages; the files holding
the originals its revisit records refer to go in too, so the package replays on its own."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

from govcrawl.archive.files import ArchiveError, open_files, warc_files
from govcrawl.archive.index import iter_captures, pages, write_pages

# --- WACZ ------------------------------------------------------------------------------------------


def files_with_originals(selected: list[Path], directory: Path) -> list[Path]:
    """The selected files plus those holding the originals their revisit records refer to."""
    # (a not-modified revisit that names no earlier capture -- none was known when it was written -- has no original)
    wanted = {(c.refers_to_uri, c.refers_to_date) for c in iter_captures(selected)
              if c.record_type == "revisit" and c.refers_to_date}
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


