"""Decoding, visible-text extraction and script (Traditional/Simplified) helpers.

Pure functions, no network. Used by extract/classify/junk/analysis.
"""
from __future__ import annotations

import codecs
import functools
import operator
import re

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


# regexes and map() do the per-character work in C (a generator over every character was a hot spot)
_NOT_BASIC_CJK_RE = re.compile(r"[^\u4e00-\u9fff]+")
_BAD_CHARS_RE = re.compile(r"[\ue000-\uf8ff\ufffd]")


def _cjk_quality(text: str) -> float:
    """Share of CJK characters that are common ones (higher = more plausible decoding)."""
    cjk = _NOT_BASIC_CJK_RE.sub("", text)
    if not cjk:
        return 0.0
    common = sum(map(_COMMON_CJK.__contains__, cjk))
    # private-use / replacement chars are a strong sign of a wrong decoding
    bad = len(_BAD_CHARS_RE.findall(text))
    return common / len(cjk) - 2.0 * bad / max(len(cjk), 1)


def _try(body: bytes, enc: str) -> str | None:
    try:
        return body.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


def _mostly_utf8(body: bytes) -> str | None:
    """The body as UTF-8 with its undecodable bytes replaced, when a real part of it is UTF-8 Chinese (a page
    half UTF-8, half GBK, declared UTF-8); None for a page wholly in another charset. Bytes of a GBK page
    decode as UTF-8 CJK characters by chance at about 1 per 100 bad sequences; a page with a tenth of its
    text in UTF-8 has about 10 per 100."""
    text = body.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    cjk = len(_CJK_RE.findall(text))
    return text if cjk >= 20 and cjk >= 0.04 * bad else None


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
    if declared and declared[0] == "utf-8":
        mixed = _mostly_utf8(body)
        if mixed is not None:  # UTF-8 as declared, with a part in another charset: its bad bytes replaced
            return mixed, "utf-8"
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


# lxml.html's parser, without its element classes: the same tree, whose elements lxml makes without calling
# back into Python (lxml.html looks up a class for every element it hands out, a cost on every walk)
_PLAIN_HTML_PARSER = etree.HTMLParser()
_XML_DECL_PREFIX_RE = re.compile(r"^\s*<\?xml[^>]*>")


def parse_html(html: str, *, html_elements: bool = True):
    """lxml root of an HTML string (None when it cannot be parsed).

    html_elements=False: plain lxml.etree elements (no lxml.html methods such as text_content(); use
    text_content() below), cheaper to walk; the tree is the same. The analysis parses pages this way."""
    if not html or not html.strip():
        return None
    s = html
    if s.lstrip().startswith("<?xml"):
        s = _XML_DECL_PREFIX_RE.sub("", s)
    try:
        if html_elements:
            return lxml.html.document_fromstring(s)
        root = etree.fromstring(s, _PLAIN_HTML_PARSER)
        if root is None:  # as lxml.html.document_fromstring
            raise etree.ParserError("Document is empty")
        return root
    except (etree.ParserError, ValueError):
        try:
            return lxml.html.fragment_fromstring(s, create_parent="div")
        except Exception:  # noqa: BLE001
            return None


_STRING_CONTENT = etree.XPath("string()", smart_strings=False)


def text_content(el) -> str:
    """The text of an element and its descendants: lxml.html's HtmlElement.text_content() (the same XPath
    string()), for any lxml element."""
    return _STRING_CONTENT(el)


def is_hidden(el) -> bool:
    style = el.get("style") if hasattr(el, "get") else None
    if style and _HIDDEN_STYLE_RE.search(style):
        return True
    return el.get("hidden") is not None if hasattr(el, "get") else False


def hidden_elements(root) -> set:
    """The elements of root's subtree (root included) that is_hidden: found with one XPath query, as only
    elements with a style or hidden attribute can be hidden (cheaper than testing every element)."""
    if root is None or not isinstance(root.tag, str):
        return set()
    hidden = set()
    for el in _STYLED_OR_HIDDEN(root):  # is_hidden, inlined (these are elements: they have get())
        style = el.get("style")
        if (style and _HIDDEN_STYLE_RE.search(style)) or el.get("hidden") is not None:
            hidden.add(el)
    return hidden


_STYLED_OR_HIDDEN = etree.XPath("descendant-or-self::*[@style or @hidden]")  # compiled once


_NO_ELEMENTS: frozenset = frozenset()
_WALK_EVENTS = ("start", "end", "comment", "pi")
# what the walk does with an element, by tag: its text framed by a newline (block) or ' | ' (cell), or nothing
# at all (dropped: only its tail counts); other tags are inline (their text as is)
_INLINE, _DROP = "", None
_TAG_FRAME: dict = {}


def _tag_frame(tag) -> str | None:
    """The frame of a tag name (any case): "\n", " | ", "" (inline) or None (dropped). Memoised per spelling."""
    frame = _TAG_FRAME.get(tag, 0)
    if frame != 0:
        return frame
    if not isinstance(tag, str):  # not an element (an entity reference): only its tail counts
        return _DROP
    low = tag.lower()
    frame = _DROP if low in DROP_TAGS else "\n" if low in BLOCK_TAGS else " | " if low in CELL_TAGS else _INLINE
    if len(_TAG_FRAME) < 4096:  # tag names are a small set in practice; stay bounded whatever a page holds
        _TAG_FRAME[tag] = frame
    return frame


def _visible_parts(root, drop_hidden: bool = True, sub=None) -> tuple[list[str], tuple[int, int] | None]:
    """The text pieces tree_to_text joins, and the slice of them that tree_to_text(sub) would join (None when
    the walk never reaches sub: it sits inside a dropped or hidden element).

    One non-recursive lxml iterwalk; dropped/hidden subtrees are skipped (their tail still counts, as the
    element's text ends where its tail begins); comments and processing instructions give their tail only."""
    parts: list[str] = []
    append = parts.append
    if not isinstance(root.tag, str):  # a comment / processing instruction
        if root.tail:
            append(root.tail)
        return parts, ((0, len(parts)) if sub is root else None)
    hidden = hidden_elements(root) if drop_hidden else _NO_ELEMENTS
    skipped = None          # the dropped element whose subtree the walker skips (its end event comes next)
    sub_start = sub_span = None
    walker = etree.iterwalk(root, events=_WALK_EVENTS)
    for event, el in walker:
        if event == "start":
            if el is sub:
                sub_start = len(parts)
            frame = _tag_frame(el.tag)
            if frame is _DROP or (hidden and el in hidden):
                walker.skip_subtree()
                skipped = el
                continue
            if frame:
                append(frame)
            text = el.text  # read once: lxml decodes the node's text on every access
            if text:
                append(text)
        elif event == "end":
            if el is skipped:
                skipped = None
            else:
                frame = _tag_frame(el.tag)
                if frame:
                    append(frame)
            tail = el.tail
            if tail and not (tail.isspace() and _tag_frame(el.tag) == " | "):
                # (the source's line breaks between two cells of a row are no line break on the page)
                append(tail)
            if el is sub:
                sub_span = (sub_start, len(parts))
        else:  # comment / processing instruction
            tail = el.tail
            if tail:
                append(tail)
    return parts, sub_span


def tree_to_text(root, drop_hidden: bool = True) -> str:
    """Visible text of an lxml element: block elements on their own lines, table cells joined with ' | '."""
    parts, _ = _visible_parts(root, drop_hidden)
    return _clean_text("".join(parts))


def tree_texts(root, sub=None, drop_hidden: bool = True) -> tuple[str, str | None]:
    """(tree_to_text(root), tree_to_text(sub)) from one walk of the tree; sub is an element inside root (the
    article body) or None (then None for its text)."""
    parts, span = _visible_parts(root, drop_hidden, sub)
    text = _clean_text("".join(parts))
    if sub is None:
        return text, None
    if span is None:  # sub not reached by the walk (inside a dropped element): walk it on its own
        return text, tree_to_text(sub, drop_hidden)
    return text, _clean_text("".join(parts[span[0]:span[1]]))


_SPACE_RUN_RE = re.compile(r"   +")  # 3 or more spaces; a literal prefix lets the regex engine skip ahead


def _join_cells(line: str) -> str:
    """A line holding cell separators: its non-blank pieces, trimmed, joined with ' | '.

    The same as the former per-line steps (every run of whitespace and '|' around a '|' -> ' | ', then
    strip(' |') and strip()), without a regex scan of every character."""
    return " | ".join([cell for cell in [piece.strip() for piece in line.split("|")] if cell])


def _clean_text(raw: str) -> str:
    """Lines trimmed, blank lines dropped, runs of 3+ spaces cut to 2, cell separators normalised to ' | '.

    The replacements run once over the whole text (none of them crosses a newline), the rest per line."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    raw = raw.replace("\xa0", " ").replace("\u3000", "  ").replace("\t", "  ")
    raw = _SPACE_RUN_RE.sub("  ", raw)
    lines = []
    for line in raw.split("\n"):
        line = _join_cells(line) if "|" in line else line.strip()
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


_SHORT_TEXT = 200


@functools.lru_cache(maxsize=4096)
def _t2s_short(s: str) -> str:
    return _t2s().convert(s)


@functools.lru_cache(maxsize=8)
def _t2s_long(s: str) -> str:
    return _t2s().convert(s)


def to_simplified(s: str) -> str:
    """OpenCC t2s (one cached converter). Results are memoised (the conversion is pure): a page's text is
    converted by several steps (extraction, classification, junk signals), labels and titles recur. Long
    texts have a cache of their own, a few entries (one page's worth), to bound the memory held."""
    if not s:
        return s
    return _t2s_short(s) if len(s) <= _SHORT_TEXT else _t2s_long(s)


_NOT_CJK_RE = re.compile(r"[^\u4e00-\u9fff\u3400-\u4dbf]+")


def _cjk_chars(s: str) -> str:
    """The CJK characters of s (unified ideographs and extension A), in order."""
    return _NOT_CJK_RE.sub("", s)


def _count_differences(a: str, b: str) -> int:
    """Positions where two strings of the same length differ (compared in C, not per character in Python)."""
    return sum(map(operator.ne, a, b))


def traditional_ratio(s: str, sample: int = 20000) -> tuple[float, int]:
    """(share of CJK characters that t2s changes, number of CJK characters) over a sample of the text."""
    s = s[:sample]
    cjk = _cjk_chars(s)
    if not cjk:
        return 0.0, 0
    simp = to_simplified(cjk)
    if len(simp) != len(cjk):  # phrase conversion changed length: compare as multisets
        simp_chars = set(simp)
        changed = sum(1 for c in cjk if c not in simp_chars)
    else:
        changed = _count_differences(cjk, simp)
    return changed / len(cjk), len(cjk)


@functools.lru_cache(maxsize=4)
def is_traditional(s: str) -> bool:
    """True when the text is mostly Traditional script (enough CJK characters differ from their Simplified form).

    Memoised (pure): a page's text and its HTML are tested by analysis, the junk signals and the statistics
    (a few entries: one page's worth, as they hold whole pages)."""
    ratio, n = traditional_ratio(s)
    if n == 0:
        return False
    if n < 20:
        return ratio >= 0.15
    return ratio >= 0.08
