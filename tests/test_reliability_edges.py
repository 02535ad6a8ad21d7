"""Issue 17, case 8: a page half UTF-8 and half GBK, and `accept` followed by a recrawl."""

from __future__ import annotations

import glob
import sqlite3
from pathlib import Path

import pytest

from govcrawl.analysis.text import decode_body
from tests.conftest import run_govcrawl

REPO = Path(__file__).resolve().parent.parent
SEED = Path(sorted(glob.glob(str(REPO / "govcrawl/replica/seeds/*.txt")))[0]).read_text(encoding="utf-8")


def _page(body: bytes, charset: str) -> bytes:
    return f'<html><head><meta charset="{charset}"><title>t</title></head><body>'.encode() + body + b"</body></html>"


def test_a_page_half_utf8_half_gbk_is_read_as_its_declared_utf8_with_bad_bytes_replaced():
    half = len(SEED) // 2
    body = SEED[:half].encode("utf-8") + SEED[half:].encode("gbk", "replace")
    text, encoding = decode_body(_page(body, "utf-8"), "text/html; charset=utf-8")
    assert encoding == "utf-8"
    assert SEED[:half].strip() in text  # the UTF-8 half intact, not read as GB18030 mojibake
    assert "\ufffd" in text


def test_a_page_wholly_in_gbk_declared_utf8_is_still_read_as_gbk():
    text, encoding = decode_body(_page(SEED.encode("gbk", "replace"), "utf-8"), "text/html; charset=utf-8")
    assert encoding == "gb18030" and SEED[:40] in text


@pytest.mark.e2e
def test_accept_then_recrawl_leaves_the_url_in_the_reports_only(tmp_path, replica):
    db_file = tmp_path / "db.sqlite3"
    db, warc = f"sqlite:///{db_file}", str(tmp_path / "warc")
    crawl = ("crawl", "--portal", "deqing", "--proxy", replica.proxy_url, "--db", db, "--warc-dir", warc)
    first = run_govcrawl(*crawl, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    con = sqlite3.connect(db_file)
    url = con.execute("select url from drops order by url").fetchone()[0]
    con.close()
    accepted = run_govcrawl("accept", url, "--db", db, "--warc-dir", warc, cwd=tmp_path)
    assert accepted.returncode == 0, accepted.stderr
    again = run_govcrawl(*crawl, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    con = sqlite3.connect(db_file)
    in_reports = con.execute("select classification_reasons from reports where url = ?", (url,)).fetchall()
    in_drops = con.execute("select count(*) from drops where url = ?", (url,)).fetchone()[0]
    both = con.execute("select count(*) from reports r join drops d on d.url = r.url").fetchone()[0]
    con.close()
    assert len(in_reports) == 1 and in_drops == 0 and both == 0
    assert "accepted by hand" in in_reports[0][0]
