"""Issue 17, case 7 (the command line) and case 8: clear errors, never a traceback, never an empty database.

- read commands (missing, runs, drops, export, accept) on a database that does not exist say so, exit 2 and
  create nothing;
- a proxy port out of range, a WARC folder that is a file or cannot be written, a --stats-json or --output
  path in a missing folder: one line, exit 2, before any crawl;
- Scrapy's remote-control server (and its token files) is off; two crawls on one database are kept apart.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_govcrawl

REPO = Path(__file__).resolve().parent.parent


def _one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("govcrawl "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize("command", [
    ["missing", "--year", "2023"], ["runs"], ["drops"], ["export", "--format", "csv"],
    ["accept", "http://www.zj.gov.cn/art/1.html"],
])
def test_read_commands_on_a_missing_database_say_so(tmp_path, command):
    db_file = tmp_path / "typo.sqlite3"
    result = run_govcrawl(*command, "--db", f"sqlite:///{db_file}", cwd=tmp_path)
    _one_line_error(result, "does not exist")
    assert not db_file.exists()
    assert "missing" not in result.stdout  # not "26 of 26 missing" from an empty database


def test_read_commands_on_a_file_that_is_not_a_govcrawl_database(tmp_path):
    import sqlite3

    other = tmp_path / "other.sqlite3"
    con = sqlite3.connect(other)
    con.execute("create table t (x)")
    con.close()
    before = other.read_bytes()
    result = run_govcrawl("missing", "--year", "2023", "--db", f"sqlite:///{other}", cwd=tmp_path)
    _one_line_error(result, "not a govcrawl database")
    assert other.read_bytes() == before


@pytest.mark.parametrize("proxy", ["http://127.0.0.1:99999", "http://127.0.0.1:-1", "http://127.0.0.1:port"])
def test_a_proxy_port_out_of_range_is_one_line(tmp_path, proxy):
    result = run_govcrawl("crawl", "--portal", "zj_gov", "--proxy", proxy, "--db", f"sqlite:///{tmp_path / 'd.sqlite3'}",
                          "--warc-dir", str(tmp_path / "warc"), cwd=tmp_path)
    _one_line_error(result, "--proxy")


def test_a_warc_folder_that_is_a_file(tmp_path):
    (tmp_path / "warc").write_text("not a folder")
    result = run_govcrawl("crawl", "--portal", "zj_gov", "--proxy", "http://127.0.0.1:9",
                          "--db", f"sqlite:///{tmp_path / 'd.sqlite3'}", "--warc-dir", str(tmp_path / "warc"), cwd=tmp_path)
    _one_line_error(result, "is a file")


def test_a_warc_folder_that_cannot_be_written(tmp_path):
    readonly = tmp_path / "ro"
    readonly.mkdir()
    if os.geteuid() == 0:  # root writes anywhere a mode allows nothing: a read-only filesystem stops it
        made = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(readonly)],
                              capture_output=True, text=True)
        if made.returncode != 0:
            pytest.skip(f"cannot mount a read-only tmpfs: {made.stderr.strip()}")
    else:
        readonly.chmod(0o555)
    try:
        result = run_govcrawl("crawl", "--portal", "zj_gov", "--proxy", "http://127.0.0.1:9",
                              "--db", f"sqlite:///{tmp_path / 'd.sqlite3'}", "--warc-dir", str(readonly / "warc"),
                              cwd=tmp_path)
        _one_line_error(result, "--warc-dir")
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(readonly)], capture_output=True)


def test_output_paths_in_a_missing_folder_are_checked_before_the_crawl(tmp_path):
    db = tmp_path / "d.sqlite3"
    result = run_govcrawl("crawl", "--portal", "zj_gov", "--proxy", "http://127.0.0.1:9", "--db", f"sqlite:///{db}",
                          "--warc-dir", str(tmp_path / "warc"), "--stats-json", str(tmp_path / "no" / "such" / "s.json"),
                          cwd=tmp_path)
    _one_line_error(result, "--stats-json", "no such folder")
    assert not (tmp_path / "warc").exists() or not list((tmp_path / "warc").glob("*.warc.gz*"))  # nothing crawled
    run_govcrawl("crawl", "--portal", "zj_gov", "--proxy", "http://127.0.0.1:9", "--db", f"sqlite:///{db}",
                 "--warc-dir", str(tmp_path / "warc"), cwd=tmp_path)  # makes the database (the portal fails)
    exported = run_govcrawl("export", "--format", "csv", "--db", f"sqlite:///{db}", "-o",
                            str(tmp_path / "no" / "x.csv"), cwd=tmp_path)
    _one_line_error(exported, "--output", "no such folder")


def test_scrapys_remote_control_is_off(tmp_path):
    from scrapy.utils.project import get_project_settings

    env_before = os.environ.get("SCRAPY_SETTINGS_MODULE")
    os.environ["SCRAPY_SETTINGS_MODULE"] = "govcrawl.crawl.settings"
    try:
        settings = get_project_settings()
    finally:
        if env_before is None:
            del os.environ["SCRAPY_SETTINGS_MODULE"]
        else:
            os.environ["SCRAPY_SETTINGS_MODULE"] = env_before
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    # not even loaded (Scrapy imports every extension its settings name: the remote control brings aiohttp), while
    # the rest of Scrapy's base extensions stay as Scrapy lists them
    from scrapy.settings import default_settings

    extensions = settings.getwithbase("EXTENSIONS")
    left_out = {"scrapy.extensions.telnet.TelnetConsole", "scrapy.extensions.remote_control.RemoteControl"}
    assert not left_out & set(extensions)
    assert {k: v for k, v in default_settings.EXTENSIONS_BASE.items() if k not in left_out}.items() <= extensions.items()


@pytest.mark.e2e
def test_a_crawl_starts_no_control_server_and_leaves_no_token_file(tmp_path, replica):
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, PYTHONPATH=str(REPO), HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"),
               XDG_STATE_HOME=str(home / ".local" / "state"), XDG_RUNTIME_DIR=str(home / "run"))
    result = subprocess.run([sys.executable, "-m", "govcrawl", "crawl", "--portal", "deqing", "--proxy",
                             replica.proxy_url, "--db", f"sqlite:///{tmp_path / 'd.sqlite3'}", "--warc-dir",
                             str(tmp_path / "warc"), "--log-level", "INFO"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Remote control" not in result.stderr and "remote_control" not in result.stderr
    assert [p for p in home.rglob("*") if p.is_file()] == []


@pytest.mark.e2e
def test_two_crawls_on_one_database_are_kept_apart(tmp_path, replica):
    """A second crawl into the same database from another WARC folder exits 2 naming the holder."""
    from govcrawl.crawl.guard import DatabaseLock
    from govcrawl.errors import CliError

    db = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    with DatabaseLock(db):
        with pytest.raises(CliError, match="another govcrawl run"):
            with DatabaseLock(db):
                pass
        result = run_govcrawl("crawl", "--portal", "deqing", "--proxy", replica.proxy_url, "--db", db,
                              "--warc-dir", str(tmp_path / "other-warc"), cwd=tmp_path)
        _one_line_error(result, "another govcrawl run", "is writing the database")
    with DatabaseLock(db):  # released
        pass
