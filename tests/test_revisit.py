"""The nightly's revisits, piece by piece: the schedule (pure), the capture history in SQL (A -> B -> A), and a
304 archived as a server-not-modified revisit record (WARC 1.1) that readers resolve to the page's content."""

from __future__ import annotations

import datetime as dt

import pytest
from warcio.archiveiterator import ArchiveIterator

from govcrawl.archive.capture import read_capture
from govcrawl.archive.digests import DigestIndex
from govcrawl.archive.files import verify_file
from govcrawl.archive.writer import NOT_MODIFIED_PROFILE, WarcFileWriter
from govcrawl.crawl.revisit import RevisitPolicy, due_pages, known_page
from govcrawl.store.store import KnownPageRow, Store

NOW = dt.datetime(2026, 11, 30, 2, 30)
DAY = dt.timedelta(days=1)
NO_SPREAD = RevisitPolicy(spread=0)


def _row(url="http://a.gov.cn/art/1.html", published="2026-11-20", versions=1, latest=None, last_seen=NOW - DAY,
         first_seen=None, is_report=True, year=None) -> KnownPageRow:
    first = first_seen or NOW - 10 * DAY
    return KnownPageRow(url, is_report, "报告", published, year, first, last_seen, versions, latest or first)


# --- the schedule ---------------------------------------------------------------------------------


def test_a_report_in_its_first_weeks_is_asked_every_night():
    young = known_page(_row(published="2026-11-20"))
    assert NO_SPREAD.interval(young, NOW) == 1
    assert NO_SPREAD.due(young, NOW)  # last asked a night ago
    assert not NO_SPREAD.due(known_page(_row(last_seen=NOW - dt.timedelta(hours=3))), NOW)  # asked tonight


def test_an_old_unchanged_report_is_asked_rarely_but_within_the_full_period():
    old = known_page(_row(published="2019-03-01", first_seen=NOW - 400 * DAY))
    assert NO_SPREAD.interval(old, NOW) == 30
    assert not NO_SPREAD.due(known_page(_row(published="2019-03-01", last_seen=NOW - 29 * DAY)), NOW)
    assert NO_SPREAD.due(known_page(_row(published="2019-03-01", last_seen=NOW - 30 * DAY)), NOW)
    # in between, the interval grows with age: 100 days old -> every 10 days
    assert NO_SPREAD.interval(known_page(_row(published="2026-08-22")), NOW) == pytest.approx(10, abs=0.1)


def test_a_report_that_changed_before_is_asked_more_often():
    unchanged = known_page(_row(published="2026-07-23", first_seen=NOW - 130 * DAY))  # 130 days old
    twice = known_page(_row(published="2026-07-23", first_seen=NOW - 130 * DAY, versions=3, latest=NOW - 100 * DAY))
    assert NO_SPREAD.interval(unchanged, NOW) == pytest.approx(13, abs=0.1)
    assert NO_SPREAD.interval(twice, NOW) == pytest.approx(10 / 4, abs=0.1)  # from its last change, / 2 per change
    # a change last week makes an old report new again
    just_changed = known_page(_row(published="2019-03-01", versions=2, latest=NOW - 7 * DAY))
    assert NO_SPREAD.interval(just_changed, NOW) == 1


def test_a_report_without_a_date_is_dated_by_its_year_and_drops_wait_the_full_period():
    undated = known_page(_row(published=None, year=2020))
    assert undated.published == dt.datetime(2021, 3, 31) and NO_SPREAD.interval(undated, NOW) == 30
    # no date, no year: as old as when it was first seen (here 10 days: new)
    assert NO_SPREAD.interval(known_page(_row(published=None)), NOW) == 1
    assert NO_SPREAD.interval(known_page(_row(published=None, is_report=False)), NOW) == 30


def test_long_intervals_are_spread_by_url_never_beyond_the_period():
    policy = RevisitPolicy()  # spread 0.25
    pages = [known_page(_row(url=f"http://a.gov.cn/art/{n}.html", published="2019-03-01")) for n in range(200)]
    intervals = [policy.interval(p, NOW) for p in pages]
    assert all(22.5 <= d <= 30 for d in intervals)
    assert max(intervals) - min(intervals) > 5  # not all due on one night
    assert intervals == [policy.interval(p, NOW) for p in pages]  # stable


def test_due_pages_and_recheck_all():
    old = [known_page(_row(url=f"http://a.gov.cn/{n}", published="2019-03-01", last_seen=NOW - n * DAY))
           for n in (1, 5, 40)]
    assert [p.url for p in due_pages(old, NO_SPREAD, NOW)] == ["http://a.gov.cn/40"]
    assert [p.url for p in due_pages(old, NO_SPREAD, NOW, recheck_all=True)] == [
        "http://a.gov.cn/40", "http://a.gov.cn/5", "http://a.gov.cn/1"]


def test_policy_from_settings_and_portal_options():
    from scrapy.settings import Settings

    settings = Settings({"GOVCRAWL_REVISIT_MAX_DAYS": "14", "GOVCRAWL_REVISIT_MIN_DAYS": "2"})
    assert RevisitPolicy.from_settings(settings) == RevisitPolicy(min_days=2, max_days=14)
    assert RevisitPolicy.from_settings(settings, {"revisit_max_days": 7}).max_days == 7
    with pytest.raises(ValueError, match="min_days"):
        RevisitPolicy.from_settings(settings, {"revisit_min_days": 20})
    with pytest.raises(ValueError):
        RevisitPolicy.from_settings(Settings({"GOVCRAWL_REVISIT_MAX_DAYS": "a month"}))


def test_registry_revisit_options_are_checked(tmp_path):
    from govcrawl.crawl.registry import RegistryError, load_registry

    entry = ('[[portal]]\nslug = "a"\nname = "甲"\nlevel = "city"\nregion = "浙江省"\nplatform = "jcms"\n'
             'start_urls = ["http://a.gov.cn/col/col1/index.html"]\n')
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(entry + "revisit_max_days = 7\nrevisit_min_days = 0.5\n", encoding="utf-8")
    assert load_registry(good).portals["a"].options == {"revisit_max_days": 7, "revisit_min_days": 0.5}
    for value in ("0", "true", '"7"'):
        bad.write_text(entry + f"revisit_max_days = {value}\n", encoding="utf-8")
        with pytest.raises(RegistryError, match="revisit_max_days.*number of days above 0"):
            load_registry(bad)


# --- the capture history in SQL -------------------------------------------------------------------


def test_an_edit_and_its_revert_are_three_captures_newest_a_again(db_url):
    store = Store(db_url)
    url = "http://a.gov.cn/art/2021/1/1/art_1.html"
    a = {"url": url, "portal": "a", "payload_digest": "sha1:A", "warc_filename": "one.warc.gz", "warc_offset": 1}
    b = {**a, "payload_digest": "sha1:B", "warc_filename": "two.warc.gz", "warc_offset": 2}
    a_again = {**a, "warc_filename": "three.warc.gz", "warc_offset": 3}  # (an identical-payload revisit record)
    assert [store.save_report(v) for v in (a, b, a_again)] == ["new", "changed", "changed"]
    history = store.captures(url)
    assert [(c.payload_digest, c.warc_filename) for c in history] == [
        ("sha1:A", "one.warc.gz"), ("sha1:B", "two.warc.gz"), ("sha1:A", "three.warc.gz")]
    assert history[0].first_seen <= history[1].first_seen <= history[2].first_seen
    [report] = store.reports()
    assert (report.payload_digest, report.warc_filename) == ("sha1:A", "three.warc.gz")
    assert all(c.last_confirmed is None for c in history)

    # confirmed unchanged: by a 304, then by the same payload again -- always the newest capture
    store.seen_again(url)
    assert store.save_report({**a_again, "warc_filename": "four.warc.gz", "warc_offset": 4}) == "unchanged"
    history = store.captures(url)
    assert len(history) == 3 and history[0].last_confirmed is None and history[1].last_confirmed is None
    assert history[2].last_confirmed is not None and history[2].last_seen >= history[2].first_seen
    assert store.reports()[0].warc_filename == "three.warc.gz"  # keeps pointing at its capture

    # what the nightly's schedule weighs: three versions, the latest begun with the revert
    store.save_drop({"url": "http://a.gov.cn/art/news.html", "portal": "a", "kind": "other", "reasons": []})
    rows = {r.url: r for r in store.known_pages("a")}
    assert set(rows) == {url, "http://a.gov.cn/art/news.html"} and store.known_pages("b") == []
    assert (rows[url].is_report, rows[url].versions, rows[url].latest_version) == (True, 3, history[2].first_seen)
    assert (rows["http://a.gov.cn/art/news.html"].is_report, rows["http://a.gov.cn/art/news.html"].versions) == (False, 0)
    assert rows[url].listing_unit is None and rows[url].listing_meta is None
    # a report whose reporting body only its listing named (a per-unit tree) is asked again with that unit
    unit_url = "http://a.gov.cn/art/unit.html"
    store.save_report({"url": unit_url, "portal": "a", "reporting_body": "某某局", "index_no": "A01-2022-1",
                       "publisher": "某某局", "sources": {"reporting_body": "listing", "index_no": "listing",
                                                           "publisher": "table"}})
    unit_row = next(r for r in store.known_pages("a") if r.url == unit_url)
    assert unit_row.listing_unit == "某某局" and known_page(unit_row).unit == "某某局"
    # ... and with the fields only its list API gave (a printed one is read from the page again)
    assert known_page(unit_row).listing_meta == {"index_no": "A01-2022-1"}
    before = rows["http://a.gov.cn/art/news.html"].last_seen
    store.seen_again("http://a.gov.cn/art/news.html")  # a drop confirmed unchanged is checked too
    assert {r.url: r for r in store.known_pages("a")}["http://a.gov.cn/art/news.html"].last_seen >= before
    assert {r.url for r in store.known_pages("a")} == {url, unit_url, "http://a.gov.cn/art/news.html"}
    store.close()


# --- 304 -> a server-not-modified revisit record ---------------------------------------------------

URL = "http://www.zj.gov.cn/art/2021/3/25/art_1_2.html"
BODY = "<html><title>浙江省2020年政府信息公开工作年度报告</title></html>".encode()


def _write(writer, status=200, body=BODY, request_headers=None, confirms=None):
    return writer.write_exchange(
        url=URL, method="GET", request_headers=request_headers or {"User-Agent": "t"}, request_body=b"",
        status=status, response_headers={"Content-Type": "text/html; charset=utf-8", "ETag": '"v1"'} if body else
        {"ETag": '"v1"', "Date": "Mon, 30 Nov 2026 02:30:00 GMT"}, body=body, confirms=confirms)


def test_a_304_is_a_server_not_modified_revisit_of_the_capture_it_confirms(tmp_path):
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    index = DigestIndex(Store(db))
    first = WarcFileWriter(tmp_path, crawl_id="c1-x", dedup=index, dedup_crawl_id="c1")
    a = _write(first)
    first.close()
    second = WarcFileWriter(tmp_path, crawl_id="c2-x", dedup=index, dedup_crawl_id="c2")
    b = _write(second, body=BODY + b"<p>edit</p>")  # a later version, then the validators of A confirmed
    conditional = {"User-Agent": "t", "If-None-Match": '"v1"', "If-Modified-Since": "Tue, 26 Jan 2021 00:00:00 GMT"}
    nm = _write(second, status=304, body=b"", request_headers=conditional, confirms=a.payload_digest)
    latest = _write(second, status=304, body=b"", request_headers={"If-None-Match": '"v2"'})  # no digest: the latest
    second.close()
    assert (nm.record_type, nm.payload_bytes, nm.payload_digest) == ("revisit", 0, a.payload_digest)
    assert latest.payload_digest == b.payload_digest

    records = [r for path in second.closed_files for r in ArchiveIterator(open(path, "rb"))]
    assert [r.rec_type for r in records] == ["warcinfo", "response", "request", "revisit", "request", "revisit", "request"]
    revisit, request = records[3], records[4]
    h = revisit.rec_headers
    assert h["WARC-Profile"] == NOT_MODIFIED_PROFILE
    assert h["WARC-Refers-To"] == a.record_id and h["WARC-Refers-To-Target-URI"] == URL
    a_record = next(r for r in ArchiveIterator(open(first.closed_files[0], "rb")) if r.rec_type == "response")
    assert h["WARC-Refers-To-Date"] == a_record.rec_headers["WARC-Date"]
    assert h["WARC-Payload-Digest"] == a.payload_digest  # the profile's payload: the confirmed capture's
    assert (h["WARC-Etag"], h["WARC-Last-Modified"]) == ('"v1"', "Tue, 26 Jan 2021 00:00:00 GMT")
    assert h["Content-Length"] == "0" and revisit.http_headers is None  # no 304 status line to replay
    assert request.rec_headers["WARC-Concurrent-To"] == h["WARC-Record-ID"]
    assert request.http_headers.get_header("If-None-Match") == '"v1"'  # the exchange as sent
    assert records[5].rec_headers["WARC-Refers-To"] == b.record_id
    for path in first.closed_files + second.closed_files:
        assert verify_file(path).ok, verify_file(path).problems

    # read back, the revisit is the page it confirms
    page = read_capture(tmp_path, nm.filename, nm.offset, db)
    assert page.body == BODY and page.content_type.startswith("text/html")
    index.close()


def test_a_304_with_no_capture_to_refer_to_names_its_url_only(tmp_path):
    writer = WarcFileWriter(tmp_path, crawl_id="c-x")  # no digest index (GOVCRAWL_WARC_DEDUP=off)
    location = _write(writer, status=304, body=b"", request_headers={"If-None-Match": '"v1"'})
    writer.close()
    revisit = [r for r in ArchiveIterator(open(writer.closed_files[0], "rb"))][1]
    assert (location.record_type, revisit.rec_type) == ("revisit", "revisit")
    assert revisit.rec_headers["WARC-Refers-To-Target-URI"] == URL
    assert revisit.rec_headers["WARC-Refers-To"] is None and revisit.rec_headers["WARC-Payload-Digest"] is None
