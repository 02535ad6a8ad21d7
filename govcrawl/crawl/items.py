"""The item a spider yields for every page that may be a report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PageItem:
    url: str
    portal: str | None
    body: bytes
    content_type: str | None
    status: int
    found_via: str  # the spider (slug) that found it
    listing_title: str | None = None
    listing_date: str | None = None
    listing_unit: str | None = None   # the reporting unit whose list (in a portal's per-unit tree) named the page
    # what the platform's list API says of the page (gkmlpt's identifier, publisher, date ...) as report fields
    # (index_no, publisher, written_date, published_date, doc_no): they fill what the page itself does not print
    listing_meta: dict[str, str] = field(default_factory=dict)
    referer: str | None = None
    attachments: list[str] = field(default_factory=list)
    warc_filename: str | None = None
    warc_offset: int | None = None
    payload_digest: str | None = None
    # its WARC record is a revisit: these very bytes were archived under this URL before (the digest index)
    payload_seen_before: bool = False
    etag: str | None = None
    last_modified: str | None = None
    # How it was reached (govcrawl.crawl.ledger.route_fields): the URL its listing named, the redirects on the
    # way ("URL (meta refresh)" ...), and a refresh the crawl did not follow
    article_url: str | None = None
    redirected_from: list[str] = field(default_factory=list)
    refresh_note: str | None = None
    # Set by the junk filter: govcrawl.analysis.PageAnalysis, and (made with it, for a report on a government host)
    # its near-duplicate signature (govcrawl.analysis.neardup.signature_record; None: text too short)
    analysis: Any = None
    signature_made: bool = False
    signature: Any = None
    # made with the analysis in its worker: a report's statistics cells as rows (govcrawl.analysis.statistics.
    # long_rows); None: to be made by the metadata pipeline
    statistics_rows: Any = None
    # Set by the junk filter instead of an analysis: the page is byte for byte its stored report's latest capture
    # (the row is confirmed, not analysed again); the report's year, for a backfill's filter
    unchanged_report_year: int | None = None
    unchanged: bool = False


@dataclass
class AttachmentItem:
    """An attachment a report links (PDF, DOC/DOCX, WPS, OFD ...), archived and its text extracted."""

    url: str
    report_url: str | None
    portal: str | None
    body: bytes
    content_type: str | None
    status: int
    warc_filename: str | None = None
    warc_offset: int | None = None
    payload_digest: str | None = None
