"""Offline replica of the Zhejiang government portals (and a search engine and spam hosts).

Public API::

    from govcrawl.replica import ReplicaServer, run, load_ground_truth
    with ReplicaServer(port=0) as srv:   # srv.proxy_url, srv.requests
        ...

Held-out portals (a jcms portal no registry names): ``ReplicaServer(extra_sites=[spec, ...])`` or the
files named by GOVCRAWL_REPLICA_EXTRA (.toml with [[site]] tables, or .json); spec keys in
``sites.heldout_spec`` (host, name, colid required; years, missing, per_page, nav, nested, start ...).
Their ground truth: ``sites.heldout_ground_truth(specs)``; their registry file: ``sites.heldout_registry_toml(specs)``.
Statistics-table key names (the ground truth's ``statistics``): ``govcrawl.replica.stat_schema``.
"""
from __future__ import annotations

import json
from pathlib import Path

GROUND_TRUTH_PATH = Path(__file__).with_name("ground_truth.json")
#: the replica's own registry: what `govcrawl demo` and the tests crawl (the shipped registry lists real portals)
REGISTRY_PATH = Path(__file__).with_name("portals.toml")


def load_ground_truth(all_portals: bool = False) -> dict:
    """The committed ground truth: {"portals": {...}, "reports": [...], "non_reports": [...]}.

    Portals whose registry entries still live in a separate file (``"registry"`` in their portal entry,
    e.g. the breadth portals' govcrawl/replica/portals_breadth.toml) are left out unless the replica's
    registry (govcrawl/replica/portals.toml) names them too, or ``all_portals``: the ground truth of what
    `govcrawl demo` crawls.
    """
    gt = json.loads(GROUND_TRUTH_PATH.read_text(encoding="utf-8"))
    if all_portals:
        return gt
    import tomllib

    try:
        data = tomllib.loads(REGISTRY_PATH.read_text(encoding="utf-8"))
        registered = {e.get("slug") for e in data.get("portal", []) + data.get("channel", [])}
    except (OSError, tomllib.TOMLDecodeError):
        registered = set()
    skip = {k for k, p in gt["portals"].items() if p.get("registry") and k not in registered}
    if skip:
        gt["portals"] = {k: v for k, v in gt["portals"].items() if k not in skip}
        gt["reports"] = [r for r in gt["reports"] if r["portal"] not in skip]
        gt["non_reports"] = [n for n in gt["non_reports"] if n["portal"] not in skip]
    return gt


def __getattr__(name):  # lazy: importing the package must stay cheap
    if name in ("ReplicaServer", "run"):
        from . import server

        return getattr(server, name)
    raise AttributeError(name)


__all__ = ["ReplicaServer", "run", "load_ground_truth", "GROUND_TRUTH_PATH", "REGISTRY_PATH"]
