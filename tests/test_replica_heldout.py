"""A never-seen jcms portal, served by the replica through GOVCRAWL_REPLICA_EXTRA and crawled from a
registry file alone (no code, no entry in the replica's registry)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from govcrawl.replica.breadth import heldout_ground_truth, heldout_registry_toml
from tests.conftest import REPO, run_govcrawl, wait_for_port
from tests.pgserver import free_port

pytestmark = pytest.mark.e2e

SPEC = {"host": "www.xianju.gov.cn", "name": "仙居县人民政府", "colid": "1229457001", "years": [2017, 2024],
        "missing": [2019], "per_page": 4, "nav": "政府信息公开年度报告"}
FIELDS = ("title", "report_year", "index_no", "publisher", "written_date", "published_date", "doc_no", "portal")


def test_heldout_jcms_portal_crawled_from_a_registry_file(tmp_path):
    gt = heldout_ground_truth(SPEC)
    (slug,) = gt["portals"]
    (tmp_path / "extra.json").write_text(json.dumps([SPEC], ensure_ascii=False), encoding="utf-8")
    (tmp_path / "heldout.toml").write_text(heldout_registry_toml(SPEC), encoding="utf-8")
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO), GOVCRAWL_REPLICA_EXTRA=str(tmp_path / "extra.json"))
    server = subprocess.Popen([sys.executable, "-m", "govcrawl", "replica", "--port", str(port)], env=env)
    try:
        wait_for_port(port)
        db = f"sqlite:///{tmp_path / 'h.sqlite3'}"
        result = run_govcrawl("crawl", "--portals", str(tmp_path / "heldout.toml"), "--portal", slug,
                              "--proxy", f"http://127.0.0.1:{port}", "--db", db,
                              "--warc-dir", str(tmp_path / "warc"), cwd=tmp_path)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
        out = run_govcrawl("export", "--db", db, "--format", "jsonl", cwd=tmp_path).stdout
        rows = {r["url"]: r for r in map(json.loads, filter(str.strip, out.splitlines()))}
        expected = {r["url"]: r for r in gt["reports"]}
        assert set(rows) == set(expected)
        assert [(u, f) for u, r in rows.items() for f in FIELDS if r[f] != expected[u][f]] == []
    finally:
        server.terminate()
        server.wait(10)
