"""The junk filter: keeps spam mirrors and non-reports out of the reports, and records why.

Every page a spider offers is analysed (govcrawl.analysis); anything that is not an annual
report is written to the ``drops`` table with its reasons and score, then dropped. Nothing
disappears silently: the page itself is in the WARC archive, its drop in SQL.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from govcrawl.analysis import analyze_page
from govcrawl.items import PageItem
from govcrawl.storage import crawler_store


class JunkFilterPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "JunkFilterPipeline":
        return cls(crawler)

    def process_item(self, item: PageItem) -> PageItem:
        analysis = analyze_page(item.body, url=item.url, content_type=item.content_type)
        item.analysis = analysis
        if analysis.kind == "annual_report":
            return item
        reasons = analysis.junk_reasons if analysis.kind == "junk" else analysis.classification_reasons
        reasons = list(reasons) or [f"classified {analysis.kind}"]
        crawler_store(self.crawler).save_drop(
            {
                "url": item.url,
                "portal": item.portal,
                "kind": analysis.kind,
                "title": analysis.title or item.listing_title,
                "reasons": reasons,
                "score": analysis.junk_score,
                "warc_filename": item.warc_filename,
                "warc_offset": item.warc_offset,
            }
        )
        self.stats.inc_value(f"govcrawl/dropped/{analysis.kind}")
        raise DropItem(f"{analysis.kind}: {'; '.join(reasons)}")
