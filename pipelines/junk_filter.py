"""The junk filter: keeps spam mirrors and non-reports out of the reports, and records why.

Every page a spider offers is analysed (govcrawl.analysis); anything that is not an annual
report is written to the ``drops`` table with its reasons and score, then dropped. Nothing
disappears silently: the page itself is in the WARC archive, its drop in SQL.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from govcrawl.analysis.junk import JunkSettings, host_of, is_government_host
from govcrawl.analysis.neardup import shared_index
from govcrawl.crawl.guard import archived, record_route
from govcrawl.crawl.items import AttachmentItem, PageItem
from govcrawl.crawl.registry import default_registry
from govcrawl.crawl.workers import analyze_job, page_job, parse_workers, shared_pool
from govcrawl.store.store import crawler_store
from pipelines.metadata import store_failed


def registry_hosts(settings: Any) -> frozenset[str]:
    """The hosts of the registry's portals (not its discovery channels): a portal's own site is official."""
    registry = default_registry(settings.get("GOVCRAWL_PORTALS") or None)
    return frozenset(h for p in registry.all().values() if not p.is_channel for h in p.hosts if h)


class JunkFilterPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.junk_settings = JunkSettings(threshold=settings.getfloat("GOVCRAWL_JUNK_THRESHOLD", 3.0),
                                          official_hosts=registry_hosts(settings))
        self.near_duplicate_threshold = settings.getfloat("GOVCRAWL_NEAR_DUPLICATE_THRESHOLD", 0.8)
        self.near_duplicate_weight = settings.getfloat("GOVCRAWL_NEAR_DUPLICATE_WEIGHT", 3.0)
        # the analysis runs in the process's pool of workers (off the reactor), or here with 0/1 workers
        self.pool = shared_pool(parse_workers(settings.get("GOVCRAWL_ANALYSIS_WORKERS", "auto")))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "JunkFilterPipeline":
        return cls(crawler)

    async def process_item(self, item: PageItem | AttachmentItem) -> PageItem | AttachmentItem:
        if not archived(self.crawler, item):  # never a row for an exchange the WARC archive does not hold
            self.stats.inc_value("govcrawl/not_archived")
            raise DropItem(f"{item.url}: not archived (the WARC record could not be written); not stored")
        if isinstance(item, AttachmentItem):
            return item  # judged with the report that links it
        if item.payload_seen_before and item.payload_digest and not item.refresh_note:
            # the bytes of its report's latest capture (a revisit answered in full): confirmed, not analysed again
            confirmed, year = crawler_store(self.crawler).confirm_unchanged(
                item.url, item.payload_digest, {"etag": item.etag, "last_modified": item.last_modified})
            if confirmed:
                item.unchanged, item.unchanged_report_year = True, year
                self.stats.inc_value("govcrawl/analysis_skipped_unchanged")
                return item
        if self.pool.enabled:  # the worker also makes a report's near-duplicate signature and cells, off this process
            analysis, item.signature_made, item.signature, item.statistics_rows = await self.pool.run(
                page_job, item.body, item.url, item.content_type, self.junk_settings, stats=self.stats)
        else:  # here: the signature only if the store needs it (a new or changed report)
            analysis = await self.pool.run(analyze_job, item.body, item.url, item.content_type, self.junk_settings)
        item.analysis = analysis
        record_route(item, analysis)
        host = host_of(item.url)
        if analysis.kind != "other" and not (is_government_host(host) or host in self.junk_settings.official_hosts):
            self.check_near_duplicate(item, analysis)
        if analysis.kind == "annual_report":
            return item
        if crawler_store(self.crawler).accepted_by_hand(item.url):  # a person's verdict stands over the filter's
            analysis.classification_reasons = [
                f"accepted by hand (govcrawl accept); the junk filter would drop it as {analysis.kind}"
            ] + list(analysis.classification_reasons)
            analysis.kind = "annual_report"
            self.stats.inc_value("govcrawl/kept_accepted")
            return item
        reasons = analysis.junk_reasons if analysis.kind == "junk" else analysis.classification_reasons
        reasons = list(reasons) or [f"classified {analysis.kind}"]
        crawler_store(self.crawler).queue_drop(
            {
                "url": item.url,
                "portal": item.portal,
                "kind": analysis.kind,
                "title": analysis.title or item.listing_title,
                "reasons": reasons,
                "score": analysis.junk_score,
                "warc_filename": item.warc_filename,
                "warc_offset": item.warc_offset,
            },
            done=self.drop_stored(item.url),
        )
        self.stats.inc_value(f"govcrawl/dropped/{analysis.kind}")
        raise DropItem(f"{analysis.kind}: {'; '.join(reasons)}")

    def drop_stored(self, url: str) -> Any:
        def done(status: str | None, error: BaseException | None) -> None:
            if error is not None:
                store_failed(self.crawler, url, "drop", error)
        return done

    def check_near_duplicate(self, item: PageItem, analysis: Any) -> None:
        """A page off the government hosts that copies a report held from one is a spam mirror."""
        index = shared_index(crawler_store(self.crawler), self.near_duplicate_threshold)
        originals = index.originals(analysis.text, exclude=item.url)
        if not originals:
            return
        url, similarity = originals[0]
        analysis.junk_reasons = list(analysis.junk_reasons) + [f"near_duplicate: {url} (similarity {similarity:.2f})"]
        analysis.junk_score += self.near_duplicate_weight
        if analysis.junk_score >= self.junk_settings.threshold:
            analysis.kind = "junk"
