from govcrawl.store.store import Store, report_row


def test_report_upsert_and_drop_tables(db_url):
    store = Store(db_url)
    values = {"url": "http://a.gov.cn/1", "portal": "a", "title": "T", "report_year": 2020, "publisher": "甲"}
    assert store.save_report(values) == "new"
    assert store.save_report({**values, "publisher": "乙"}) == "unchanged"
    [row] = store.reports()
    assert report_row(row)["publisher"] == "乙" and row.first_seen <= row.last_seen
    store.save_drop({"url": "http://shop.com/x", "portal": None, "kind": "junk", "reasons": ["non_government_host"]})
    store.save_drop({"url": "http://shop.com/x", "portal": None, "kind": "junk", "reasons": ["commerce_navigation"]})
    [drop] = store.drops()
    assert drop.reasons == ["commerce_navigation"]
    store.close()


def test_unchanged_payload_keeps_its_first_capture(db_url):
    store = Store(db_url)
    first = {"url": "http://a.gov.cn/1", "payload_digest": "sha1:A", "warc_filename": "one.warc.gz", "warc_offset": 10}
    store.save_report(first)
    store.save_report({**first, "warc_filename": "two.warc.gz", "warc_offset": 99})
    assert store.reports()[0].warc_filename == "one.warc.gz"
    edited = {**first, "payload_digest": "sha1:B", "warc_filename": "three.warc.gz", "warc_offset": 5}
    assert store.save_report(edited, validators={"etag": '"b"'}) == "changed"
    assert (store.reports()[0].warc_filename, store.reports()[0].warc_offset) == ("three.warc.gz", 5)
    # both versions are kept in the capture history
    assert [(c.payload_digest, c.warc_filename) for c in store.captures(first["url"])] == [
        ("sha1:A", "one.warc.gz"),
        ("sha1:B", "three.warc.gz"),
    ]
    store.save_report({**edited, "portal": "a"})
    assert store.known_urls("a") == {first["url"]}
    # validators, with the payload digest of the response they came with (the capture a 304 confirms)
    store.save_validators({first["url"]: ('"b"', "Tue, 26 Jan 2021 00:00:00 GMT", "sha1:B"),
                           "http://a.gov.cn/list": (None, "x", None)})
    store.save_validators({first["url"]: ('"c"', None, "sha1:C")})
    assert store.validators() == {first["url"]: ('"c"', None, "sha1:C"), "http://a.gov.cn/list": (None, "x", None)}
    # one host's validators (what a nightly crawler loads), and no other host's, whatever the case of the path
    store.save_validators({"http://a.gov.cn.evil.com/list": ("e", None, None), "http://A.gov.cn/LIST": ("f", None, None),
                           "http://b.gov.cn/x_%": ("g", None, None)})
    assert set(store.validators("http://a.gov.cn/")) == {first["url"], "http://a.gov.cn/list"}
    assert store.validators("http://b.gov.cn/x_%") == {"http://b.gov.cn/x_%": ("g", None, None)}
    store.close()


def test_bad_database_url_is_a_clear_error(tmp_path):
    import pytest

    from govcrawl.store.store import StorageError

    with pytest.raises(StorageError, match="cannot use database URL"):
        Store("nosuchdb://x")
    with pytest.raises(StorageError, match="cannot open database"):
        Store(f"sqlite:///{tmp_path}/missing/dir/x.sqlite3")


def test_statistics_cells_are_stored_and_replaced_with_a_changed_report(db_url):
    """The cells go to the driver's executemany directly (SQLite and PostgreSQL parameter styles): stored as given,
    replaced when the report changes, kept when it is unchanged."""
    store = Store(db_url)
    values = {"url": "http://a.gov.cn/1", "portal": "a", "payload_digest": "sha1:A"}
    cells = [("table2", "规章", "本年制发件数", 3.0), ("table3", "总计", "本年新收政府信息公开申请数量", None),
             ("table2", "行政许可", "本年处理决定数量", 12.5)]
    assert store.save_report(values, statistics=cells) == "new"
    stored = {(v.table_name, v.row_key, v.column_key, v.value) for v in store.statistics()["http://a.gov.cn/1"]}
    assert stored == set(cells)
    assert store.save_report(values, statistics=cells[:1]) == "unchanged"  # unchanged: the cells stay
    assert len(store.statistics()["http://a.gov.cn/1"]) == 3
    assert store.save_report({**values, "payload_digest": "sha1:B"}, statistics=cells[:1]) == "changed"
    assert [(v.table_name, v.value) for v in store.statistics()["http://a.gov.cn/1"]] == [("table2", 3.0)]
    store.close()


def test_an_unchanged_attachment_keeps_its_first_capture(db_url):
    store = Store(db_url)
    first = {"url": "http://a.gov.cn/P0.pdf", "report_url": "http://a.gov.cn/1", "portal": "a", "size": 10,
             "payload_digest": "sha1:A", "warc_filename": "one.warc.gz", "warc_offset": 10, "text": "甲", "text_note": "pdf"}
    store.save_attachment(first)
    store.save_attachment({**first, "warc_filename": "two.warc.gz", "warc_offset": 99, "text_note": "pdf again"})
    [row] = store.attachments()
    assert (row.warc_filename, row.warc_offset, row.text_note) == ("one.warc.gz", 10, "pdf again")
    assert row.first_seen <= row.last_seen
    store.save_attachment({**first, "payload_digest": "sha1:B", "warc_filename": "three.warc.gz", "warc_offset": 5})
    [row] = store.attachments()
    assert (row.payload_digest, row.warc_filename, row.warc_offset) == ("sha1:B", "three.warc.gz", 5)
    store.close()
