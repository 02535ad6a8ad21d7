"""TLS for the crawl: every https certificate is verified, as a browser does, unless a portal is known to need otherwise.

Scrapy's own context factory accepts any certificate. govcrawl verifies by default (``GOVCRAWL_TLS_VERIFY``): the chain
against the system's CA store (or, for replica crawls only, against ``GOVCRAWL_CA_BUNDLE``, e.g. the replica's CA:
``govcrawl crawl --ca-file``), and the host name against the certificate. A portal whose real certificate is broken
(expired, for another name, self-signed: many government sites) is marked ``tls_verify = false`` in the registry; its
crawl then accepts any certificate and its health says so (``govcrawl/tls_unverified``).

A certificate rejected is a clear failure: the download fails with ``CertificateRejected`` naming what was wrong
(``certificate has expired``, ``unable to get local issuer certificate`` (an unknown CA), ``certificate is for
www.example.com, not …``), which ``tls_failure`` reads back for the lost-page cause and the portal's health.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from pathlib import Path
from typing import Any

from OpenSSL import SSL
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from service_identity import VerificationError
from service_identity.hazmat import DNS_ID, IPAddress_ID, verify_service_identity
from service_identity.pyopenssl import extract_patterns
from twisted.internet.abstract import isIPAddress, isIPv6Address
from twisted.internet.interfaces import IOpenSSLClientConnectionCreator
from twisted.internet.ssl import Certificate, optionsForClientTLS, platformTrust, trustRootFromCertificates
from twisted.python.failure import Failure
from twisted.web.iweb import IPolicyForHTTPS
from zope.interface import implementer

logger = logging.getLogger(__name__)

#: OpenSSL's X509_V_ERR_* codes a crawl meets, in OpenSSL's words
X509_ERRORS = {
    2: "unable to get issuer certificate",
    9: "certificate is not yet valid",
    10: "certificate has expired",
    18: "self-signed certificate",
    19: "self-signed certificate in certificate chain",
    20: "unable to get local issuer certificate (the issuing CA is not trusted)",
    21: "unable to verify the first certificate (incomplete chain)",
    23: "certificate revoked",
    24: "invalid CA certificate",
    26: "unsupported certificate purpose",
}
_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


class CertificateRejected(Exception):
    """The server's certificate was not accepted: ``reason`` says why, for ``host``."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"{reason} ({host})")
        self.host, self.reason = host, reason


def load_bundle(path: str | Path) -> list[bytes]:
    """The PEM certificates of a CA bundle file; ``ValueError`` (one line) when there are none."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ValueError(f"CA file {path}: {exc.strerror or exc}") from exc
    pems = _PEM.findall(data)
    if not pems:
        raise ValueError(f"CA file {path}: no PEM certificate in it")
    for pem in pems:
        try:
            Certificate.loadPEM(pem)
        except Exception as exc:  # pyOpenSSL's errors for a damaged certificate
            raise ValueError(f"CA file {path}: a certificate in it cannot be read ({exc})") from exc
    return pems


def spki_hashes(path: str | Path) -> list[str]:
    """base64(SHA-256(SubjectPublicKeyInfo)) of each certificate of a bundle: what Chromium's
    ``--ignore-certificate-errors-spki-list`` names a trusted key by."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    out = []
    for pem in load_bundle(path):
        key = x509.load_pem_x509_certificate(pem).public_key()
        der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        out.append(base64.b64encode(hashlib.sha256(der).digest()).decode("ascii"))
    return out


def _subject(cert: Any) -> str:
    try:
        parts = dict(cert.get_subject().get_components())
        return (parts.get(b"CN") or b"?").decode("utf-8", "replace")
    except Exception:
        return "?"


def _names(cert: Any) -> str:
    try:
        names = [p.pattern.decode("ascii", "replace") if isinstance(p.pattern, bytes) else str(p.pattern)
                 for p in extract_patterns(cert) if hasattr(p, "pattern")]
    except Exception:
        names = []
    return ", ".join(names) or _subject(cert)


def _reason(err: int, cert: Any, depth: int) -> str:
    reason = X509_ERRORS.get(err, f"certificate verify error {err}")
    if err in (9, 10):
        try:
            c = cert.to_cryptography()
            reason += f" (valid {c.not_valid_before_utc:%Y-%m-%d} to {c.not_valid_after_utc:%Y-%m-%d})"
        except Exception:
            pass
    return reason + (f" at depth {depth}: {_subject(cert)}" if depth else "")


@implementer(IOpenSSLClientConnectionCreator)
class _VerifyingCreator:
    """Twisted's verifying client TLS, with a verify callback that says what it rejected (Twisted's keeps only
    OpenSSL's "certificate verify failed")."""

    def __init__(self, hostname: str, trust_root: Any, extra: dict[str, Any]) -> None:
        self.hostname = hostname
        self._id = IPAddress_ID(hostname) if isIPAddress(hostname) or isIPv6Address(hostname) else DNS_ID(hostname)
        self._inner = optionsForClientTLS(hostname, trustRoot=trust_root, extraCertificateOptions=extra)

    def clientConnectionForTLS(self, tls_protocol: Any) -> SSL.Connection:
        connection = self._inner.clientConnectionForTLS(tls_protocol)
        protocol = [tls_protocol]  # dropped once used: no reference to the protocol outlives the handshake

        def reject(reason: str) -> bool:
            if protocol:
                protocol.pop().failVerification(Failure(CertificateRejected(self.hostname, reason)))
            return False

        def verify(conn: SSL.Connection, cert: Any, err: int, depth: int, ok: int) -> bool:
            try:
                if not ok:
                    return reject(_reason(err, cert, depth))
                if depth == 0:
                    try:
                        verify_service_identity(extract_patterns(cert), [self._id], [])
                    except VerificationError:
                        return reject(f"certificate is for {_names(cert)}, not {self.hostname}")
                    protocol.clear()
                return True
            except Exception as exc:  # never let an exception escape an OpenSSL callback
                logger.error("TLS verification of %s failed: %r", self.hostname, exc)
                return reject(f"verification error: {exc!r}")

        connection.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT, verify)
        return connection


@implementer(IPolicyForHTTPS)
class TrustPolicy:
    """Scrapy's TLS client policy with certificates verified (the system's CA store, or ``ca_file``); ``verify``
    off: Scrapy's own (accepting) policy, ``fallback``, and each connection counted in the stats."""

    def __init__(self, fallback: Any, verify: bool = True, ca_file: str | None = None, stats: Any = None,
                 why: str = "") -> None:
        self.fallback, self.verify, self.stats, self.why = fallback, verify, stats, why
        self.trust_root = (trustRootFromCertificates([Certificate.loadPEM(p) for p in load_bundle(ca_file)])
                           if ca_file else platformTrust())
        self._creators: dict[tuple[str, int], _VerifyingCreator] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, fallback: Any) -> "TrustPolicy":
        settings = crawler.settings
        verify = settings.getbool("GOVCRAWL_TLS_VERIFY", True)
        portal = getattr(crawler.spidercls, "portal", None)
        options = getattr(portal, "options", {}) or {}
        why = "tls_verify = false in the registry" if options.get("tls_verify") is False else "GOVCRAWL_TLS_VERIFY=0"
        return cls(fallback, verify, settings.get("GOVCRAWL_CA_BUNDLE") or None, crawler.stats, why)

    def creatorForNetloc(self, hostname: bytes, port: int) -> Any:
        if not self.verify:
            if self.stats is not None:
                self.stats.inc_value("govcrawl/tls_unverified")
                self.stats.set_value("govcrawl/tls_unverified_reason", self.why)
            return self.fallback.creatorForNetloc(hostname, port)
        key = (hostname.decode("ascii"), port)
        if key not in self._creators:
            self._creators[key] = _VerifyingCreator(key[0], self.trust_root, {"method": SSL.SSLv23_METHOD})
        return self._creators[key]


def verify_settings(settings: Any, portal: Any = None) -> None:
    """A portal marked ``tls_verify = false`` in the registry is crawled without certificate verification."""
    if portal is not None and (getattr(portal, "options", {}) or {}).get("tls_verify") is False:
        settings.set("GOVCRAWL_TLS_VERIFY", False, priority="spider")


class HTTPSDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler for https, with certificates verified (``TrustPolicy``)."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._contextFactory = TrustPolicy.from_crawler(crawler, self._contextFactory)


def _causes(exception: BaseException) -> Any:
    """The exception and every exception under it (causes, and the reasons Twisted's web client lists)."""
    seen: set[int] = set()
    stack: list[Any] = [exception]
    while stack:
        exc = stack.pop()
        if exc is None or id(exc) in seen:
            continue
        seen.add(id(exc))
        yield exc
        stack += [f.value for f in (getattr(exc, "reasons", None) or []) if isinstance(f, Failure)]
        stack += [exc.__cause__, exc.__context__]


def tls_failure(exception: BaseException) -> str | None:
    """What went wrong with TLS in a failed download (a certificate rejected, a handshake failed), or None."""
    for exc in _causes(exception):
        if isinstance(exc, CertificateRejected):
            return exc.reason
        if isinstance(exc, VerificationError):
            return "certificate is not for this host"
        if isinstance(exc, SSL.Error):
            parts = exc.args[0] if exc.args and isinstance(exc.args[0], list) else []
            detail = "; ".join(str(part[-1]) for part in parts if isinstance(part, tuple) and part)
            return f"handshake failed ({detail or exc})"
    browser = re.search(r"net::(ERR_CERT_\w+|ERR_SSL_\w+|ERR_BAD_SSL_\w+)", str(exception))
    return f"browser: {browser.group(1)}" if browser else None


class NoRetryOnRejectedCertificate:
    """A certificate rejected will be rejected again: such a download is not retried (a handshake that failed
    otherwise may be transient, and is). Placed above Scrapy's RetryMiddleware (550)."""

    def process_exception(self, request: Any, exception: BaseException) -> None:
        if any(isinstance(exc, (CertificateRejected, VerificationError)) for exc in _causes(exception)) or (
                "net::ERR_CERT_" in str(exception)):
            request.meta["dont_retry"] = True
