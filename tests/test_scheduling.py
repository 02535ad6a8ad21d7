"""The scheduling files in deploy/, and the lock that keeps two runs apart."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from govcrawl.crawl.runner import RunLock
from govcrawl.errors import CliError

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_units_verify(tmp_path):
    for name in ("govcrawl-nightly.service", "govcrawl-nightly.timer"):
        shutil.copy(DEPLOY / name, tmp_path / name)
    # User= names an account that exists on a deployment host, not here: verify with root.
    service = tmp_path / "govcrawl-nightly.service"
    service.write_text(service.read_text().replace("User=govcrawl", "User=root"))
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(service), str(tmp_path / "govcrawl-nightly.timer")],
        capture_output=True,
        text=True,
    )
    # systemd-analyze exits 0 even for unknown keys: any message about our files is a defect.
    assert result.returncode == 0, result.stderr
    assert [line for line in (result.stdout + result.stderr).splitlines() if "govcrawl-nightly" in line] == []


def test_crontab_line_runs_the_nightly_command():
    lines = [l for l in (DEPLOY / "crontab").read_text().splitlines() if l and not l.startswith("#") and "=" not in l.split()[0]]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    assert re.fullmatch(r"\d+", fields[0]) and re.fullmatch(r"\d+", fields[1])
    assert "-m govcrawl nightly" in fields[5]


def test_lock_keeps_a_second_run_out(tmp_path):
    with RunLock(tmp_path):
        with pytest.raises(CliError, match="another govcrawl run"):
            with RunLock(tmp_path):
                pass
    with RunLock(tmp_path):  # released
        pass


def test_lock_held_by_another_process(tmp_path):
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c", f"from govcrawl.crawl.runner import RunLock; import time\nwith RunLock({str(tmp_path)!r}):\n print('held', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(CliError, match=f"pid {holder.pid}"):
            with RunLock(tmp_path):
                pass
    finally:
        holder.kill()
        holder.wait()
