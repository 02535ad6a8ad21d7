"""https end to end: the replica serves half its portals over https (CONNECT through the crawler's proxy, TLS ended in
the replica with certificates of its own CA); the crawler trusts that CA for replica crawls only, verifies every
certificate otherwise, and fails a portal whose certificate it does not trust with the TLS reason."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from govcrawl.replica import REGISTRY_PATH
from govcrawl.replica.server import ReplicaServer
from govcrawl.store.store import Store
from tests.conftest import run_govcrawl

# jcms with gzip and a PDF attachment, JPaaS, the JavaScript-built list (browser), TRS; and an http portal beside them
HTTPS_PORTALS = ("zj_gov", "zj_fzggw", "hz_drc", "trs_fgw")
HTTP_PORTAL = "zhoushan"
OLD_ADDRESS = "trs_fgw"  # registered by its old http address: the site answers 301 to https


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def write_registry(path: Path, slugs, **changes) -> Path:
    """The replica registry's entries for ``slugs`` in a file of their own; ``changes``: {slug: {key: value}}."""
    entries = {e["slug"]: e for e in tomllib.loads(REGISTRY_PATH.read_text(encoding="utf-8"))["portal"]}
    text = []
    for slug in slugs:
        entry = {**entries[slug], **changes.get(slug, {})}
        text.append("[[portal]]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in entry.items()))
    path.write_text("\n".join(text), encoding="utf-8")
    return path


def crawl(tmp_path: Path, name: str, registry: Path, proxy: str, *extra: str) -> dict:
    work = tmp_path / name
    work.mkdir()
    db = f"sqlite:///{work / 'db.sqlite3'}"
    result = run_govcrawl("crawl", "--portals", str(registry), "--proxy", proxy, *extra, "--db", db,
                          "--warc-dir", str(work / "warc"), "--stats-json", str(work / "stats.json"), cwd=work)
    rows = [json.loads(line) for line in run_govcrawl("export", "--db", db, "--format", "jsonl", cwd=work)
            .stdout.splitlines() if line.strip()]
    stats = json.loads((work / "stats.json").read_text()) if (work / "stats.json").exists() else {"portals": []}
    return {"result": result, "rows": rows, "health": {h["portal"]: h for h in stats["portals"]}, "work": work}


@pytest.fixture(scope="module")
def https_crawl(tmp_path_factory, ground_truth):
    tmp = tmp_path_factory.mktemp("https")
    start = next(p["start_url"] for k, p in ground_truth["portals"].items() if k == OLD_ADDRESS)
    registry = write_registry(tmp / "portals.toml", (*HTTPS_PORTALS, HTTP_PORTAL),
                              **{OLD_ADDRESS: {"start_urls": [start.replace("https://", "http://")]}})
    with ReplicaServer(port=0) as replica:
        run = crawl(tmp, "crawl", registry, replica.proxy_url, "--ca-file", replica.ca_path)
        run["requests"] = list(replica.requests)
    return run


@pytest.mark.e2e
def test_https_portals_crawl_into_https_urls_in_sql(https_crawl, ground_truth):
    run = https_crawl
    assert run["result"].returncode == 0, run["result"].stderr[-3000:]
    assert all(run["health"][slug]["ok"] for slug in (*HTTPS_PORTALS, HTTP_PORTAL)), run["health"]
    expected = {r["url"] for r in ground_truth["reports"] if r["portal"] in (*HTTPS_PORTALS, HTTP_PORTAL)}
    assert {r["url"] for r in run["rows"]} == expected
    for row in run["rows"]:
        assert row["url"].startswith("http://" if row["portal"] == HTTP_PORTAL else "https://"), row["url"]
    # every https host was reached through CONNECT (Chromium's included), the http one never, and nothing else
    connected = {target.rsplit(":", 1)[0] for method, target in run["requests"] if method == "CONNECT"}
    hosts = {ground_truth["portals"][slug]["host"] for slug in HTTPS_PORTALS}
    assert connected == hosts


@pytest.mark.e2e
def test_the_warc_files_hold_https_urls_and_pass_warcio_check(https_crawl, ground_truth):
    files = sorted((https_crawl["work"] / "warc").glob("*.warc.gz"))
    assert files
    uris, redirects, conversions = set(), {}, set()
    for path in files:
        check = subprocess.run(["warcio", "check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                uri = record.rec_headers.get_header("WARC-Target-URI")
                if record.rec_type == "response":
                    uris.add(uri)
                    if record.http_headers.get_statuscode() == "301":
                        redirects[uri] = record.http_headers.get_header("Location")
                elif record.rec_type == "conversion":
                    conversions.add(uri)
                elif record.rec_type == "warcinfo":  # the captures say their certificates were verified
                    assert b"govcrawl-tls: verified against " in record.content_stream().read()
    for slug in HTTPS_PORTALS:
        host = ground_truth["portals"][slug]["host"]
        on_host = {u for u in uris if u.split("/")[2] == host}
        assert on_host and all(u.startswith("https://") for u in on_host if u not in redirects), slug
    # each report row points at its https response record
    for row in https_crawl["rows"]:
        with open(https_crawl["work"] / "warc" / row["warc_filename"], "rb") as fh:
            fh.seek(row["warc_offset"])
            record = next(iter(ArchiveIterator(fh)))
        assert record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == row["url"]
    # the old http address: its 301 to https is archived too, and the crawl went on at https
    old = ground_truth["portals"][OLD_ADDRESS]["start_url"]
    assert redirects.get(old.replace("https://", "http://")) == old and old in uris
    # the browser's page (JavaScript-built list) rendered over https through the proxy
    assert conversions == {ground_truth["portals"]["hz_drc"]["start_url"]}
    assert any(u.startswith("https://drc.hangzhou.gov.cn/gate/big5/") and "/art/" in u for u in uris)
    assert any(u.startswith("https://www.zj.gov.cn/module/download/downfile.jsp") for u in uris)  # the PDF


@pytest.mark.e2e
def test_untrusted_certificates_fail_the_portal_with_the_tls_reason(tmp_path):
    """Without the replica's CA (the system's store only), with an expired certificate, with one for another
    name: each portal fails with its TLS reason, the others are unharmed; tls_verify = false accepts a broken
    certificate for that portal only, and its health says so."""
    slugs = ("zj_fzggw", "jx_fgw", "zj_jyt", HTTP_PORTAL)
    faults = {"fzggw.zj.gov.cn": ("bad_cert", {"kind": "expired"}),
              "fgw.jiaxing.gov.cn": ("bad_cert", {"kind": "wrong_host"})}
    with ReplicaServer(port=0, faults=faults) as replica:
        registry = write_registry(tmp_path / "portals.toml", slugs)
        run = crawl(tmp_path, "bad", registry, replica.proxy_url, "--ca-file", replica.ca_path)
        unknown = crawl(tmp_path, "no-ca", write_registry(tmp_path / "jyt.toml", ["zj_jyt"]), replica.proxy_url)
        lenient = write_registry(tmp_path / "lenient.toml", ["zj_fzggw"], zj_fzggw={"tls_verify": False})
        accepted = crawl(tmp_path, "lenient", lenient, replica.proxy_url, "--ca-file", replica.ca_path)

    result, health = run["result"], run["health"]
    assert result.returncode == 1
    assert health["zj_jyt"]["ok"] and health[HTTP_PORTAL]["ok"]
    expired, wrong = health["zj_fzggw"], health["jx_fgw"]
    assert not expired["ok"] and expired["problems"][0].startswith("TLS failure: certificate has expired")
    assert not wrong["ok"] and wrong["problems"][0].startswith(
        "TLS failure: certificate is for www.example.com, not fgw.jiaxing.gov.cn")
    assert len(expired["problems"]) == len(wrong["problems"]) == 1  # the reason, not "host unreachable"
    assert "FAILED portal zj_fzggw: TLS failure: certificate has expired" in result.stderr
    assert "FAILED portal jx_fgw: TLS failure: certificate is for www.example.com" in result.stderr
    assert "Traceback" not in result.stderr
    assert not [r for r in run["rows"] if r["portal"] in ("zj_fzggw", "jx_fgw")]
    # a certificate rejected is not retried: it would be rejected again
    assert not any(k.startswith("retry/") for k in expired["stats"]), expired["stats"]

    # the system's store does not hold the replica's CA: outside replica crawls its certificates are not trusted
    assert unknown["result"].returncode == 1
    problem = unknown["health"]["zj_jyt"]["problems"][0]
    assert problem.startswith("TLS failure: ") and "certificate" in problem and "govcrawl replica CA" in problem

    # tls_verify = false: the expired certificate is accepted for this portal, and the health records it
    assert accepted["result"].returncode == 0, accepted["result"].stderr[-3000:]
    ok = accepted["health"]["zj_fzggw"]
    assert ok["ok"] and ok["tls_verify"] is False and ok["reports"] > 0
    assert any(w.startswith("TLS certificates NOT verified (tls_verify = false in the registry)") for w in ok["warnings"])
    assert "WARNING portal zj_fzggw: TLS certificates NOT verified" in accepted["result"].stderr
    store = Store(f"sqlite:///{accepted['work'] / 'db.sqlite3'}")  # the run's record in SQL says so too
    [recorded] = store.runs()[0].portals
    store.close()
    assert recorded["tls_verify"] is False and recorded["warnings"] == ok["warnings"]


def test_ca_file_must_hold_a_certificate(tmp_path):
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate\n")
    for path, message in ((bad, "no PEM certificate in it"), (tmp_path / "none.pem", "No such file")):
        result = run_govcrawl("crawl", "--portal", "zj_gov", "--ca-file", str(path), "--db",
                              f"sqlite:///{tmp_path / 'x.sqlite3'}", cwd=tmp_path, timeout=60)
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


# --- the pieces, without a crawl ---------------------------------------------------------------------------------


def test_health_says_tls_failure_and_unverified_certificates():
    from govcrawl.crawl.runner import portal_health

    cause = "TLS: certificate has expired (valid 2025-01-01 to 2025-12-01)"
    failed = portal_health("x", {"downloader/exception_type_count/scrapy.exceptions.DownloadFailedError": 2,
                                 "govcrawl/lost_pages": 2, f"govcrawl/lost/{cause}": 2})
    assert not failed["ok"]
    assert failed["problems"] == ["TLS failure: certificate has expired (valid 2025-01-01 to 2025-12-01) x2 (if the "
                                  "portal's own certificate is known to be broken: tls_verify = false in its registry "
                                  "entry)"]
    served = {"downloader/response_count": 9, "downloader/response_status_count/200": 9, "item_scraped_count": 3}
    partly = portal_health("x", {**served, "govcrawl/lost_pages": 2, f"govcrawl/lost/{cause}": 1,
                                 "govcrawl/lost/timeout": 1})
    assert [p.split(":")[0] for p in partly["problems"]] == ["TLS failure", "1 page(s) lost after retries (timeout x1)"]
    lenient = portal_health("x", {**served, "govcrawl/tls_unverified": 3,
                                  "govcrawl/tls_unverified_reason": "tls_verify = false in the registry"})
    assert lenient["ok"] and lenient["tls_verify"] is False
    assert lenient["warnings"] == ["TLS certificates NOT verified (tls_verify = false in the registry): 3 connection(s)"]
    assert "tls_verify" not in portal_health("x", served)


def test_tls_failure_reads_the_reason_under_the_download_error():
    from scrapy.exceptions import DownloadFailedError
    from twisted.python.failure import Failure
    from twisted.web._newclient import ResponseNeverReceived

    from govcrawl.crawl.middlewares import failure_reason
    from govcrawl.crawl.tls import CertificateRejected

    try:
        raise DownloadFailedError("failed") from ResponseNeverReceived(
            [Failure(CertificateRejected("www.a.gov.cn", "certificate has expired"))])
    except DownloadFailedError as exc:
        assert failure_reason(exc) == "TLS: certificate has expired"
    assert failure_reason(RuntimeError("page.goto: net::ERR_CERT_AUTHORITY_INVALID at https://a/")) == (
        "TLS: browser: ERR_CERT_AUTHORITY_INVALID")
    assert failure_reason(RuntimeError("something else")) == "RuntimeError"


def test_registry_tls_verify_is_a_boolean(tmp_path):
    from govcrawl.crawl.registry import RegistryError, load_registry

    entry = 'slug="x"\nname="X"\nlevel="city"\nregion="r"\nplatform="jcms"\nstart_urls=["https://x.gov.cn/"]\n'
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text("[[portal]]\n" + entry + "tls_verify = false\n", encoding="utf-8")
    bad.write_text("[[portal]]\n" + entry + 'tls_verify = "no"\n', encoding="utf-8")
    assert load_registry(good).portals["x"].options["tls_verify"] is False
    with pytest.raises(RegistryError, match="key 'tls_verify' must be a bool"):
        load_registry(bad)


def test_the_replica_ca_is_kept_in_its_state_folder_and_named_by_its_key_hash(tmp_path):
    import base64
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from govcrawl.crawl.tls import load_bundle, spki_hashes
    from govcrawl.replica.tls import LocalCA

    first = LocalCA(tmp_path / "state")
    again = LocalCA(tmp_path / "state")  # a replica started again keeps its CA: what was told to trust it still does
    assert first.ca_path.read_bytes() == again.ca_path.read_bytes() and len(load_bundle(first.ca_path)) == 1
    key = x509.load_pem_x509_certificate(first.ca_path.read_bytes()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert spki_hashes(first.ca_path) == [base64.b64encode(hashlib.sha256(key).digest()).decode()]
    again.remove()
    assert first.ca_path.exists()  # a given folder is kept
    temporary = LocalCA()
    temporary.context("www.a.gov.cn")
    temporary.remove()
    assert not temporary.folder.exists()


def test_the_browser_trusts_the_ca_key_never_every_certificate(tmp_path):
    from scrapy.settings import Settings

    from govcrawl.crawl.browser import use_browser
    from govcrawl.crawl.tls import spki_hashes
    from govcrawl.replica.tls import LocalCA

    ca = LocalCA(tmp_path / "ca")

    def launched(**values):
        settings = Settings({"GOVCRAWL_CHROMIUM": "/usr/bin/chromium", "GOVCRAWL_TLS_VERIFY": True, **values})
        use_browser(settings)
        return settings["PLAYWRIGHT_LAUNCH_OPTIONS"]["args"], settings.get("PLAYWRIGHT_CONTEXTS")

    args, contexts = launched(GOVCRAWL_CA_BUNDLE=str(ca.ca_path))
    assert f"--ignore-certificate-errors-spki-list={spki_hashes(ca.ca_path)[0]}" in args and not contexts
    for args, _ in (launched(), launched(GOVCRAWL_TLS_VERIFY=False)):
        assert not any(a.startswith("--ignore-certificate-errors") for a in args)
    assert launched(GOVCRAWL_TLS_VERIFY=False)[1] == {"default": {"ignore_https_errors": True}}
