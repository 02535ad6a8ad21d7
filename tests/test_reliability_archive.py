"""Issue 17, cases 2 and 4: `govcrawl repair` never destroys, and a dead run's leftovers are found.

- repair acts only on *.warc.gz.open files; a closed file with a flipped byte, an uncompressed .warc and an
  unrelated text file are reported and left byte for byte as they were; --salvage copies the readable
  records of a damaged file to a new file;
- an .open file damaged before its end (not a crash's torn tail) is left as it is;
- `govcrawl verify` reports .open files; a crawl that starts with a dead run's .open file repairs it first,
  or refuses naming it; the systemd unit repairs before the nightly.
"""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from govcrawl.archive.files import verify_file
from govcrawl.archive.repair import repair_dir, repair_file, scan_file
from govcrawl.archive.writer import WarcFileWriter
from tests.conftest import run_govcrawl

REPO = Path(__file__).resolve().parent.parent


def _write_file(folder: Path, n: int = 6, close: bool = True) -> tuple[WarcFileWriter, list]:
    writer = WarcFileWriter(folder, crawl_id="r")
    locations = [
        writer.write_exchange(
            url=f"http://www.zj.gov.cn/art/{i}.html", method="GET", request_headers={}, request_body=b"",
            status=200, response_headers={"Content-Type": "text/html; charset=utf-8"},
            body=("<html>浙江省 " + "年度报告 " * 50 + f"{i}</html>").encode(),
        )
        for i in range(n)
    ]
    if close:
        writer.close()
    return writer, locations


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _damaged_closed_file(tmp_path: Path) -> tuple[Path, list]:
    writer, locations = _write_file(tmp_path)
    path = writer.closed_files[0]
    # a byte in the middle of the third response record's compressed data
    _flip(path, locations[2].offset + 40)
    return path, locations


def test_repair_leaves_a_damaged_closed_file_as_it_is_and_reports_its_readable_records(tmp_path):
    path, locations = _damaged_closed_file(tmp_path)
    before = _digest(path)
    result = run_govcrawl("repair", str(path), cwd=tmp_path)
    assert result.returncode == 1
    assert _digest(path) == before and path.exists()  # nothing deleted, nothing cut
    # warcinfo + 6 x (response, request) = 13 records, one of them damaged
    assert "DAMAGED: 12 records readable" in result.stdout, result.stdout
    assert f"unreadable bytes {locations[2].offset}-" in result.stdout
    assert "readable record(s) after the damage" in result.stdout
    assert repair_file(path).status == "refused" and _digest(path) == before


def test_salvage_copies_the_readable_records_and_keeps_the_damaged_file(tmp_path):
    path, locations = _damaged_closed_file(tmp_path)
    before = _digest(path)
    result = run_govcrawl("repair", "--salvage", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _digest(path) == before
    salvaged = path.with_name(path.name[: -len(".warc.gz")] + "-salvaged.warc.gz")
    verdict = verify_file(salvaged)
    assert verdict.ok and verdict.records == 12, verdict.problems
    urls = set()
    for member in scan_file(salvaged).members:
        urls.add(member.target)
    # every exchange but the damaged response is there (its request record too)
    assert {f"http://www.zj.gov.cn/art/{i}.html" for i in range(6)} <= urls
    assert "12 readable records copied" in result.stdout


@pytest.mark.parametrize("name, content", [
    ("notes.txt", "an unrelated text file\n".encode()),
    ("plain.warc", b"WARC/1.1\r\nWARC-Type: warcinfo\r\nContent-Length: 2\r\n\r\nab\r\n\r\n"),
])
def test_repair_never_touches_other_files(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    result = run_govcrawl("repair", str(path), cwd=tmp_path)
    assert path.read_bytes() == content
    assert "left as it is" in result.stdout and result.returncode == 1


def test_repair_of_the_folder_never_touches_closed_files(tmp_path):
    path, _ = _damaged_closed_file(tmp_path)
    (tmp_path / "plain.warc").write_bytes(b"WARC/1.1\r\n")
    before = {p.name: _digest(p) for p in tmp_path.iterdir()}
    assert repair_dir(tmp_path) == []
    result = run_govcrawl("repair", "--warc-dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0 and "no unfinished WARC file" in result.stdout
    assert {p.name: _digest(p) for p in tmp_path.iterdir()} == before


def test_an_open_file_damaged_before_its_end_is_left_as_it_is(tmp_path):
    writer, locations = _write_file(tmp_path, close=False)
    import os

    path = writer.current_path
    os.close(writer._fd)  # the crawl died
    _flip(path, locations[1].offset + 40)
    before = _digest(path)
    result = repair_file(path)
    assert result.status == "damaged" and _digest(path) == before
    run = run_govcrawl("repair", "--warc-dir", str(tmp_path), cwd=tmp_path)
    assert run.returncode == 1 and "DAMAGED before its end" in run.stdout and _digest(path) == before


def test_a_torn_tail_is_cut_but_its_bytes_are_kept(tmp_path):
    writer, locations = _write_file(tmp_path, close=False)
    import os

    path = writer.current_path
    os.close(writer._fd)
    whole = path.read_bytes()
    tail = gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 9999\r\n\r\n" + b"x" * 300)[:120]
    path.write_bytes(whole + tail)
    result = repair_file(path)
    assert result.status == "repaired" and result.path.read_bytes() == whole
    assert result.kept.read_bytes() == tail


def test_verify_reports_unfinished_files(tmp_path):
    _write_file(tmp_path)  # one closed, good file
    writer, _ = _write_file(tmp_path, close=False)  # one being written (this process holds its lock)
    live = run_govcrawl("verify", "--warc-dir", str(tmp_path), cwd=tmp_path)
    assert live.returncode == 0, live.stdout
    assert f"{writer.current_path.name}: UNFINISHED, being written by a running crawl" in live.stdout
    import os

    name = writer.current_path.name
    os.close(writer._fd)  # now it is a dead run's leftover
    dead = run_govcrawl("verify", "--warc-dir", str(tmp_path), cwd=tmp_path)
    assert dead.returncode == 1
    assert f"{name}: UNFINISHED, left by a crawl that died; run `govcrawl repair" in dead.stdout


def test_a_run_repairs_a_dead_runs_leftovers_first(tmp_path, replica):
    warc = tmp_path / "warc"
    writer, locations = _write_file(warc, close=False)
    import os

    path = writer.current_path
    os.close(writer._fd)
    path.write_bytes(path.read_bytes() + b"\x1f\x8b\x08\x00torn")
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    result = run_govcrawl("crawl", "--portal", "deqing", "--proxy", replica.proxy_url, "--db", db,
                          "--warc-dir", str(warc), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"repaired {locations[0].filename} left by a run that died: 13 records" in result.stderr
    assert not list(warc.glob("*.open"))
    assert verify_file(warc / locations[0].filename).ok


def test_a_run_refuses_to_start_over_a_damaged_leftover(tmp_path):
    warc = tmp_path / "warc"
    writer, locations = _write_file(warc, close=False)
    import os

    path = writer.current_path
    os.close(writer._fd)
    _flip(path, locations[1].offset + 40)
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    result = run_govcrawl("crawl", "--portal", "deqing", "--proxy", "http://127.0.0.1:9", "--db", db,
                          "--warc-dir", str(warc), cwd=tmp_path)
    assert result.returncode == 2
    assert path.name in result.stderr and "not starting" in result.stderr
    assert "Traceback" not in result.stderr
    assert path.exists()


def test_the_systemd_unit_and_the_cron_line_repair_before_the_nightly():
    service = (REPO / "deploy" / "govcrawl-nightly.service").read_text()
    pre = [line for line in service.splitlines() if line.startswith("ExecStartPre=")]
    assert pre and pre[0].endswith("-m govcrawl repair")
    cron = [line for line in (REPO / "deploy" / "crontab").read_text().splitlines() if "nightly" in line
            and not line.startswith("#")][0]
    assert cron.index("-m govcrawl repair") < cron.index("-m govcrawl nightly")
    assert "repair" in cron and "&&" in cron


def test_repair_cli_on_a_missing_file_is_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "govcrawl", "repair", str(tmp_path / "nope.warc.gz.open")],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 2 and "no such file" in result.stderr and "Traceback" not in result.stderr
