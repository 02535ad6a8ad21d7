"""The benchmark's peer (benchmarks/bare_archiver.py): a bare Scrapy archiver on a tiny fast replica over 127.0.0.1.

Its WARC must pass ``warcio check`` and hold a request and a response record for every page the server counted
for it (by its own User-Agent), covering what govcrawl archives of these portals: robots.txt, the 政府信息公开 home,
the report column and every window of its list, every article and attachment, with the bytes the server sent.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parent.parent
PORTALS, ARTICLES = 3, 12


@pytest.fixture()
def replica():
    proc = subprocess.Popen([sys.executable, str(REPO / "benchmarks" / "fastreplica.py"), "--portals", str(PORTALS),
                             "--articles", str(ARTICLES), "--latency-ms", "5", "--host", "127.0.0.1", "--port", "0"],
                            stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        line = proc.stdout.readline()
        assert line, "fastreplica did not start"
        yield json.loads(line)["port"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def server_stats(port: int) -> dict:
    from benchmarks import fastreplica as F

    req = urllib.request.Request(f"http://127.0.0.1:{port}/stats", headers={"Host": F.CONTROL_HOST})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def test_bare_archiver_writes_a_valid_warc_of_every_page_it_fetched(replica, tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    from benchmarks import fastreplica as F

    port = replica
    run = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bare_archiver.py"), "--proxy",
                          f"http://127.0.0.1:{port}", "--portals", str(PORTALS), "--warc-dir", str(tmp_path)],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert run.returncode == 0, run.stderr[-3000:]
    own = json.loads([line for line in run.stdout.splitlines() if line.startswith("{")][-1])

    # the server counted its requests apart from govcrawl's and wget's, by its User-Agent
    clients = server_stats(port)["clients"]
    assert set(clients) == {"bare-archiver"}, clients
    served = clients["bare-archiver"]["requests"]
    assert served == own["pages"] and own["warc_bytes"] > 0 and own["cpu_s"] > 0 and own["peak_rss_mb"] > 0

    warc = tmp_path / "bare-archiver.warc.gz"
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", str(warc)],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout[-3000:]
    assert "digest pass" in check.stdout

    responses: dict[str, tuple] = {}  # record id -> (URL, status, payload)
    requests: dict[str, tuple] = {}  # concurrent-to id -> (URL, method)
    by_url: dict[str, list] = {}
    with open(warc, "rb") as fh:
        for rec in ArchiveIterator(fh):
            h = rec.rec_headers
            if h.get_header("WARC-Type") == "response":
                body = rec.content_stream().read()
                status = int(rec.http_headers.get_statuscode())
                responses[h.get_header("WARC-Record-ID")] = (h.get_header("WARC-Target-URI"), status, body)
            elif h.get_header("WARC-Type") == "request":
                method = rec.http_headers.protocol  # "GET /path HTTP/1.1": warcio puts the method first
                requests[h.get_header("WARC-Concurrent-To")] = (h.get_header("WARC-Target-URI"), method)
    # one response and one request record per page the server counted, paired by WARC-Concurrent-To
    assert len(responses) == len(requests) == served
    assert set(requests) == set(responses)
    for rid, (url, method) in requests.items():
        assert responses[rid][0] == url
        by_url.setdefault(url, []).append((method, *responses[rid][1:]))

    for i in range(PORTALS):
        p = F.Portal(i, ARTICLES)
        base = "http://" + p.site.host
        must = ["/robots.txt", p.site.xxgk_path, p.col_path, *(a.path for a in p.articles), *p.attach_paths]
        for path in must:
            assert base + path in by_url, f"not archived: {base + path}"
            method, status, body = by_url[base + path][0]
            assert method == "GET" and status == 200
            assert body == p.respond("GET", path, b"")[2], f"payload differs from the server's: {base + path}"
        # the list's further windows, POSTed as its jpage script pages it, each answered with records
        windows = [(u, v) for u, vs in by_url.items() for v in vs
                   if urlsplit(u).hostname == p.site.host and v[0] == "POST"]
        assert len(windows) == p.counts()["list_pages"] - 1
        assert all(v[1] == 200 and b"<record>" in v[2] for _, v in windows)
