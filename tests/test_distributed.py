"""Distributed mode: two workers share one frontier and dupefilter (scrapy-redis, a real redis-server)
and write to one PostgreSQL; together they find every report, fetch no URL twice, store no row twice."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import run_govcrawl
from tests.pgserver import start_redis

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if not shutil.which("redis-server"):
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (scripts/install.sh installs it)")
        pytest.skip("redis-server not installed")
    server, url = start_redis(tmp_path_factory.mktemp("redis"))
    yield url
    server.terminate()
    server.wait(10)


def test_two_workers_share_the_frontier(redis_url, postgres_url, replica, ground_truth, tmp_path):
    import sqlalchemy

    name = "dist_" + os.urandom(4).hex()
    admin = sqlalchemy.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    db = postgres_url.rsplit("/", 1)[0] + "/" + name
    warc = tmp_path / "warc"
    result = run_govcrawl(
        "crawl", "--distributed", redis_url, "--workers", "2", "--proxy", replica.proxy_url,
        "--ca-file", replica.ca_path,
        "--db", db, "--warc-dir", str(warc), "--stats-json", str(tmp_path / "stats.json"), cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    # every report, once
    rows = [json.loads(l) for l in run_govcrawl("export", "--db", db, "--format", "jsonl").stdout.splitlines()]
    urls = Counter(r["url"] for r in rows)
    assert set(urls) == {r["url"] for r in ground_truth["reports"]}
    assert max(urls.values()) == 1

    # both workers worked, each into WARC files of its own, and no URL was fetched twice
    files = sorted(warc.glob("*.warc.gz"))
    assert {f.name.split("-")[3] for f in files} == {"w1", "w2"}
    fetched: Counter = Counter()
    for path in files:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "request":
                    method = record.http_headers.protocol
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    if not uri.endswith("/robots.txt"):  # each worker reads robots.txt itself
                        fetched[(method, uri)] += 1
    twice = {k: n for k, n in fetched.items() if n > 1 and k[0] == "GET"}
    assert twice == {}
    engine = sqlalchemy.create_engine(db)
    with engine.connect() as conn:
        assert conn.execute(sqlalchemy.text("select count(*), count(distinct url) from drops")).one()[0] == len(
            ground_truth["non_reports"]
        )
    engine.dispose()
