"""The replica's https: a local certificate authority made at start-up and a certificate per host, signed on the fly.

The replica answers ``CONNECT host:443`` as warcprox and mitmproxy do: it terminates TLS itself with a certificate for
``host`` signed by its own CA, and answers the requests inside the tunnel from the same routing as plain http. A crawler
trusts that CA for replica crawls only (``govcrawl crawl --ca-file CA``; ``govcrawl demo`` passes it by itself).

The CA lives in a folder: one given (kept, and reused when the replica starts again: a browser or crawler told to trust
it once keeps trusting it) or a temporary one (removed when the server stops). Its files: ``ca.pem`` (the certificate the
crawler is told to trust), ``ca-key.pem``, ``host-key.pem`` (one key for every host certificate) and ``hosts/*.pem``.

Broken certificates, as many government sites serve them, for the tests of the crawler's verification
(fault mode ``bad_cert``): ``expired``, ``wrong_host`` (a certificate for another name), ``self_signed`` (not signed
by the CA).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import ssl
import tempfile
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_NAME = "govcrawl replica CA"
BAD_CERT_KINDS = ("expired", "wrong_host", "self_signed")
WRONG_HOST = "www.example.com"  # whose certificate a ``wrong_host`` portal serves
_DAY = dt.timedelta(days=1)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "govcrawl replica"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


class LocalCA:
    """A certificate authority in ``folder`` (made there if absent) and the TLS contexts of the hosts it signs for."""

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.temporary = folder is None
        self.folder = Path(tempfile.mkdtemp(prefix="govcrawl-replica-ca-")) if folder is None else Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "hosts").mkdir(exist_ok=True)
        self._lock = threading.Lock()
        self._contexts: dict[tuple[str, str], ssl.SSLContext] = {}
        self.ca_path = self.folder / "ca.pem"
        key_path = self.folder / "ca-key.pem"
        if self.ca_path.exists() and key_path.exists():
            self.cert = x509.load_pem_x509_certificate(self.ca_path.read_bytes())
            self.key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        else:
            self.key = ec.generate_private_key(ec.SECP256R1())
            self.cert = self._ca_certificate(self.key)
            _write_key(key_path, self.key)
            self.ca_path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        host_key_path = self.folder / "host-key.pem"
        if host_key_path.exists():
            self.host_key = serialization.load_pem_private_key(host_key_path.read_bytes(), password=None)
        else:
            self.host_key = ec.generate_private_key(ec.SECP256R1())
            _write_key(host_key_path, self.host_key)
        self.host_key_path = host_key_path

    @staticmethod
    def _ca_certificate(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
        now = dt.datetime.now(dt.timezone.utc)
        name = _name(CA_NAME)
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        return (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _DAY).not_valid_after(now + 3650 * _DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256())
        )

    def host_certificate(self, host: str, kind: str = "") -> x509.Certificate:
        """A certificate for ``host`` signed by the CA; ``kind``: one of ``BAD_CERT_KINDS`` for a broken one."""
        now = dt.datetime.now(dt.timezone.utc)
        name = WRONG_HOST if kind == "wrong_host" else host
        start, end = (now - 400 * _DAY, now - 30 * _DAY) if kind == "expired" else (now - _DAY, now + 365 * _DAY)
        issuer_key, issuer = (self.host_key, _name(name)) if kind == "self_signed" else (self.key, self.cert.subject)
        builder = (
            x509.CertificateBuilder().subject_name(_name(name)).issuer_name(issuer)
            .public_key(self.host_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName([_san(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.host_key.public_key()), critical=False)
        )
        if kind != "self_signed":
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
        return builder.sign(issuer_key, hashes.SHA256())

    def context(self, host: str, kind: str = "") -> ssl.SSLContext:
        """The server-side TLS context for ``host`` (cached): its certificate, then the CA's (the chain a browser
        matches a trusted key against)."""
        if kind and kind not in BAD_CERT_KINDS:
            raise ValueError(f"bad_cert kind {kind!r}: one of {', '.join(BAD_CERT_KINDS)}")
        key = (host, kind)
        with self._lock:
            ctx = self._contexts.get(key)
            if ctx is None:
                cert = self.host_certificate(host, kind)
                chain = cert.public_bytes(serialization.Encoding.PEM)
                if kind != "self_signed":
                    chain += self.cert.public_bytes(serialization.Encoding.PEM)
                safe = "".join(c if c.isalnum() or c in ".-" else "_" for c in host)
                path = self.folder / "hosts" / f"{safe}{'-' + kind if kind else ''}.pem"
                path.write_bytes(chain)
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(path, self.host_key_path)
                self._contexts[key] = ctx
            return ctx

    def remove(self) -> None:
        """Delete the folder if it was a temporary one."""
        if self.temporary:
            shutil.rmtree(self.folder, ignore_errors=True)
