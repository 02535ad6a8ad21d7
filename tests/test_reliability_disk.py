"""Issue 17, case 1: a full disk (or any failure to write a WARC record) is a failure, never a lost record.

- the writer, on ENOSPC / EIO / EACCES mid-record: the file is cut back to its last whole record (an exchange's
  response goes with its request), nothing more is written, and the error is raised;
- a crawl whose WARC folder is a small tmpfs that fills up: exit 1 naming each failed portal and the error,
  no SQL row for an exchange that was not archived (every row's location holds), every file valid.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from govcrawl.archive.files import verify_file
from govcrawl.archive.repair import scan_file
from govcrawl.archive.writer import WarcFileWriter, WarcWriteError
from tests.test_archive import assert_db_references_hold

REPO = Path(__file__).resolve().parent.parent


def _exchange(writer: WarcFileWriter, n: int, size: int = 3000):
    return writer.write_exchange(
        url=f"http://www.zj.gov.cn/art/{n}.html", method="GET", request_headers={}, request_body=b"", status=200,
        response_headers={"Content-Type": "text/html"}, body=os.urandom(size),
    )


class _FailingWrites:
    """os.write that fails with ``code`` once ``budget`` bytes have been written (a short write first)."""

    def __init__(self, budget: int, code: int) -> None:
        self.budget, self.code, self.real = budget, code, os.write

    def __call__(self, fd: int, data) -> int:
        if self.budget <= 0:
            raise OSError(self.code, os.strerror(self.code))
        part = bytes(data[: self.budget])
        self.budget -= len(part)
        return self.real(fd, part)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO, errno.EACCES])
@pytest.mark.parametrize("budget", [100, 9000, 13000])  # in the warcinfo record, in a response, in a request
def test_a_failed_write_leaves_whole_records_only(tmp_path, monkeypatch, code, budget):
    writer = WarcFileWriter(tmp_path, crawl_id="full")
    failing = _FailingWrites(budget, code)
    monkeypatch.setattr(os, "write", failing)
    written = []
    with pytest.raises(WarcWriteError) as raised:
        for n in range(20):
            written.append(_exchange(writer, n))
    assert raised.value.errno == code
    with pytest.raises(WarcWriteError):  # a failed writer writes nothing more
        _exchange(writer, 99)
    monkeypatch.setattr(os, "write", failing.real)
    writer.close()
    assert not list(tmp_path.glob("*.open"))
    files = list(tmp_path.glob("*.warc.gz"))
    if not written and budget < 1000:  # not even the warcinfo record: no file at all
        assert files == []
        return
    [path] = files
    verdict = verify_file(path)
    assert verdict.ok, verdict.problems
    scan = scan_file(path)
    assert not scan.damage
    # warcinfo + a response and its request for every exchange the caller was told about, nothing else
    assert len(scan.members) == 1 + 2 * len(written)
    assert {m.target for m in scan.members if m.record_type == "response"} == {
        f"http://www.zj.gov.cn/art/{n}.html" for n in range(len(written))}


@pytest.fixture
def small_disk(tmp_path):
    """A 200 KiB tmpfs (root only); the crawl's WARC folder lives on it."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if made.returncode != 0:
        if os.environ.get("CI"):
            raise RuntimeError(f"cannot mount a tmpfs: {made.stderr}")
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


@pytest.mark.e2e
def test_a_full_disk_fails_the_crawl_and_stores_nothing_unarchived(tmp_path, small_disk, replica):
    portals = ["zj_gov", "zhoushan", "zj_fzggw", "hangzhou", "ningbo", "deqing"]
    db_file = tmp_path / "db.sqlite3"
    warc = small_disk / "warc"
    args = [sys.executable, "-m", "govcrawl", "crawl", "--proxy", replica.proxy_url, "--ca-file", replica.ca_path,
            "--db", f"sqlite:///{db_file}",
            "--warc-dir", str(warc), "--stats-json", str(tmp_path / "stats.json"), "--parallel-portals", "2"]
    for slug in portals:
        args += ["--portal", slug]
    env = dict(os.environ, PYTHONPATH=str(REPO), GOVCRAWL_WARC_DEDUP="off")
    result = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["ok"] is False
    failed = [h for h in stats["portals"] if not h["ok"]]
    assert failed
    for entry in failed:
        line = f"FAILED portal {entry['portal']}: "
        assert line in result.stderr
        assert "No space left on device" in entry["problems"][0], entry["problems"]
    # no SQL row for an exchange that was not archived; every location names its record
    con = sqlite3.connect(db_file)
    unarchived = con.execute("select count(*) from reports where warc_filename is null").fetchone()[0]
    stored = con.execute("select count(*) from reports").fetchone()[0]
    con.close()
    assert unarchived == 0
    assert stored > 0  # what was archived before the disk filled is stored, and points at its record
    assert assert_db_references_hold(db_file, warc) >= stored
    assert any(h.get("not_run") for h in stats["portals"])  # the run stops starting portals
    # every file valid up to its last whole record: closed and verified, nothing torn left
    assert not list(warc.glob("*.open"))
    for path in warc.glob("*.warc.gz"):
        assert verify_file(path).ok, path
    runs = subprocess.run([sys.executable, "-m", "govcrawl", "runs", "--db", f"sqlite:///{db_file}"], cwd=tmp_path,
                          env=env, capture_output=True, text=True)
    assert "FAILED" in runs.stdout
