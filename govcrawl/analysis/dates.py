"""Dates, years and Chinese numerals as pages print them (2021年3月5日, 2021-03-05, 二〇二一年三月五日),
and the year a report covers, from its title or its body."""

from __future__ import annotations

import datetime as dt
import re

from govcrawl.analysis import text as T

# ---------------------------------------------------------------------------
# dates and numerals

_FW_DIGITS = str.maketrans("０１２３４５６７８９：／－．", "0123456789:/-.")
_CN_DIGIT = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "0": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUM = "〇○零Ｏ一二三四五六七八九十"

DATE_RE = re.compile(r"((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?!\d)\s*日?")
CN_DATE_RE = re.compile(r"([〇○零Ｏ一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,4})\s*日")
YEAR_RE = re.compile(r"((?:19|20)\d{2})")


def fw_to_ascii(s: str) -> str:
    return s.translate(_FW_DIGITS)


def cn_small_number(s: str) -> int | None:
    """一..三十一 -> int."""
    if not s:
        return None
    if "十" in s:
        a, _, b = s.partition("十")
        tens = _CN_DIGIT.get(a, None) if a else 1
        ones = _CN_DIGIT.get(b, None) if b else 0
        if tens is None or ones is None:
            return None
        return tens * 10 + ones
    if len(s) == 1 and s in _CN_DIGIT:
        return _CN_DIGIT[s]
    return None


def cn_year(s: str) -> int | None:
    if len(s) != 4 or any(c not in _CN_DIGIT for c in s):
        return None
    return int("".join(str(_CN_DIGIT[c]) for c in s))


def _mk_date(y: int, m: int, d: int) -> str | None:
    if not (1990 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"


def parse_date(s: str | None, anchored: bool = False) -> str | None:
    """First date in s as YYYY-MM-DD (2021-01-29 15:25, 2021年1月29日, 2021/1/29, 二〇二一年一月二十二日)."""
    if not s:
        return None
    s = fw_to_ascii(s)
    m = DATE_RE.match(s.strip()) if anchored else DATE_RE.search(s)
    if m:
        return _mk_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = CN_DATE_RE.match(s.strip()) if anchored else CN_DATE_RE.search(s)
    if m:
        y, mo, d = cn_year(m.group(1)), cn_small_number(m.group(2)), cn_small_number(m.group(3))
        if y and mo and d:
            return _mk_date(y, mo, d)
    return None


def _valid_year(y: int) -> bool:
    return 1995 <= y <= 2100


# ---------------------------------------------------------------------------
# report year

_TITLE_YEAR_RES = (
    re.compile(r"[(（]\s*((?:19|20)\d{2})\s*年度?\s*[)）]"),
    re.compile(r"((?:19|20)\d{2})\s*年度?"),
    re.compile(r"((?:19|20)\d{2})"),
)

_BODY_YEAR_RES = (
    re.compile(r"现将(?:[^。\n]{0,20}?)((?:19|20)\d{2})\s*年度?[^。\n]{0,30}?(?:报告如下|汇报如下|公布如下|总结如下|如下)"),
    re.compile(r"统计(?:期限|期间|时限|区间|时间)[^。\n\d]{0,8}((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日"),
    re.compile(r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日(?:起)?\s*(?:至|到|—|-)\s*\1\s*年\s*12\s*月\s*31\s*日"),
    re.compile(r"(?:编制了?|特编制|现公布|发布)[^。\n]{0,30}?((?:19|20)\d{2})\s*年度?[^。\n]{0,30}?报告"),
    re.compile(r"本报告[^。\n]{0,40}?((?:19|20)\d{2})\s*年"),
    re.compile(r"(?:^|\n)\s*[一1][、.．]?\s*[^\n]{0,6}?((?:19|20)\d{2})\s*年(?:度)?[^\n]{0,12}?(?:工作完成情况|工作情况|总体情况)"),
    re.compile(r"(?:^|\n|。)\s*((?:19|20)\d{2})\s*年[，,]\s*(?:我|全|本)[委局厅市县区省办院镇乡街中署部社会行司]"),
    # the first section's first sentence: 一、概述 / 2013年，柳北区统计局…
    re.compile(r"(?:^|\n)\s*[一1][、.．]\s*(?:概\s*述|总体情况|[^\n]{0,12}基本情况)\s*\n\s*((?:19|20)\d{2})\s*年(?:度|以来)?[，,]"),
)


def year_from_title(title: str | None) -> int | None:
    if not title:
        return None
    s = fw_to_ascii(T.to_simplified(title))
    m = re.search(r"([〇○零Ｏ一二三四五六七八九]{4})\s*年", s)
    cn = cn_year(m.group(1)) if m else None
    for rx in _TITLE_YEAR_RES:
        m2 = rx.search(s)
        if m2:
            y = int(m2.group(1))
            if _valid_year(y):
                return y
    if cn and _valid_year(cn):
        return cn
    return None


def year_from_body(text: str) -> int | None:
    s = fw_to_ascii(text[:20000])
    for rx in _BODY_YEAR_RES:
        m = rx.search(s)
        if m:
            y = int(m.group(1))
            if _valid_year(y):
                return y
    return None


def dominant_year(text: str) -> int | None:
    from collections import Counter

    ys = [int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})\s*年", fw_to_ascii(text[:30000]))]
    ys = [y for y in ys if _valid_year(y)]
    if not ys:
        return None
    c = Counter(ys).most_common(2)
    if len(c) == 1 or c[0][1] >= 2 * c[1][1]:
        return c[0][0]
    return None


def year_of_doc_no(doc_no: str | None) -> int | None:
    if not doc_no:
        return None
    m = re.search(r"[〔\[［【(（]\s*((?:19|20)\d{2})\s*[〕\]］】)）]", fw_to_ascii(doc_no)) or YEAR_RE.search(fw_to_ascii(doc_no))
    return int(m.group(1)) if m else None




# ---------------------------------------------------------------------------
# the statutory deadlines (政府信息公开条例 arts. 49-50)

GOVERNMENT_RE = re.compile(r"(人民)?政府$")


def report_deadline(body: str | None, level: str | None, year: int) -> tuple[dt.date, str]:
    """The deadline of the report on ``year`` by the body it reports on: a government (its name ends in 人民政府 /
    政府) by 31 March of the next year, any other body (a department, 办公厅, 街道办事处 ...) by 31 January; without a
    body, by its portal's level. Returns (deadline, the rule applied)."""
    if body:
        government = bool(GOVERNMENT_RE.search(body.strip()))
        why = "government (name ends in 政府): 31 March" if government else "department: 31 January"
    else:
        government = level != "department"
        why = f"by the portal's level ({level or 'unknown'}): " + ("31 March" if government else "31 January")
    return (dt.date(year + 1, 3, 31) if government else dt.date(year + 1, 1, 31)), why
