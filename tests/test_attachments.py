"""Attachment text: PDF (pypdf), DOCX and OFD (ZIP packages of XML); DOC/WPS archived only."""

import io
import zipfile

from govcrawl.analysis.attachments import extract_text, kind_of
from govcrawl.replica.http import make_pdf


def _zip(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return buf.getvalue()


def test_pdf_text():
    text, note = extract_text(make_pdf("t"), "http://x.gov.cn/module/download/downfile.jsp?filename=1.pdf")
    assert "Zhejiang 2022 government information disclosure annual report" in text and note.startswith("pdf: 1 page")


def test_docx_and_ofd_text():
    docx = _zip({"word/document.xml": '<w:document><w:body><w:p><w:r><w:t>浙江省</w:t></w:r><w:r><w:t xml:space="preserve">2020年度报告</w:t></w:r></w:p></w:body></w:document>'})
    assert extract_text(docx, "http://x.gov.cn/a.docx")[0] == "浙江省2020年度报告"
    ofd = _zip({"Doc_0/Pages/Page_0/Content.xml": '<ofd:Page><ofd:TextObject><ofd:TextCode X="1">政府信息公开</ofd:TextCode></ofd:TextObject></ofd:Page>'})
    assert extract_text(ofd, "http://x.gov.cn/a.ofd")[0] == "政府信息公开"


def test_binary_word_is_archived_only_and_damaged_files_say_why():
    text, note = extract_text(b"\xd0\xcf\x11\xe0 binary", "http://x.gov.cn/api/download?fileUrl=x&fileName=%E6%8A%A5%E5%91%8A.wps")
    assert text is None and note.startswith("wps: no kept library")
    text, note = extract_text(b"not a pdf", "http://x.gov.cn/a.pdf")
    assert text is None and "not readable" in note
    assert kind_of("http://x.gov.cn/download?fileName=a.DOCX", None) == "docx"
