"""The framework's floor: what a bare Scrapy spider costs per page on the same replica, this machine.

    python benchmarks/scrapy_floor.py --proxy http://127.0.0.1:PORT --portals 20 [--parse]

Fetches every article, attachment and column page of the benchmark portals (``fastreplica``) through the
proxy with govcrawl's concurrency (per host 2, asyncio reactor) and does nothing with them -- or, with
``--parse``, builds each HTML page's lxml tree and reads its links, the least any crawler that follows
links does. No WARC, no SQL, no analysis. CPU is counted from the spider's opening (imports excluded).
Prints one JSON line: responses, wall, CPU seconds, CPU ms per response.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--portals", type=int, required=True)
    ap.add_argument("--articles", type=int, default=None)
    ap.add_argument("--parse", action="store_true", help="parse each HTML page and read its links")
    args = ap.parse_args(argv)

    import scrapy
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from benchmarks import fastreplica

    urls: list[str] = []
    for i in range(args.portals):
        p = fastreplica.Portal(i, **({"articles": args.articles} if args.articles else {}))
        base = "http://" + p.site.host
        urls += [base + p.col_path] + [base + a.path for a in p.articles] + [base + x for x in p.attach_paths]
    seen = {"responses": 0}
    mark: dict[str, float] = {}

    class Floor(scrapy.Spider):
        name = "floor"

        @classmethod
        def from_crawler(cls, crawler, *a, **kw):
            spider = super().from_crawler(crawler, *a, **kw)
            crawler.signals.connect(spider.opened, signals.spider_opened)
            return spider

        def opened(self, spider):
            mark.update(cpu=_cpu(), wall=time.time())

        async def start(self):
            for url in urls:
                yield scrapy.Request(url, meta={"proxy": args.proxy})

        def parse(self, response):
            seen["responses"] += 1
            if args.parse and isinstance(response, scrapy.http.HtmlResponse):
                response.css("a::attr(href)").getall()

    os.environ.pop("http_proxy", None)
    process = CrawlerProcess({
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor", "LOG_LEVEL": "ERROR",
        "CONCURRENT_REQUESTS": 10_000, "CONCURRENT_REQUESTS_PER_DOMAIN": int(os.environ.get("GOVCRAWL_PER_HOST_CONCURRENCY") or 2),
        "ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False, "COOKIES_ENABLED": False,
        "CONCURRENT_ITEMS": 1, "WARN_ON_GENERATOR_RETURN_VALUE": False, "USER_AGENT": "scrapy-floor",
    })
    process.crawl(Floor)
    process.start()
    cpu, wall = _cpu() - mark["cpu"], time.time() - mark["wall"]
    n = seen["responses"]
    print(json.dumps({"mode": "parse" if args.parse else "fetch", "responses": n, "wall_s": round(wall, 2),
                      "cpu_s": round(cpu, 2), "cpu_ms_per_page": round(1000 * cpu / n, 2) if n else None}))
    return 0 if n else 1


if __name__ == "__main__":
    sys.exit(main())
