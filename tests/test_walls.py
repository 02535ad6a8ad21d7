"""JavaScript walls (瑞数 412 with ``$_ts``, 加速乐 521 with ``__jsl_clearance``, a 200 cookie-and-reload script): a
portal behind one is fetched through the browser, which runs the wall's script as any visitor's browser does; the
wall is still archived and counted. A wall the browser cannot pass blocks the portal, named in its health."""

from __future__ import annotations

import gzip

import pytest

from tests.platforms import crawl_portals, mismatches

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SPEC = {"platform": "trs", "slug": "wall_trs", "name": "北岭市统计局", "level": "department", "region": "北岭省北岭市",
        "host": "tjj.beiling.gov.cn", "unit": "市统计局", "we": "我局", "column": "/zwgk/zfxxgknb/", "pager": "0based",
        "per_page": 3, "layout": "flat", "metadata": "meta", "years": [2021, 2022, 2023], "start": "column"}


@pytest.mark.parametrize("mode", ["antibot_412", "jsl_521", "js_cookie_challenge"])
def test_a_portal_behind_a_javascript_wall_is_crawled_through_the_browser(tmp_path, mode):
    run = crawl_portals(tmp_path, [SPEC], faults={SPEC["host"]: (mode, {"solvable": True})})
    assert run["result"].returncode == 0, run["result"].stdout[-2000:] + run["result"].stderr[-3000:]
    assert mismatches(run) == [] and len(run["rows"]) == 3
    (health,) = run["stats"]["portals"]
    assert health["ok"] and any("passed through the browser" in w for w in health["warnings"]), health
    # the walls themselves are in the archive, as the site served them
    blob = b"".join(gzip.decompress(p.read_bytes()) for p in run["warc_dir"].glob("*.warc.gz"))
    marker = {"antibot_412": b"$_ts.nsd", "jsl_521": b"HTTP/1.1 521", "js_cookie_challenge": b"__jsl_clearance_s"}[mode]
    assert marker in blob


def test_a_wall_the_browser_cannot_pass_blocks_the_portal(tmp_path):
    run = crawl_portals(tmp_path, [SPEC], faults={SPEC["host"]: ("antibot_412", {})})
    assert run["result"].returncode == 1
    (health,) = run["stats"]["portals"]
    assert not health["ok"] and any("blocked by the site" in p for p in health["problems"]), health
    assert "the browser did not get through" in run["result"].stderr and run["rows"] == []
