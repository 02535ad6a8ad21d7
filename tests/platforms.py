"""Shared by the platform tests (tests/test_platform_<name>.py): crawl replica portals the spiders have never seen,
from a registry entry alone (or ``platform = "auto"`` with only the home URL), and compare with their ground truth."""

from __future__ import annotations

import json
from pathlib import Path

from govcrawl.replica.breadth import heldout_ground_truth, heldout_registry_toml
from tests.conftest import run_govcrawl

FIELDS = ("title", "report_year", "index_no", "publisher", "reporting_body", "written_date", "published_date", "doc_no",
          "portal")


def crawl_portals(tmp_path: Path, specs: list[dict], auto: bool = False, command: str = "crawl",
                  faults: dict | None = None) -> dict:
    """Serve ``specs`` (held-out portals) from a replica on 127.0.0.1, crawl them from a registry file, and return
    the exported rows, the per-portal stats, the drops and the ground truth. ``faults``: {host: fault mode} for the
    replica (``govcrawl/replica/faults.py``)."""
    from govcrawl.replica.server import ReplicaServer

    specs = [{**s, "registry_auto": auto} for s in specs]
    registry = tmp_path / ("auto.toml" if auto else "portals.toml")
    registry.write_text(heldout_registry_toml(specs), encoding="utf-8")
    db = f"sqlite:///{tmp_path / ('auto' if auto else 'named')}.sqlite3"
    stats = tmp_path / ("auto-stats.json" if auto else "stats.json")
    with ReplicaServer(port=0, extra_sites=specs, faults=faults) as server:
        result = run_govcrawl(command, "--portals", str(registry), "--proxy", server.proxy_url,
                              "--ca-file", server.ca_path, "--db", db,
                              "--warc-dir", str(tmp_path / ("warc-auto" if auto else "warc")), "--stats-json", str(stats),
                              cwd=tmp_path)
        requests = list(server.requests)
    exported = run_govcrawl("export", "--db", db, "--format", "jsonl", cwd=tmp_path)
    drops = run_govcrawl("drops", "--db", db, cwd=tmp_path)
    return {
        "result": result,
        "warc_dir": tmp_path / ("warc-auto" if auto else "warc"),
        "rows": [json.loads(line) for line in exported.stdout.splitlines() if line.strip()],
        "stats": json.loads(stats.read_text(encoding="utf-8")) if stats.exists() else None,
        "drops": drops.stdout,
        "gt": heldout_ground_truth(specs),
        "requests": requests,   # (method, url) of every request the replica answered
        "db": db,
    }


def mismatches(run: dict) -> list:
    """(url, field, got, expected) for every report field that differs; missing and unexpected reports too."""
    rows = {r["url"]: r for r in run["rows"]}
    expected = {r["url"]: r for r in run["gt"]["reports"]}
    out = [("missing", u) for u in sorted(set(expected) - set(rows))]
    out += [("unexpected", u) for u in sorted(set(rows) - set(expected))]
    for url in set(rows) & set(expected):
        out += [(url, f, rows[url][f], expected[url][f]) for f in FIELDS if rows[url][f] != expected[url][f]]
    return out
