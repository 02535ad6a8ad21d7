"""Tests of the offline portal replica (govcrawl.replica), on 127.0.0.1 only."""
from __future__ import annotations

import gzip
import html
import http.client
import json
import os
import re
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request

import pytest

from govcrawl.replica import ReplicaServer, load_ground_truth
from govcrawl.replica.articles import GROUND_TRUTH_PATH
from govcrawl.replica.breadth import SITES
from govcrawl.replica.content import seed_text, to_traditional
from govcrawl.replica.templates import decode_js_list
from govcrawl.replica.truth import ground_truth_json

GT = load_ground_truth(all_portals=True)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **kw):
        return None


@pytest.fixture(scope="module")
def srv():
    with ReplicaServer(port=0) as s:
        yield s


@pytest.fixture(scope="module")
def opener(srv):
    """The replica as the proxy for http and https (CONNECT), trusting the replica's CA."""
    tls = ssl.create_default_context(cafile=srv.ca_path)
    return urllib.request.build_opener(urllib.request.ProxyHandler({"http": srv.proxy_url, "https": srv.proxy_url}),
                                       urllib.request.HTTPSHandler(context=tls), _NoRedirect)


def fetch(opener, url, data=None, headers=None, method=None):
    """(status, headers, body bytes) through the replica used as a proxy; HTTP errors are returned too."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def charset_of(headers) -> str:
    m = re.search(r"charset=([\w-]+)", headers.get("Content-Type", ""), re.I)
    return m.group(1).lower() if m else "utf-8"


def text_of(headers, body) -> str:
    cs = charset_of(headers)
    return html.unescape(body.decode(cs))  # strict: must decode with the declared charset


def by_host_header(srv, host, target, method="GET", body=None, headers=None):
    """An origin-form request naming its host in ``Host``; to an https host inside a CONNECT tunnel (TLS)."""
    if host in srv.https_hosts:
        c = http.client.HTTPSConnection("127.0.0.1", srv.port, timeout=10,
                                        context=ssl.create_default_context(cafile=srv.ca_path))
        c.set_tunnel(host, 443)
    else:
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    h = {"Host": host}
    h.update(headers or {})
    c.request(method, target, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, r.headers, data


# ------------------------------------------------------------------ ground truth
def test_ground_truth_file_is_current():
    assert GROUND_TRUTH_PATH.read_text(encoding="utf-8") == ground_truth_json()


def test_ground_truth_shape():
    gt = load_ground_truth(all_portals=True)
    reps = gt["reports"]
    urls = [r["url"] for r in reps]
    assert len(set(urls)) == len(urls) > 200
    for key in ("zj_gov", "zj_fzggw", "zhoushan", "hz_drc"):
        assert sorted(r["report_year"] for r in reps if r["portal"] == key) == list(range(2014, 2025))
    # half the portals serve https (the URLs of their reports too), the others http
    https = {k for k, p in gt["portals"].items() if p["start_url"].startswith("https://")}
    assert 12 <= len(https) <= len(gt["portals"]) - 12 and {"zj_gov", "zj_fzggw", "hz_drc"} <= https
    assert all(u.startswith("https://" if r["portal"] in https else "http://") for u, r in zip(urls, reps))
    kinds = {n["kind"] for n in gt["non_reports"]}
    assert kinds == {"other", "junk"}
    from govcrawl.replica import platforms

    assert set(gt["portals"]) == set(SITES) | {"web_search"} | {ps.slug for ps in platforms.shipped_sites()}
    for k, p in gt["portals"].items():
        assert p["level"] in ("province", "city", "county", "department", "channel") and "region" in p, k


# ------------------------------------------------------------------ articles
def test_every_report_page(opener):
    from govcrawl.replica import platforms

    listed = {ps.slug: ps.listed_metadata for ps in platforms.shipped_sites()}
    for r in GT["reports"]:
        status, headers, body = fetch(opener, r["url"])
        assert status == 200, r["url"]
        assert headers["Server"] == "nginx"
        assert headers["ETag"] and headers["Last-Modified"]
        t = text_of(headers, body)
        conv = to_traditional if "/gate/big5/" in r["url"] else (lambda s: s)
        assert conv(r["title"]) in t, r["url"]
        for f in ("index_no", "publisher", "doc_no", "published_date"):
            if r[f] and conv(r[f]) not in t:
                # a field the page does not print comes from the platform's list answer (gkmlpt's list JSON, Ucap's
                # domainMetaList)
                assert r[f] in listed.get(r["portal"], lambda u: "")(r["url"]), (r["url"], f)
        if r["written_date"] and r["written_date"] not in t:
            y, m, d = (int(x) for x in r["written_date"].split("-"))
            from govcrawl.replica.content import cn_date
            listing = listed.get(r["portal"], lambda u: "")(r["url"])
            assert f"{y}年{m}月{d}日" in t or cn_date(y, m, d) in t or r["written_date"] in listing or \
                f"{y}年{m:02d}月{d:02d}日" in listing, r["url"]
        if "/gate/big5/" not in r["url"]:
            assert 'name="SiteIDCode"' in t
            if r["portal"] in SITES:  # the Hanweb templates (the platforms outside Zhejiang have their own)
                assert 'id="zoom"' in t


def test_seed_texts_served(opener):
    def page_text(url):
        s, h, b = fetch(opener, url)
        assert s == 200
        return re.sub(r"<[^>]+>", "\n", text_of(h, b))

    rep = {(r["portal"], r["report_year"]): r for r in GT["reports"]}
    for key, seed, skip in (("zj_fzggw", "000", 6), ("zhoushan", "001", 9), ("hz_drc", "003", 3)):
        t = page_text(rep[(key, 2020 if key != "hz_drc" else 2018)]["url"])
        lines = [l.strip() for l in seed_text(seed).splitlines()[skip:] if l.strip() and l.strip() != "打印 关闭"]
        missing = [l for l in lines if l not in t]
        assert not missing, (seed, missing[:3])
    r = rep[("hz_drc", 2018)]
    assert (r["index_no"], r["doc_no"], r["written_date"], r["publisher"]) == (
        "002489444/2019-255897", "杭发改〔2020〕0号", "2019-01-07", "市发改委")
    plan = next(n for n in GT["non_reports"] if "seed 004" in n["note"])
    t = page_text(plan["url"])
    assert "浙政办发〔2021〕28号" in t and "各地、各部门要将本要点落实情况纳入政府信息公开工作年度报告予以公开" in t
    shop = next(n for n in GT["non_reports"] if "hbsjtao" in n["url"])
    t = page_text(shop["url"])
    para = next(l for l in seed_text("002").splitlines() if l.startswith("2017年,我省"))
    assert para in t and "订购" in t and "网站标识码" not in t and "华为手机套" in t


def test_host_header_and_conditional(srv):
    r = next(x for x in GT["reports"] if x["portal"] == "zj_gov")
    u = urllib.parse.urlsplit(r["url"])
    s, h, b = by_host_header(srv, u.hostname, u.path)
    assert s == 200 and r["title"] in b.decode("utf-8")
    s2, _, b2 = by_host_header(srv, u.hostname, u.path, headers={"If-None-Match": h["ETag"]})
    assert s2 == 304 and b2 == b""
    s3, _, _ = by_host_header(srv, u.hostname, u.path, headers={"If-Modified-Since": h["Last-Modified"]})
    assert s3 == 304
    s4, h4, b4 = by_host_header(srv, u.hostname, u.path, method="HEAD")
    assert s4 == 200 and b4 == b"" and int(h4["Content-Length"]) == len(b)
    assert ("GET", r["url"]) in srv.requests


# ------------------------------------------------------------------ jcms
def _column_items(key):
    return {r["url"] for r in GT["reports"] if r["portal"] == key} | {
        n["url"] for n in GT["non_reports"] if n["portal"] == key}


def _jcms_links(text):
    return re.findall(r'<a href="(/art/[^"]+)"', text)


@pytest.mark.parametrize("key,proxy", [("zj_gov", "/module/jpage/dataproxy.jsp"),
                                       ("zj_gov", "/module/web/jpage/dataproxy.jsp"),
                                       ("zhoushan", "/module/web/jpage/dataproxy.jsp")])
def test_jcms_paging(opener, key, proxy):
    site = SITES[key]
    s, h, b = fetch(opener, GT["portals"][key]["start_url"])
    assert s == 200
    col = text_of(h, b)
    assert "<datastore>" in col and f"perPage: {site.per_page}" in col and "$.jpage(" in col
    assert site.proxy_paths[0] in col
    embedded = _jcms_links(col.split("<recordset>")[1].split("</recordset>")[0])
    assert len(embedded) == site.per_page
    form = (f"col=1&appid=1&webid={site.webid}&path=/&columnid={site.colid}&sourceContentType=1"
            f"&unitid={site.unitid}&webname={urllib.parse.quote(site.name)}&permissiontype=0").encode()
    seen, start, total = [], 1, None
    while True:
        url = f"{site.origin}{proxy}?startrecord={start}&endrecord={start + site.per_page - 1}&perpage={site.per_page}"
        s, h, b = fetch(opener, url, data=form)
        assert s == 200
        xml = b.decode(charset_of(h))
        total = int(re.search(r"<totalrecord>(\d+)</totalrecord>", xml).group(1))
        pages = int(re.search(r"<totalpage>(\d+)</totalpage>", xml).group(1))
        assert pages == -(-total // site.per_page)
        links = _jcms_links(xml)
        if not links:
            break
        seen += links
        start += site.per_page
    assert seen[:site.per_page] == embedded
    assert len(seen) == len(set(seen)) == total
    assert {f"{site.origin}{p}" for p in seen} == _column_items(key)


def test_jcms_bad_form_and_missing_variant(opener):
    s, h, b = fetch(opener, "https://www.zj.gov.cn/module/jpage/dataproxy.jsp?startrecord=1&endrecord=5&perpage=5",
                    data=b"col=1&appid=1&webid=3096")
    assert s == 200 and b"<totalrecord>0</totalrecord>" in b and b"<record>" not in b
    site = SITES["zhoushan"]
    form = f"col=1&appid=1&webid={site.webid}&path=/&columnid={site.colid}&unitid={site.unitid}".encode()
    s, h, b = fetch(opener, "http://www.zhoushan.gov.cn/module/jpage/dataproxy.jsp?startrecord=1&endrecord=4&perpage=4",
                    data=form)
    assert s == 404


# ------------------------------------------------------------------ JPaaS
def test_jpaas_unit_api(opener):
    site = SITES["zj_fzggw"]
    s, h, b = fetch(opener, GT["portals"]["zj_fzggw"]["start_url"])
    col = b.decode("utf-8")
    assert 'url="/api-gateway/jpaas-publish-server/front/page/build/unit"' in col and "bt-left" not in col
    assert "网站标识码" not in col and 'name="SiteIDCode"' in col
    base = {"parseType": "bulidstatic", "webId": site.webid, "tplSetId": site.tplsetid, "pageType": "column",
            "tagId": "信息列表", "editType": "null", "pageId": site.colid}
    seen, n, count = [], 1, None
    while True:
        q = dict(base, paramJson=json.dumps({"pageNo": n, "pageSize": 5}))
        url = "https://fzggw.zj.gov.cn/api-gateway/jpaas-publish-server/front/page/build/unit?" + urllib.parse.urlencode(q)
        if n == 2:  # POST with form fields works as well
            s, h, b = fetch(opener, url.split("?")[0], data=urllib.parse.urlencode(q).encode())
        else:
            s, h, b = fetch(opener, url)
        d = json.loads(b)
        assert d["success"] is True
        page_html = d["data"]["html"]
        count = int(re.search(r'count="(\d+)"', page_html).group(1))
        assert f'pageNo="{n}"' in page_html and 'rows="5"' in page_html
        links = re.findall(r'<a class="bt-left" title="[^"]*" href="([^"]+)"', page_html)
        if not links:
            break
        assert len(links) <= 5
        seen += links
        n += 1
    assert any(l.startswith("//fzggw.zj.gov.cn/art/") for l in seen)
    assert any(re.match(r"/col/col1229123461/art/\d{4}/art_[0-9a-f]{32}\.html$", l) for l in seen)
    absolute = {(f"{site.scheme}:" + l) if l.startswith("//") else f"{site.origin}{l}" for l in seen}
    assert len(seen) == count and absolute == _column_items("zj_fzggw")
    for u in list(absolute)[:3]:
        assert fetch(opener, u)[0] == 200


# ------------------------------------------------------------------ JS list + Big5 gate
def test_js_list_and_gate(opener):
    reps = [r["url"] for r in GT["reports"] if r["portal"] == "hz_drc"]
    for url in (GT["portals"]["hz_drc"]["start_url"], "https://drc.hangzhou.gov.cn/col/col1693960/index.html"):
        s, h, b = fetch(opener, url)
        assert s == 200
        raw = b.decode(charset_of(h))
        assert '<ul id="report-list"></ul>' in raw and "<script src=\"http" not in raw
        for u in reps:
            path = urllib.parse.urlsplit(u).path
            assert path not in raw and path.replace("/gate/big5/drc.hangzhou.gov.cn", "") not in raw
    s, h, b = fetch(opener, GT["portals"]["hz_drc"]["start_url"])
    assert charset_of(h) == "big5" and b'charset=big5' in b
    entries = decode_js_list(b.decode("big5"))
    urls = {"https://drc.hangzhou.gov.cn" + e[0] for e in entries}
    assert urls == _column_items("hz_drc")
    titles = {e[1] for e in entries}
    r18 = next(r for r in GT["reports"] if r["portal"] == "hz_drc" and r["report_year"] == 2018)
    assert to_traditional(r18["title"]) in titles
    # every gate page stays under the gate
    s, h, b = fetch(opener, r18["url"])
    t = b.decode("big5")
    hrefs = re.findall(r'href="([^"]+)"', t)
    assert hrefs and all(x.startswith("/gate/big5/drc.hangzhou.gov.cn/") for x in hrefs if x.startswith("/"))
    assert "網站標識碼" in html.unescape(t)


def test_gbk_pages(opener):
    r = next(x for x in GT["reports"] if x["portal"] == "zhoushan" and x["report_year"] == 2020)
    s, h, b = fetch(opener, r["url"])
    assert charset_of(h) == "gbk" and b"charset=gbk" in b
    t = b.decode("gbk")  # strict
    assert r["title"] in t and "发布日期:2021-01-28" in t
    with pytest.raises(UnicodeDecodeError):
        b.decode("utf-8")


# ------------------------------------------------------------------ misc behaviour
def test_misc_http(opener, srv):
    for key in ("zj_gov", "zj_fzggw", "zhoushan", "hz_drc"):
        origin = SITES[key].origin
        s, h, b = fetch(opener, f"{origin}/robots.txt")
        assert s == 200 and b"User-agent: *" in b and b"Disallow: /module/search/" in b
        s, h, b = fetch(opener, f"{origin}/")
        assert s == 200 and "政府信息公开" in text_of(h, b)
        s, h, b = fetch(opener, f"{origin}/no/such/page.html")
        assert s == 404 and "text/html" in h["Content-Type"]
    s, h, b = fetch(opener, "https://www.zj.gov.cn/col/col1229019000/index.html")
    assert s == 301 and h["Location"] == GT["portals"]["zj_gov"]["start_url"]
    s, h, b = fetch(opener, "https://www.zj.gov.cn/module/download/downfile.jsp?classid=0&filename=2201234.pdf")
    assert s == 200 and h["Content-Type"] == "application/pdf" and b.startswith(b"%PDF")
    import io

    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(b)).pages) == 1
    r22 = next(x for x in GT["reports"] if x["portal"] == "zj_gov" and x["report_year"] == 2022)
    assert b"filename=2201234.pdf" in fetch(opener, r22["url"])[2]
    s, h, b = fetch(opener, "http://www.example.com/")
    assert s == 502 and b"replica: no such host www.example.com" in b
    # gzip only on www.zj.gov.cn
    s, h, b = fetch(opener, r22["url"], headers={"Accept-Encoding": "gzip"})
    assert s == 200 and h["Content-Encoding"] == "gzip" and r22["title"] in gzip.decompress(b).decode("utf-8")
    s, h, b = fetch(opener, GT["portals"]["zj_fzggw"]["start_url"], headers={"Accept-Encoding": "gzip"})
    assert s == 200 and h.get("Content-Encoding") is None
    # CONNECT: a tunnel to a host served over https; 502 for one served over http only, or another port
    for target, status in (("www.zhoushan.gov.cn:443", 502), ("www.zj.gov.cn:8443", 502), ("www.example.com:443", 502)):
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        c.request("CONNECT", target)
        r = c.getresponse()
        assert r.status == status and b"replica: " in r.read(), target
        c.close()


def test_https_through_connect_with_the_replica_ca(srv, opener):
    """As warcprox and mitmproxy: TLS ends in the replica, with a certificate for the host signed by its CA."""
    assert {"www.zj.gov.cn", "fzggw.zj.gov.cn", "drc.hangzhou.gov.cn"} <= set(srv.https_hosts)
    assert "www.zhoushan.gov.cn" not in srv.https_hosts
    s, h, b = fetch(opener, GT["portals"]["zj_gov"]["start_url"])
    assert s == 200 and "<datastore>" in text_of(h, b)
    assert ("GET", GT["portals"]["zj_gov"]["start_url"]) in srv.requests  # the https URL, as requested
    raw = ssl.create_default_context(cafile=srv.ca_path)
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    sock.sendall(b"CONNECT fzggw.zj.gov.cn:443 HTTP/1.1\r\nHost: fzggw.zj.gov.cn:443\r\n\r\n")
    assert sock.recv(1024).startswith(b"HTTP/1.1 200")
    with raw.wrap_socket(sock, server_hostname="fzggw.zj.gov.cn") as tls:
        cert = tls.getpeercert()
        assert ("DNS", "fzggw.zj.gov.cn") in cert["subjectAltName"]
        assert dict(x[0] for x in cert["issuer"])["commonName"] == "govcrawl replica CA"
    # a client that does not trust the CA refuses the certificate
    untrusting = urllib.request.build_opener(urllib.request.ProxyHandler({"https": srv.proxy_url}))
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        untrusting.open(GT["portals"]["zj_gov"]["start_url"], timeout=10)
    # http -> https where the portal redirects (as www.zj.gov.cn does); served over both where it does not
    s, h, _ = fetch(opener, "http://www.zj.gov.cn/robots.txt")
    assert s == 301 and h["Location"] == "https://www.zj.gov.cn/robots.txt"
    assert fetch(opener, "http://fzggw.zj.gov.cn/robots.txt")[0] == 200


@pytest.mark.parametrize("kind,error", [("expired", "certificate has expired"),
                                        ("wrong_host", "Hostname mismatch"),
                                        ("self_signed", "self-signed certificate")])
def test_bad_certificate_fault(kind, error):
    with ReplicaServer(port=0, faults={"www.zj.gov.cn": ("bad_cert", {"kind": kind})}) as s:
        tls = ssl.create_default_context(cafile=s.ca_path)
        op = urllib.request.build_opener(urllib.request.ProxyHandler({"https": s.proxy_url}),
                                         urllib.request.HTTPSHandler(context=tls))
        with pytest.raises(urllib.error.URLError, match=error):
            op.open("https://www.zj.gov.cn/robots.txt", timeout=10)
        assert op.open("https://fzggw.zj.gov.cn/robots.txt", timeout=10).status == 200  # other hosts unharmed
        ca = s.ca_path
    assert not os.path.exists(ca)  # the temporary CA is removed with the server


def test_search_engine(opener):
    start = GT["portals"]["web_search"]["start_url"]
    s, h, b = fetch(opener, start)
    assert s == 200
    t = b.decode("utf-8")
    tokens = re.findall(r'<h3 class="t"><a href="(http://www\.baidu\.com/link\?url=[^"]+)"', t)
    assert len(tokens) == 10 and "下一页" in t
    nxt = html.unescape(re.search(r'<a href="([^"]+)" class="n">下一页', t).group(1))
    s, h, b = fetch(opener, urllib.parse.urljoin(start, nxt))
    t2 = b.decode("utf-8")
    tokens += re.findall(r'<h3 class="t"><a href="(http://www\.baidu\.com/link\?url=[^"]+)"', t2)
    assert "下一页" not in t2
    targets = set()
    for tok in tokens:
        s, h, b = fetch(opener, tok)
        assert s == 302
        targets.add(h["Location"])
    reports = {r["url"] for r in GT["reports"]}
    junk = {n["url"] for n in GT["non_reports"] if n["kind"] == "junk"}
    assert len(targets & reports) >= 6 and junk <= targets
    assert not any("/gate/big5/" in u for u in targets)
    assert targets - reports - junk  # irrelevant pages
    for u in targets:
        assert fetch(opener, u)[0] == 200
    # raw (non-encoded) query reaches the same page
    s, h, b = fetch(opener, "http://www.baidu.com/s?wd=%E6%94%BF%E5%BA%9C%E4%BF%A1%E6%81%AF%E5%85%AC%E5%BC%80"
                            "%E5%B7%A5%E4%BD%9C%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A&pn=10")
    assert s == 200 and b.decode("utf-8") == t2


# ------------------------------------------------------------------ static vs dynamic answers (incremental crawls)
def test_static_pages_have_validators_and_dynamic_answers_do_not(srv):
    """As nginx serves static files: ETag + Last-Modified, 304 to a matching conditional request."""
    zj, fz, hz = SITES["zj_gov"], SITES["zj_fzggw"], SITES["hz_drc"]
    static = [(zj.host, "/index.html"), (zj.host, zj.xxgk_path), (zj.host, f"/col/col{zj.colid}/index.html"),
              (fz.host, f"/col/col{fz.colid}/index.html"), (zj.host, "/robots.txt"),
              (hz.host, f"/gate/big5/drc.hangzhou.gov.cn/col/col{hz.colid}/index.html"),
              ("www.hbsjtao.com", "/chanpin/huaweishoujitao/1024.html")]
    for host, path in static:
        s, h, _ = by_host_header(srv, host, path)
        assert s == 200 and h["ETag"] and h["Last-Modified"], (host, path)
        assert by_host_header(srv, host, path, headers={"If-None-Match": h["ETag"]})[0] == 304, (host, path)
        assert by_host_header(srv, host, path, headers={"If-Modified-Since": h["Last-Modified"]})[0] == 304
    form = f"col=1&appid=1&webid={zj.webid}&path=/&columnid={zj.colid}&unitid={zj.unitid}&permissiontype=0"
    dynamic = [("POST", zj.host, "/module/jpage/dataproxy.jsp?startrecord=1&endrecord=5&perpage=5", form),
               ("GET", "www.baidu.com", "/s?wd=x", None), ("GET", zj.host, "/col/col1229019000/index.html", None)]
    for method, host, target, body in dynamic:
        s, h, _ = by_host_header(srv, host, target, method=method, body=body,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"} if body else None)
        assert s in (200, 301) and h["ETag"] is None and h["Last-Modified"] is None, (host, target)


def test_edit_changes_one_page_only_with_new_validators():
    r = next(x for x in GT["reports"] if x["portal"] == "zhoushan")
    other = next(x for x in GT["reports"] if x["portal"] == "zhoushan" and x["url"] != r["url"])
    u, o = urllib.parse.urlsplit(r["url"]), urllib.parse.urlsplit(other["url"])
    with ReplicaServer(port=0, edits={r["url"]: "更正:数据已更正。"}) as s:
        st, h, body = by_host_header(s, u.hostname, u.path)
        assert st == 200 and "更正:数据已更正。" in body.decode("gbk") and r["title"] in body.decode("gbk")
        edited_etag = h["ETag"]
        s.clear_edits()
        st, h, body = by_host_header(s, u.hostname, u.path)
        assert h["ETag"] != edited_etag and "更正" not in body.decode("gbk")
        s.edit(r["url"], "第二次更正。")
        assert by_host_header(s, u.hostname, u.path, headers={"If-None-Match": h["ETag"]})[0] == 200
        _, ho, _ = by_host_header(s, o.hostname, o.path)
        assert by_host_header(s, o.hostname, o.path, headers={"If-None-Match": ho["ETag"]})[0] == 304
