"""The shipped registry lists REAL portals, each with its evidence; the replica's portals live with the replica."""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from govcrawl.crawl.registry import DEFAULT_REGISTRY, load_registry

ENTRIES = tomllib.loads(DEFAULT_REGISTRY.read_text(encoding="utf-8"))["portal"]
PROVINCES = ("北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建", "江西",
             "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃",
             "青海", "宁夏", "新疆")


def test_every_entry_is_valid_and_carries_its_evidence():
    registry = load_registry(DEFAULT_REGISTRY)  # keys, levels, URLs: the loader's own checks
    assert len(registry.portals) == len(ENTRIES) >= 300
    slugs = Counter(e["slug"] for e in ENTRIES)
    assert [s for s, n in slugs.items() if n > 1] == []
    for e in ENTRIES:
        for url in e["start_urls"] + [e["source"]]:
            parts = urlsplit(url)
            assert parts.scheme in ("http", "https") and parts.hostname and "." in parts.hostname, (e["slug"], url)
        assert e["seen"][:2] == "20" and len(e["seen"]) == 10, e["slug"]


def test_the_registry_spans_the_country():
    regions = [e["region"] for e in ENTRIES]
    covered = {p for p in PROVINCES if any(r.startswith(p) for r in regions)}
    assert len(covered) >= 25, sorted(set(PROVINCES) - covered)
    provincial = {e["region"] for e in ENTRIES if e["level"] == "province"}
    assert all(any(r.startswith(p) for r in provincial) for p in PROVINCES), "every provincial-level government"
    zhejiang_cities = {e["name"] for e in ENTRIES if e["level"] == "city" and e["region"].startswith("浙江")}
    assert len(zhejiang_cities) >= 11


def test_a_start_url_is_on_the_host_its_evidence_names():
    text = DEFAULT_REGISTRY.read_text(encoding="utf-8")
    for e in ENTRIES:
        host = urlsplit(e["start_urls"][0]).hostname
        if host == urlsplit(e["source"]).hostname:
            continue
        # a host the source names in its text: the entry says so in an '# evidence:' comment
        block = text[text.index(f'slug = "{e["slug"]}"') - 400:text.index(f'slug = "{e["slug"]}"') + 600]
        assert "# evidence:" in block, e["slug"]


def test_the_replica_has_its_own_registry():
    replica = Path(__file__).parent.parent / "govcrawl" / "replica" / "portals.toml"
    slugs = set(load_registry(replica).all())
    assert {"zj_gov", "trs_fgw", "web_search"} <= slugs
