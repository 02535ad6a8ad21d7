"""Smoke run of the scale benchmark (benchmarks/scale.py): a few portals, a few seconds, so it stays working."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_fastreplica_portal_shape():
    from benchmarks import fastreplica as F

    p = F.Portal(3, articles=25)
    assert len(p.articles) == 25 and p.attachments
    status, ctype, body, _ = p.respond("GET", p.col_path, b"")
    assert status == 200 and b"<datastore>" in body
    form = f"columnid={p.site.colid}&webid={p.site.webid}".encode()
    status, _, xml, _ = p.respond("POST", f"{p.site.proxy_paths[0]}?startrecord=11&endrecord=20&perpage=10", form)
    assert xml.decode().count("<record>") == 10
    att_page = next(iter(p.attachments))
    assert p.attachments[att_page].encode() in p.respond("GET", att_page, b"")[2]
    assert p.respond("GET", p.attachments[att_page], b"")[1] == "application/pdf"
    assert 'slug = "bench_0000"' in F.registry_toml(2)


def test_scale_smoke(tmp_path):
    cmd = [sys.executable, str(REPO / "benchmarks" / "scale.py"), "--portals", "3", "--articles", "12",
           "--latency-ms", "20", "--wget-seconds", "3", "--out", str(tmp_path)]
    if not shutil.which("wget"):
        cmd.append("--skip-wget")
    run = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "politeness limit" in run.stdout and "CPU ms / page" in run.stdout
    result = json.loads((tmp_path / "scale-3p-20ms.json").read_text())
    g = result["govcrawl"]
    # every page of the 3 portals: articles, list pages, attachments, robots.txt, the 政府信息公开 home each
    assert g["pages"] == result["config"]["replica_pages"] == 3 * 18
    assert g["portals_ok"] == 3 and g["reports"] > 0
    assert g["warc_bytes"] > 0 and g["cpu_s"] > 0 and g["peak_rss_mb"] > 0
    assert result["comparison"]["politeness_limit_pages_per_s"] == 3 * 2 / 0.02
    # the bare-Scrapy floor fetched the same articles, attachments and columns
    floor = result["scrapy_floor"]
    from benchmarks import fastreplica as F

    portals = [F.Portal(i, articles=12) for i in range(3)]
    assert floor["fetch"]["responses"] == floor["parse"]["responses"] == sum(
        1 + len(p.articles) + len(p.attach_paths) for p in portals)
    assert floor["fetch"]["cpu_ms_per_page"] > 0 and "Scrapy's floor" in run.stdout
    if shutil.which("wget"):
        assert result["wget"]["pages"] > 0 and "ratio_to_wget" in result["comparison"]
    # the peer, a bare Scrapy archiver, crawled the same portals in the same run, counted apart by the server:
    # at least every page govcrawl fetched (it also follows the navigation links govcrawl has no use for)
    peer = result["bare_archiver"]
    assert peer["exit"] == 0 and peer["pages"] >= g["pages"] and peer["statuses"].get("200", 0) >= g["pages"]
    assert peer["own"]["pages"] == peer["pages"] and peer["warc_bytes"] > 0 and peer["cpu_ms_per_page"] > 0
    assert result["comparison"]["peer_ratio"] == round(
        result["comparison"]["govcrawl_pages_per_s"] / peer["pages_per_s_crawling"], 2)
    assert "govcrawl / bare Scrapy archiver pages/s" in run.stdout


def test_distributed_comparison_smoke(tmp_path):
    """`scale.py --distributed`: the same crawl with 1 and 2 workers on Redis + PostgreSQL, compared."""
    import os

    import pytest

    if not shutil.which("redis-server"):
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (scripts/install.sh installs it)")
        pytest.skip("redis-server not installed")
    cmd = [sys.executable, str(REPO / "benchmarks" / "scale.py"), "--distributed", "--portals", "2", "--articles", "8",
           "--latency-ms", "20", "--out", str(tmp_path)]
    run = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "speedup" in run.stdout and "target 2 workers >= 1.7x" in run.stdout
    result = json.loads((tmp_path / "distributed-2w-2p-20ms.json").read_text())
    one, two = result["runs"]["1"], result["runs"]["2"]
    for r in (one, two):  # both crawls complete: every portal healthy, the same reports
        assert r["portals_ok"] == 2 and r["pages"] >= result["config"]["replica_pages"]
    assert one["reports"] == two["reports"] > 0
    assert result["comparison"]["speedup"] > 0


def test_cpu_bound_is_judged_on_the_machines_cores():
    """The politeness target excuses a crawl that ran out of CPU: the crawl and the replica server on >= 80 % of the
    machine's cores while at work -- not one core's worth, as when the crawl ran in one process."""
    from benchmarks.scale import cpu_bound

    at_work = {"cpu_utilisation_steady": 1.53, "cpu_utilisation": 1.51, "server_cpu_s": 33.0, "wall_s": 596.0}
    assert not cpu_bound(at_work, cores=2)  # 1.53 + 0.06 of 2
    assert cpu_bound(at_work, cores=1)
    assert cpu_bound({**at_work, "cpu_utilisation_steady": 1.58, "server_cpu_s": 50.0}, cores=2)  # 1.58 + 0.08
