"""The reporting body: whose report a page is, as its title or its first sentence names it.

"莆田市公安局2022年政府信息公开工作年度报告" → 莆田市公安局; "本年度报告由天津市发展改革委编制" → 天津市发展改革委;
"现将岳阳市人民政府2020年政府信息公开年度报告向社会公布" → 岳阳市人民政府; a page that opens at its first section,
"一、总体情况 2019年，广州市番禺区人民政府办公室认真贯彻…" → 广州市番禺区人民政府办公室.

A name must be a body's: it ends as bodies' names end (…局, …委员会, …人民政府, …街道, …管委会, …开发区). A place
alone (贵港市, 河北省, 白银区) is not a body, and neither is a relative name (我局, 本机关, 市发展改革委 after
以下简称); both give None. Inputs are Simplified.
"""

from __future__ import annotations

import re

_CN_YEAR = r"(?:(?:19|20)\d{2}|[〇○零一二][〇○零一二三四五六七八九]{3})"
_DISCLOSURE = r"(?:政府信息|政务信息|政务|信息)公开"
# how the names of bodies end (longest first where one ends another)
ORG_END_RE = re.compile(
    r"(?:人民政府办公室|人民政府办公厅|人民政府|政府办公室|政府办公厅|政府|办公室|办公厅|管理委员会|管委会|委员会|工委|"
    r"办事处|街道|镇|乡|苏木|嘎查|[局厅委办署院所站队馆会室处科]|中心|分局|支队|大队|公司|集团|"
    r"开发区|高新区|新区|园区|试验区|示范区|实验区|保税区|片区|合作区|风景区|景区|旅游区|度假区|港区|矿区|林区|农场|"
    r"研究室|参事室|研究馆|医院|保健院)$")
# a place, not a body: a province, city, county or district name and nothing after it
PLACE_RE = re.compile(r"^.{1,16}?(?:省|市|县|区|州|盟|旗|地区|自治区|自治州|自治县)$")
ZONE_END_RE = re.compile(r"(?:开发区|高新区|新区|园区|试验区|示范区|实验区|保税区|片区|合作区|风景区|景区|旅游区|度假区|港区|矿区|林区)$")
_BAD_CHARS_RE = re.compile(r"[，。；：:,;、“”\"《》<>\[\]{}|/\\?？!！…\s\d]")
# words before a name in a sentence (全面总结…, 现将…, 特向社会公布…), never part of it
_VERBS_RE = re.compile(r"^(?:全面|认真|特此|特|现|并|将|予|向社会|对|就|把|由|是|为|了|完成|总结|编制|公布|发布|公开|印发|制作|形成)+")
# an explanation in brackets after a name: (以下简称经开区管委会)
_ALIAS_RE = re.compile(r"[(（](?:以下简称|下称|简称)[^)）]*[)）]$")
_BRACKET_TAIL_RE = re.compile(r"[(（][^()（）]*[)）]$")
_RELATIVE_RE = re.compile(r"^(?:我|本|该|市|县|区|州|省|自治区)(?:局|委|办|厅|机关|单位|院|中心|部门|政府|镇|乡|街道)")
_LEADING_RE = re.compile(r"^(?:关于|中共)?")
_TRAILING_RE = re.compile(r"(?:关于|的|之)$")


def body_name(candidate: str | None) -> str | None:
    """The candidate as a body's name, or None when it is not one (a place, a relative name, a phrase)."""
    if not candidate:
        return None
    s = _ALIAS_RE.sub("", candidate.strip(" \u3000"))
    s = _TRAILING_RE.sub("", _VERBS_RE.sub("", _LEADING_RE.sub("", s)))
    if not 3 <= len(s) <= 40 or _BAD_CHARS_RE.search(s.replace("(", "").replace(")", "").replace("（", "").replace("）", "")):
        return None
    if s.count("(") + s.count("（") != s.count(")") + s.count("）"):
        return None
    if _RELATIVE_RE.match(s) and len(s) <= 8:
        return None
    if re.search(r"报告|年报", s):
        return None
    base = _BRACKET_TAIL_RE.sub("", s)  # 淮北市妇幼保健计划生育服务中心(市妇幼保健院): the name before its alias
    if not ORG_END_RE.search(base) or ORG_END_RE.fullmatch(base) or _BARE_ORG_RE.fullmatch(base):
        return None
    if PLACE_RE.match(base) and not ZONE_END_RE.search(base):
        return None
    return s


# an organisation word with nothing to say whose it is
_BARE_ORG_RE = re.compile(r"(?:市|县|区|省|州|镇|乡)?(?:人民)?政府(?:办公室|办公厅)?|党政办公室|政府办|办公室|管委会")


# --- the title --------------------------------------------------------------------------------------

# a sector's word may come between the year and 信息公开 (海关总署2010年海关信息公开工作年度报告)
_TITLE_BODY_FIRST_RE = re.compile(
    rf"^(?P<b>.+?)(?:关于)?[(（]?{_CN_YEAR}\s*年?(?:度)?[)）]?(?:的)?(?:[\u4e00-\u9fff]{{1,4}}?)?{_DISCLOSURE}")
_TITLE_YEAR_FIRST_RE = re.compile(rf"^{_CN_YEAR}\s*年?(?:度)?(?P<b>.+?){_DISCLOSURE}")
_TITLE_NO_YEAR_RE = re.compile(rf"^(?P<b>.+?){_DISCLOSURE}(?:工作)?(?:年度)?(?:工作)?(?:报告|年报)")


def body_from_title(title: str | None) -> str | None:
    """The body a report's title names, before or after its year."""
    if not title:
        return None
    t = re.sub(r"\s+", "", title)
    for rx in (_TITLE_BODY_FIRST_RE, _TITLE_YEAR_FIRST_RE, _TITLE_NO_YEAR_RE):
        m = rx.search(t)
        if not m:
            continue
        raw = m.group("b")
        if raw.endswith("人民") and t[m.end("b"):].startswith("政府"):
            raw += "政府"  # 兴县人民政府信息公开年度报告: 人民政府 + 信息公开
        found = body_name(raw)
        if found:
            return found
    return None


# --- the first sentence ------------------------------------------------------------------------------

_NAME = r"(?P<b>[^，。；：:,;、“”《》\s]{2,40}?)"
_COMPILES = r"(?:根据|依据|按照|依照|结合|综合|在|汇总|编制|编写|负责|组织|对照|制作)"
_FIRST_SENTENCE_RES = (
    # 本年度报告由天津市发展改革委编制 / 本报告由济宁市兖州区财政局根据…
    re.compile(rf"(?:本|该)(?:年度)?(?:报告|年报)(?:是|系)?由{_NAME}{_COMPILES}"),
    # 本年度报告根据《条例》…要求，由静安区人民政府编制
    re.compile(rf"(?:本|该)(?:年度)?(?:报告|年报)(?:是|系)?(?:严格)?(?:根据|依据|按照|依照)[^。]{{0,200}}?[,，]?\s*由{_NAME}{_COMPILES}"),
    # 兴华镇人民政府特此编制2024年度…报告
    re.compile(rf"(?:^|[,，。：:；;])\s*{_NAME}(?:特此|现|特|认真)?(?:编制|制作|发布|公布)(?:了)?{_CN_YEAR}\s*年"),
    # 编制了城厢区发展和改革局2021年度… / 现将岳阳市人民政府2020年…向社会公布 / 全面总结…街道办事处2025年政府信息公开工作
    # / 现发布《兴庆区前进街街道办事处2024年…》 / 广元市体育局2024年…报告，根据…
    re.compile(rf"(?:^|[,，《：:。；;])\s*{_NAME}{_CN_YEAR}\s*年(?:度)?(?:的)?{_DISCLOSURE}"),
    # 现公布中山市自然资源局政府信息公开工作2022年度报告
    re.compile(rf"(?:现|特)(?:将|予)?(?:公布|发布){_NAME}{_DISCLOSURE}(?:工作)?{_CN_YEAR}\s*年"),
    # 结合精河工业园区政府信息公开年度工作情况编制本报告 / 结合2025年荣成市退役军人事务局政府信息公开工作实际
    re.compile(rf"结合(?:{_CN_YEAR}\s*年(?:度)?)?{_NAME}(?:{_CN_YEAR}\s*年(?:度)?)?{_DISCLOSURE}"),
)
_COMPILED_FROM_OTHERS_RE = re.compile(r"(?:汇总|综合|基础上)[^。]{0,40}?(?:全市|全区|全县|全省|全州|各县|各区|各市|各部门|各级|各地|各镇|"
                                      r"各单位|各街道|各乡镇|各委办局)|(?:全市|全区|全县|全省|各县|各部门|各级)[^。]{0,40}?(?:基础上|汇总)")
# a page that opens at its first section: 一、总体情况 2019年，广州市番禺区人民政府办公室认真贯彻…
_YEAR_LED_RE = re.compile(rf"^(?:[一1][、.．]\s*(?:总体情况|概\s*述)\s*)?{_CN_YEAR}\s*年(?:度)?(?:以来)?[,，]\s*{_NAME}"
                          r"(?:认真|深入|坚持|全面|严格|继续|进一步|紧紧|按照|紧密|始终|高度|持续|着力|不断|扎实|积极|牢固|切实|以|在|围绕|"
                          r"根据|依据|结合|立足|把|将|聚焦|对照|主动|大力|加强|强化|狠抓|统筹)")


def first_sentence(text: str) -> str:
    """The opening of a page's content: its first line that reads as prose (a title, a header or a menu does not)."""
    for line in text.splitlines():
        s = line.strip()
        if len(s) >= 15 and re.search(r"[，。,]", s):
            return s[:900]
    return ""


def body_from_first_sentence(text: str) -> str | None:
    """The body the page's first sentence names as its report's (never a body the report merely cites)."""
    opening = first_sentence(text)
    if not opening:
        return None
    head = re.split(r"(?<=。)", opening, maxsplit=1)[0]
    if _COMPILED_FROM_OTHERS_RE.search(head):
        return None  # a region's report compiled by an office from its units' reports: the office is not its body
    for rx in _FIRST_SENTENCE_RES:
        for m in rx.finditer(head):
            found = body_name(m.group("b"))
            if found:
                return found
    m = _YEAR_LED_RE.search(opening)
    if m:
        return body_name(m.group("b"))
    return None


def reporting_body(title: str | None, text: str) -> tuple[str | None, str | None]:
    """(body, source): from the title ("title") or else the first sentence ("body"); (None, None) when neither names one."""
    found = body_from_title(title)
    if found:
        return found, "title"
    found = body_from_first_sentence(text)
    if found:
        return found, "body"
    return None, None


# --- the lines around the title ------------------------------------------------------------------------

_DATE_LINE_RE = re.compile(r"^[(（]?\s*(?:(?:19|20)\d{2}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}\s*日?|"
                           r"[〇○零一二][〇○零一二三四五六七八九]{3}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,4}日)"
                           r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?\s*[)）]?$")


def around_title(title: str | None, text: str) -> tuple[str | None, str | None]:
    """(body on the line above a title that lacks one, organisation of a byline under the title).

    A title split over two lines (盐城市公安局盐都分局 / 2024年政府信息公开工作年度报告) names its body on the line
    above; a byline (四川省财政厅 / 2021年01月29日, or 上海市闵行区人民政府 2010年2月20日) names who published it.
    """
    if not title:
        return None, None
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()][:60]
    key = re.sub(r"\s+", "", title)[-12:]
    at = next((i for i, ln in enumerate(lines) if key and key in re.sub(r"\s+", "", ln)), None)
    if at is None:
        return None, None
    above = None
    if at > 0 and body_from_title(title) is None and re.match(_CN_YEAR, re.sub(r"\s+", "", title)):
        cand = body_name(lines[at - 1])
        if cand and (len(cand) >= 6 or re.search(r"[省市县区州镇乡旗盟]", cand)):
            above = cand
    byline = None
    for j in range(at + 1, min(at + 4, len(lines))):
        ln = lines[j]
        if re.search(r"[，。；]", ln):
            break  # the body's prose has begun: a name and a date after it are a signature, not a byline
        m = re.match(r"^(?P<org>\S{3,40}?)\s+(?P<date>.+)$", ln)
        if m and _DATE_LINE_RE.match(m.group("date")) and body_name(m.group("org")):
            byline = body_name(m.group("org"))
            break
        if body_name(ln) and j + 1 < len(lines) and _DATE_LINE_RE.match(lines[j + 1]):
            byline = body_name(ln)
            break
    return above, byline
