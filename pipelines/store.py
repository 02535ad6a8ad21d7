"""The pipelines' shared database handle: one Store per crawler, opened lazily."""

from __future__ import annotations

from scrapy.crawler import Crawler

from govcrawl.storage import Store

_STORES: dict[int, Store] = {}


def store_for(crawler: Crawler) -> Store:
    key = id(crawler)
    if key not in _STORES:
        _STORES[key] = Store(crawler.settings.get("GOVCRAWL_DB_URL"))
    return _STORES[key]


def close_store(crawler: Crawler) -> None:
    store = _STORES.pop(id(crawler), None)
    if store is not None:
        store.close()
