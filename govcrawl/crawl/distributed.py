"""Distributed crawling on scrapy-redis: workers share one frontier and one dupefilter in Redis.

Every worker runs the same portals' spiders; their requests go to per-portal queues in Redis and
every request is fingerprinted in one shared set, so no URL is fetched twice across workers (list
pages included). Each worker writes its own WARC files (the worker is in their names) and the same
SQL database (PostgreSQL for real use); `govcrawl index` merges the CDXJ of all files.

A worker does not stop when its own queue runs dry while others still work: the scheduler records the
last moment any worker pushed or popped a request of a portal, and a portal's spider stays open until
that portal has been quiet for ``GOVCRAWL_DISTRIBUTED_GRACE`` seconds.
"""

from __future__ import annotations

import time
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy_redis.scheduler import Scheduler as RedisScheduler


def key_prefix(settings: Any) -> str:
    return f"govcrawl:{settings.get('GOVCRAWL_CRAWL_ID')}"


def apply(settings: Any, redis_url: str, worker: str) -> None:
    """Turn a crawl's settings into a worker's: Redis frontier and dupefilter, worker-named WARC files."""
    prefix = key_prefix(settings)
    settings.set("GOVCRAWL_DISTRIBUTED", redis_url, priority="cmdline")
    settings.set("GOVCRAWL_WORKER", worker, priority="cmdline")
    settings.set("REDIS_URL", redis_url, priority="cmdline")
    settings.set("SCHEDULER", "govcrawl.crawl.distributed.Scheduler", priority="cmdline")
    settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority="cmdline")
    settings.set("SCHEDULER_PERSIST", True, priority="cmdline")  # workers never clear what others share
    settings.set("SCHEDULER_QUEUE_KEY", prefix + ":%(spider)s:requests", priority="cmdline")
    # one dupefilter for every portal and channel: a report found by two spiders is fetched once
    settings.set("SCHEDULER_DUPEFILTER_KEY", prefix + ":dupefilter", priority="cmdline")
    settings.set("SCHEDULER_QUEUE_CLASS", "scrapy_redis.queue.PriorityQueue", priority="cmdline")
    # A portal's crawler holds no more requests than it may have open at its host: what it took from Redis
    # beyond that would wait in its own downloader while the other workers find the portal's queue empty.
    settings.set("CONCURRENT_REQUESTS", settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") or 2, priority="cmdline")
    extensions = dict(settings.getdict("EXTENSIONS"))
    extensions["govcrawl.crawl.distributed.StayWhileOthersWork"] = 500
    settings.set("EXTENSIONS", extensions, priority="cmdline")


class Scheduler(RedisScheduler):
    """scrapy-redis's scheduler, recording each portal's last activity for the idle rule."""

    def open(self, spider: Any) -> None:
        super().open(spider)
        self.activity_key = f"{key_prefix(spider.settings)}:{spider.name}:active"
        self._touch()

    def _touch(self) -> None:
        self.server.set(self.activity_key, repr(time.time()))

    def enqueue_request(self, request: Any) -> bool:
        queued = super().enqueue_request(request)
        if queued:
            self._touch()
        return queued

    def next_request(self) -> Any:
        request = super().next_request()
        if request is not None:
            self._touch()
        return request


class StayWhileOthersWork:
    """Keeps a worker's spider open while other workers are still busy with the same portal."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.grace = crawler.settings.getfloat("GOVCRAWL_DISTRIBUTED_GRACE", 5.0)
        self.poll = 0.2  # seconds between looks at an idle portal's shared queue
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "StayWhileOthersWork":
        if not crawler.settings.get("GOVCRAWL_DISTRIBUTED"):
            raise NotConfigured
        return cls(crawler)

    def spider_idle(self, spider: Any) -> None:
        slot = self.crawler.engine._slot
        scheduler = slot.scheduler  # the Redis scheduler of this crawler
        last = scheduler.server.get(scheduler.activity_key)
        if len(scheduler.queue) or (last is not None and time.time() - float(last) < self.grace):
            # Look at the shared queue again soon: Scrapy's own heartbeat (5 s) would leave this worker
            # idle while another one finds the portal's next pages.
            from twisted.internet import reactor

            reactor.callLater(self.poll, slot.nextcall.schedule)
            raise DontCloseSpider
