"""The faster analysis code gives the same results as the straightforward code it replaced.

Each reference below is the former implementation, kept here verbatim in substance, and compared with
the current one on the fixture pages and on generated edge cases. (benchmarks/analysis_bench.py compares
whole-page outputs before/after on the replica's pages.)
"""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from govcrawl.analysis import junk as J
from govcrawl.analysis import labels, structure
from govcrawl.analysis import neardup as N
from govcrawl.analysis import statistics as S
from govcrawl.analysis import text as T
from govcrawl.analysis.statistics import grid

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = Path(__file__).resolve().parent.parent / "govcrawl" / "replica" / "seeds"
PAGES = sorted(FIXTURES.glob("pages/*.html")) + sorted(FIXTURES.glob("statistics/*.html"))

ODD_HTML = [
    "<div>a\x0b|\x0c b |\t|c\u3000\u3000 d</div><p style='display:none'>x<b>y</b></p>tail<!-- c -->ct"
    "<td hidden>h</td>z",
    "<table><tr><td> | a | </td><td>\xa0</td><td rowspan=2>r</td></tr><tr><td colspan='2x'>c</td></tr></table>"
    "\r\n x  \r y    z",
    "<HTML><BODY><DIV>A<Script>x</Script>b<svg><p>in svg</p></svg>tail</DIV><?pi x?>after</BODY></HTML>",
    "<html><head><title>t</title></head><body><div id='zoom'><p>正文</p><div class='content x'>c</div></div>"
    "<span style='DISPLAY: NONE'><a href='http://a.com/'>1</a></span></body></html>",
]


def _docs():
    for path in PAGES:
        html, _ = T.decode_body(path.read_bytes())
        yield path.name, html
    for n, html in enumerate(ODD_HTML):
        yield f"odd{n}", html


# --------------------------------------------------------------------------- references (former code)
def ref_clean_text(raw: str) -> str:
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in raw.split("\n"):
        line = line.replace("\xa0", " ").replace("\u3000", "  ").replace("\t", "  ")
        line = re.sub(r" {3,}", "  ", line)
        if "|" in line:
            line = re.sub(r"(?:\s*\|\s*)+", " | ", line)
            line = line.strip(" |")
        line = line.strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


def ref_tree_to_text(root, drop_hidden: bool = True) -> str:
    parts: list[str] = []

    def walk(el):
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None:
            if el.tail:
                parts.append(el.tail)
            return
        tag = tag.lower()
        if tag in T.DROP_TAGS or (drop_hidden and T.is_hidden(el)):
            if el.tail:
                parts.append(el.tail)
            return
        block, cell = tag in T.BLOCK_TAGS, tag in T.CELL_TAGS
        parts.append("\n" if block else " | " if cell else "")
        if el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
        parts.append("\n" if block else " | " if cell else "")
        if el.tail and not (cell and el.tail.isspace()):  # line breaks in the source between cells: no line break
            parts.append(el.tail)

    walk(root)
    return ref_clean_text("".join(parts))


def ref_main_body(root):
    for key in structure.BODY_SELECTORS:
        found = root.xpath(f'//*[@id="{key}"]')
        if found:
            return found[0]
    for key in structure.BODY_SELECTORS:
        found = root.xpath(f'//*[contains(concat(" ", normalize-space(@class), " "), " {key} ")]')
        if found:
            return found[0]
    return None


def ref_html_events(root):
    def walk(el):
        tag = el.tag.lower() if isinstance(el.tag, str) else None
        if tag in ("script", "style", "head", "noscript", "template"):
            return
        if tag == "table" and not el.xpath(".//table"):
            yield ("table", grid.table_grid(el))
            return
        if tag is not None and el.text:
            yield ("text", el.text)
        for ch in el:
            yield from walk(ch)
            if ch.tail:
                yield ("text", ch.tail)
    yield from walk(root)


def ref_traditional_ratio(s: str, sample: int = 20000) -> tuple[float, int]:
    s = s[:sample]
    cjk = "".join(c for c in s if "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf")
    if not cjk:
        return 0.0, 0
    simp = T.to_simplified(cjk)
    if len(simp) != len(cjk):
        changed = sum(1 for c in cjk if c not in set(simp))
    else:
        changed = sum(1 for a, b in zip(cjk, simp) if a != b)
    return changed / len(cjk), len(cjk)


def ref_cjk_quality(text: str) -> float:
    cjk = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not cjk:
        return 0.0
    common = sum(1 for c in cjk if c in T._COMMON_CJK)
    bad = sum(1 for c in text if "\ue000" <= c <= "\uf8ff" or c == "\ufffd")
    return common / len(cjk) - 2.0 * bad / max(len(cjk), 1)


def ref_commerce_terms(lines):
    found = []
    short = J._short_lines(lines)
    crumbs = [ln for ln in lines if len(ln) <= 80 and re.search(r"\s[>»›]\s|>\s*$|当前位置|您的位置|所在位置", ln)]
    for term in J.COMMERCE_TERMS:
        hit = any(term == s or (term in s and len(s) <= len(term) + 4) for s in short) or any(term in c for c in crumbs)
        if hit and term not in found:
            found.append(term)
    return [t for t in found if not any(t != o and t in o for o in found) or t in J.STRONG_COMMERCE]


# --------------------------------------------------------------------------- text
def test_clean_text_matches_the_per_line_version_on_generated_text():
    rnd = random.Random(3)
    alphabet = [" ", " ", "|", "|", "\t", "\xa0", "\u3000", "\u2003", "\x0b", "\x1c", "\x85", "\u2028", "\n", "\r",
                "\r\n", "a", "b", "中"]
    for _ in range(20000):
        raw = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 14)))
        assert T._clean_text(raw) == ref_clean_text(raw), repr(raw)


@pytest.mark.parametrize("html_elements", [True, False])
def test_tree_texts_match_the_recursive_walk_for_every_element(html_elements):
    for name, html in _docs():
        root = T.parse_html(html, html_elements=html_elements)
        for drop_hidden in (True, False):
            assert T.tree_to_text(root, drop_hidden) == ref_tree_to_text(root, drop_hidden), name
        whole = ref_tree_to_text(root)
        elements = list(root.iter())
        for el in random.Random(name).sample(elements, min(len(elements), 40)):  # (some inside dropped ones)
            text, sub_text = T.tree_texts(root, el)
            assert (text, sub_text) == (whole, ref_tree_to_text(el)), (name, el)
        assert T.tree_texts(root, None) == (whole, None)


def test_plain_parse_gives_the_same_tree_and_text_content():
    from lxml import etree

    for name, html in _docs():
        a, b = T.parse_html(html), T.parse_html(html, html_elements=False)
        assert etree.tostring(a, encoding="unicode") == etree.tostring(b, encoding="unicode"), name
        for x, y in zip(a.iter(), b.iter()):
            if isinstance(x.tag, str):
                assert x.text_content() == T.text_content(y)
    assert T.parse_html("   ", html_elements=False) is None


def test_script_ratio_and_decoding_quality_match_the_per_character_versions():
    samples = [html for _, html in _docs()] + [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    samples += ["", "abc", "這個報告", "这个报告\ue001\ufffd", "㐀㐁中文" * 10]
    for s in samples:
        assert T.traditional_ratio(s) == ref_traditional_ratio(s)
        assert T._cjk_quality(s) == ref_cjk_quality(s)
        assert T.to_simplified(s) == T._t2s().convert(s) if s else True


# --------------------------------------------------------------------------- extract / junk
def test_main_body_and_pairs_match_the_former_queries():
    for name, html in _docs():
        root = T.parse_html(html)
        assert structure.main_body(root) is ref_main_body(root), name
        lines = T.text_lines(T.tree_to_text(root))
        # the label prefilter never hides a line LABEL_RE matches
        for line in lines:
            assert labels.has_label(line) == bool(labels.LABEL_RE.search(line)), line
        assert J.commerce_terms(lines) == ref_commerce_terms(lines), name
    lines = ["产品中心", "首页 > 产品中心 > 手机套", "在线订购热线", "立即购买吧吧吧吧", "订购", "x" * 90 + " > 询价"]
    assert J.commerce_terms(lines) == ref_commerce_terms(lines)


def test_guarded_junk_regexes_find_what_the_plain_scans_find():
    texts = ["联系电话 123-4567", "tel 765 4321 地址：某某路8号", "ADDRESS: xxx街1号", "邮箱 a@example.com",
             "开通 VIP 下载全文", "Addreſs: XX路", "天朝大道路", "无"]
    for t in texts:
        hits = [m.group(0) for rx in J.FAKE_PHONE_RES for m in [rx.search(t)] if m]
        hits += [m.group(0) for rx in (J.FAKE_EMAIL_RE, J.FAKE_ADDRESS_RE) for m in [rx.search(t)] if m]
        assert J.fake_contacts(t) == hits, t
        assert J.document_sharing_marks(t) == sorted({m.group(0) for m in J.DOC_SHARING_RE.finditer(t)})


# --------------------------------------------------------------------------- statistics
def test_html_events_and_statistics_match_a_fresh_parse():
    for path in sorted(FIXTURES.glob("statistics/*.html")):
        html = path.read_text(encoding="utf-8")
        root = T.parse_html(html, html_elements=False)
        mine = list(grid._html_events(root))
        ref = list(ref_html_events(root))
        assert [(k, p if k == "text" else [[(c.text, c.origin) for c in r] for r in p]) for k, p in mine] == \
               [(k, p if k == "text" else [[(c.text, c.origin) for c in r] for r in p]) for k, p in ref]
        fresh = S.parse_statistics(html, 2021)
        reused = S.parse_statistics(html, 2021, parsed=(root, T.tree_to_text(root)))
        assert (fresh.to_dict() if fresh else None) == (reused.to_dict() if reused else None), path.name


# --------------------------------------------------------------------------- near-duplicates
def test_minhash_is_deterministic_and_an_unbiased_jaccard_estimate():
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    text = seeds[0]
    a, b = N.signature(text), N.signature(text)
    assert list(a.hashvalues) == list(b.hashvalues) and a.jaccard(b) == 1.0

    def shingles(t):
        c = N._NOISE.sub("", t)
        return {c[i:i + N.SHINGLE] for i in range(len(c) - N.SHINGLE + 1)}

    rnd = random.Random(7)
    errors = []
    for k in range(60):
        lines = seeds[k % len(seeds)].splitlines()
        x = "\n".join(ln for ln in lines if rnd.random() < 0.9)
        y = "\n".join(ln for ln in lines if rnd.random() < rnd.uniform(0.3, 0.95))
        sx, sy = N.signature(x), N.signature(y)
        if sx is None or sy is None:
            continue
        exact = len(shingles(x) & shingles(y)) / len(shingles(x) | shingles(y))
        errors.append(sx.jaccard(sy) - exact)
    mean = sum(errors) / len(errors)
    sd = (sum((e - mean) ** 2 for e in errors) / len(errors)) ** 0.5
    # 128 permutations: the standard error of one estimate is <= 0.5 / sqrt(128) ~ 0.044
    assert abs(mean) < 3 * 0.044 / len(errors) ** 0.5 + 0.005
    assert sd < 0.06
    # distinct shingles get distinct hashes (no systematic collisions)
    compact = N._NOISE.sub("", "".join(seeds))
    assert len(N.shingle_hashes(compact)) >= 0.999 * len(shingles("".join(seeds)))
