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
