"""A fast replica of N Hanweb-jcms portals for the scale benchmark (asyncio + aiohttp).

Same markup as the bundled replica (``govcrawl.replica``: its templates, content and held-out portal
specs are imported, never copied), but generated from compact specs and rendered on demand, so one
process serves a thousand portals / 100,000 pages without building them up front.

Each portal (``spec(i)``) is an ordinary county jcms portal: 政府信息公开 home -> 法定主动公开内容 ->
the 政府信息公开年报 column (first list page embedded as ``<datastore>``, the rest through POST
``dataproxy.jsp``), its own reports 2014-2024 (national-template statistics tables from 2019), the
reports of its departments (the usual content of a county's 年报 column), a work plan and a news item,
and PDF attachments linked from some articles. Realistic proportions, per portal by default: ~85
articles, ~9 list pages, ~11 attachments, robots.txt and the 政府信息公开 home (about 106 responses).

Served by ``Host`` header and as an HTTP proxy (absolute-form request URIs), every answer after
``latency`` seconds. The control host ``bench.control`` answers ``/stats`` (requests, bytes, first
and last request time per client: ``wget``, ``bare-archiver`` or ``govcrawl`` by User-Agent) and ``/reset``.

    python benchmarks/fastreplica.py --portals 1000 --latency-ms 100 --port 8899
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import hashlib
import json
import os
import resource
import sys
import time
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from govcrawl.replica import breadth, http, router  # noqa: E402
from govcrawl.replica import templates as T  # noqa: E402
from govcrawl.replica.articles import IdSequence, SiteCfg, make_article  # noqa: E402

CONTROL_HOST = "bench.control"
CLIENTS = ("wget", "bare-archiver")  # counted apart by User-Agent; every other client counts as govcrawl
DEPARTMENTS = ("发展和改革局", "财政局", "教育局", "公安局", "民政局", "人力资源和社会保障局", "自然资源和规划局",
               "住房和城乡建设局", "交通运输局", "农业农村局", "商务局", "文化和广电旅游体育局", "卫生健康局",
               "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局", "司法局", "生态环境分局")
ROBOTS = b"User-agent: *\nDisallow: /module/search/\n"
DEFAULT_ARTICLES = 85
ATTACH_EVERY = 8  # one article in 8 links a PDF


def spec(i: int) -> dict:
    """The held-out spec of benchmark portal ``i`` (deterministic)."""
    return {"host": f"www.bm{i:04d}.gov.cn", "name": f"基准{i:04d}县人民政府", "colid": str(1229100000 + i * 50),
            "slug": f"bench_{i:04d}", "per_page": 10, "years": [2014, 2024], "start": "xxgk",
            "level": "county", "region": "浙江省"}


def site_of(i: int) -> SiteCfg:
    return breadth.make_site(breadth.heldout_spec(spec(i)))


def registry_toml(n: int) -> str:
    """A registry file naming portals 0..n-1 (for ``govcrawl crawl --portals FILE``)."""
    return "\n".join(breadth.registry_entry(s, s.xxgk_url) for s in map(site_of, range(n)))


def start_urls(n: int) -> list[str]:
    return [site_of(i).xxgk_url for i in range(n)]


class Portal:
    """One benchmark portal: its SiteCfg, its articles (newest first) and routes to them."""

    def __init__(self, i: int, articles: int = DEFAULT_ARTICLES) -> None:
        self.site = s = site_of(i)
        own = breadth.build_site_articles(s)
        reports = {a.report_year: a for a in own if a.is_report}
        ids = IdSequence(5_000_000 + breadth.stable_hash(s.host, "dept") % 4_000_000)
        arts = list(own)
        years = sorted(reports, reverse=True) or [2024]
        k = 0
        while len(arts) < articles:
            year = years[k % len(years)]
            dept = DEPARTMENTS[(k // len(years) + i) % len(DEPARTMENTS)]
            base = reports.get(year) or own[0]
            pub = f"{year + 1}-01-{1 + (k * 7 + i) % 28:02d} {9 + k % 8:02d}:{(k * 13) % 60:02d}"
            title = f"{s.unit}{dept}{year}年政府信息公开工作年度报告"
            arts.append(make_article(s, pub, ids(), title, body=base.body, block=base.block, report_year=year,
                              written_date=base.written_date, source=f"{s.unit}{dept}"))
            k += 1
        arts.sort(key=lambda a: a.pub, reverse=True)
        self.articles = arts
        self.by_path = {a.path: a for a in arts}
        self.attachments = {}
        for n, a in enumerate(arts):
            if n % ATTACH_EVERY == ATTACH_EVERY - 1:
                self.attachments[a.path] = f"/attach/0/{hashlib.md5(a.path.encode()).hexdigest()[:16]}.pdf"
        self.attach_paths = {v: k for k, v in self.attachments.items()}
        pg: dict = {}
        col_path = f"/col/col{s.colid}/index.html"
        router.Replica._xxgk_pages(s, pg, col_path)
        self.pages = {p: v[0] for p, v in pg.items()}
        self.pages["/"] = self.pages["/index.html"] = T.simple_page(
            s, s.name, [(s.xxgk_path, "政府信息公开"), ("/col/col1229000001/index.html", "要闻动态")])
        self.col_path = col_path
        self.lm = format_datetime(http.last_modified_of(max(a.pub for a in arts)), usegmt=True)

    def respond(self, method: str, target: str, body: bytes) -> tuple[int, str, bytes, str | None]:
        """(status, content type, body, Last-Modified)."""
        s = self.site
        parts = urlsplit(target)
        path = parts.path or "/"
        if path == "/robots.txt":
            return 200, "text/plain; charset=UTF-8", ROBOTS, self.lm
        art = self.by_path.get(path)
        if art is not None:
            html = T.article_page(s, art)
            att = self.attachments.get(path)
            if att:
                html = html.replace('\n    </div>\n    <div class="main-word">',
                                    f'\n<p>附件：<a href="{att}">{T.esc(art.title)}.pdf</a></p>\n    </div>\n'
                                    '    <div class="main-word">', 1)
            return 200, "text/html; charset=UTF-8", html.encode("utf-8"), format_datetime(http.last_modified_of(art.pub), usegmt=True)
        if path in self.attach_paths:
            return 200, "application/pdf", _pdf(self.by_path[self.attach_paths[path]].title), self.lm
        if path == self.col_path:
            html = T.jcms_column_page(s, self.articles, s.per_page, s.proxy_paths[0])
            return 200, "text/html; charset=UTF-8", html.encode("utf-8"), self.lm
        if path in s.proxy_paths:
            p = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            if body:
                p.update({k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()})
            try:
                per = max(int(p.get("perpage") or s.per_page), 1)
                start = int(p.get("startrecord") or 1)
                end = int(p.get("endrecord") or (start + per - 1))
            except ValueError:
                per, start, end = s.per_page, 1, s.per_page
            if p.get("columnid") != s.colid or p.get("webid") != s.webid:
                xml = "<datastore>\n<totalrecord>0</totalrecord>\n<totalpage>0</totalpage>\n<recordset>\n</recordset>\n</datastore>"
            else:
                xml = T.jcms_dataproxy_xml(s, self.articles, start, end, per, path)
            return 200, "text/xml; charset=UTF-8", xml.encode("utf-8"), None
        page = self.pages.get(path)
        if page is not None:
            return 200, "text/html; charset=UTF-8", page.encode("utf-8"), self.lm
        return 404, "text/html; charset=UTF-8", T.not_found(s).encode("utf-8"), None

    def counts(self) -> dict:
        return {"articles": len(self.articles), "attachments": len(self.attachments),
                "list_pages": -(-len(self.articles) // self.site.per_page), "navigation": 2 if self.site.nested else 1, "robots": 1}


@functools.lru_cache(maxsize=256)
def _pdf(title: str) -> bytes:
    return http.make_pdf(title)


def client_of(user_agent: str) -> str:
    """Whose request this is, by User-Agent: ``wget``, ``bare-archiver`` (benchmarks/bare_archiver.py) or ``govcrawl``."""
    ua = user_agent.lower()
    for client in CLIENTS:
        if ua.startswith(client):
            return client
    return "govcrawl"


class Stats:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.clients: dict[str, dict] = {}

    def add(self, client: str, status: int, nbytes: int) -> None:
        now = time.time()
        c = self.clients.get(client)
        if c is None:
            c = self.clients[client] = {"requests": 0, "bytes": 0, "first": now, "last": now, "status": {}}
        c["requests"] += 1
        c["bytes"] += nbytes
        c["last"] = now
        c["status"][str(status)] = c["status"].get(str(status), 0) + 1

    def snapshot(self) -> dict:
        ru = resource.getrusage(resource.RUSAGE_SELF)
        return {"clients": self.clients, "server_cpu_s": ru.ru_utime + ru.ru_stime,
                "server_maxrss_kb": ru.ru_maxrss, "time": time.time()}


class FastReplica:
    def __init__(self, portals: int, latency: float, articles: int = DEFAULT_ARTICLES) -> None:
        self.latency = latency
        self.by_host = {}
        for i in range(portals):
            p = Portal(i, articles)
            self.by_host[p.site.host] = p
        self.stats = Stats()

    def totals(self) -> dict:
        out: dict = {"portals": len(self.by_host)}
        for p in self.by_host.values():
            for k, v in p.counts().items():
                out[k] = out.get(k, 0) + v
        out["pages"] = sum(v for k, v in out.items() if k != "portals")
        return out

    async def handle(self, request):  # aiohttp.web.BaseRequest
        from aiohttp import web

        raw = request.raw_path
        if raw.lower().startswith("http://"):
            u = urlsplit(raw)
            host, target = (u.hostname or "").lower(), (u.path or "/") + (f"?{u.query}" if u.query else "")
        else:
            host, target = (request.headers.get("Host") or "").split(":")[0].lower(), raw
        if host == CONTROL_HOST:
            if target.startswith("/reset"):
                self.stats.reset()
            data = {**self.stats.snapshot(), "totals": self.totals(), "latency": self.latency}
            return web.Response(body=json.dumps(data).encode(), content_type="application/json")
        body = await request.read() if request.can_read_body else b""
        ua = request.headers.get("User-Agent", "")
        client = client_of(ua)
        portal = self.by_host.get(host)
        if self.latency:
            await asyncio.sleep(self.latency)
        if portal is None:
            status, ctype, data, lm = 502, "text/plain; charset=UTF-8", f"fastreplica: no such host {host}\n".encode(), None
        else:
            status, ctype, data, lm = portal.respond(request.method, target, body)
        headers = {"Server": "nginx", "Date": format_datetime(datetime.now(timezone.utc), usegmt=True),
                   "Content-Type": ctype}
        if lm:
            headers["Last-Modified"] = lm
        if status == 200 and lm:
            headers["ETag"] = '"' + hashlib.md5(data).hexdigest()[:16] + '"'
        self.stats.add(client, status, len(data))
        return web.Response(status=status, body=data, headers=headers)


async def serve(replica: FastReplica, host: str, port: int, ready=None) -> None:
    from aiohttp import web

    server = web.Server(replica.handle, access_log=None)
    srv = await asyncio.get_running_loop().create_server(server, host, port, backlog=4096)
    actual = srv.sockets[0].getsockname()[1]
    if ready:
        ready(actual)
    async with srv:
        await srv.serve_forever()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--portals", type=int, default=1000)
    ap.add_argument("--articles", type=int, default=DEFAULT_ARTICLES, help="articles per portal")
    ap.add_argument("--latency-ms", type=float, default=100.0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args(argv)
    t0 = time.time()
    replica = FastReplica(args.portals, args.latency_ms / 1000.0, args.articles)
    totals = replica.totals()

    def ready(port: int) -> None:
        print(json.dumps({"port": port, "build_s": round(time.time() - t0, 2), **totals}), flush=True)

    try:
        import uvloop  # type: ignore

        uvloop.install()
    except ImportError:
        pass
    try:
        asyncio.run(serve(replica, args.host, args.port, ready))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
