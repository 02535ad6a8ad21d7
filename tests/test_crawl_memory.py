"""The crawl process's memory (govcrawl/crawl/memory.py): a page is freed by reference counting once its callback's
output is consumed -- not left in Scrapy's response <-> selector cycle for the garbage collector -- and the collector's
crawl-time thresholds and frozen start-up objects are set for a crawl and undone after it."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import weakref

import pytest
from scrapy.http import HtmlResponse

from govcrawl.crawl.memory import (
    ReleasePageMiddleware,
    collection_due,
    collector,
    parse_thresholds,
)
from tests.conftest import run_python

PAGE = ("<html><body>" + "".join(f'<a href="/art/{i}.html">第{i}篇</a>' for i in range(50)) + "</body></html>").encode()


@contextlib.contextmanager
def _no_collector():
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _callback(response):
    for href in response.css("a::attr(href)").getall():  # the selector is made and cached on the response
        yield response.urljoin(href)


def test_scrapy_keeps_a_page_read_with_css_in_a_reference_cycle():
    """Why the middleware exists: without it, a page read with ``response.css`` outlives its last reference."""
    with _no_collector():
        response = HtmlResponse("http://www.example.gov.cn/list.html", body=PAGE, encoding="utf-8")
        assert len(list(_callback(response))) == 50
        alive = weakref.ref(response)
        del response
        assert alive() is not None  # only the cyclic collector would free it
    gc.collect()
    assert alive() is None


def test_a_page_is_freed_once_its_callbacks_output_is_consumed():
    with _no_collector():
        response = HtmlResponse("http://www.example.gov.cn/list.html", body=PAGE, encoding="utf-8")
        out = list(ReleasePageMiddleware().process_spider_output(response, _callback(response)))
        assert len(out) == 50 and out[0] == "http://www.example.gov.cn/art/0.html"
        assert response._cached_selector is None
        assert response.css("a")  # asked again, the selector is rebuilt
        list(ReleasePageMiddleware().process_spider_output(response, iter(())))
        alive = weakref.ref(response)
        del response
        assert alive() is None  # freed by reference counting, the collector off


def test_a_page_is_freed_by_the_async_path_and_let_go_when_its_callback_fails():
    async def output(response, fail):
        for url in _callback(response):
            yield url
        if fail:
            raise RuntimeError("broken selector")

    async def consume(response, fail):
        return [x async for x in ReleasePageMiddleware().process_spider_output_async(response, output(response, fail))]

    with _no_collector():
        response = HtmlResponse("http://www.example.gov.cn/list.html", body=PAGE, encoding="utf-8")
        assert len(asyncio.run(consume(response, False))) == 50
        assert response._cached_selector is None
        alive = weakref.ref(response)
        del response
        assert alive() is None
    # a failing callback: its page let go all the same (the exception's traceback holds the page until it is gone)
    response = HtmlResponse("http://www.example.gov.cn/list.html", body=PAGE, encoding="utf-8")
    with pytest.raises(RuntimeError, match="broken selector"):
        asyncio.run(consume(response, True))
    assert response._cached_selector is None


def test_the_middleware_is_in_every_crawl_nearest_the_engine():
    from scrapy.settings import Settings

    from govcrawl.crawl import settings as crawl_settings

    middlewares = Settings(crawl_settings.__dict__).getwithbase("SPIDER_MIDDLEWARES")
    ours = middlewares["govcrawl.crawl.memory.ReleasePageMiddleware"]
    assert ours == min(order for order in middlewares.values() if order is not None)


def test_the_collector_is_set_for_the_crawl_and_undone_after_it():
    before = gc.get_threshold()
    with collector((10000, 10, 10)):
        assert gc.get_threshold() == (10000, 10, 10)
        assert gc.get_freeze_count() > 0  # start-up's objects, out of the collector's walks
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    with pytest.raises(KeyboardInterrupt), collector((5000,)):
        raise KeyboardInterrupt
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    with collector(()):  # none given: CPython's own
        assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_thresholds_are_read_or_refused_clearly():
    assert parse_thresholds("10000,10,10") == (10000, 10, 10)
    assert parse_thresholds(" 2000 ") == (2000,)
    assert parse_thresholds("") == () and parse_thresholds(None) == ()
    for bad in ("ten", "1,2,3,4", "-1", "10,,10"):
        with pytest.raises(ValueError, match="GOVCRAWL_GC_THRESHOLDS"):
            parse_thresholds(bad)


def test_a_full_collection_is_due_every_so_many_finished_portals():
    assert [collection_due(n, every=3) for n in range(1, 8)] == [False, False, True, False, False, True, False]
    assert not any(collection_due(n, every=0) for n in range(1, 6))  # 0: never


def test_the_collection_frees_what_the_crawl_left_in_cycles():
    class Crawler:  # a finished crawler: cyclic garbage, in the oldest generation
        pass

    with collector((10000, 10, 10)):
        crawler = Crawler()
        crawler.engine = {"crawler": crawler, "body": b"x" * 1024}
        gone = weakref.ref(crawler)
        gc.collect()  # promoted to the oldest generation, as a crawler living for its portal's crawl is
        del crawler
        assert gone() is not None
        assert gc.collect() >= 2 and gone() is None


def test_the_command_line_exits_with_its_status_and_its_objects_frozen():
    """``python -m govcrawl``: the command's status is the process's, and by the time the exit handlers run the
    objects it left are frozen (the interpreter's collections at exit would walk them all: 0.3 s after a crawl)."""
    script = ("import atexit, gc\n"
              "from govcrawl import cli\n"
              "cli.main = lambda: 3\n"
              "atexit.register(lambda: print('frozen' if gc.get_freeze_count() > 0 else 'walked', flush=True))\n"
              "import govcrawl.__main__\n")
    result = run_python(script)
    assert result.returncode == 3, result.stderr
    assert result.stdout.strip() == "frozen"
