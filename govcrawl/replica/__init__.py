"""Offline replica of the Zhejiang government portals (and a search engine and spam hosts).

Public API::

    from govcrawl.replica import ReplicaServer, run, load_ground_truth
    with ReplicaServer(port=0) as srv:   # srv.proxy_url, srv.requests
        ...
"""
from __future__ import annotations

import json
from pathlib import Path

GROUND_TRUTH_PATH = Path(__file__).with_name("ground_truth.json")


def load_ground_truth() -> dict:
    """The committed ground truth: {"portals": {...}, "reports": [...], "non_reports": [...]}."""
    return json.loads(GROUND_TRUTH_PATH.read_text(encoding="utf-8"))


def __getattr__(name):  # lazy: importing the package must stay cheap
    if name in ("ReplicaServer", "run"):
        from . import server

        return getattr(server, name)
    raise AttributeError(name)


__all__ = ["ReplicaServer", "run", "load_ground_truth", "GROUND_TRUTH_PATH"]
