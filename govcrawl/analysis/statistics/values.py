"""Cell values as printed: normalisation, placeholders, numbers, and dotted-key access."""

from __future__ import annotations

import functools
import re
import unicodedata

from govcrawl.analysis.statistics.schema import Number

# --------------------------------------------------------------------------- normalization and values
_WS_RE = re.compile(r"\s+")
_PLACEHOLDERS = {"", "-", "--", "—", "——", "–", "―", "─", "/", "\\", "／", "_", "无", "空", "×", "x", "X", "…", "...",
                 "-/-", "—/—"}
_VALUE_RE = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(项|件|个|条|次|人次|宗|万元|元|亿元|万)?$")
_PLAIN_INT_RE = re.compile(r"-?\d+")
_NUMBERING_RE = re.compile(r"^(?:[(（]?[一二三四五六七八九十]+[)）、.．]|[(（]?\d+[)）、.．])+")


def _memoise_short(fn):
    """fn(s), memoised for short strings (fn pure, its result immutable): cell texts and labels are tested
    many times over and recur on every report; long texts (paragraphs) are not kept, to bound the memory."""
    cached = functools.lru_cache(maxsize=8192)(fn)

    @functools.wraps(fn)
    def memoised(s):
        return cached(s) if s is None or len(s) <= 100 else fn(s)

    memoised.cache_clear = cached.cache_clear
    return memoised


@_memoise_short
def norm(s: str | None) -> str:
    """NFKC (full-width digits, brackets and spaces to ASCII), all whitespace removed."""
    if not s:
        return ""
    s = unicodedata.normalize("NFKC", s)
    return _WS_RE.sub("", s)


def is_placeholder(s: str) -> bool:
    return norm(s) in _PLACEHOLDERS


@_memoise_short
def is_value(s: str) -> bool:
    t = norm(s)
    return t in _PLACEHOLDERS or bool(_VALUE_RE.match(t))


@_memoise_short
def is_number(s: str) -> bool:
    return bool(_VALUE_RE.match(norm(s)))


@_memoise_short
def parse_value(s: str) -> tuple[Number | None, bool]:
    """(value, exact): value None for empty cells and placeholders; exact False when the printed text is
    not a plain integer (a placeholder, a unit, a thousands separator, text) and should be kept as given."""
    t = norm(s)
    if t == "":
        return None, True
    m = _VALUE_RE.match(t)
    if not m:
        return None, False
    sign, digits, frac, unit = m.groups()
    digits = digits.replace(",", "")
    v: Number = float(digits + frac) if frac else int(digits)
    if sign == "-":
        v = -v
    return v, bool(_PLAIN_INT_RE.fullmatch((s or "").strip()))


def strip_numbering(label: str) -> str:
    return _NUMBERING_RE.sub("", label)


_COMPILED_PATTERNS: dict[int, tuple] = {}
_MEMO_SIZE = 4096


def _compiled(patterns) -> tuple:
    """(patterns, ((compiled regex, key), ...), {label: key}) of a pattern table: compiled once, with the
    results memoised (the template's labels recur on every report). Tables are module constants, found by id
    (the identity check guards against a reused id)."""
    found = _COMPILED_PATTERNS.get(id(patterns))
    if found is None or found[0] is not patterns:
        found = (patterns, tuple((re.compile(pat), key) for pat, key, *_ in patterns), {})
        _COMPILED_PATTERNS[id(patterns)] = found
    return found


def match_label(patterns, label: str) -> str | None:
    _, compiled, memo = _compiled(patterns)
    if label in memo:
        return memo[label]
    key = next((key for rx, key in compiled if rx.search(label)), None)
    if len(memo) < _MEMO_SIZE and len(label) <= 100:  # (labels are short; a long text is not kept)
        memo[label] = key
    return key


def set_path(d: dict, dotted: str, value) -> None:
    parts = dotted.split(".")
    for p in parts[:-1]:
        nxt = d.setdefault(p, {})
        d = nxt
    d[parts[-1]] = value


def get_path(d: dict, dotted: str):
    for p in dotted.split("."):
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


