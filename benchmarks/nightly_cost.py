"""What a nightly costs the portals and the archive, against a full crawl, on the bundled replica.

    python3 benchmarks/nightly_cost.py                      # every portal of the replica's registry
    python3 benchmarks/nightly_cost.py --portal zj_gov ...  # some of them
    python3 benchmarks/nightly_cost.py --json out.json

Runs, into one fresh database and WARC folder: a full ``govcrawl crawl`` of the portals, a ``nightly`` on the
unchanged replica, a ``nightly --recheck-all`` (every known page asked, conditionally) and, with one report
edited, a ``nightly --recheck-all`` again. For each run it prints the requests the replica served (what the
portals see, the browser's included), the bytes of the WARC files the run added, and the report rows
added. Exit 1 when the unchanged nightly makes more than 20% of the full crawl's requests or writes more
than 5% of its WARC bytes, or adds a report row.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from govcrawl.crawl.registry import default_registry  # noqa: E402
from govcrawl.replica import REGISTRY_PATH  # noqa: E402
from govcrawl.replica.server import ReplicaServer  # noqa: E402

EDIT_TEXT = "更正说明:本报告第三部分的数据经核对已更正。"


def _warc_bytes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in folder.glob("*.warc.gz")}


def _reports(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute("select count(*) from reports").fetchone()[0]


def run(command: list[str], srv: ReplicaServer, work: Path, portals: list[str], name: str) -> dict:
    before_requests, before_files = len(srv.requests), _warc_bytes(work / "warc")
    before_reports = _reports(work / "db.sqlite3") if (work / "db.sqlite3").exists() else 0
    args = [sys.executable, "-m", "govcrawl", *command, *[a for p in portals for a in ("--portal", p)],
            "--proxy", srv.proxy_url, "--db", f"sqlite:///{work / 'db.sqlite3'}", "--warc-dir", str(work / "warc"),
            "--stats-json", str(work / f"{name}.json")]
    env = dict(os.environ, PYTHONPATH=str(REPO), GOVCRAWL_PORTALS=str(REGISTRY_PATH))  # the replica's portals
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    stats = json.loads((work / f"{name}.json").read_text())["portals"]
    after = _warc_bytes(work / "warc")
    return {
        "run": " ".join(command),
        "requests": len(srv.requests) - before_requests,
        "warc_bytes": sum(size for f, size in after.items() if f not in before_files),
        "reports_added": _reports(work / "db.sqlite3") - before_reports,
        "changed": sum(p["changed"] for p in stats),
        "due": sum(p.get("revisit_due", 0) for p in stats),
        "checked": sum(p.get("revisit_checked", 0) for p in stats),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--portal", action="append", help="portal slug (repeatable; default: every portal)")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    registry = default_registry(str(REGISTRY_PATH))
    portals = args.portal or list(registry.portals)
    with tempfile.TemporaryDirectory(prefix="nightly-cost-") as tmp, ReplicaServer(port=0) as srv:
        work = Path(tmp)
        (work / "warc").mkdir()
        rows = [run(["crawl"], srv, work, portals, "full"), run(["nightly"], srv, work, portals, "nightly"),
                run(["nightly", "--recheck-all"], srv, work, portals, "recheck")]
        import sqlite3

        with sqlite3.connect(work / "db.sqlite3") as conn:
            edited = conn.execute("select url from reports where portal = ? order by url limit 1",
                                  (portals[0],)).fetchone()[0]
        srv.edit(edited, EDIT_TEXT)
        rows.append({**run(["nightly", "--recheck-all"], srv, work, portals, "edited"), "run": "nightly --recheck-all (1 edit)"})
    full = rows[0]
    print(f"{len(portals)} portals; the replica on 127.0.0.1\n")
    print(f"{'run':32} {'requests':>9} {'of full':>8} {'WARC bytes':>11} {'of full':>8} {'reports+':>8} "
          f"{'changed':>7} {'due/checked':>11}")
    for r in rows:
        print(f"{r['run']:32} {r['requests']:>9} {r['requests'] / full['requests']:>8.1%} {r['warc_bytes']:>11} "
              f"{r['warc_bytes'] / full['warc_bytes']:>8.1%} {r['reports_added']:>8} {r['changed']:>7} "
              f"{r['due']:>5}/{r['checked']:<5}")
    if args.json:
        Path(args.json).write_text(json.dumps({"portals": portals, "runs": rows}, indent=2), encoding="utf-8")
    nightly = rows[1]
    ok = (nightly["requests"] <= 0.2 * full["requests"] and nightly["warc_bytes"] <= 0.05 * full["warc_bytes"]
          and nightly["reports_added"] == 0 and rows[3]["changed"] == 1)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
