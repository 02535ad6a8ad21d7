"""The peer: a bare Scrapy archiver -- a plain spider writing WARC through warcio, nothing else.

    python benchmarks/bare_archiver.py --proxy http://127.0.0.1:PORT --portals 20 --warc-dir /tmp/peer

What someone would run instead of govcrawl to archive the same portals: it crawls the benchmark portals' start
URLs (``fastreplica.start_urls``: each portal's 政府信息公开 home, as govcrawl's registry and wget start) recursively
within each portal's host, and writes every exchange as a WARC ``request`` and ``response`` record (warcio, one
gzip member per record, one file), captured on Scrapy's ``response_downloaded`` signal with the body as the server
sent it (robots.txt, 404s and PDFs included). No page analysis, no SQL, no deduplication.

Links: an HTML page's ``<a href>`` (Scrapy's selector: a parse per page, the least any link-following crawler does)
and the records of a jcms ``<datastore>`` list (its ``<a href>`` are in CDATA, out of the parser's sight); a column
whose ``$.jpage({...})`` script declares more records than it embeds is paged as its script would page it (POST to
its ``proxyUrl`` for every window of ``perPage`` records up to ``totalRecord``). Without that no generic crawler
reaches 75 of a portal's 85 articles, and the peer would archive a different, smaller site than govcrawl does.

Concurrency and manners are govcrawl's own (read from ``govcrawl/crawl/settings.py``, so from the same
``GOVCRAWL_*`` variables): per-host concurrency, AutoThrottle (start delay, target concurrency), robots.txt,
retries, timeouts, the asyncio reactor, the request headers. govcrawl crawls ``GOVCRAWL_PARALLEL_PORTALS`` portals
at once, one crawler each; this single crawler holds at most that many portals x per-host requests at once
(``CONCURRENT_REQUESTS``), so both share one politeness limit.

Prints one JSON line: pages (responses downloaded), records, wall seconds and CPU seconds (from the spider's
opening to its close: imports excluded; ``scale.py`` measures the whole process with ``wait4``), peak RSS, WARC bytes.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import resource
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

USER_AGENT = "bare-archiver/1.0 (Scrapy + warcio; govcrawl benchmark peer)"

RECORD_HREF = re.compile(r"<record>\s*<!\[CDATA\[.*?<a\s[^>]*?href\s*=\s*[\"']([^\"']+)[\"']", re.S | re.I)
JPAGE_CALL = re.compile(r"\$\.jpage\(\{(.*?)\}\)", re.S)
JPAGE_PARAM = re.compile(r"(\w+)\s*:\s*(?:'([^']*)'|\"([^\"]*)\"|(\d+))")
# the parameters jpage.js sends with every window (besides startrecord, endrecord, perpage)
JPAGE_FORM = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname", "permissiontype")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def same_host_links(base: str, hrefs: list[str]) -> list[str]:
    """Absolute http(s) URLs of ``hrefs`` on ``base``'s host, fragments dropped (the crawl's scope)."""
    host = urlsplit(base).hostname
    out = []
    for href in hrefs:
        href = href.strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        url = urljoin(base, href).split("#", 1)[0]
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.hostname == host:
            out.append(url)
    return out


def jpage_windows(base: str, text: str) -> list[tuple[str, dict[str, str]]]:
    """(URL, form) of every window a page's ``$.jpage({...})`` list would ask beyond the records it embeds."""
    out = []
    for call in JPAGE_CALL.finditer(text):
        params = {m.group(1): next(g for g in m.groups()[1:] if g is not None) for m in JPAGE_PARAM.finditer(call.group(1))}
        try:
            per, total = int(params.get("perPage") or 0), int(params.get("totalRecord") or 0)
        except ValueError:
            continue
        proxy = params.get("proxyUrl")
        if not proxy or per <= 0:
            continue
        form = {k: params[k] for k in JPAGE_FORM if k in params}
        for start in range(per + 1, total + 1, per):
            query = urlencode({"startrecord": start, "endrecord": min(start + per - 1, total), "perpage": per})
            out.append((urljoin(base, proxy) + "?" + query, form))
    return out


class WarcSink:
    """Request + response records of every exchange, appended to one gzip WARC file (one member per record)."""

    def __init__(self, path: Path, info: dict[str, str]) -> None:
        from warcio.warcwriter import WARCWriter

        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.fh = open(path, "wb")
        self.writer = WARCWriter(self.fh, gzip=True)
        self.writer.write_record(self.writer.create_warcinfo_record(path.name, info))
        self.records = 0

    def write(self, response, request) -> None:
        from warcio.statusandheaders import StatusAndHeaders

        url = response.url
        parts = urlsplit(url)
        protocol = response.protocol or "HTTP/1.1"
        resp_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, vs in response.headers.items() for v in vs]
        status = f"{response.status} {_reason(response.status)}"
        record = self.writer.create_warc_record(
            url, "response", payload=io.BytesIO(response.body), length=len(response.body),
            http_headers=StatusAndHeaders(status, resp_headers, protocol=protocol))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req_headers = [("Host", parts.netloc)] + [
            (k.decode("latin-1"), v.decode("latin-1")) for k, vs in request.headers.items() for v in vs]
        body = request.body or b""
        req = self.writer.create_warc_record(
            url, "request", payload=io.BytesIO(body), length=len(body),
            http_headers=StatusAndHeaders(f"{request.method} {target} {protocol}", req_headers, is_http_request=True),
            warc_headers_dict={"WARC-Concurrent-To": record.rec_headers.get_header("WARC-Record-ID")})
        self.writer.write_record(record)
        self.writer.write_record(req)
        self.records += 2

    def close(self) -> int:
        self.fh.close()
        return self.path.stat().st_size


def _reason(status: int) -> str:
    import http

    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def crawl_settings(portals: int, user_agent: str) -> dict:
    """govcrawl's concurrency and manners (govcrawl/crawl/settings.py, the same environment), for one crawler."""
    from govcrawl.crawl import settings as g

    window = g.GOVCRAWL_PARALLEL_PORTALS or portals
    names = ("ROBOTSTXT_OBEY", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED",
             "AUTOTHROTTLE_START_DELAY", "AUTOTHROTTLE_MAX_DELAY", "AUTOTHROTTLE_TARGET_CONCURRENCY",
             "DOWNLOAD_TIMEOUT", "DOWNLOAD_MAXSIZE", "RETRY_TIMES", "DEPTH_LIMIT", "COOKIES_ENABLED",
             "CONCURRENT_ITEMS", "WARN_ON_GENERATOR_RETURN_VALUE", "TELNETCONSOLE_ENABLED", "DEFAULT_REQUEST_HEADERS",
             "TWISTED_REACTOR")
    out = {name: getattr(g, name) for name in names}
    out.update({
        # govcrawl: up to GOVCRAWL_PARALLEL_PORTALS crawlers at once, each holding <= per-host requests to its host
        "CONCURRENT_REQUESTS": min(window, portals) * g.CONCURRENT_REQUESTS_PER_DOMAIN,
        "USER_AGENT": user_agent,
        "LOG_LEVEL": "ERROR",
        "DOWNLOADER_MIDDLEWARES": {ProxyMiddleware: 740},  # before Scrapy's HttpProxyMiddleware (750)
    })
    return out


class ProxyMiddleware:
    """Every request (robots.txt's too) through the benchmark's proxy, as govcrawl's ``--proxy`` does."""

    proxy = ""

    def process_request(self, request, spider=None):
        if self.proxy:
            request.meta.setdefault("proxy", self.proxy)
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--proxy", required=True, help="the fast replica (http://127.0.0.1:PORT)")
    ap.add_argument("--portals", type=int, required=True, help="crawl the start URLs of portals 0..N-1")
    ap.add_argument("--warc-dir", required=True, help="folder of the WARC file (bare-archiver.warc.gz)")
    ap.add_argument("--user-agent", default=USER_AGENT, help="the server counts pages per User-Agent")
    args = ap.parse_args(argv)

    import scrapy
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.http import HtmlResponse, TextResponse

    from benchmarks import fastreplica

    starts = fastreplica.start_urls(args.portals)
    warc_path = Path(args.warc_dir) / "bare-archiver.warc.gz"
    settings = crawl_settings(args.portals, args.user_agent)
    sink = WarcSink(warc_path, {"software": "bare-archiver (Scrapy + warcio)", "http-header-user-agent": args.user_agent,
                                "robots": "obey" if settings["ROBOTSTXT_OBEY"] else "ignore",
                                "description": f"govcrawl benchmark peer: {args.portals} portals via {args.proxy}"})
    seen = {"responses": 0}
    mark: dict[str, float] = {}
    ProxyMiddleware.proxy = args.proxy

    class BareArchiver(scrapy.Spider):
        name = "bare_archiver"

        @classmethod
        def from_crawler(cls, crawler, *a, **kw):
            spider = super().from_crawler(crawler, *a, **kw)
            crawler.signals.connect(spider.opened, signals.spider_opened)
            crawler.signals.connect(spider.capture, signals.response_downloaded)
            crawler.signals.connect(spider.closed_, signals.spider_closed)
            return spider

        def opened(self, spider):
            mark.update(cpu=_cpu(), wall=time.time())

        def closed_(self, spider, reason):
            mark.update(cpu_end=_cpu(), wall_end=time.time())

        def capture(self, response, request, spider):
            seen["responses"] += 1
            sink.write(response, request)

        async def start(self):
            for url in starts:
                yield scrapy.Request(url)

        def parse(self, response):
            if not isinstance(response, TextResponse):
                return  # PDFs and other binaries: archived, no links
            text = response.text
            hrefs = response.css("a::attr(href)").getall() if isinstance(response, HtmlResponse) else []
            if "<datastore" in text:
                hrefs += RECORD_HREF.findall(text)
            for url in same_host_links(response.url, hrefs):
                yield scrapy.Request(url)
            if "$.jpage(" in text:
                for url, form in jpage_windows(response.url, text):
                    yield scrapy.FormRequest(url, formdata=form, headers={"Referer": response.url})

    os.environ.pop("http_proxy", None)
    process = CrawlerProcess(settings)
    process.crawl(BareArchiver)
    process.start()
    warc_bytes = sink.close()
    n = seen["responses"]
    cpu = mark.get("cpu_end", _cpu()) - mark.get("cpu", 0.0)
    wall = mark.get("wall_end", time.time()) - mark.get("wall", time.time())
    print(json.dumps({"pages": n, "records": sink.records, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                      "cpu_ms_per_page": round(1000 * cpu / n, 2) if n else None,
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "warc_bytes": warc_bytes, "warc": str(warc_path),
                      "concurrent_requests": settings["CONCURRENT_REQUESTS"],
                      "per_host": settings["CONCURRENT_REQUESTS_PER_DOMAIN"]}))
    return 0 if n else 1


if __name__ == "__main__":
    sys.exit(main())
