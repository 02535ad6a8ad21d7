"""Scrapy settings for govcrawl: the one place configuration lives.

Every knob a user may turn reads an environment variable (``GOVCRAWL_*``); the CLI sets
those variables from its options, so `scrapy crawl SLUG` and `govcrawl crawl` behave alike.
"""

from __future__ import annotations

import os

from scrapy.settings import default_settings

from govcrawl import __version__


def env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


BOT_NAME = "govcrawl"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- govcrawl's own settings -------------------------------------------------------
# HTTP proxy every request goes through (the bundled replica, in the demo and tests).
GOVCRAWL_PROXY = env("GOVCRAWL_PROXY", "")
# Where reports and drops are stored (SQLAlchemy URL: SQLite by default, PostgreSQL by URL).
GOVCRAWL_DB_URL = env("GOVCRAWL_DB_URL", "sqlite:///govcrawl.sqlite3")
# Folder the WARC files are written to.
GOVCRAWL_WARC_DIR = env("GOVCRAWL_WARC_DIR", "warc_archive")
# A WARC file is closed and a new one opened past this many bytes.
GOVCRAWL_WARC_MAX_SIZE = int(env("GOVCRAWL_WARC_MAX_SIZE", str(1_000_000_000)))
# WARC dedup: "previous" (payloads archived by earlier crawls -> revisit records), "all", or "off".
GOVCRAWL_WARC_DEDUP = env("GOVCRAWL_WARC_DEDUP", "previous")
# Names the crawl in WARC file names and run records; the CLI sets one per run.
GOVCRAWL_CRAWL_ID = env("GOVCRAWL_CRAWL_ID", "")
# Debian's Chromium: Playwright cannot download its own browser here.
GOVCRAWL_CHROMIUM = env("GOVCRAWL_CHROMIUM", "/usr/bin/chromium")
# TLS: certificates are verified (chain and host name) against the system's CA store, as a browser does. A portal
# whose real certificate is broken is marked `tls_verify = false` in the registry; 0 here turns verification off for
# every portal (the health says so either way).
GOVCRAWL_TLS_VERIFY = env("GOVCRAWL_TLS_VERIFY", "1") not in ("0", "false", "no")
# A PEM file of the only CAs to trust instead of the system's: the replica's CA for replica crawls (`--ca-file`).
GOVCRAWL_CA_BUNDLE = env("GOVCRAWL_CA_BUNDLE", "")
# Worker processes for the page analysis and attachments' text (govcrawl/crawl/workers.py): "auto" = one per core;
# 0 or 1 = in the crawl process (no pool). The reactor never waits on the analysis; results are the same.
GOVCRAWL_ANALYSIS_WORKERS = env("GOVCRAWL_ANALYSIS_WORKERS", "auto")
# Largest attachment we archive (bytes).
GOVCRAWL_MAX_ATTACHMENT_SIZE = int(env("GOVCRAWL_MAX_ATTACHMENT_SIZE", str(50_000_000)))

# --- the junk filter ---------------------------------------------------------------
# A page is junk when its signals' weighted score reaches this (govcrawl/junk.py has the weights).
GOVCRAWL_JUNK_THRESHOLD = float(env("GOVCRAWL_JUNK_THRESHOLD", "3.0"))
# A page off the government hosts whose text is this similar (MinHash Jaccard) to a report held from a
# government host gets a near_duplicate signal of this weight.
GOVCRAWL_NEAR_DUPLICATE_THRESHOLD = float(env("GOVCRAWL_NEAR_DUPLICATE_THRESHOLD", "0.8"))
GOVCRAWL_NEAR_DUPLICATE_WEIGHT = float(env("GOVCRAWL_NEAR_DUPLICATE_WEIGHT", "3.0"))

# --- manners -----------------------------------------------------------------------
USER_AGENT = env(
    "GOVCRAWL_USER_AGENT",
    f"govcrawl/{__version__} (archival crawler of government information-disclosure reports)",
)
ROBOTSTXT_OBEY = env("GOVCRAWL_ROBOTSTXT_OBEY", "1") not in ("0", "false", "no")
CONCURRENT_REQUESTS = int(env("GOVCRAWL_CONCURRENT_REQUESTS", "16"))
CONCURRENT_REQUESTS_PER_DOMAIN = int(env("GOVCRAWL_PER_HOST_CONCURRENCY", "2"))
DOWNLOAD_DELAY = float(env("GOVCRAWL_DOWNLOAD_DELAY", "0"))
AUTOTHROTTLE_ENABLED = env("GOVCRAWL_AUTOTHROTTLE", "1") not in ("0", "false", "no")
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = float(CONCURRENT_REQUESTS_PER_DOMAIN)
DOWNLOAD_TIMEOUT = int(env("GOVCRAWL_DOWNLOAD_TIMEOUT", "60"))
DOWNLOAD_MAXSIZE = GOVCRAWL_MAX_ATTACHMENT_SIZE
RETRY_TIMES = int(env("GOVCRAWL_RETRY_TIMES", "2"))
# Scrapy's depth limit would cut list paging silently (each next page is one level deeper); our spiders
# bound themselves: discovery hops, the generic spider's max_depth, GOVCRAWL_MAX_LIST_PAGES.
DEPTH_LIMIT = int(env("GOVCRAWL_DEPTH_LIMIT", "0"))
COOKIES_ENABLED = False
# Items of one response go through the pipelines one after another: they are synchronous, and Scrapy's
# default (100) creates 100 asyncio tasks per response for nothing (6% of the CPU in a crawl's profile).
CONCURRENT_ITEMS = int(env("GOVCRAWL_CONCURRENT_ITEMS", "1"))
# Scrapy re-parses a callback's source (ast) on every response to warn about `return value` in generators:
# our callbacks are bound methods, whose cache entries die at once (1% of the CPU).
WARN_ON_GENERATOR_RETURN_VALUE = False
# No remote control of a crawl: neither Scrapy's telnet console nor its HTTP remote-control server (which
# would listen on a local port and leave job files with its token in the user's profile).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = env("GOVCRAWL_LOG_LEVEL", "INFO")
# Keep the requests' bytes comparable between runs and tools.
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9",
}

# --- the page path -----------------------------------------------------------------
# spider -> item -> junk filter -> metadata (SQL); WARC capture beside it for every response.
DOWNLOADER_MIDDLEWARES = {
    # downloads wait while the analysis workers' backlog is full (bounded memory over any number of portals)
    "govcrawl.crawl.workers.AnalysisBackpressure": 50,
    "govcrawl.crawl.middlewares.ProxyMiddleware": 740,  # before Scrapy's HttpProxyMiddleware (750)
    "govcrawl.crawl.middlewares.ConditionalRequestMiddleware": 760,
    # after decompression (HttpCompressionMiddleware, 590), before retries see the answer
    "govcrawl.crawl.middlewares.AntiBotMiddleware": 560,
    "govcrawl.crawl.middlewares.RedirectLoopMiddleware": 610,
    "govcrawl.crawl.middlewares.CharsetMiddleware": 580,
    "govcrawl.crawl.middlewares.LostPageMiddleware": 540,
    # what became of every article a listing named (sees failures after RetryMiddleware, 550, gave up)
    "govcrawl.crawl.ledger.ArticleLedger": 545,
    # meta refresh and JavaScript-redirect stubs, followed within the portal's hosts (before Scrapy's, off)
    "govcrawl.crawl.ledger.RefreshMiddleware": 585,
    "govcrawl.crawl.tls.NoRetryOnRejectedCertificate": 555,  # sees failures before RetryMiddleware (550)
}
METAREFRESH_ENABLED = False
# https with verified certificates (govcrawl/crawl/tls.py); Scrapy's own handler accepts any certificate.
DOWNLOAD_HANDLERS = {"https": "govcrawl.crawl.tls.HTTPSDownloadHandler"}
# Nearest the engine: a page's selector is let go once its callback's output is consumed (govcrawl/crawl/memory.py:
# Scrapy's response <-> selector reference cycle would keep every page's body and tree for the garbage collector).
SPIDER_MIDDLEWARES = {"govcrawl.crawl.memory.ReleasePageMiddleware": 1}
# Scrapy imports every extension named in its settings (even one set to None), so the two switched off above are
# left out of the base list: the remote control alone brings aiohttp, 80 ms of every crawl's start-up.
EXTENSIONS_BASE = {path: order for path, order in default_settings.EXTENSIONS_BASE.items()
                   if path.rsplit(".", 1)[-1] not in ("TelnetConsole", "RemoteControl")}
EXTENSIONS = {
    "pipelines.warc_capture.WarcCapture": 100,
    "govcrawl.crawl.progress.Progress": 900,
}
# A live progress line on interactive terminals (never when the output is a file or a pipe).
GOVCRAWL_PROGRESS = env("GOVCRAWL_PROGRESS", "1") not in ("0", "false", "no")
ITEM_PIPELINES = {
    "pipelines.junk_filter.JunkFilterPipeline": 100,
    "pipelines.metadata.MetadataPipeline": 200,
}

# --- browser (scrapy-playwright), only for spiders whose listing needs JavaScript ---
# Spiders that need it set DOWNLOAD_HANDLERS in their custom_settings (see govcrawl.platforms),
# so plain crawls never start a browser.
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 1000 * float(env("GOVCRAWL_BROWSER_NAVIGATION_TIMEOUT_S", "30"))
# Seconds a browser download may run past the timeouts of its navigation and page methods (and closing the browser
# at a crawl's end may take) before it is given up as stuck (govcrawl/crawl/browser.py).
GOVCRAWL_BROWSER_GRACE_S = float(env("GOVCRAWL_BROWSER_GRACE_S", "30"))
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_FORMATTER = "govcrawl.crawl.logformatter.GovcrawlLogFormatter"

# --- the registry and the years a crawl covers -------------------------------------------------
# Registry files (os.pathsep-separated); empty: the shipped govcrawl/portals.toml.
GOVCRAWL_PORTALS = env("GOVCRAWL_PORTALS", "")
SPIDER_LOADER_CLASS = "govcrawl.crawl.spiderloader.RegistrySpiderLoader"
# A backfill covers report years GOVCRAWL_YEAR_FROM..GOVCRAWL_YEAR_TO (empty: every year).
GOVCRAWL_YEAR_FROM = env("GOVCRAWL_YEAR_FROM", "")
GOVCRAWL_YEAR_TO = env("GOVCRAWL_YEAR_TO", "")
# Portals crawled at once in one process (a sliding window; memory grows ~2.5 MB per portal open at once).
# 0: all of them together.
GOVCRAWL_PARALLEL_PORTALS = int(env("GOVCRAWL_PARALLEL_PORTALS", "64"))
# Reports, drops and attachments written per database transaction (govcrawl/store/writes.py; also within a
# second). 1: each page at once. A kill loses at most the rows of one batch and of the few handed to the writer thread
# and not yet written (govcrawl/store/writes.py's WRITER_QUEUE): their pages are in the WARC archive, fetched again.
GOVCRAWL_DB_BATCH = int(env("GOVCRAWL_DB_BATCH", "64"))
# 1 (the default): the batches written on a thread of their own, the reactor going on meanwhile (faster on a
# CPU-bound crawl); 0: on the reactor's thread. (The CI hang once blamed on it was scrapy-playwright's: see
# govcrawl/crawl/browser.py.)
GOVCRAWL_DB_WRITER_THREAD = env("GOVCRAWL_DB_WRITER_THREAD", "1") not in ("0", "false", "no")
# Python's garbage-collector thresholds during a crawl (young generation, then the two older ones), start-up's objects
# frozen out of its walks (govcrawl/crawl/memory.py). CPython's 700,10,10 promoted every request's objects to the
# oldest generation and spent a quarter of the crawl process's CPU collecting; empty: CPython's own, nothing frozen.
GOVCRAWL_GC_THRESHOLDS = env("GOVCRAWL_GC_THRESHOLDS", "10000,10,10")
# Bound on list pages per portal and crawl (pagination and calendar traps).
GOVCRAWL_MAX_LIST_PAGES = int(env("GOVCRAWL_MAX_LIST_PAGES", "500"))
# Incremental (nightly) crawls: conditional requests for archived reports, paging stops at known pages.
GOVCRAWL_INCREMENTAL = env("GOVCRAWL_INCREMENTAL", "0") not in ("0", "false", "no")
# The nightly's revisit policy (govcrawl/crawl/revisit.py): known pages are asked again only when due. A report
# published (or last changed) within NEW_DAYS is asked every MIN_DAYS; older ones every AGE_FACTOR x their age,
# each change seen before dividing that by CHANGE_FACTOR; every known page at least once per MAX_DAYS (the full
# re-check period). SPREAD shortens long intervals by up to that share, per URL, so that pages found together
# do not all fall due on one night. A registry entry may set revisit_min_days / revisit_max_days / revisit_new_days.
GOVCRAWL_REVISIT_MIN_DAYS = env("GOVCRAWL_REVISIT_MIN_DAYS", "1")
GOVCRAWL_REVISIT_MAX_DAYS = env("GOVCRAWL_REVISIT_MAX_DAYS", "30")
GOVCRAWL_REVISIT_NEW_DAYS = env("GOVCRAWL_REVISIT_NEW_DAYS", "28")
GOVCRAWL_REVISIT_AGE_FACTOR = env("GOVCRAWL_REVISIT_AGE_FACTOR", "0.1")
GOVCRAWL_REVISIT_CHANGE_FACTOR = env("GOVCRAWL_REVISIT_CHANGE_FACTOR", "2")
GOVCRAWL_REVISIT_SPREAD = env("GOVCRAWL_REVISIT_SPREAD", "0.25")
# Every known page is due tonight (a full conditional pass; `govcrawl nightly --recheck-all`).
GOVCRAWL_RECHECK_ALL = env("GOVCRAWL_RECHECK_ALL", "0") not in ("0", "false", "no")
