"""The archive subcommands of ``govcrawl``: repair, verify, index, pack.

``govcrawl.cli`` calls :func:`register` on its subparsers.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from govcrawl.errors import CliError

DEFAULT_WARC_DIR = "warc_archive"
DEFAULT_DB = "sqlite:///govcrawl.sqlite3"


def _warc_dir(args: argparse.Namespace) -> Path:
    return Path(args.warc_dir or os.environ.get("GOVCRAWL_WARC_DIR") or DEFAULT_WARC_DIR)


def _db(args: argparse.Namespace) -> str | None:
    if getattr(args, "no_db", False):
        return None
    return args.db or os.environ.get("GOVCRAWL_DB_URL") or DEFAULT_DB


def _db_if_present(url: str | None) -> str | None:
    """The default SQLite database is optional: without it the pages list is every HTML page."""
    if url and url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
        return None
    return url


def _damage_text(scan) -> str:
    ranges = ", ".join(f"bytes {a}-{b}" for a, b in scan.damage[:3]) + (" ..." if len(scan.damage) > 3 else "")
    after = scan.readable_after_damage()
    return f"unreadable {ranges}" + (f" ({after} readable record(s) after the damage)" if after else "")


def _report_file(path: Path) -> bool:
    """A file that is not a crash's leftover: say which records are readable; never change it. True if whole."""
    from govcrawl.archive.repair import scan_file

    scan = scan_file(path)
    if not scan.damage:
        print(f"{path.name}: not an unfinished crawl file (*.warc.gz.open); {len(scan.members)} records, all readable;"
              " left as it is")
        return True
    if not scan.members:
        print(f"{path.name}: not an unfinished crawl file (*.warc.gz.open) and no WARC record readable; left as it is")
        return False
    print(f"{path.name}: not an unfinished crawl file (*.warc.gz.open); DAMAGED: {len(scan.members)} records readable,"
          f" {_damage_text(scan)}; left as it is (`govcrawl repair --salvage {path}` copies the readable records"
          " to a new file)")
    return False


def cmd_repair(args: argparse.Namespace) -> int:
    from govcrawl.archive.files import ArchiveError, verify_file
    from govcrawl.archive.repair import repair_dir, repair_file, salvage

    files = [Path(f) for f in args.files]
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise CliError(f"{missing[0]}: no such file")
    if args.salvage and not files:
        raise CliError("--salvage needs the damaged file(s) to copy the readable records of")
    bad = 0
    try:
        if args.salvage:
            for path in files:
                target, scan = salvage(path)
                print(f"{path.name}: {len(scan.members)} readable records copied to {target}"
                      + (f"; {_damage_text(scan)}" if scan.damage else "") + "; the damaged file is kept")
                verdict = verify_file(target)
                bad += not verdict.ok
            return 1 if bad else 0
        results = [repair_file(f) for f in files] if files else repair_dir(_warc_dir(args))
    except ArchiveError as exc:
        raise CliError(str(exc)) from exc
    for r in results:
        if r.status == "refused":
            bad += not _report_file(r.path)
            continue
        if r.status == "busy":
            print(f"{r.path.name}: still being written by a running crawl; left alone")
            continue
        if r.status == "empty":
            print(f"{r.path.name}: empty (0 bytes); removed")
            continue
        if r.status == "torn":
            print(f"{r.path.name}: no whole record; its {r.cut_bytes} bytes kept as {r.kept.name}, out of the archive")
            continue
        if r.status == "damaged":
            bad += 1
            print(f"{r.path.name}: DAMAGED before its end: {r.records} records readable, {_damage_text(r.scan)};"
                  f" left as it is (not a crash's torn record): `govcrawl repair --salvage {r.path}` copies the"
                  " readable records to a new file")
            continue
        verdict = verify_file(r.path)
        state = "ok" if verdict.ok else "INVALID: " + "; ".join(verdict.problems[:3])
        cut = f", cut {r.cut_bytes} bytes of a torn record (kept as {r.kept.name})" if r.cut_bytes else ""
        print(f"{r.path.name}: {r.status}, {r.records} records{cut}; {state}")
        bad += not verdict.ok
    if not results:
        print(f"no unfinished WARC file in {_warc_dir(args)}")
    return 1 if bad else 0


def cmd_verify(args: argparse.Namespace) -> int:
    from govcrawl.archive.files import ArchiveError, open_files, verify_file, warc_files
    from govcrawl.archive.repair import held_by_a_crawl

    try:
        files = [Path(f) for f in args.files] if args.files else warc_files(_warc_dir(args))
    except ArchiveError as exc:
        raise CliError(str(exc)) from exc
    unfinished = [] if args.files else open_files(_warc_dir(args))
    if not files and not unfinished:
        raise CliError(f"no WARC file in {_warc_dir(args)}")
    bad = 0
    for path in files:
        if not path.is_file():
            raise CliError(f"{path}: no such file")
        r = verify_file(path)
        types = ", ".join(f"{k} {v}" for k, v in sorted(r.types.items()))
        print(f"{path.name}: {r.records} records ({types}); {r.block_digests} block and {r.payload_digests} payload digests ok"
              + ("" if r.ok else "; INVALID: " + "; ".join(r.problems[:5])))
        bad += not r.ok
    for path in unfinished:
        if held_by_a_crawl(path):
            print(f"{path.name}: UNFINISHED, being written by a running crawl")
        else:
            bad += 1
            print(f"{path.name}: UNFINISHED, left by a crawl that died; run `govcrawl repair --warc-dir {path.parent}`")
    return 1 if bad else 0


def cmd_index(args: argparse.Namespace) -> int:
    from govcrawl.archive.files import ArchiveError, warc_files
    from govcrawl.archive.index import pages, write_cdxj, write_pages

    directory = _warc_dir(args)
    try:
        files = warc_files(directory, args.crawl)
        if not files:
            raise CliError(f"no closed WARC file in {directory}")
        output = Path(args.output or directory / "index.cdxj")
        lines = write_cdxj(files, output)
        print(f"{output}: {lines} CDXJ lines for {len(files)} WARC file(s)")
        pages_out = Path(args.pages or output.with_name("pages.jsonl"))
        page_list = pages(files, _db_if_present(_db(args)))
        write_pages(page_list, pages_out)
        print(f"{pages_out}: {len(page_list)} pages")
    except ArchiveError as exc:
        raise CliError(str(exc)) from exc
    return 0


def cmd_pack(args: argparse.Namespace) -> int:
    from govcrawl.archive.files import ArchiveError
    from govcrawl.archive.pack import pack

    directory = _warc_dir(args)
    output = Path(args.output or f"govcrawl-{args.crawl or 'archive'}.wacz")
    try:
        result = pack(directory, output, db_url=_db_if_present(_db(args)), crawl_id=args.crawl,
                      title=args.title, validate=not args.no_validate)
    except ArchiveError as exc:
        raise CliError(str(exc)) from exc
    valid = "" if args.no_validate else ", passes `wacz validate`"
    print(f"{output}: {len(result['files'])} WARC file(s), {result['pages']} pages{valid}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``repair``, ``verify``, ``index`` and ``pack`` to the ``govcrawl`` command."""

    def warc_dir(p: argparse.ArgumentParser) -> None:
        p.add_argument("--warc-dir", help=f"folder of the WARC files (default: $GOVCRAWL_WARC_DIR or {DEFAULT_WARC_DIR})")

    def db(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", help=f"database URL, for the report titles of the pages list (default: {DEFAULT_DB})")
        p.add_argument("--no-db", action="store_true", help="pages list = every HTML page, without the database")

    p = subparsers.add_parser(
        "repair", help="close the *.warc.gz.open files a killed crawl left: cut a torn last record (kept aside), "
        "rename, verify; never changes any other file"
    )
    warc_dir(p)
    p.add_argument("files", nargs="*", help="particular .open files (default: every one in the WARC folder); any "
                   "other file is only reported (which records are readable), never changed")
    p.add_argument("--salvage", action="store_true", help="copy the readable records of the damaged FILES to "
                   "NAME-salvaged.warc.gz beside each (the damaged file is kept)")
    p.set_defaults(func=cmd_repair)

    p = subparsers.add_parser("verify", help="read every WARC record with FastWARC and check every digest")
    warc_dir(p)
    p.add_argument("files", nargs="*", help="particular WARC files (default: every closed one in the WARC folder)")
    p.set_defaults(func=cmd_verify)

    p = subparsers.add_parser("index", help="write a CDXJ index (cdxj-indexer) and a pages list of the archive")
    warc_dir(p)
    db(p)
    p.add_argument("--crawl", metavar="ID", help="only the files of this crawl id")
    p.add_argument("--output", "-o", help="CDXJ file to write (default: WARC_DIR/index.cdxj)")
    p.add_argument("--pages", help="pages list to write (default: pages.jsonl beside the index)")
    p.set_defaults(func=cmd_index)

    p = subparsers.add_parser("pack", help="package the archive (or one crawl) as a WACZ that passes `wacz validate`")
    warc_dir(p)
    db(p)
    p.add_argument("--crawl", metavar="ID", help="only this crawl id (the files its revisits refer to come too)")
    p.add_argument("--output", "-o", help="WACZ file to write (default: govcrawl-CRAWL.wacz)")
    p.add_argument("--title", help="title recorded in the WACZ")
    p.add_argument("--no-validate", action="store_true", help="skip `wacz validate` of the result")
    p.set_defaults(func=cmd_pack)
