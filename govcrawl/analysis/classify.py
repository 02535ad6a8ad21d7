"""Annual report (政府信息公开工作年度报告) vs other, with reasons.

The title decides when it is clearly a report or clearly something else (work plan, notice, news, interpretation,
a university's report, a 法治政府建设 report …). Otherwise the body decides, as a reader of the page's opening does:
the report's own preamble (本年度报告根据…编制, 统计期限…1月1日, 现将…年度报告…公布), the 条例, and the sections
of the national template (一、总体情况 … 六、其他需要报告的事项, or the older 概述 / 依申请公开 … forms).

Some pages share all of that vocabulary and are still not a body's report; the body says so too: a university
report (高等学校信息公开办法, 学年), an interpretation of a report (现就年报内容进行如下解读), a notice (特此通知),
a listing page (several dated report titles, one per line, and little else).

All inputs are expected Simplified (page.py converts).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from govcrawl.analysis.dates import fw_to_ascii

# --- title patterns (whitespace removed before matching)
_DISCLOSURE = r"(?:政府信息|政务信息|政务|信息)公开"
REPORT_TITLE_RES = (
    ("政府信息公开工作年度报告", re.compile(r"政府信息公开(?:工作)?(?:年度)?(?:工作)?报告")),
    ("政府信息公开工作报告", re.compile(_DISCLOSURE + r"(?:和政府信息公开)?(?:工作)?(?:开展|进展|实施)?(?:情况)?(?:的)?"
                                        r"(?:[(（]?\d{4}年?度?[)）]?)?(?:年度)?(?:工作)?(?:总结)?报告")),
    ("政府信息公开年报", re.compile(_DISCLOSURE + r"(?:工作)?年报")),
    ("关于…政府信息公开工作情况的报告", re.compile(r"关于.{0,30}(?:政府信息|政务)公开(?:工作)?(?:情况)?的(?:年度)?报告$")),
)
# things that are about reports but are not reports, or are other document types
NOT_REPORT_TITLE_RES = (
    ("解读", re.compile(r"解读|图解|一图读懂|问答|答记者问|说明会")),
    ("工作要点", re.compile(r"工作要点")),
    ("工作计划", re.compile(r"工作计划|工作安排|工作方案|实施方案|工作打算|工作规则|议事规则")),
    ("通知", re.compile(r"通知$|的通知|通知[(（]|^关于(?!.*报告$)|公告$|通告$|公示$")),
    ("范本", re.compile(r"范本|样本|模板|范文|格式")),
    ("编制/报送", re.compile(r"编制工作|报送|编报|撰写|审核|发布工作|汇总|编制完成|编制发布|已发布|发布了|正式发布|年度报告发布|年报发布|"
                           r"(?:公布|发布|编制|报送)情况")),
    ("会议/新闻", re.compile(r"召开|会议|推进会|培训|座谈|调研|部署|专题|动员|考察|检查|督查|评估|考核|测评|评议|获评|荣获|排名|通报|"
                           r"开放日|宣传|活动|优秀\S{0,6}(?:报告|年报)|评选|出炉|点赞")),
    ("意见/办法", re.compile(r"(?:意见|办法|规定|细则|制度|指南|目录|清单)$")),
    ("高校信息公开报告", re.compile(r"学年|大学|学院|学校|高校|高等学校")),
    ("法治政府建设报告", re.compile(r"法治政府|法治建设|依法行政")),
    ("其他年度报告", re.compile(r"(?<!信息公开)政府工作报告|统计公报|预算|决算|审计工作报告|国民经济和社会发展|企业年报|年报公示")),
)
# the template's sections (2019/2021 form, and the older forms), as headings or named in the preamble
SECTION_RES = (
    ("总体情况", re.compile(r"总体情况")),
    ("概述", re.compile(r"(?:^|[一1][、.．]\s*)概\s*述|包括概述|由概述")),
    ("主动公开", re.compile(r"主动公开(?:政府)?信息(?:的)?(?:情况|工作)|主动公开情况|[(（]一[)）]\s*(?:依法)?主动公开")),
    ("申请", re.compile(r"收到和处理政府信息公开申请|依申请公开(?:政府信息)?(?:的)?(?:情况|办理)|政府信息公开申请(?:的)?(?:办理|情况)|"
                       r"[(（]二[)）]\s*依申请公开")),
    ("信息管理", re.compile(r"[(（]三[)）]\s*政府信息管理|政府信息管理[。\n]")),
    ("平台建设", re.compile(r"[(（]四[)）]\s*(?:政府信息公开)?平台建设|公开平台建设")),
    ("监督保障", re.compile(r"[(（]五[)）]\s*监督保障|监督保障[。\n]")),
    ("复议诉讼", re.compile(r"行政复议[、和及]?(?:提起)?行政诉讼|复议、诉讼|复议诉讼")),
    ("收费减免", re.compile(r"收费及减免|收费和减免")),
    ("问题改进", re.compile(r"存在的主要问题|主要问题(?:及|和)改进|改进(?:情况|措施)")),
    ("其他事项", re.compile(r"其[他它]需要报告的事项|其他需要说明的")),
    ("第二十条", re.compile(r"第二十条第\s*[(（]\s*[一五六八九十]")),
)
# the report's own preamble: what it is, who compiled it, the period its figures cover
PREAMBLE_RE = re.compile(
    r"(?:本|该)(?:年度)?(?:报告|年报)(?:是|系)?(?:根据|依据|按照|依照|由|全文|中所列|所列|包括|内容)|"
    r"编制(?:了|本|完成)?[^。，,；;\n]{0,50}?(?:年度报告|年报|工作报告|情况报告|本报告)|"
    r"(?<![发实表出体呈展再重])现(?:将|予|就)?(?:公布|发布)?[^。，,；;\n]{0,50}?(?:年度报告|年报|工作(?:情况)?报告)[^。\n]{0,12}?"
    r"(?:公布|发布|如下|公开)|"
    r"特向社会公布|向社会公布[^。\n]{0,30}?(?:年度报告|年报)|"
    r"(?:统计期限|统计时限|统计时间|统计区间|统计数据时间|统计期|数据统计期|所列数据)[^。\n]{0,16}?\d{4}\s*年\s*1\s*月\s*1\s*日|"
    r"现将[^。\n]{0,40}?(?:政府信息公开|政务公开|信息公开)[^。\n]{0,20}?(?:工作)?(?:情况|开展情况)?报告如下")
BODY_STATUTE = re.compile(r"政府信息公开条例|《条例》|政府信息公开规定|政府信息公开暂行办法|政府信息公开办法")
# not a body's own report, though it speaks like one
UNIVERSITY_RE = re.compile(r"高等学校信息公开办法|教育部令第29号|\d{4}\s*[-—–~至]\s*\d{4}\s*学年|本学年|我校|本校|学校信息公开工作|"
                           r"高校信息公开年度报告工作")
INTERPRETATION_RE = re.compile(r"现就[^。\n]{0,40}(?:年报|报告)[^。\n]{0,12}解读|对[^。\n]{0,50}(?:年度报告|年报)[^。\n]{0,12}(?:进行|作|做)"
                               r"(?:如下|以下)?解读|为(?:方便|便于)[^。\n]{0,20}(?:看懂|理解)[^。\n]{0,16}(?:年报|报告)")
NOTICE_RE = re.compile(r"特此通知|现(?:将|就)[^。\n]{0,30}(?:事项|工作)通知如下|现印发给你们|请认真贯彻执行|请结合实际|抄送[:：]|"
                       r"请各(?:地|单位|部门|县)|各[^。\n]{0,20}(?:要|须|应)于\d{1,2}月\d{1,2}日前")
# a journal article about the reports (an abstract and key words: no report carries both)
ABSTRACT_RE = re.compile(r"摘\s*要\s*[\]】:：]")
KEYWORDS_RE = re.compile(r"关\s*键\s*[词字]\s*[\]】:：]")
NEWS_RE = re.compile(r"本报讯|记者\s*\S{2,4}|通讯员|新华社|讯[（(]记者")
# a line that is (or starts with) a dated report title: a listing of reports, not a report
_LIST_LINE_RE = re.compile(r"(?:政府信息|政务)公开(?:工作)?(?:年度)?(?:工作)?(?:报告|年报)")
_YEAR_RE = re.compile(r"(?:19|20)\d{2}|[〇零一二][〇零一二三四五六七八九]{3}")
_CLAUSE_RE = re.compile(r"[，。；,;]")


@dataclass
class Classification:
    is_report: bool
    reasons: list[str] = field(default_factory=list)
    title_verdict: str = "neutral"   # report | not_report | neutral
    body_score: float = 0.0


_WS_RUN_RE = re.compile(r"\s+")
# the template's first heading as a page's first line (an excerpt that starts at the report's body)
_FIRST_HEADING_RE = re.compile(r"^[一1][、.．]\s*(?:总体情况|概\s*述|政府信息公开(?:工作)?(?:的)?(?:总体|基本)?(?:情况|概况))")


def title_verdict(title: str | None) -> tuple[str, list[str]]:
    """('report' | 'not_report' | 'neutral', reasons) for a (Simplified) title."""
    if not title:
        return "neutral", []
    t = _WS_RUN_RE.sub("", fw_to_ascii(title))
    pos = [(name, rx) for name, rx in REPORT_TITLE_RES if rx.search(t)]
    neg = [(name, rx) for name, rx in NOT_REPORT_TITLE_RES if rx.search(t)]
    if pos and neg:
        # "年度报告解读", "关于报送…年度报告的通知", "…大学…学年信息公开年度报告": not a body's report.
        return "not_report", [f"title: {neg[0][0]} (mentions {pos[0][0]})"]
    if pos:
        return "report", [f"title: {pos[0][0]}"]
    if neg:
        return "not_report", [f"title: {neg[0][0]}"]
    return "neutral", []


def template_sections(text: str) -> list[str]:
    return [name for name, rx in SECTION_RES if rx.search(text)]


_LEADING_LABEL_RE = re.compile(r"^[^:：]{0,8}[:：]\s*")  # 内容概述: / • 一图读懂: / 名  称: before a title
_NOT_NAME_RE = re.compile(r"[^\u4e00-\u9fff\dA-Za-z〇]")


def listing_lines(text: str) -> int:
    """Distinct reports' titles standing alone on their lines (a list of reports). A report that repeats its own
    title (printed twice, under 内容概述, in an 一图读懂 link) lists one."""
    titles = set()
    for line in text.splitlines():
        s = line.strip()
        if 8 <= len(s) <= 70 and _LIST_LINE_RE.search(s) and _YEAR_RE.search(s) and not _CLAUSE_RE.search(s):
            named = _LEADING_LABEL_RE.sub("", s)
            end = _LIST_LINE_RE.search(named)
            titles.add(_NOT_NAME_RE.sub("", named[:end.end()] if end else named))
    return len(titles)


def body_evidence(text: str) -> tuple[float, list[str], str | None]:
    """Score the body as an annual report: (score, reasons, the reason it is something else or None)."""
    head = text[:8000]
    opening = text[:1500]
    reasons: list[str] = []
    score = 0.0
    preamble = PREAMBLE_RE.search(head)
    statute = bool(BODY_STATUTE.search(head))
    sections = template_sections(head)
    if preamble:
        score += 2.5
        reasons.append(f"body: report preamble ({preamble.group(0)[:16]})")
    if statute:
        score += 1
    if len(sections) >= 2:
        score += min(len(sections), 6) * 0.75
    first = next((ln.strip() for ln in head.splitlines() if ln.strip()), "")
    if _FIRST_HEADING_RE.match(first):
        score += 1.5
        reasons.append(f"body: opens at the template's first section ({first[:8]})")
    if statute and sections:
        reasons.append(f"body: 条例 reference + template sections ({len(sections)})")
    elif sections:
        reasons.append(f"body: template sections ({len(sections)})")
    against = None
    if UNIVERSITY_RE.search(opening):
        against = "body: a university's report (高等学校信息公开办法 / 学年)"
    elif INTERPRETATION_RE.search(opening):
        against = "body: an interpretation of a report (解读)"
    elif NOTICE_RE.search(head):
        against = "body: a notice (通知)"
    elif ABSTRACT_RE.search(opening) and KEYWORDS_RE.search(opening):
        against = "body: a journal article (摘要, 关键词)"
    elif NEWS_RE.search(opening) and not preamble:
        against = "body: news (本报讯 / 记者)"
    elif not preamble and listing_lines(head) >= 3:
        against = f"body: a list of {listing_lines(head)} reports"
    return score, reasons, against


BODY_THRESHOLD = 3.5

# The portal's own column for the reports in a page's path (…/zfxxgknb/…, …/xxgkndbg/…, …/gknb/…): one piece of
# evidence, never enough alone (the column holds letters and notices too); its index pages are lists, not reports.
_REPORT_COLUMN_RE = re.compile(r"(?i)(?:gknb|ndbg|nianbao)")
_INDEX_PAGE_RE = re.compile(r"(?i)^(?:index(?:_\d+)?\.\w+)?$")
URL_COLUMN_WEIGHT = 1.0


def report_column(url: str | None) -> str | None:
    """The path segment that files a page in a portal's annual-report column (None for its index pages)."""
    if not url or "://" not in url:
        return None
    path = url.split("://", 1)[1].partition("/")[2].split("?", 1)[0]
    segments = path.split("/")
    if _INDEX_PAGE_RE.match(segments[-1]):
        return None
    return next((seg for seg in segments[:-1] if _REPORT_COLUMN_RE.search(seg)), None)


def classify(title: str | None, text: str, title_candidates: list[str] | None = None,
             url: str | None = None) -> Classification:
    """Annual report or not. title and text Simplified; url (optional): where the page was found."""
    verdict, reasons = title_verdict(title)
    if verdict == "neutral" and title_candidates:
        for c in title_candidates:
            v, r = title_verdict(c)
            if v != "neutral":
                verdict, reasons = v, r
                break
    score, breasons, against = body_evidence(text)
    column = report_column(url)
    if column:
        score += URL_COLUMN_WEIGHT
        breasons.append(f"url: filed in an annual-report column ({column})")
    if verdict == "not_report":
        return Classification(False, reasons, verdict, score)
    if against:
        return Classification(False, reasons + [against], verdict, score)
    if verdict == "report":
        return Classification(True, reasons + breasons, verdict, score)
    if score >= BODY_THRESHOLD:
        return Classification(True, ["title: not decisive"] + breasons, verdict, score)
    return Classification(False, (["title: not a report title"] if title else ["no title"]) + breasons, verdict, score)
