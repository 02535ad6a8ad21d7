"""``govcrawl portals check`` and ``portals add``: portals are checked, not trusted."""

from __future__ import annotations

import json
import tomllib

import pytest

from tests.conftest import run_govcrawl

pytestmark = pytest.mark.e2e

PORTALS = ["zj_gov", "zj_fzggw", "hz_drc", "trs_fgw", "trs_district", "yiwu"]


def test_the_replicas_portals_are_all_ok(tmp_path):
    from govcrawl.replica.server import ReplicaServer

    args = [a for slug in PORTALS for a in ("--portal", slug)]
    with ReplicaServer(port=0) as server:
        result = run_govcrawl("portals", "check", "--proxy", server.proxy_url, "--ca-file", server.ca_path,
                              "--format", "json", *args, cwd=tmp_path)
        requested = [url for _, url in server.requests]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads(result.stdout)
    assert data["ok"] and [r["portal"] for r in data["portals"]] == PORTALS
    for row in data["portals"]:
        assert row["reachable"] and row["reports"] >= 7 and row["newest_year"] == 2024 and row["column"], row
    by = {r["portal"]: r for r in data["portals"]}
    assert by["trs_fgw"]["platform_detected"] == "trs" and by["zj_gov"]["platform_detected"] == "jcms"
    # a probe lists; it fetches no article
    assert not [u for u in requested if "/art/20" in u or "/t20" in u]


def test_failures_are_named_and_fail_the_check(tmp_path):
    """A moved column (404), a dead host (the proxy's 502), a certificate not trusted, an anti-bot wall: each named;
    exit 1."""
    from govcrawl.replica.server import ReplicaServer

    registry = tmp_path / "drifted.toml"
    registry.write_text("""
[[portal]]
slug = "moved"
name = "江州市发展和改革委员会"
level = "department"
region = "江东省江州市"
platform = "trs"
start_urls = ["http://fgw.jiangzhou.gov.cn/zwgk/zfxxgk/ndbg2019/index.html"]

[[portal]]
slug = "gone"
name = "宁波市发展和改革委员会"
level = "department"
region = "浙江省宁波市"
platform = "jcms"
start_urls = ["http://fgw.ningbo.gov.cn/col/col1229057392/index.html"]

[[portal]]
slug = "walled"
name = "义乌市人民政府"
level = "county"
region = "浙江省义乌市"
platform = "jcms"
start_urls = ["http://www.yw.gov.cn/col/col1229136502/index.html"]

[[portal]]
slug = "untrusted"
name = "浙江省发展和改革委员会"
level = "department"
region = "浙江省"
platform = "jpaas"
start_urls = ["https://fzggw.zj.gov.cn/col/col1229123461/index.html"]

[[portal]]
slug = "fine"
name = "江州市临江区人民政府"
level = "county"
region = "江东省江州市临江区"
platform = "trs"
start_urls = ["http://www.linjiang.gov.cn/zfxxgk/zfxxgknb/xxgknb_list.shtml"]
""", encoding="utf-8")
    faults = {"fgw.ningbo.gov.cn": ("dead", {}), "www.yw.gov.cn": ("antibot_412", {}),
              "fzggw.zj.gov.cn": ("bad_cert", {"kind": "expired"})}
    with ReplicaServer(port=0, faults=faults) as server:
        result = run_govcrawl("portals", "check", "--portals", str(registry), "--proxy", server.proxy_url,
                              "--ca-file", server.ca_path, cwd=tmp_path)
    assert result.returncode == 1
    failed = {line.split()[2].rstrip(":"): line for line in result.stderr.splitlines() if line.startswith("FAILED portal")}
    assert set(failed) == {"moved", "gone", "untrusted", "walled"}, result.stderr[-3000:]
    assert "TLS: certificate has expired" in failed["untrusted"]
    assert "HTTP 404" in failed["moved"] and "moved?" in failed["moved"]
    assert "the host is gone" in failed["gone"]
    assert "anti-bot wall" in failed["walled"]
    assert "fine" in result.stdout and "Traceback" not in result.stderr


def test_add_probes_a_home_url_and_appends_its_entry(tmp_path):
    from govcrawl.replica.server import ReplicaServer

    target = tmp_path / "mine.toml"
    with ReplicaServer(port=0) as server:
        result = run_govcrawl("portals", "add", "http://fgw.jiangzhou.gov.cn/", "--name", "江州市发展和改革委员会",
                              "--level", "department", "--region", "江东省江州市", "--append", str(target),
                              "--proxy", server.proxy_url, "--ca-file", server.ca_path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    (entry,) = tomllib.loads(target.read_text(encoding="utf-8"))["portal"]
    # the site sends http to https: the entry names the column where it was found
    assert entry["platform"] == "trs" and entry["start_urls"] == ["https://fgw.jiangzhou.gov.cn/zwgk/zfxxgk/zfxxgknb/"]
    assert entry["source"] == "http://fgw.jiangzhou.gov.cn/" and entry["seen"]
    # the entry it wrote is a registry the crawler takes
    from govcrawl.crawl.registry import load_registry

    assert list(load_registry(target).all()) == ["jiangzhou_fgw"]
    listed = run_govcrawl("portals", "add", "ftp://nowhere", cwd=tmp_path)
    assert listed.returncode == 2 and "not an http(s) URL" in listed.stderr
