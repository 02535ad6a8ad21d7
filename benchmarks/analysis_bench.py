"""CPU cost of the per-page analysis: ``analyze_page`` + ``neardup.signature``, on realistic pages.

Pages: every HTML page of the bundled replica (26 portals, GBK and Big5 pages, the /gate/big5 mirror, spam
pages, its search results), the pages of a few fastreplica benchmark portals (what ``scale.py`` crawls:
mostly annual reports with national-template statistics tables) and ``tests/fixtures``.

    python3 benchmarks/analysis_bench.py                    # ms/page, reports and other pages
    python3 benchmarks/analysis_bench.py --dump before.json # also every output, to diff before/after
    python3 benchmarks/analysis_bench.py --compare before.json   # exit 1 when an output differs

Times with ``time.process_time`` (CPU, not wall clock: the machine is shared); each page is analysed
``--rounds`` times after one warm-up pass and the best round is reported. The signature is taken as the
pipelines take it: for annual reports (the near-duplicate index) and for junk pages off government hosts.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from govcrawl.analysis import neardup
from govcrawl.analysis.junk import host_of, is_government_host
from govcrawl.analysis.page import analyze_page


def replica_pages() -> list[tuple[str, bytes, str]]:
    """(url, body, content type) of every HTML page the bundled replica serves (incl. the Big5 gate)."""
    from govcrawl.replica import articles, http, router  # noqa: E402

    rep = router.build_replica()
    out = []
    targets = [(host, path) for host in rep.hosts for path in rep.pages[host]]
    gate = rep.sites.get("hz_drc")
    if gate is not None:
        targets += [(gate.host, articles.GATE_PREFIX + p) for p, v in rep.pages[gate.host].items() if v[1] is None]
    targets += [("www.baidu.com", f"/s?wd={articles.SEARCH_QUERY}&pn={pn}") for pn in (0, 10)]
    for host, target in targets:
        resp = rep.respond(http.Request("GET", host, target, {}))
        if resp.status == 200 and "html" in (resp.content_type or ""):
            out.append((f"http://{host}{target}", resp.body, resp.content_type))
    return out


def fastreplica_pages(portals: int) -> list[tuple[str, bytes, str]]:
    """Articles, column page and navigation pages of the first ``portals`` scale-benchmark portals."""
    from benchmarks import fastreplica

    out = []
    for i in range(portals):
        p = fastreplica.Portal(i)
        paths = [a.path for a in p.articles] + [p.col_path] + sorted(p.pages)
        for path in paths:
            status, ctype, body, _ = fastreplica.Portal.respond(p, "GET", path, b"")
            if status == 200 and "html" in ctype:
                out.append((f"http://{p.site.host}{path}", body, ctype))
    return out


def fixture_pages() -> list[tuple[str, bytes, str]]:
    out = []
    for f in sorted((REPO / "tests" / "fixtures").rglob("*.html")):
        out.append((f"http://fixtures.example.gov.cn/{f.relative_to(REPO / 'tests' / 'fixtures')}", f.read_bytes(), None))
    return out


def all_pages(portals: int) -> list[tuple[str, bytes, str]]:
    return replica_pages() + fastreplica_pages(portals) + fixture_pages()


def wants_signature(url: str, kind: str) -> bool:
    """As the pipelines: reports go into the near-duplicate index, non-'other' pages off government hosts are checked."""
    return kind == "annual_report" or (kind != "other" and not is_government_host(host_of(url)))


def analyse(url: str, body: bytes, ctype: str | None):
    pa = analyze_page(body, url=url, content_type=ctype)
    sig = neardup.signature(pa.text) if wants_signature(url, pa.kind) else None
    return pa, sig


def output_of(pa, sig) -> dict:
    d = pa.to_dict()
    d["text"] = pa.text
    d["signature_sha1"] = (hashlib.sha1(json.dumps([int(v) for v in sig.hashvalues]).encode()).hexdigest()
                           if sig is not None else None)
    return d


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--portals", type=int, default=4, help="fastreplica portals (85 articles each)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dump", help="write every page's outputs (JSON) here")
    ap.add_argument("--compare", help="compare the outputs with a dump; exit 1 on any difference")
    ap.add_argument("--no-signature-compare", action="store_true",
                    help="with --compare: ignore signature digests (when the hash function changed on purpose)")
    args = ap.parse_args(argv)

    pages = all_pages(args.portals)
    outputs: dict[str, dict] = {}
    kinds: dict[str, str] = {}
    for url, body, ctype in pages:  # warm-up (imports, OpenCC, regex caches) and the outputs
        pa, sig = analyse(url, body, ctype)
        outputs[url] = output_of(pa, sig)
        kinds[url] = pa.kind

    best: dict[str, float] = {}
    for _ in range(args.rounds):
        spent: dict[str, float] = {}
        for url, body, ctype in pages:
            t0 = time.process_time()
            analyse(url, body, ctype)
            spent[url] = time.process_time() - t0
        for url, t in spent.items():
            best[url] = min(best.get(url, t), t)
    # per-page minima are noisy at the clock's resolution: sum each group over the best round instead
    groups = {"reports": [u for u in best if kinds[u] == "annual_report"],
              "others": [u for u in best if kinds[u] != "annual_report"]}
    print(f"{len(pages)} pages ({len(groups['reports'])} reports), best of {args.rounds} rounds, CPU time")
    for name, urls in groups.items():
        total = sum(best[u] for u in urls)
        print(f"  {name:8s} {len(urls):5d} pages  {1000 * total / max(len(urls), 1):7.2f} ms/page")
    total = sum(best.values())
    print(f"  {'all':8s} {len(best):5d} pages  {1000 * total / max(len(best), 1):7.2f} ms/page")

    if args.dump:
        Path(args.dump).write_text(json.dumps(outputs, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
        print(f"outputs written to {args.dump}")
    if args.compare:
        before = json.loads(Path(args.compare).read_text(encoding="utf-8"))
        now = json.loads(json.dumps(outputs, ensure_ascii=False))  # the same JSON round trip as the dump
        diffs = []
        for url in sorted(set(before) | set(now)):
            a, b = before.get(url), now.get(url)
            if args.no_signature_compare and a and b:
                a, b = dict(a), dict(b)
                a.pop("signature_sha1", None), b.pop("signature_sha1", None)
            if a != b:
                keys = sorted(k for k in set(a or {}) | set(b or {}) if (a or {}).get(k) != (b or {}).get(k))
                diffs.append(f"{url}: {', '.join(keys)}")
        print(f"compared with {args.compare}: {len(diffs)} of {len(set(before) | set(now))} pages differ")
        for d in diffs[:20]:
            print("  " + d)
        return 1 if diffs else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
