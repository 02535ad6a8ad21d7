"""Text of report attachments (PDF, DOCX, OFD), where a kept library or the format itself allows.

PDF through pypdf; DOCX and OFD are ZIP packages of XML, read with the standard library. Old binary
Word (DOC) and WPS files have no kept Python reader: they are archived, and their text is recorded
as not extracted, with the reason.
"""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import parse_qsl, urlsplit

MAX_TEXT = 2_000_000  # characters kept per attachment


def kind_of(url: str, content_type: str | None) -> str:
    """pdf | docx | doc | wps | ofd | xls | other, from the name (or fileName= parameter) and the type."""
    parts = urlsplit(url)
    name = dict(parse_qsl(parts.query)).get("fileName") or dict(parse_qsl(parts.query)).get("filename") or parts.path
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ext == "pdf" or ctype == "application/pdf":
        return "pdf"
    if ext in ("docx", "doc", "wps", "ofd", "xls", "xlsx"):
        return ext
    if "wordprocessingml" in ctype:
        return "docx"
    return "other"


def extract_text(body: bytes, url: str, content_type: str | None = None) -> tuple[str | None, str]:
    """(text or None, how it was read or why not)."""
    kind = kind_of(url, content_type)
    try:
        if kind == "pdf":
            from pypdf import PdfReader

            reader = PdfReader(io.BytesIO(body))
            text = "\n".join((page.extract_text() or "") for page in reader.pages)
            return _clean(text), f"pdf: {len(reader.pages)} page(s), pypdf"
        if kind == "docx":
            return _xml_text(body, r"word/document\.xml", "w:t"), "docx: word/document.xml"
        if kind == "ofd":
            return _xml_text(body, r"Doc_\d+/Pages/Page_\d+/Content\.xml", "ofd:TextCode"), "ofd: page Content.xml"
    except Exception as exc:  # a damaged or unusual file: archived all the same
        return None, f"{kind}: not readable ({exc.__class__.__name__}: {exc})"
    return None, f"{kind}: no kept library reads this format; archived only"


def _xml_text(body: bytes, member_pattern: str, tag: str) -> str:
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        names = sorted(n for n in package.namelist() if re.fullmatch(member_pattern, n))
        chunks = []
        for name in names:
            xml = package.read(name).decode("utf-8", "replace")
            chunks.extend(re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", xml, flags=re.S))
    return _clean("".join(chunks) if tag == "w:t" else "\n".join(chunks))


def _clean(text: str) -> str:
    return re.sub(r"[ \t]+\n", "\n", text).strip()[:MAX_TEXT]
