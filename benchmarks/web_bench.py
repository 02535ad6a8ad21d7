"""Benchmark of the archive browser: search and report pages on a generated database of 10,000 reports.

    python benchmarks/web_bench.py [--reports 10000] [--requests 300] [--keep DIR]

Generates a SQLite database through govcrawl's own schema (Alembic migrations) with N reports whose
texts are the five seed texts (3,500 to 9,000 characters, as real reports) with their paragraphs
shuffled and the portal, year and publisher changed, ~125 statistics cells per report, a capture
row each and a WARC file holding every report page (so report pages read their capture as in
production); builds the search index; serves the application with uvicorn on 127.0.0.1 and times
real HTTP requests one after another (keep-alive): a mix of searches (long phrases, common words that
match nearly everything, one- and two-character words, filters, deep pages) and report pages.
The reports-as-data pages are timed too: /trends (every report, a level and years, a reporting body), its CSV,
/compare (portals and bodies side by side), /quality (with and without a filter) and /coverage (per portal
and per reporting unit); their figures come from an in-memory dataset built on the first request (its time
is printed apart) and rebuilt in the background when the database changes.
Prints p50 / p95 / max per kind; exits 1 if a p95 is 200 ms or more.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import random
import socket
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

LEVELS = ("province", "city", "county", "department")
TARGET_MS = 200.0


def seed_paragraphs() -> list[list[str]]:
    from govcrawl.replica.content import seed_text

    out = []
    for prefix in ("000", "001", "002", "003", "004"):
        lines = [line.strip() for line in seed_text(prefix).splitlines() if line.strip()]
        out.append(lines)
    return out


PORTALS = [(f"p{k:03d}", LEVELS[k % 4], f"测试{'省市县'[k % 3]}{k:03d}") for k in range(120)]


def write_registry(folder: Path) -> Path:
    """The generated portals as a registry, so level and region filters and coverage see them."""
    path = folder / "portals.toml"
    path.write_text("".join(
        f'[[portal]]\nslug = "{slug}"\nname = "{region}{"某局" if level == "department" else "人民政府"}"\n'
        f'level = "{level}"\nregion = "{region}"\nplatform = "generic"\nstart_urls = ["http://www.{slug}.gov.cn/"]\n\n'
        for slug, level, region in PORTALS), encoding="utf-8")
    return path


def generate(folder: Path, n: int, rng: random.Random) -> tuple[str, Path, list[str]]:
    """The database and WARC folder; returns (db url, warc dir, phrases that occur in some reports)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from govcrawl.store.store import Store

    db_path = folder / "bench.sqlite3"
    db_url = f"sqlite:///{db_path}"
    Store(db_url).close()  # the schema, by the project's migrations
    warc_dir = folder / "warc"
    warc_dir.mkdir()
    seeds = seed_paragraphs()
    portals = PORTALS
    stat_keys = [("applications", r, c) for r in ("new_received", "carried_over", "results.disclosed",
                                                  "results.partially_disclosed", "results.not_disclosed.state_secret",
                                                  "results.unable_to_provide.not_held", "results.not_processed.repeated",
                                                  "results.other", "total_handled", "carried_forward",
                                                  "results.not_disclosed.prohibited_by_law",
                                                  "results.not_disclosed.third_party_rights",
                                                  "results.unable_to_provide.need_creation",
                                                  "results.not_processed.publications", "results.not_disclosed.process_info")
                 for c in ("natural_person", "commercial_enterprise", "research_institution", "public_interest_org",
                           "legal_service_org", "other_org", "total")]
    stat_keys += [("reviews_litigation", g, c) for g in ("review", "litigation_direct", "litigation_after_review")
                  for c in ("upheld", "corrected", "other", "pending", "total")]
    stat_keys += [("active_disclosure", r, c) for r in ("rules", "normative_documents") for c in ("issued", "repealed", "in_force")]
    phrases: list[str] = []
    departments = ["发展和改革委员会", "财政局", "教育局", "生态环境局", "公安局", "自然资源局", "卫生健康委员会", "市场监督管理局"]
    now = dt.datetime(2025, 1, 1)
    conn = sqlite3.connect(db_path)
    warc_name = "govcrawl-bench-00001.warc.gz"
    reports, stats, captures, digests = [], [], [], []
    with open(warc_dir / warc_name, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for i in range(1, n + 1):
            slug, level, region = portals[i % len(portals)]
            year = 2014 + i % 11
            seed = seeds[i % 5]
            paragraphs = seed[:]
            head, body = paragraphs[:3], paragraphs[3:]
            rng.shuffle(body)
            publisher = f"{region}人民政府办公室"
            # whose report: the portal's own body, or (on a government portal) one of its departments
            body = (f"{region}{departments[i % 8]}" if level == "department" or i % 3 == 0 else f"{region}人民政府")
            late = i % 41 == 0  # published after the statutory deadline
            title = f"{region}{year}年政府信息公开工作年度报告"
            marker = f"编号{i:05d}号专项"  # a phrase only this report has
            text = "\n".join([title, publisher, *head[1:], marker, *body]).replace("2020", str(year))
            if i % 97 == 0:
                phrases.append(marker)
            url = f"http://www.{slug}.gov.cn/art/{year + 1}/2/1/art_{i}.html"
            html = ("<!doctype html><html><head><meta charset='utf-8'><title>" + title + "</title></head><body>"
                    + "".join(f"<p>{p}</p>" for p in text.splitlines())
                    + (f"<p>附件：<a href='/module/download/downfile.jsp?filename={i}.pdf'>{title}.pdf</a></p>" if i % 10 == 0 else "")
                    + "</body></html>").encode("utf-8")
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(html), http_headers=http)
            offset = fh.tell()
            writer.write_record(record)
            digest = record.rec_headers.get_header("WARC-Payload-Digest")
            seen = (now + dt.timedelta(minutes=i)).isoformat(sep=" ")
            checks = '[{"rule": "balance", "table": "applications", "cells": ["new_received.total", "carried_over.total", ' \
                     '"total_handled.total", "carried_forward.total"], "expected": 5, "found": 6, "severity": "error"}]' \
                if i % 7 == 0 else "[]"
            unparsed = '{"reviews_litigation": "flattened text: 11 of the 15 cells present"}' if i % 50 == 0 else "{}"
            reports.append((i, url, slug, title, year, f"0000/{year}-{i:05d}" if i % 13 else None, publisher,
                            f"{year + 1}-01-20", f"{year + 1}-{'05' if late else '01'}-25", None,
                            '{"title": "meta", "publisher": "header"}', "{}", "[]", digest, warc_name, offset, seen, seen,
                            text, "2019" if year <= 2020 else "2021", i % 7 != 0, checks, unparsed, "{}",
                            body if i % 17 else None))
            for t, r, c in stat_keys:
                stats.append((url, t, r, c, float(rng.randint(0, 500))))
            captures.append((url, digest, warc_name, offset, seen, seen))
            digests.append((digest, hashlib.sha1(url.encode()).hexdigest(), url, "GET",
                            record.rec_headers.get_header("WARC-Date"), record.rec_headers.get_header("WARC-Record-ID"),
                            warc_name, offset, len(html), "bench", seen, seen, 0))
    conn.executemany(
        "INSERT INTO reports (id, url, portal, title, report_year, index_no, publisher, written_date, published_date, doc_no, "
        "sources, original, classification_reasons, payload_digest, warc_filename, warc_offset, first_seen, last_seen, "
        "body_text, statistics_format, consistency_ok, statistics_checks, statistics_unparsed, text_counts, reporting_body) "
        "VALUES (" + ", ".join("?" * 25) + ")", reports)
    conn.executemany("INSERT INTO report_statistics (report_url, table_name, row_key, column_key, value) VALUES (?, ?, ?, ?, ?)",
                     stats)
    conn.executemany("INSERT INTO captures (url, payload_digest, warc_filename, warc_offset, first_seen, last_seen) "
                     "VALUES (?, ?, ?, ?, ?, ?)", captures)
    conn.executemany("INSERT INTO payload_digests (digest, key_hash, url, method, warc_date, record_id, warc_filename, "
                     "warc_offset, payload_length, crawl_id, first_seen, last_seen, revisits) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", digests)
    conn.commit()
    conn.close()
    return db_url, warc_dir, phrases


def serve(app) -> tuple[str, object, threading.Thread, socket.socket]:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP: asyncio sets TCP_NODELAY
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread, sock


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300, help="requests of each kind")
    parser.add_argument("--keep", help="generate into this folder (kept) instead of a temporary one")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    import httpx

    from govcrawl.web import build_index
    from govcrawl.web.app import create_app

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="govcrawl-webbench-") as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        db_url, warc_dir, phrases = generate(folder, args.reports, rng)
        t1 = time.perf_counter()
        build_index(db_url)
        t2 = time.perf_counter()
        print(f"generated {args.reports} reports in {t1 - t0:.1f} s "
              f"({(folder / 'bench.sqlite3').stat().st_size / 1e6:.0f} MB database, "
              f"{sum(p.stat().st_size for p in warc_dir.iterdir()) / 1e6:.0f} MB WARC); search index {t2 - t1:.1f} s")
        base, server, thread, sock = serve(create_app(db_url, warc_dir, portals=str(write_registry(folder))))
        common = ["政府信息公开", "依申请公开", "行政复议", "主动公开", "政务公开工作", "重大行政决策"]
        short = ["公开", "复议", "诉", "网", "函", "乾坤"]  # 乾坤 is in no report: a scan of every text
        kinds = {
            "search: rare phrase": lambda: {"q": rng.choice(phrases)},
            "search: common words": lambda: {"q": rng.choice(common)},
            "search: 1-2 characters": lambda: {"q": rng.choice(short)},
            "search: words + filters": lambda: {"q": rng.choice(common), "level": rng.choice(LEVELS),
                                                "year": str(rng.randint(2014, 2024))},
            "search: two words, page 5": lambda: {"q": f"{rng.choice(common)} {rng.choice(common)}", "page": "5"},
            "search: filters only": lambda: {"year_from": "2016", "year_to": "2020", "publisher": "测试"},
        }
        portals = [f"p{k:03d}" for k in range(120)]
        bodies = [f"测试{'省市县'[k % 3]}{k:03d}人民政府" for k in range(0, 120, 7) if k % 4 != 3]
        pages = {  # the reports as data: (path, parameters)
            "trends: every report": lambda: ("/trends", {}),
            "trends: a level, years": lambda: ("/trends", {"level": rng.choice(LEVELS),
                                                            "year_from": str(rng.randint(2014, 2018)), "year_to": "2024"}),
            "trends: body contains": lambda: ("/trends", {"body": rng.choice(["发展和改革", "财政局", "人民政府", "测试市"])}),
            "trends.csv: one chart": lambda: ("/trends.csv", {"chart": rng.choice(["outcomes", "applications", "reviews"]),
                                                               "portal": rng.sample(portals, 5)}),
            "compare: 3 portals, 2 bodies": lambda: ("/compare", {"year": str(rng.randint(2019, 2024)),
                                                                   "portal": rng.sample(portals, 3),
                                                                   "body": rng.sample(bodies, 2)}),
            "quality: every report": lambda: ("/quality", {}),
            "quality: a level": lambda: ("/quality", {"level": rng.choice(LEVELS)}),
            "coverage: portals": lambda: ("/coverage", {}),
            "coverage: reporting units": lambda: ("/coverage", {"view": "unit", "page": str(rng.randint(1, 3))}),
        }
        results: dict[str, list[float]] = {}
        with httpx.Client(base_url=base, timeout=60) as client:
            start = time.perf_counter()
            assert client.get("/trends").status_code == 200  # the first request builds the figures
            first_trends = (time.perf_counter() - start) * 1000
            print(f"first /trends (builds the in-memory figures): {first_trends:.0f} ms")
            for _ in range(20):  # warm up (page cache, pools)
                client.get("/search", params={"q": rng.choice(common)})
                client.get(f"/report/{rng.randint(1, args.reports)}")
            for name, make in kinds.items():
                times = []
                for _ in range(args.requests):
                    params = make()
                    start = time.perf_counter()
                    r = client.get("/search", params=params)
                    times.append((time.perf_counter() - start) * 1000)
                    assert r.status_code == 200, (params, r.status_code)
                results[name] = times
            times = []
            for _ in range(args.requests):
                start = time.perf_counter()
                r = client.get(f"/report/{rng.randint(1, args.reports)}")
                times.append((time.perf_counter() - start) * 1000)
                assert r.status_code == 200 and "<h1 id=\"report-title\">" in r.text
            results["report page"] = times
            times = []
            for _ in range(args.requests):
                rid = rng.randint(1, args.reports)
                page = client.get(f"/report/{rid}").text
                href = page.split('id="view-capture" href="', 1)[1].split('"', 1)[0]
                start = time.perf_counter()
                r = client.get(href + "/content")
                times.append((time.perf_counter() - start) * 1000)
                assert r.status_code == 200
            results["captured page"] = times
            for name, make in pages.items():
                times = []
                for _ in range(args.requests):
                    path, params = make()
                    start = time.perf_counter()
                    r = client.get(path, params=params)
                    times.append((time.perf_counter() - start) * 1000)
                    assert r.status_code == 200, (path, params, r.status_code, r.text[:300])
                results[name] = times
            r = client.get("/trends")
            assert r.text.count('class="mark"') > 100 and "<script" not in r.text
            assert 'id="checks-table"' in client.get("/quality").text
            r = client.get("/search", params={"q": phrases[0]})
            assert '<strong id="total">1</strong>' in r.text, "a rare phrase finds its one report"
        server.should_exit = True
        thread.join(10)
        sock.close()
    print(f"\n{'requests (ms)':<30}{'n':>6}{'p50':>9}{'p95':>9}{'max':>9}")
    worst = 0.0
    for name, times in results.items():
        p95 = percentile(times, 95)
        worst = max(worst, p95)
        print(f"{name:<30}{len(times):>6}{statistics.median(times):>9.1f}{p95:>9.1f}{max(times):>9.1f}")
    print(f"\nworst p95 {worst:.1f} ms: {'OK' if worst < TARGET_MS else 'OVER'} (target < {TARGET_MS:.0f} ms)")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
