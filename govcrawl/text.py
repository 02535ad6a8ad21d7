"""Decoding, visible-text extraction and script (Traditional/Simplified) helpers.

Pure functions, no network. Used by extract/classify/junk/analysis.
"""
from __future__ import annotations

import codecs
import functools
import re
from typing import Iterable

import lxml.html
from lxml import etree

__all__ = [
    "decode_body",
    "html_to_text",
    "looks_like_html",
    "to_simplified",
    "is_traditional",
    "normalize_encoding",
    "parse_html",
    "tree_to_text",
]

# ---------------------------------------------------------------------------
# decoding

_GB_NAMES = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "ms936", "windows-936", "gb_2312", "gb_2312-80",
             "csgb2312", "euc-cn", "euccn", "x-euc-cn", "chinese", "iso-ir-58", "hz-gb-2312"}
_BIG5_NAMES = {"big5", "big-5", "big5-hkscs", "big5hkscs", "cn-big5", "x-x-big5", "csbig5", "cp950", "ms950"}
_UTF8_NAMES = {"utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8", "unicode"}

_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.I)
_META_CHARSET_RE = re.compile(
    rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.I)
_XML_DECL_RE = re.compile(rb"<\?xml[^>]+encoding\s*=\s*[\"']([A-Za-z0-9_.:\-]+)", re.I)

# very frequent Chinese characters (Simplified and Traditional forms of the same words): a correct decoding of
# a Chinese page is dense in them, a wrong one (Big5 read as GBK or vice versa) is not.
_COMMON_CJK = set(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行"
    "学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外"
    "天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情"
    "者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角"
    "期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交"
    "受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节"
    "话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备"
    "半办青省列习响约支般史感劳便团往历市克何除消构府称太准精值号率族维划选标写存候亲快效院查江型眼王按格养易置派层片始却专"
    "状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞"
    "這為個來們時發會對經說過現實動後體開還當點從業國長門間關問頭進種將與麼氣員級區變處條無車統義應報資產電設師書"
    "團傳總歲歷專爭運樣邊場議聽寫導網頁單報據務轄縣鄉鎮廳機構號開辦護權執費規範監稅"
)


def normalize_encoding(name: str | None) -> str | None:
    """Map a declared charset label to the Python codec we decode it with (GB* -> gb18030, Big5 -> big5hkscs)."""
    if not name:
        return None
    n = name.strip().strip("\"'").lower().replace("_", "-")
    if n in _GB_NAMES or n.startswith("gb"):
        return "gb18030"
    if n in _BIG5_NAMES or n.startswith("big5"):
        return "big5hkscs"
    if n in _UTF8_NAMES:
        return "utf-8"
    try:
        return codecs.lookup(n).name
    except LookupError:
        return None


def _declared_encodings(body: bytes, content_type: str | None) -> list[str]:
    found: list[str] = []
    if content_type:
        m = _HEADER_CHARSET_RE.search(content_type)
        if m:
            found.append(m.group(1))
    head = body[:8192]
    for rx in (_XML_DECL_RE, _META_CHARSET_RE):
        for m in rx.finditer(head):
            found.append(m.group(1).decode("ascii", "ignore"))
    out: list[str] = []
    for f in found:
        enc = normalize_encoding(f)
        if enc and enc not in out:
            out.append(enc)
    return out


def _cjk_quality(text: str) -> float:
    """Share of CJK characters that are common ones (higher = more plausible decoding)."""
    cjk = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not cjk:
        return 0.0
    common = sum(1 for c in cjk if c in _COMMON_CJK)
    # private-use / replacement chars are a strong sign of a wrong decoding
    bad = sum(1 for c in text if "\ue000" <= c <= "\uf8ff" or c == "\ufffd")
    return common / len(cjk) - 2.0 * bad / max(len(cjk), 1)


def _try(body: bytes, enc: str) -> str | None:
    try:
        return body.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_body(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML/text body; returns (text, encoding used).

    Order: BOM; UTF-8 when it decodes strictly (a non-UTF-8 Chinese page practically never does, whatever the
    header says); the declared charsets (header, then meta/xml), GB labels read as gb18030; otherwise gb18030 vs
    Big5 by which strict decoding yields common Chinese characters; last resort gb18030 with replacement.
    """
    if isinstance(body, str):  # tolerate callers passing text
        return body, "unicode"
    if body.startswith(codecs.BOM_UTF8):
        return body[len(codecs.BOM_UTF8):].decode("utf-8", "replace"), "utf-8-sig"
    if body.startswith(codecs.BOM_UTF16_LE) or body.startswith(codecs.BOM_UTF16_BE):
        return body.decode("utf-16", "replace"), "utf-16"
    declared = _declared_encodings(body, content_type)
    try:
        body.decode("ascii")
        return body.decode("ascii"), (declared[0] if declared else "ascii")
    except UnicodeDecodeError:
        pass
    text = _try(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    candidates: list[tuple[str, str]] = []
    for enc in declared:
        if enc == "utf-8":
            continue
        t = _try(body, enc)
        if t is not None:
            candidates.append((enc, t))
    for enc in ("gb18030", "big5hkscs"):
        if enc not in declared:
            t = _try(body, enc)
            if t is not None:
                candidates.append((enc, t))
    if candidates:
        # declared wins unless another strict decoding is clearly more plausible
        best_enc, best_text = candidates[0]
        best_q = _cjk_quality(best_text)
        for enc, t in candidates[1:]:
            q = _cjk_quality(t)
            if q > best_q + 0.15:
                best_enc, best_text, best_q = enc, t, q
        return best_text, best_enc
    # nothing decodes strictly: choose the least damaged
    scored = []
    for enc in (declared + ["utf-8", "gb18030", "big5hkscs"]):
        t = body.decode(enc, "replace")
        scored.append((t.count("\ufffd"), -_cjk_quality(t), enc, t))
    scored.sort(key=lambda x: (x[0], x[1]))
    return scored[0][3], scored[0][2]


# ---------------------------------------------------------------------------
# HTML -> visible text

_HTML_SNIFF_RE = re.compile(
    r"<\s*(?:!doctype\s+html|html|head|body|meta|div|p|table|span|br|a\s|script|title|ul|li|td|h[1-6])\b", re.I)

BLOCK_TAGS = frozenset(
    "address article aside blockquote body br center dd details dialog dir div dl dt fieldset figcaption figure footer "
    "form frameset h1 h2 h3 h4 h5 h6 header hgroup hr html iframe legend li main menu nav ol option p pre section "
    "summary table tbody thead tfoot tr ul caption select textarea title".split())
CELL_TAGS = frozenset(("td", "th"))
DROP_TAGS = frozenset(("script", "style", "noscript", "template", "head", "svg", "object", "embed", "applet"))
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def looks_like_html(s: str) -> bool:
    if not s:
        return False
    return bool(_HTML_SNIFF_RE.search(s[:5000]))


def parse_html(html: str):
    """lxml root of an HTML string (None when it cannot be parsed)."""
    if not html or not html.strip():
        return None
    s = html
    if s.lstrip().startswith("<?xml"):
        s = re.sub(r"^\s*<\?xml[^>]*>", "", s)
    try:
        return lxml.html.document_fromstring(s)
    except (etree.ParserError, ValueError):
        try:
            return lxml.html.fragment_fromstring(s, create_parent="div")
        except Exception:  # noqa: BLE001
            return None


def is_hidden(el) -> bool:
    style = el.get("style") if hasattr(el, "get") else None
    if style and _HIDDEN_STYLE_RE.search(style):
        return True
    return el.get("hidden") is not None if hasattr(el, "get") else False


def tree_to_text(root, drop_hidden: bool = True) -> str:
    """Visible text of an lxml element: block elements on their own lines, table cells joined with ' | '."""
    parts: list[str] = []

    def walk(el):
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None:  # comment / processing instruction
            if el.tail:
                parts.append(el.tail)
            return
        tag = tag.lower()
        if tag in DROP_TAGS or (drop_hidden and is_hidden(el)):
            if el.tail:
                parts.append(el.tail)
            return
        block = tag in BLOCK_TAGS
        cell = tag in CELL_TAGS
        if block:
            parts.append("\n")
        elif cell:
            parts.append(" | ")
        if el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
        if block:
            parts.append("\n")
        elif cell:
            parts.append(" | ")
        if el.tail:
            parts.append(el.tail)

    walk(root)
    return _clean_text("".join(parts))


_CELL_SEP_RE = re.compile(r"(?:\s*\|\s*)+")


def _clean_text(raw: str) -> str:
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in raw.split("\n"):
        line = line.replace("\xa0", " ").replace("\u3000", "  ").replace("\t", "  ")
        line = re.sub(r" {3,}", "  ", line)
        if "|" in line:
            line = _CELL_SEP_RE.sub(" | ", line)
            line = line.strip(" |")
        line = line.strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


def html_to_text(html: str) -> str:
    """Visible text, one block element per line, scripts/styles dropped, &nbsp; -> space."""
    if not looks_like_html(html):
        return _clean_text(html)
    root = parse_html(html)
    if root is None:
        return _clean_text(re.sub(r"<[^>]+>", " ", html))
    return tree_to_text(root)


def text_lines(s: str) -> list[str]:
    return [ln.strip() for ln in s.splitlines() if ln.strip()]


# ---------------------------------------------------------------------------
# script

@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(s: str) -> str:
    """OpenCC t2s (one cached converter)."""
    if not s:
        return s
    return _t2s().convert(s)


def _cjk_chars(s: str) -> Iterable[str]:
    return (c for c in s if "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf")


def traditional_ratio(s: str, sample: int = 20000) -> tuple[float, int]:
    """(share of CJK characters that t2s changes, number of CJK characters) over a sample of the text."""
    s = s[:sample]
    cjk = "".join(_cjk_chars(s))
    if not cjk:
        return 0.0, 0
    simp = to_simplified(cjk)
    if len(simp) != len(cjk):  # phrase conversion changed length: compare as multisets
        changed = sum(1 for c in cjk if c not in set(simp))
    else:
        changed = sum(1 for a, b in zip(cjk, simp) if a != b)
    return changed / len(cjk), len(cjk)


def is_traditional(s: str) -> bool:
    """True when the text is mostly Traditional script (enough CJK characters differ from their Simplified form)."""
    ratio, n = traditional_ratio(s)
    if n == 0:
        return False
    if n < 20:
        return ratio >= 0.15
    return ratio >= 0.08
