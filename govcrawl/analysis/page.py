"""Page analysis: decode, junk filter, classification and metadata extraction combined."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from govcrawl.analysis import bodies, dates, fields, structure
from govcrawl.analysis import classify as C
from govcrawl.analysis import junk as J
from govcrawl.analysis import text as T
from govcrawl.analysis.statistics import parse_statistics

__all__ = ["PageAnalysis", "analyze_page"]


@dataclass
class PageAnalysis:
    kind: str                      # "annual_report" | "other" | "junk"
    junk_reasons: list[str] = field(default_factory=list)
    junk_score: float = 0.0
    classification_reasons: list[str] = field(default_factory=list)
    title: str | None = None
    report_year: int | None = None
    index_no: str | None = None
    publisher: str | None = None
    reporting_body: str | None = None
    written_date: str | None = None
    published_date: str | None = None
    doc_no: str | None = None
    sources: dict[str, str] = field(default_factory=dict)
    original: dict[str, str] = field(default_factory=dict)
    disagreements: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)   # subject (主题分类/组配分类), disclosure_mode (公开方式), ...
    encoding: str | None = None
    traditional: bool = False
    statistics: Any = None         # govcrawl.statistics.Statistics of an annual report, or None
    text: str = ""                 # the page's main text (its body where one is found), Simplified, for search

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "junk_reasons": list(self.junk_reasons),
            "title": self.title,
            "report_year": self.report_year,
            "index_no": self.index_no,
            "publisher": self.publisher,
            "reporting_body": self.reporting_body,
            "written_date": self.written_date,
            "published_date": self.published_date,
            "doc_no": self.doc_no,
            "sources": dict(self.sources),
            "original": dict(self.original),
            "disagreements": list(self.disagreements),
            "classification_reasons": list(self.classification_reasons),
            "junk_score": self.junk_score,
            "extra": dict(self.extra),
            "encoding": self.encoding,
            "traditional": self.traditional,
            "statistics": self.statistics.to_dict() if self.statistics is not None else None,
        }


_TEXT_FIELDS = ("title", "index_no", "publisher", "doc_no")
_URL_REPORT_YEAR_RE = re.compile(r"(?<!\d)(20\d{2})(?:nb|nd|ndbg|年度|年报|%E5%B9%B4%E5%BA%A6)", re.I)


def _disagreements(pa: PageAnalysis) -> list[str]:
    out = []
    ry = pa.report_year
    if not ry:
        return out
    dy = dates.year_of_doc_no(pa.doc_no)
    if dy and dy != ry:
        out.append(f"doc_no year {dy} != report_year {ry}")
    if pa.written_date:
        wy = int(pa.written_date[:4])
        if wy != ry:
            note = " (report_year + 1, usual for a report)" if wy == ry + 1 else ""
            out.append(f"written_date year {wy} != report_year {ry}{note}")
    if pa.published_date:
        py = int(pa.published_date[:4])
        if py not in (ry, ry + 1):
            out.append(f"published_date year {py} != report_year {ry} + 1")
    if pa.written_date and pa.published_date and pa.written_date > pa.published_date:
        out.append(f"written_date {pa.written_date} after published_date {pa.published_date}")
    return out


#: A page is analysed on at most this many bytes (characters for text): the largest real report pages are a
#: few hundred KB; a bigger page is archived whole and analysed on its first part (bounded time and memory).
ANALYSIS_MAX_BYTES = 4 << 20


def bounded_prefix(content: str | bytes, limit: int = ANALYSIS_MAX_BYTES) -> tuple[str | bytes, int | None]:
    """(the part of the page to analyse, its whole size if it was cut). Bytes are cut just before a '<' (or a
    newline) near the limit: neither ever is the second byte of a GBK, Big5 or UTF-8 character."""
    if len(content) <= limit:
        return content, None
    if isinstance(content, (bytes, bytearray)):
        cut = max(content.rfind(b"<", limit - 65536, limit), content.rfind(b"\n", limit - 65536, limit))
    else:
        cut = max(content.rfind("<", limit - 65536, limit), content.rfind("\n", limit - 65536, limit))
    return content[: cut if cut > 0 else limit], len(content)


def analyze_page(content: str | bytes, url: str | None = None, content_type: str | None = None,
                 settings: J.JunkSettings = J.DEFAULT_SETTINGS) -> PageAnalysis:
    """content is HTML or plain visible text (like the seeds); bytes are decoded with decode_body. All values Simplified.

    A page over ANALYSIS_MAX_BYTES is analysed on its first part; its classification reasons say so."""
    content, whole = bounded_prefix(content)
    pa = _analyze(content, url, content_type, settings)
    if whole is not None:
        pa.classification_reasons = list(pa.classification_reasons) + [
            f"analysed on its first {len(content):,} of {whole:,} bytes (page over the analysis bound)"]
    return pa


def _analyze(content: str | bytes, url: str | None, content_type: str | None, settings: J.JunkSettings) -> PageAnalysis:
    encoding = None
    if isinstance(content, (bytes, bytearray)):
        content, encoding = T.decode_body(bytes(content), content_type)
    content = content or ""
    is_html = T.looks_like_html(content)
    # plain lxml elements (cheaper to walk); the same tree as T.parse_html(content)
    root = T.parse_html(content, html_elements=False) if is_html else None
    if root is not None:
        # the page's text and its article body's text from one walk of the tree
        text, body_text = T.tree_texts(root, structure.main_body(root))
        if body_text is not None and not body_text.strip():
            body_text = None
    else:
        text = T._clean_text(content)
        body_text = None
        is_html = False
    metas = structure.meta_tags(root)

    ex = fields.extract_fields(text, root, body_text)
    traditional = T.is_traditional(text)

    pa = PageAnalysis(kind="other", encoding=encoding, traditional=traditional)
    for f in _TEXT_FIELDS:
        raw = getattr(ex, f)
        if raw is None:
            continue
        simp = T.to_simplified(raw)
        setattr(pa, f, simp)
        if simp != raw:
            pa.original[f] = raw
    for k, raw in ex.extra.items():
        simp = T.to_simplified(raw)
        pa.extra[k] = simp
        if simp != raw:
            pa.original[k] = raw
    pa.report_year = ex.report_year
    pa.written_date = ex.written_date
    pa.published_date = ex.published_date
    pa.sources = dict(ex.sources)

    # classification (Simplified text)
    simp_text = T.to_simplified(body_text or text)
    pa.text = simp_text
    cands = [T.to_simplified(c) for c, _ in ex.title_candidates]
    cls = C.classify(pa.title, simp_text if len(simp_text) > 200 else T.to_simplified(text), cands, url)
    pa.classification_reasons = cls.reasons
    if cls.is_report and pa.report_year is None:
        y = dates.year_from_body(T.to_simplified(text)) or dates.dominant_year(simp_text)
        if y:
            pa.report_year, pa.sources["report_year"] = y, "body"
    if cls.is_report and pa.report_year is None and url:
        # only URLs that name the report year (…/2020nb.html, 2020ndbg, 2020年度…); /art/2021/… is a publication date
        m = _URL_REPORT_YEAR_RE.search(url)
        if m:
            pa.report_year, pa.sources["report_year"] = int(m.group(1)), "url"

    if cls.is_report:
        # whose report it is: named by the title, or else by the first sentence
        simp_page = T.to_simplified(text)
        above, byline = bodies.around_title(pa.title, simp_page)
        if above:  # a title split over two lines: the body's name above, "2024年政府信息公开工作年度报告" below
            pa.original.setdefault("title", pa.title)
            pa.title = above + pa.title
        pa.reporting_body, rb_source = bodies.reporting_body(pa.title, simp_text)
        if pa.reporting_body:
            pa.sources["reporting_body"] = rb_source

    # junk
    jr = J.junk_signals(text, url=url, root=root, title=ex.title, metas=metas, is_html=is_html, settings=settings)
    pa.junk_reasons = jr.reasons
    pa.junk_score = jr.score
    junk = jr.is_junk
    if jr.government_host is False:
        # A government page's text where the government did not publish it is a copy, whatever else it looks like.
        copy = J.copy_reason(simp_text, url, cls.is_report, cls.reasons, pa.reporting_body)
        if copy:
            pa.junk_reasons = [copy] + pa.junk_reasons
            junk = True
    if junk and jr.government_host:
        # never dropped for its content alone on a government host (a portal can mention lotteries, or be odd)
        junk = False
        pa.junk_reasons = pa.junk_reasons + ["overridden: a page on a government host is never junk for its content"]
    if junk:
        pa.kind = "junk"
    elif cls.is_report and jr.government_host is False:
        # not a copy (an institution's own report on its own host), but no government body's report either
        pa.kind = "other"
        pa.classification_reasons = cls.reasons + ["host: not a government host (an institution's own report)"]
    else:
        pa.kind = "annual_report" if cls.is_report else "other"
    if cls.is_report:
        # the publisher when no 发布机构 / 来源 is printed: the byline, the reporting body (then the closing
        # signature's organisation)
        if pa.publisher is None and byline:
            pa.publisher, pa.sources["publisher"] = byline, "header"
        if pa.publisher is None and pa.reporting_body:
            pa.publisher, pa.sources["publisher"] = pa.reporting_body, "reporting_body"
    if pa.publisher is None and ex.signature_org:
        simp = T.to_simplified(ex.signature_org)
        pa.publisher, pa.sources["publisher"] = simp, "signature"
        if simp != ex.signature_org:
            pa.original["publisher"] = ex.signature_org
    if not cls.is_report:
        # the report year is the year a report covers: meaningless for other pages
        if pa.report_year is not None:
            pa.extra["year"] = str(pa.report_year)
        pa.report_year = None
        pa.sources.pop("report_year", None)
    pa.disagreements = _disagreements(pa)
    if pa.kind == "annual_report":
        # the national template's tables (and older reports' stated counts), labels read in Simplified
        if traditional:
            pa.statistics = parse_statistics(T.to_simplified(content), pa.report_year)
        else:
            # the page as parsed here: parse_statistics need not parse and walk it again
            pa.statistics = parse_statistics(content, pa.report_year, parsed=(root, text) if root is not None else None)
    return pa
