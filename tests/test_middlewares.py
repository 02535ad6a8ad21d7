from govcrawl.crawl.middlewares import looks_blocked


def test_ruishu_412_with_ts_script_is_blocked():
    body = b'<html><head><meta content="x"><script>$_ts=window["$_ts"];if(!$_ts)$_ts={};$_ts.nsd=1234;</script></head></html>'
    assert "($_ts)" in looks_blocked(412, body)


def test_javascript_cookie_challenge_is_blocked():
    body = b"<html><script>document.cookie='acw_sc__v2=abc;path=/';location.reload();</script></html>"
    assert "cookie challenge" in looks_blocked(200, body)


def test_a_real_page_that_sets_a_cookie_is_not_blocked():
    text = "浙江省人民政府2020年政府信息公开工作年度报告。根据《中华人民共和国政府信息公开条例》" * 10
    body = f"<html><script>document.cookie='x=1';location.reload();</script><p>{text}</p></html>".encode()
    assert looks_blocked(200, body) is None
    assert looks_blocked(404, b"not found") is None


def test_a_wzws_geo_fence_is_blocked_and_a_plain_403_is_not():
    body = b"<html><head><title>403 Forbidden</title></head><body><p>WZWS</p><p>reason:GeoBL</p></body></html>"
    assert looks_blocked(403, body) == "HTTP 403 geo-block (WZWS WAF, reason:GeoBL)"
    assert looks_blocked(403, b"<html><body><h1>403 Forbidden</h1></body></html>") is None
