"""Tables flattened to text (one cell per line) and the counts stated in pre-2019 free text."""

from __future__ import annotations

import re
import unicodedata

from govcrawl.analysis.statistics.grid import heading_section
from govcrawl.analysis.statistics.schema import (
    ACTIVE_COL_PATTERNS,
    ACTIVE_ROW_PATTERNS,
    APP_COLS,
    APPLICATION_COLUMNS,
    REVIEW_ORDER,
    Statistics,
)
from govcrawl.analysis.statistics.sections import (
    ActiveBuilder,
    AppBuilder,
    item_of,
    put_reviews,
)
from govcrawl.analysis.statistics.values import (
    is_value,
    match_label,
    norm,
    strip_numbering,
)


# --------------------------------------------------------------------------- flattened text
def section_lines(lines: list[str]) -> dict[str, list[str]]:
    """Lines of sections 二, 三, 四 (between their headings); blank lines dropped."""
    out: dict[str, list[str]] = {}
    heads = []
    for i, l in enumerate(lines):
        sec, hit = heading_section(l)
        if hit:
            heads.append((i, sec))
    # a section heading must be followed by template labels: keep the last heading of each section that is
    for n, (i, sec) in enumerate(heads):
        if sec is None:
            continue
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        body = [l.strip() for l in lines[i + 1:end] if l.strip()]
        if _looks_like_section(sec, body):
            out[sec] = body
    return out


def _looks_like_section(sec: str, body: list[str]) -> bool:
    j = norm("".join(body[:60]))
    if sec == "applications":
        return "本年新收" in j and ("自然人" in j or "申请人情况" in j)
    if sec == "reviews_litigation":
        return "结果维持" in j and "尚未审结" in j
    return "第二十条" in j and "信息内容" in j


def _runs(body: list[str]) -> list[tuple[list[str], list[str]]]:
    """[(label lines, value lines)]: consecutive label lines, then the value lines that follow them."""
    out: list[tuple[list[str], list[str]]] = []
    labels: list[str] = []
    values: list[str] = []
    for l in body:
        if is_value(l) and norm(l) != "":
            values.append(l)
        else:
            if values:
                out.append((labels, values))
                labels, values = [], []
            labels.append(l)
    out.append((labels, values))
    return out


def parse_applications_text(body: list[str], stats: Statistics) -> None:
    b = AppBuilder(stats, "text")
    head = norm("".join(body[:40]))
    missing_cols = [lab for _, lab in APPLICATION_COLUMNS if lab not in head]
    if missing_cols:
        stats.unparsed["applications"] = "flattened text: column labels not found: " + "、".join(missing_cols)
        return
    problems = []
    parsed: list[tuple[str, list[str], str]] = []
    started = False
    for labels, values in _runs(body):
        # the data row's label is the last label line; earlier ones are groups (or the header, before the first row)
        for n, lab in enumerate(labels):
            last = n == len(labels) - 1
            full = " ".join(labels[: n + 1])
            key = b.classify(lab, full, last and bool(values))
            if key is None:
                continue
            if key == "new_received":
                started = True
            if not started:
                continue
            if key.startswith("@"):
                b.group = key[1:]
                continue
            vals = values if last else []
            if len(vals) != len(APP_COLS):
                problems.append(f"{strip_numbering(norm(lab))[:20]}: {len(vals)} of 7 cells")
                continue
            if key.startswith("results.") and key.count(".") == 2:
                b.group = key.split(".")[1]
            parsed.append((key, vals, lab))
    if problems:
        stats.unparsed["applications"] = ("flattened text: a row lacks cells (blank cells dropped), so the column of "
                                          "its numbers is uncertain: " + "; ".join(problems[:4])
                                          + (f"; … {len(problems)} rows in all" if len(problems) > 4 else ""))
        return
    if not parsed:
        stats.unparsed["applications"] = "flattened text: no row of the template found"
        return
    for key, vals, lab in parsed:
        b.add(key, {c: (v, True) for c, v in zip(APP_COLS, vals)}, lab)
    b.finish()


def parse_active_text(body: list[str], stats: Statistics) -> str:
    b = ActiveBuilder(stats, "text")
    cols: list[tuple[str, str]] | None = None
    in_header = False
    for labels, values in _runs(body):
        for n, lab in enumerate(labels):
            last = n == len(labels) - 1
            t = norm(lab)
            it = item_of(lab)
            if it:
                _item, cols, in_header = it, None, False
                continue
            if t.startswith("信息内容"):
                cols, in_header = [], True
                continue
            row_key = match_label(ACTIVE_ROW_PATTERNS, t) if len(t) <= 16 else None
            if in_header and row_key is None:
                ck = next(((k, f) for p, k, f in ACTIVE_COL_PATTERNS if re.search(p, t)), None)
                if ck:
                    cols.append(ck)
                    continue
            if row_key is None:
                continue
            in_header = False
            vals = values if last else []
            if not cols:
                b.unparsed[row_key] = "flattened text: no 信息内容 header above the row"
                continue
            if len(vals) != len(cols):
                b.unparsed[row_key] = (f"flattened text: {len(vals)} cells for {len(cols)} columns "
                                       f"({'、'.join(k for k, _ in cols)}): the column of each number is uncertain")
                continue
            b.formats.update(f for _, f in cols)
            b.add(row_key, [k for k, _ in cols], [(v, True) for v in vals])
    b.finish()
    return b.format()


def parse_reviews_text(body: list[str], stats: Statistics) -> None:
    runs = _runs(body)
    head = norm("".join(runs[0][0])) if runs else ""
    groups_ok = "行政复议" in head and "未经复议" in head and "复议后起诉" in head
    vals = runs[0][1] if runs else []
    if not groups_ok:
        stats.unparsed["reviews_litigation"] = "flattened text: the header does not name the three groups"
        return
    if len(vals) != 15:
        stats.unparsed["reviews_litigation"] = (f"flattened text: {len(vals)} of the 15 cells present (blank cells "
                                                "dropped), so the column of each number is uncertain")
        return
    put_reviews(stats, {gc: (v, True) for gc, v in zip(REVIEW_ORDER, vals)}, "text")


# --------------------------------------------------------------------------- pre-2019 free text
_NUM = r"(\d[\d,]*)"
_TEXT_COUNT_PATTERNS: tuple[tuple[str, str], ...] = (
    ("received", r"(?:收到|受理|接收|接到)(?:各类|公民、法人或者?其他组织)?(?:的)?(?:政府信息公开|信息公开|依申请公开(?:政府信息)?)"
                 r"(?:的)?申请(?:共计|总计|合计|共|总数)?(?:为|达)?" + _NUM + r"(?:件|份|条|宗|人次)"),
    ("received", r"(?:收到|受理)(?:依申请公开|政府信息公开申请)(?:共计|共)?" + _NUM + r"(?:件|份)"),
    ("answered", r"(?:共|累计)?(?:答复|办结|办理)(?:依申请(?:信息)?公开|政府信息公开申请|申请)(?:共计|共)?" + _NUM + r"件"),
    ("already_public", r"已(?:经)?主动公开(?:范围数|范围|的)?(?:为|共)?" + _NUM + r"件"),
    ("disclosed", r"(?<!不)(?<!部分)同意公开(?:答复数|答复|的)?(?:为|共)?" + _NUM + r"件"),
    ("partially_disclosed", r"(?<!不)部分公开(?:答复数|的)?(?:为|共)?" + _NUM + r"件"),
    ("not_disclosed", r"不(?:同意|予)公开(?:答复数|答复|的)?(?:共有|为|共)?" + _NUM + r"件"),
    ("not_own_agency", r"不属于本(?:行政)?机关(?:公开|掌握)?(?:范围)?(?:数|的)?(?:为|共)?" + _NUM + r"件"),
    ("not_exist", r"(?:申请)?信息不存在(?:数|的)?(?:为|共)?" + _NUM + r"件"),
    ("reviews", r"行政复议(?:案件|申请)?(?:共计|共|总计)?" + _NUM + r"(?:件|起|宗)"),
    ("lawsuits", r"行政诉讼(?:案件)?(?:共计|共|总计)?" + _NUM + r"(?:件|起|宗)"),
)
_TEXT_ZERO_PATTERNS = (
    ("reviews", r"(?:没有|未|无)(?:发生|收到)?(?:因政府信息公开(?:申请)?(?:而)?)?(?:申请|提起|引发|引起)?(?:的)?行政复议"),
    ("lawsuits", r"(?:没有|未|无)(?:发生|收到)?(?:因政府信息公开(?:申请)?(?:而)?)?(?:提起|引发|引起)?(?:的)?行政诉讼"),
)


def text_counts(text: str) -> dict[str, int]:
    """Counts stated with clear labels in free text (pre-2019 reports): the first statement of each."""
    t = unicodedata.normalize("NFKC", text)
    t = re.sub(r"[ \t\u3000]+", "", t)
    found: dict[str, tuple[int, int]] = {}
    for key, pat in _TEXT_COUNT_PATTERNS:
        for m in re.finditer(pat, t):
            if key in found and found[key][0] <= m.start():
                break
            # "约150件" is not a clear count
            if t[max(0, m.start(1) - 1):m.start(1)] in ("约", "近", "余"):
                continue
            found[key] = (m.start(), int(m.group(1).replace(",", "")))
            break
    for key, pat in _TEXT_ZERO_PATTERNS:
        m = re.search(pat, t)
        if m and key not in found:
            found[key] = (m.start(), 0)
    return {k: v for k, (_, v) in sorted(found.items(), key=lambda kv: kv[1][0])}


