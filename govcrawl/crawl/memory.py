"""The crawl process's memory: each page freed as soon as the crawl is done with it, and Python's cyclic garbage
collector kept from stalling the reactor.

Both were found at 200 portals (``benchmarks/scale.py --portals 200``): the collector took 25 s of the crawl
process's ~95 s of CPU, and a full collection stalled everything for ~260 ms about every 1.5 s.

* Scrapy's ``Selector`` keeps its response (``selector.response``) and a response caches its selector
  (``response._cached_selector``): every page a callback read with ``response.css``/``xpath`` was a reference cycle
  holding its body, its text and its lxml tree until the collector found it. ``ReleasePageMiddleware`` drops the
  cached selector once the callback's output is consumed: the page is freed by reference counting at once.
* Nearly every object of a request (its request, deferreds, coroutines, headers) lives for its download, 100 ms
  or more, so with CPython's default thresholds (700, 10, 10) they all outlived two young collections and were
  promoted to the oldest generation, whose collections walk every long-lived object (~400,000). ``collector()``
  raises the young generation's threshold for the crawl, so they die young, and freezes what start-up built
  (modules, settings) out of the collector's walks altogether; the crawlers of finished portals, left in the
  oldest generation, are collected every ``COLLECT_EVERY_PORTALS`` portals (``collection_due``).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any


def release_selector(response: Any) -> None:
    """Drop a response's cached selector (rebuilt on demand should anything ask for it again)."""
    if getattr(response, "_cached_selector", None) is not None:
        response._cached_selector = None


class ReleasePageMiddleware:
    """Spider middleware, nearest the engine (its ``process_spider_output`` sees the output last): once a callback's
    output has been consumed, or has failed, the response's selector is let go, breaking the response <-> selector
    reference cycle."""

    async def process_spider_output_async(self, response: Any, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        try:
            async for out in result:
                yield out
        finally:
            release_selector(response)

    def process_spider_output(self, response: Any, result: Iterable[Any]) -> Iterable[Any]:
        try:
            yield from result
        finally:
            release_selector(response)


def parse_thresholds(value: Any) -> tuple[int, ...]:
    """``"10000,10,10"`` (or a sequence) -> the collector's thresholds; empty: CPython's own, unchanged."""
    if value in (None, "", ()):
        return ()
    parts = value.split(",") if isinstance(value, str) else list(value)
    try:
        thresholds = tuple(int(str(p).strip()) for p in parts)
    except ValueError:
        raise ValueError(f"GOVCRAWL_GC_THRESHOLDS: integers separated by commas, not {value!r}") from None
    if not 1 <= len(thresholds) <= 3 or any(t < 0 for t in thresholds):
        raise ValueError(f"GOVCRAWL_GC_THRESHOLDS: one to three integers >= 0, not {value!r}")
    return thresholds


#: A full collection after this many portals have finished. A finished portal's crawler (its settings, engine,
#: downloader, connection pools: ~900 objects) is cyclic garbage in the oldest generation, which the thresholds
#: above leave uncollected for long: at full size (1,000 portals) the crawl process grew by 15 MB over the run. One
#: full collection (~0.15-0.25 s, start-up's objects frozen out of it) every 16 portals frees them.
COLLECT_EVERY_PORTALS = 16


def collection_due(finished: int, every: int = COLLECT_EVERY_PORTALS) -> bool:
    """Whether a full collection is due once ``finished`` portals have finished (never with ``every`` 0)."""
    return every > 0 and finished > 0 and finished % every == 0


@contextlib.contextmanager
def collector(thresholds: tuple[int, ...]) -> Iterator[None]:
    """For a crawl: what exists now (start-up's modules, settings, tables) is frozen out of the collector's walks and
    ``thresholds`` are set; both undone afterwards (a process may go on to other work, or run another crawl).
    Call it before the crawl's own objects exist: a frozen object is not collected until the crawl ends, so only
    start-up's belong there. No collection first: start-up's garbage is small (~1,500 objects), held until the crawl
    ends, where a collection would cost start-up 80 ms. No thresholds: nothing changes."""
    if not thresholds:
        yield
        return
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*thresholds)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()
