"""Label/value pairs of the 信息公开 metadata block (索引号, 发布机构, 成文日期 …), in any script
(each Simplified label also matches its Traditional forms), and the cleaning of their values."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from govcrawl.analysis import text as T
from govcrawl.analysis.dates import DATE_RE, fw_to_ascii

# ---------------------------------------------------------------------------
# labels (script-agnostic: each Simplified label char also matches its Traditional form)

_EXTRA_VARIANTS = {"布": "佈", "发": "發髮", "号": "號", "机": "機", "构": "構", "单": "單", "关": "關", "开": "開",
                   "题": "題", "类": "類", "组": "組", "编": "編", "来": "來", "统": "統", "时": "時", "间": "間",
                   "效": "效", "览": "覽", "数": "數", "击": "擊", "词": "詞", "围": "圍", "责": "責", "门": "門",
                   "废": "廢", "务": "務", "阅": "閱", "访": "訪", "问": "問", "态": "態", "称": "稱",
                   "录": "錄", "标": "標", "资": "資", "体": "體", "裁": "裁", "维": "維", "护": "護", "产": "產",
                   "属": "屬", "层": "層", "级": "級", "实": "實", "施": "施", "归": "歸", "内": "內", "容": "容",
                   "摘": "摘", "划": "劃", "区": "區", "处": "處", "长": "長", "签": "簽", "写": "寫", "稿": "稿",
                   "讯": "訊", "报": "報", "导": "導"}


# The Traditional forms OpenCC gives each label character (s2t, s2tw, s2hk), kept as data: loading the three
# converters costs ~40 MB of dictionaries in every process that analyses pages (the crawl process and each analysis
# worker), and ~0.1 s. tests/test_text.py checks the table against OpenCC itself; `python -m
# govcrawl.analysis.labels` writes it again. A character missing from it (a label added since) is converted here.
VARIANTS_FILE = Path(__file__).with_name("label_variants.json")
_OPENCC_VARIANTS: dict[str, str] = json.loads(VARIANTS_FILE.read_text(encoding="utf-8")) if VARIANTS_FILE.exists() else {}


@functools.lru_cache(maxsize=1)
def _s2t_converters() -> tuple:
    try:
        import opencc

        return tuple(opencc.OpenCC(cfg) for cfg in ("s2t", "s2tw", "s2hk"))
    except Exception:  # noqa: BLE001 - variants are a best effort
        return ()


def opencc_variants(ch: str) -> str:
    """ch's Traditional forms by OpenCC's s2t, s2tw and s2hk, as OpenCC gives them now."""
    return "".join(conv.convert(ch) for conv in _s2t_converters())


def _char_variants(ch: str) -> str:
    """ch plus its Traditional forms (OpenCC s2t / s2tw / s2hk) and a few hand-listed variants."""
    forms = _OPENCC_VARIANTS.get(ch)
    alts = ch + _EXTRA_VARIANTS.get(ch, "") + (forms if forms is not None else opencc_variants(ch))
    return "".join(dict.fromkeys(c for c in alts if c.strip()))


def _label_pattern(label: str) -> str:
    out = []
    for ch in label:
        alts = _char_variants(ch)
        out.append(f"[{alts}]" if len(alts) > 1 else re.escape(ch))
    return r"[ \u3000]{0,3}".join(out) if len(label) <= 4 else "".join(out)


# field -> labels (Simplified). Order matters only for documentation; matching is longest-first.
BLOCK_LABELS: dict[str, tuple[str, ...]] = {
    "index_no": ("索引号", "信息索引号", "信息索取号"),
    "publisher": ("发布机构", "发布单位", "发文机关", "发文单位", "发布机关", "信息发布机构", "公开机构", "制发机关",
                  "发文机构"),
    "written_date": ("成文日期", "生成日期", "成文时间"),
    # the date a document was issued, not the date it was written (kept apart: a reader never takes it for 成文日期)
    "issued_date": ("发文日期", "印发日期"),
    "doc_no": ("文号", "文件编号", "发文字号", "发文文号", "文件文号"),
    "subject": ("主题分类", "组配分类", "信息分类", "主题词分类"),
    "disclosure_mode": ("公开方式", "公开形式", "公开属性"),
    "validity": ("有效性", "时效性"),
    "unified_no": ("统一编号", "统一登记号"),
}
HEADER_LABELS: dict[str, tuple[str, ...]] = {
    "published_date": ("发布日期", "发布时间", "公开日期", "公开时间", "发表时间", "上网时间", "发稿时间", "更新时间",
                       "日期", "时间"),
    "source": ("信息来源", "文章来源", "稿件来源", "来源单位", "来源"),
}
# labels that only end a value
STOP_LABELS = ("主办单位", "承办单位", "协办单位", "技术支持", "联系电话", "浏览次数", "访问次数", "阅读次数", "点击数", "点击率", "访问量", "字体", "字号", "分享到", "分享",
               "打印", "关闭", "责任部门", "公开范围", "公开时限", "体裁分类", "关键词", "主题词", "名称", "标题",
               "内容概述", "废止日期", "生效日期", "作者", "责任编辑", "编辑", "所属机构", "发文机关代字", "截止日期",
               "有效期", "实施日期", "生效时间", "文种", "服务对象", "载体类型", "信息名称", "文件名称", "登记号")

_LABEL_FIELD: dict[str, tuple[str, str]] = {}  # simplified label (no spaces) -> (field, kind)
for _f, _ls in BLOCK_LABELS.items():
    for _l in _ls:
        _LABEL_FIELD[_l.replace(" ", "")] = (_f, "block")
for _f, _ls in HEADER_LABELS.items():
    for _l in _ls:
        _LABEL_FIELD[_l] = (_f, "header")
for _l in STOP_LABELS:
    _LABEL_FIELD.setdefault(_l, ("_stop", "stop"))

_ALL_LABELS = sorted(_LABEL_FIELD, key=len, reverse=True)
# a label followed by a colon (half/full width) or a cell separator; '日期' must not be the tail of 成文日期 etc.
_label_alts = "|".join(_label_pattern(l) for l in _ALL_LABELS)
LABEL_RE = re.compile(
    r"(?P<label>" + _label_alts + r")\s*(?:[:：]|\s\|(?=\s))\s*\|?\s*")
_DATE_LABEL_BAD_PREV = set("成生印文止始效废截布开表网")
# what every LABEL_RE match holds: a label's last character (any of its forms), then the colon or cell separator.
# Searched first, as a line without it cannot match (a cheap scan: the pattern opens with a character set).
_LABEL_END_RE = re.compile(
    "[" + "".join(sorted({re.escape(c) for l in _ALL_LABELS for c in _char_variants(l[-1])})) + r"]"
    r"\s*(?:[:：]|\s\|(?=\s))")


def label_characters() -> list[str]:
    """Every character of every label, in order: the keys of the variants table."""
    return sorted({ch for label in _ALL_LABELS for ch in label if ch.strip()})


def write_variants_table(path: Path = VARIANTS_FILE) -> dict[str, str]:
    """Write OpenCC's Traditional forms of every label character (the table ``_char_variants`` reads)."""
    table = {ch: opencc_variants(ch) for ch in label_characters()}
    path.write_text(json.dumps(table, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    return table


def _release_converters() -> None:
    """The label patterns are built: the three Simplified->Traditional converters (~40 MB of OpenCC dictionaries),
    if a character missing from the table made them load, are not needed again. Dropped, and the freed heap handed
    back to the system (glibc keeps it otherwise)."""
    import ctypes
    import gc

    if not _s2t_converters.cache_info().currsize:
        return
    _s2t_converters.cache_clear()
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory stays with the process, nothing else changes
        pass


_release_converters()


def has_label(line: str) -> bool:
    """LABEL_RE.search(line), skipping the costly scan when the cheap one finds no label end."""
    return bool(_LABEL_END_RE.search(line) and LABEL_RE.search(line))


WS_CHAR_RE = re.compile(r"\s")
_CJK_CHAR_RE = re.compile(r"[\u4e00-\u9fff]")


@functools.lru_cache(maxsize=1024)
def _canon_label(raw: str) -> str:
    """A label as found (any script, inner spaces) -> its Simplified key in _LABEL_FIELD. Memoised: pure, and
    the same few labels recur on every page."""
    s = T.to_simplified(WS_CHAR_RE.sub("", raw))
    return s.replace("佈", "布")


@dataclass
class Pair:
    field: str
    kind: str          # block | header | stop
    label: str         # label as on the page
    value: str         # raw value as on the page
    line_no: int
    line_has_block: bool


_VALUE_END_RE = re.compile(r"\s\|\s|\s\||\|\s| {2,}|\t")


# another label after the value (深圳市人民政府办公厅 信息提供日期:…), or in its place (来源: 点击: 字体:): known or not, a
# short run of Chinese and its colon starts the next pair
_NEXT_LABEL_RE = re.compile(r"(?:^|\s)[\u4e00-\u9fff]{1,8}\s*[:：]")


def _cut_value(v: str) -> str:
    v = v.strip()
    v = _VALUE_END_RE.split(v, maxsplit=1)[0]
    nxt = _NEXT_LABEL_RE.search(v)
    if nxt:
        v = v[:nxt.start()]
    v = v.strip(" |:：,，;；•·")
    # drop an unbalanced bracket that wrapped the whole pair: [ 来源：XX ]  【发布日期：…】
    for o, c in (("[", "]"), ("【", "】"), ("(", ")"), ("（", "）")):
        if v.endswith(c) and o not in v:
            v = v[:-1].rstrip()
        if v.startswith(o) and c not in v:
            v = v[1:].lstrip()
    return v.strip(" |:：,，;；•·")


def find_pairs(lines: list[str], max_line: int = 400) -> list[Pair]:
    """All `label：value` pairs on short lines, in document order."""
    out: list[Pair] = []
    for i, line in enumerate(lines):
        if len(line) > max_line:
            continue
        if not _LABEL_END_RE.search(line):
            continue  # no label end before a colon or cell separator: LABEL_RE cannot match
        ms = list(LABEL_RE.finditer(line))
        good = []
        for m in ms:
            raw = m.group("label")
            canon = _canon_label(raw)
            if canon not in _LABEL_FIELD:
                continue
            fld, kind = _LABEL_FIELD[canon]
            start = m.start()
            prev = line[start - 1] if start > 0 else ""
            if canon in ("日期", "来源", "时间") and prev and (prev in _DATE_LABEL_BAD_PREV or _CJK_CHAR_RE.match(prev)):
                # 日期 inside 成文日期/截止日期…, 来源 inside 资金来源…
                continue
            if kind != "stop" and prev and _CJK_CHAR_RE.match(prev) and len(canon) <= 2:
                continue
            good.append((m, fld, kind, raw))
        if not good:
            continue
        has_block = any(k == "block" for _, _, k, _ in good)
        for j, (m, fld, kind, raw) in enumerate(good):
            end = good[j + 1][0].start() if j + 1 < len(good) else len(line)
            value = _cut_value(line[m.end():end])
            if kind == "stop":
                continue
            if _canon_label(value) in _LABEL_FIELD:
                value = ""  # a row of labels (索引号 | 发布机构 | 成文日期): the "value" is the next label
            out.append(Pair(fld, kind, raw, value, i, has_block))
    return out


# ---------------------------------------------------------------------------
# value checks

_EMPTY_VALUES = {"", "无", "暂无", "-", "--", "—", "——", "/", "空", "null", "none", "无文号", "未知",
                 "本网", "本站", "本网站", "原创"}  # 来源: 本网 -- the site itself, no body


# (a portal that leaves the organisation's code out prints /2026-5566305: still the page's 索引号)
_INDEX_NO_RE = re.compile(r"(?:[A-Za-z0-9]|/(?=\d{4}-\d))[A-Za-z0-9\-/_.·—()（）]*[A-Za-z0-9)）]?")
_DIGIT_RE = re.compile(r"\d")
_WORD_CHAR_RE = re.compile(r"[\w\u4e00-\u9fff]")


def clean_index_no(v: str) -> str | None:
    v = fw_to_ascii(v.strip())
    m = _INDEX_NO_RE.match(v)
    if not m:
        return None
    val = m.group(0).rstrip("-/._")
    return val if _DIGIT_RE.search(val) and len(val) >= 4 else None


def clean_text_value(v: str, max_len: int = 60) -> str | None:
    v = v.strip().strip("|:：").strip()
    if v.lower() in _EMPTY_VALUES or not v:
        return None
    if len(v) > max_len:
        return None
    if not _WORD_CHAR_RE.search(v):
        return None
    return v


def clean_publisher(v: str) -> str | None:
    v = clean_text_value(v, 50)
    if not v:
        return None
    if DATE_RE.match(fw_to_ascii(v)):
        return None
    return v


def clean_doc_no(v: str) -> str | None:
    v = clean_text_value(v, 60)
    if not v:
        return None
    return v




# ---------------------------------------------------------------------------
# layouts without colons: space-separated runs, glued labels, and label rows over value rows

_BARE_LABEL_RE = re.compile(r"(?P<label>" + _label_alts + r")(?=[\s|]|[0-9A-Za-z\u4e00-\u9fff（(\[【])")
_CELL_SPLIT_RE = re.compile(r"\s*\|\s*")


def _bare_labels(line: str) -> list[tuple[re.Match, str, str]]:
    out = []
    for m in _BARE_LABEL_RE.finditer(line):
        canon = _canon_label(m.group("label"))
        if canon not in _LABEL_FIELD:
            continue
        start = m.start()
        prev = line[start - 1] if start > 0 else ""
        if prev and _CJK_CHAR_RE.match(prev):
            continue  # inside a word (资金来源, 成文日期's 日期)
        fld, kind = _LABEL_FIELD[canon]
        out.append((m, fld, kind))
    return out


def find_bare_pairs(lines: list[str], max_line: int = 200) -> list[Pair]:
    """``label value`` runs without colons ("索引号 bgs01/2023-00011 发文字号 …", "索引号000014349/2023-74857"):
    only on short lines that hold two labels or more, or open with a block label (prose never does)."""
    out: list[Pair] = []
    for i, line in enumerate(lines):
        if len(line) > max_line or not _LABEL_END_RE.pattern or ":" in line or "：" in line:
            continue
        found = _bare_labels(line)
        labels = [f for f in found if f[2] != "stop"]
        if not labels:
            continue
        opens = found[0][0].start() == 0 and found[0][2] == "block"
        if len(found) < 2 and not opens:
            continue
        has_block = any(k == "block" for _, _, k in found)
        for j, (m, fld, kind) in enumerate(found):
            if kind == "stop":
                continue
            end = found[j + 1][0].start() if j + 1 < len(found) else len(line)
            value = line[m.end():end].strip(" |\u3000")
            if value and not _CELL_SPLIT_RE.fullmatch(value):
                out.append(Pair(fld, kind, m.group("label"), value.split("|")[0].strip(), i, has_block))
    return out


def find_column_pairs(lines: list[str]) -> list[Pair]:
    """A row of labels over a row of values (``索引号 | 公开方式 | 发布机构 |`` then ``116…/2009-00021 | 主动公开 | …``)."""
    out: list[Pair] = []
    for i in range(len(lines) - 1):
        head = [c for c in _CELL_SPLIT_RE.split(lines[i].strip(" |")) if c]
        if len(head) < 2 or len(lines[i]) > 200:
            continue
        keys = [_LABEL_FIELD.get(_canon_label(c)) for c in head]
        if not all(keys):
            continue
        values = [c for c in _CELL_SPLIT_RE.split(lines[i + 1].strip(" |"))]
        if len(values) != len(head):
            continue
        for (fld, kind), label, value in zip(keys, head, values):
            if kind != "stop" and value:
                out.append(Pair(fld, kind, label, value, i + 1, True))
    return out


# a label alone on its line (after a list's bullet, if any), with or without its colon (发布机构 / 信息来源: over the
# value's own line)
_LONE_LABEL_RE = re.compile(r"^\s*(?:[•·●▪◆\-*]\s*)?(?P<label>" + _label_alts + r")\s*(?P<colon>[:：])?\s*$")
_SHORT_LABEL_LINE_RE = re.compile(r"^.{1,12}[:：]\s*$")  # 分享到: and the like: another label, not a value


def find_stacked_pairs(lines: list[str]) -> list[Pair]:
    """A label alone on its line and its value on the next (dl/dt/dd, one cell per line)."""
    out: list[Pair] = []
    for i in range(len(lines) - 1):
        if len(lines[i]) > 12:
            continue
        m = _LONE_LABEL_RE.match(lines[i])
        if not m:
            continue
        key = _LABEL_FIELD.get(_canon_label(m.group("label")))
        nxt = lines[i + 1].strip()
        if not key or key[1] == "stop" or not nxt or _LONE_LABEL_RE.match(nxt) or len(nxt) > 60:
            continue
        if re.search(r"[:：]", nxt) or nxt[0] in "【[(（<《|" or has_label(nxt):
            continue  # the next line is another label (信息来源: / 【字体:), not this one's value
        if m.group("colon"):
            # a label with its colon and nothing after it is an empty value, unless the labels stack down the
            # page (发布时间: / 2023-01-18 / 信息来源: / 市政府办公室 / 分享到:): then the line under the value is a label
            after = lines[i + 2].strip() if i + 2 < len(lines) else ""
            if not (_LONE_LABEL_RE.match(after) or _SHORT_LABEL_LINE_RE.match(after) or has_label(after)):
                continue
        out.append(Pair(key[0], key[1], m.group("label"), nxt, i + 1, key[1] == "block"))
    return out


if __name__ == "__main__":  # python -m govcrawl.analysis.labels: the variants table written again from OpenCC
    print(f"{len(write_variants_table())} label characters -> {VARIANTS_FILE}")
