"""The replica's HTTP model: a request, a response, and the helpers every site uses (ETag, Last-Modified,
encodings, a PDF)."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

CST = timezone(timedelta(hours=8))


# =========================================================================== HTTP model
@dataclass
class Request:
    method: str
    host: str
    target: str  # path + "?" + query, as received (origin form)
    headers: dict  # lower-cased names
    body: bytes = b""
    scheme: str = "http"  # "https": received inside a CONNECT tunnel, after the replica's TLS

    @property
    def path(self) -> str:
        return urlsplit(self.target).path or "/"

    @property
    def query(self) -> str:
        return urlsplit(self.target).query

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}{self.target}"

    def params(self) -> dict:
        """Query string and (url-encoded) form body merged; first value of each field."""
        out: dict = {}
        sources = [self.query]
        if self.body:
            sources.append(self.body.decode("utf-8", "replace"))
        for src in sources:
            for k, v in parse_qs(src, keep_blank_values=True).items():
                out[k] = v[0]
        return out


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=UTF-8"
    headers: list = field(default_factory=list)  # extra (name, value)
    last_modified: datetime | None = None
    etag: str | None = None


def text_response(status: int, text: str, ctype="text/plain; charset=UTF-8") -> Response:
    return Response(status, text.encode("utf-8"), ctype)


def redirect(status: int, location: str) -> Response:
    body = f"<html><head><title>{status}</title></head><body><a href=\"{location}\">{location}</a></body></html>"
    return Response(status, body.encode(), "text/html; charset=UTF-8", [("Location", location)])


# =========================================================================== router
def etag_of(body: bytes) -> str:
    return '"' + hashlib.md5(body).hexdigest()[:20] + '"'


def last_modified_of(pub: str) -> datetime:
    return datetime.strptime(pub, "%Y-%m-%d %H:%M").replace(tzinfo=CST).astimezone(timezone.utc)


def encode_text(text: str, codec: str) -> bytes:
    if codec == "utf-8":
        return text.encode("utf-8")
    check = "gbk" if codec == "gb18030" else codec
    try:
        text.encode(check)
    except UnicodeEncodeError:
        text = "".join(c if _enc_ok(c, check) else f"&#{ord(c)};" for c in text)
    return text.encode(codec, "xmlcharrefreplace")


@functools.lru_cache(maxsize=4096)
def _enc_ok(c, codec):
    try:
        c.encode(codec)
        return True
    except UnicodeEncodeError:
        return False


def make_pdf(title: str) -> bytes:
    """A small valid one-page PDF with a line of (ASCII) text and the title in its metadata."""
    import io

    try:
        from pypdf import PdfWriter
        from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

        w = PdfWriter()
        pg = w.add_blank_page(width=595, height=842)
        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                                 NameObject("/BaseFont"): NameObject("/Helvetica")})
        pg[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): w._add_object(font)})})
        cs = DecodedStreamObject()
        cs.set_data(b"BT /F1 14 Tf 72 770 Td (Zhejiang 2022 government information disclosure annual report) Tj ET")
        pg[NameObject("/Contents")] = w._add_object(cs)
        w.add_metadata({"/Title": title, "/Producer": "govcrawl replica"})
        buf = io.BytesIO()
        w.write(buf)
        return buf.getvalue()
    except Exception:  # pragma: no cover - pypdf API drift
        from pypdf import PdfWriter

        w = PdfWriter()
        w.add_blank_page(width=595, height=842)
        buf = io.BytesIO()
        w.write(buf)
        return buf.getvalue()

