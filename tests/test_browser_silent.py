"""The browser asks nothing of anyone but the pages it renders: every request Chromium sends through the crawl's
proxy is for the portal's own host (no component updates, safe browsing, metrics or other background requests)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import run_govcrawl

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_chromium_asks_only_for_the_pages_it_renders(tmp_path):
    from govcrawl.replica.server import ReplicaServer

    with ReplicaServer(port=0) as server:
        result = run_govcrawl("crawl", "--portal", "hz_drc", "--proxy", server.proxy_url, "--ca-file", server.ca_path,
                              "--db", f"sqlite:///{tmp_path / 'b.sqlite3'}", "--warc-dir", str(tmp_path / "warc"),
                              cwd=tmp_path)
        hosts = {urlsplit(url if "//" in url else "//" + url).hostname for _, url in server.requests}
    assert result.returncode == 0, result.stderr[-3000:]
    assert hosts == {"drc.hangzhou.gov.cn"}, hosts
