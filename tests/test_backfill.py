"""Portals as data: registry files, discovery from a 政府信息公开 home, backfill by year."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_govcrawl

pytestmark = pytest.mark.e2e


def _crawl(replica, tmp_path, *args, name="db"):
    db = f"sqlite:///{tmp_path / (name + '.sqlite3')}"
    stats = tmp_path / f"{name}-stats.json"
    result = run_govcrawl(
        *args, "--proxy", replica.proxy_url, "--ca-file", replica.ca_path,
        "--db", db, "--warc-dir", str(tmp_path / "warc"),
        "--stats-json", str(stats), cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [json.loads(l) for l in run_govcrawl("export", "--db", db, "--format", "jsonl").stdout.splitlines()]
    return rows, json.loads(stats.read_text())["portals"]


def test_backfill_one_year_fetches_less_and_is_idempotent(replica, ground_truth, tmp_path):
    portals = ["zj_gov", "zhoushan", "zj_fzggw"]
    selection = [a for slug in portals for a in ("--portal", slug)]
    full_rows, full_health = _crawl(replica, tmp_path, "crawl", *selection, name="full")
    rows, health = _crawl(replica, tmp_path, "backfill", "--year", "2019", *selection, name="y2019")
    expected = {r["url"] for r in ground_truth["reports"] if r["portal"] in portals and r["report_year"] == 2019}
    assert {r["url"] for r in rows} == expected and len(rows) == len(expected) == 3
    full_pages = sum(h["list_pages"] for h in full_health)
    backfill_pages = sum(h["list_pages"] for h in health)
    assert backfill_pages < full_pages, (backfill_pages, full_pages)
    assert sum(h["responses"] for h in health) < sum(h["responses"] for h in full_health)
    # a second run adds nothing
    again, _ = _crawl(replica, tmp_path, "backfill", "--year", "2019", *selection, name="y2019")
    assert again == rows


def test_portal_from_a_user_registry_file_starting_at_the_disclosure_home(replica, ground_truth, tmp_path):
    """A registry file of the user's own, naming only the portal's 政府信息公开 home: no code change."""
    registry = tmp_path / "my-portals.toml"
    registry.write_text(
        """
[[portal]]
slug = "zhejiang_province"
name = "浙江省人民政府"
level = "province"
region = "浙江省"
platform = "jcms"
start_urls = ["http://www.zj.gov.cn/col/col1229019364/index.html"]
""",
        encoding="utf-8",
    )
    rows, health = _crawl(replica, tmp_path, "crawl", "--portals", str(registry))
    assert [h["portal"] for h in health] == ["zhejiang_province"]
    expected = {r["url"] for r in ground_truth["reports"] if r["portal"] == "zj_gov"}
    assert {r["url"] for r in rows} == expected
    assert {r["portal"] for r in rows} == {"zhejiang_province"}


def test_registry_typo_fails_fast_with_file_entry_and_key(tmp_path):
    registry = tmp_path / "typo.toml"
    registry.write_text(
        '[[portal]]\nslug="a"\nname="A"\nlevel="prefecture"\nregion="r"\nplatform="jcms"\nstart_urls=["http://a.gov.cn/"]\n',
        encoding="utf-8",
    )
    result = run_govcrawl("crawl", "--portals", str(registry), cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert str(registry) in result.stderr and "[[portal]] #1 (a)" in result.stderr and "'level'" in result.stderr
    assert "Traceback" not in result.stderr
