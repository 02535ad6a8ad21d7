"""A live progress line for interactive runs: pages, reports and errors per portal.

Only when standard error is a terminal; otherwise Scrapy's plain log lines (and the stats JSON)
are what a scheduler or a log collector reads.
"""

from __future__ import annotations

import sys
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

_CRAWLERS: dict[str, Crawler] = {}
_LOOP: task.LoopingCall | None = None


def _line() -> str:
    parts = []
    for slug, crawler in _CRAWLERS.items():
        stats = crawler.stats.get_stats()
        parts.append(
            f"{slug} {stats.get('downloader/response_count', 0)}p "
            f"{stats.get('item_scraped_count', 0)}r {stats.get('log_count/ERROR', 0)}e"
        )
    return " | ".join(parts)


def _draw() -> None:
    # carriage return + erase to the end of the line, then the current figures
    sys.stderr.write("\r\033[K" + _line()[:160])
    sys.stderr.flush()


class Progress:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "Progress":
        if not crawler.settings.getbool("GOVCRAWL_PROGRESS") or not sys.stderr.isatty():
            raise NotConfigured
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        global _LOOP
        _CRAWLERS[spider.name] = self.crawler
        if _LOOP is None:
            _LOOP = task.LoopingCall(_draw)
            _LOOP.start(1.0, now=False)

    def spider_closed(self, spider: Any) -> None:
        global _LOOP
        _draw()
        _CRAWLERS.pop(spider.name, None)
        if not _CRAWLERS and _LOOP is not None:
            _LOOP.stop()
            _LOOP = None
            sys.stderr.write("\n")
