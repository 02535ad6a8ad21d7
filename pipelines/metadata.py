"""The metadata pipeline: writes each annual report's metadata and WARC location to SQL.

Rows are queued and written in batches (``govcrawl/store/writes.py``): at 64 pages, every second, and when the
spider closes; how each report was stored (new, changed, unchanged) is counted once its batch is written."""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from twisted.internet.task import LoopingCall

from govcrawl.analysis.junk import host_of, is_government_host
from govcrawl.analysis.neardup import signature_record
from govcrawl.analysis.statistics import long_rows
from govcrawl.crawl.items import AttachmentItem, PageItem
from govcrawl.crawl.workers import attachment_job, parse_workers, shared_pool
from govcrawl.store.store import close_crawler_store, crawler_store
from govcrawl.store.writes import MAX_DELAY_S

# where a field came from when the page itself printed it (a label, a header line, a meta tag); anything else was
# derived (a publisher from the reporting body or the signature, a written date from the closing signature)
PRINTED_SOURCES = frozenset({"table", "header", "meta"})
LISTING_FIELDS = ("index_no", "publisher", "written_date", "published_date", "doc_no")


def store_failed(crawler: Crawler, url: str, what: str, error: BaseException) -> None:
    """A row that could not be written: counted (the portal's health fails) and logged with its URL; the page
    itself is in the WARC archive."""
    crawler.stats.inc_value("govcrawl/store_failed")
    crawler.spider.logger.error("%s: its %s row could not be written to the database (%s: %s); the page is in "
                                "the WARC archive", url, what, type(error).__name__, error)


def fill_from_listing(record: dict, listing_meta: dict) -> dict:
    """The report fields a platform's list API gives (gkmlpt's identifier, publisher, date, document_number) fill
    what the page does not print: an empty field, or one the analysis only derived. Printed fields come first.
    Each field filled is recorded with the source "listing". Returns ``record`` (changed in place)."""
    sources = record.setdefault("sources", {})
    for field in LISTING_FIELDS:
        value = listing_meta.get(field)
        if not value:
            continue
        if record.get(field) is None or sources.get(field) not in PRINTED_SOURCES:
            record[field] = value
            sources[field] = "listing"
    return record


class MetadataPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        first, last = crawler.settings.get("GOVCRAWL_YEAR_FROM"), crawler.settings.get("GOVCRAWL_YEAR_TO")
        self.years = (int(first), int(last or first)) if first else None
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)
        # attachments' text (PDF, Word, ...) is read in the process's pool of workers, as the page analysis
        self.pool = shared_pool(parse_workers(crawler.settings.get("GOVCRAWL_ANALYSIS_WORKERS", "auto")))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "MetadataPipeline":
        return cls(crawler)

    def open_spider(self) -> None:
        # the rows of a quiet spell are written within MAX_DELAY_S too, not when the next page comes
        self._flusher = LoopingCall(self.flush, wait=False)
        self._flusher.start(MAX_DELAY_S, now=False)

    def close_spider(self) -> None:
        if getattr(self, "_flusher", None) is not None and self._flusher.running:
            self._flusher.stop()
        self.flush()

    def flush(self, wait: bool = True) -> None:
        """Write the queued rows; every second (``wait=False``) only hand over those of a quiet spell, and count
        what is written, without waiting for the database."""
        try:
            store = crawler_store(self.crawler)
            if wait:
                store.flush()
            else:
                store.tick()
        except Exception:  # every queued page's failure is reported by its own callback; never stop the loop
            self.crawler.spider.logger.exception("writing queued rows to the database failed")

    async def process_item(self, item: PageItem | AttachmentItem) -> PageItem | AttachmentItem:
        if isinstance(item, AttachmentItem):
            text, note = await self.pool.run(attachment_job, item.body, item.url, item.content_type, stats=self.stats)
            return self.save_attachment(item, text, note)
        a = item.analysis
        years = self.years
        year = item.unchanged_report_year if item.unchanged else a.report_year
        if years and not (year and years[0] <= year <= years[1]):
            # A backfill stores only the years asked for; the page itself is in the WARC archive.
            self.stats.inc_value("govcrawl/reports_outside_years")
            raise DropItem(f"report year {year} outside the backfill's {years[0]}-{years[1]}")
        if item.unchanged:  # confirmed by the junk filter: its row is as it was
            self.stats.inc_value("govcrawl/reports_unchanged")
            return item
        stats = a.statistics
        # kept with the report (same transaction) so later copies of it on other hosts are recognised
        # (made with the analysis, in its worker; else here, only if the store needs it)
        signature = None
        if item.signature_made:
            signature = (lambda: item.signature)
        elif is_government_host(host_of(item.url)):
            signature = (lambda: signature_record(a.text))
        record = {
            "url": item.url,
            "portal": item.portal,
            "title": a.title or item.listing_title,
            "report_year": a.report_year,
            "index_no": a.index_no,
            "publisher": a.publisher,
            # a report in a portal's per-unit tree belongs to the unit whose list named it, when the page itself
            # does not say
            "reporting_body": a.reporting_body or item.listing_unit,
            "written_date": a.written_date,
            "published_date": a.published_date or item.listing_date,
            "doc_no": a.doc_no,
            "body_text": a.text,
            "sources": {**a.sources, **({"reporting_body": "listing"} if not a.reporting_body and item.listing_unit else {})},
            "original": dict(a.original),
            "classification_reasons": list(a.classification_reasons),
            "payload_digest": item.payload_digest,
            "warc_filename": item.warc_filename,
            "warc_offset": item.warc_offset,
            "statistics_format": stats.format if stats else None,
            "consistency_ok": stats.consistency_ok if stats else None,
            "statistics_checks": list(stats.checks) if stats else [],
            "statistics_unparsed": dict(stats.unparsed) if stats else {},
            "text_counts": dict(stats.text_counts) if stats else {},
        }
        if item.listing_meta:
            fill_from_listing(record, item.listing_meta)
        crawler_store(self.crawler).queue_report(
            record,
            validators={"etag": item.etag, "last_modified": item.last_modified},
            statistics=item.statistics_rows if item.statistics_rows is not None else long_rows(stats) if stats else [],
            signature=signature,
            done=self.stored(item.url, "report"),
        )
        return item

    def stored(self, url: str, what: str) -> Any:
        """The callback of a queued row: count how it was stored, or report that it could not be."""
        def done(status: str | None, error: BaseException | None) -> None:
            if error is not None:
                store_failed(self.crawler, url, what, error)
                return
            self.stats.inc_value(f"govcrawl/reports_{status}")
            if status == "changed":
                self.crawler.spider.logger.info("Report changed since its last capture: %s", url)
        return done

    def save_attachment(self, item: AttachmentItem, text: str | None, note: str) -> AttachmentItem:
        crawler_store(self.crawler).queue_attachment(
            {
                "url": item.url,
                "report_url": item.report_url,
                "portal": item.portal,
                "content_type": item.content_type,
                "size": len(item.body),
                "payload_digest": item.payload_digest,
                "warc_filename": item.warc_filename,
                "warc_offset": item.warc_offset,
                "text": text,
                "text_note": note,
            },
            done=self.attachment_stored(item.url, bool(text)),
        )
        return item

    def attachment_stored(self, url: str, has_text: bool) -> Any:
        def done(status: str | None, error: BaseException | None) -> None:
            if error is not None:
                store_failed(self.crawler, url, "attachment", error)
                return
            self.stats.inc_value("govcrawl/attachments_text" if has_text else "govcrawl/attachments_no_text")
        return done

    def engine_stopped(self) -> None:
        close_crawler_store(self.crawler)
