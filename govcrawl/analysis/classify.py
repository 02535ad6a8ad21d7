"""Annual report (政府信息公开工作年度报告) vs other, with reasons.

Title decides when it is clearly a report or clearly something else (work plan, notice, news, interpretation);
otherwise the body decides: a 政府信息公开条例 reference plus the report template's sections plus report wording.
All inputs are expected Simplified (analysis.py converts).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from govcrawl.analysis.dates import fw_to_ascii

# --- title patterns (whitespace removed before matching)
REPORT_TITLE_RES = (
    ("政府信息公开工作年度报告", re.compile(r"政府信息公开(?:工作)?年度报告")),
    ("政府信息公开工作报告", re.compile(r"政府信息公开(?:工作)?(?:情况)?(?:年度)?(?:总结)?报告")),
    ("政务公开工作(年度/总结)报告", re.compile(r"政务公开(?:和政府信息公开)?(?:工作)?(?:年度)?(?:总结)?报告")),
    ("信息公开工作年度报告", re.compile(r"信息公开(?:工作)?(?:年度)?(?:总结)?报告|信息公开年报")),
    ("政府信息公开年报", re.compile(r"(?:政府信息|政务)公开(?:工作)?年报")),
    ("关于…政府信息公开工作情况的报告", re.compile(r"关于.{0,30}(?:政府信息|政务)公开(?:工作)?(?:情况)?的(?:年度)?报告$")),
)
# things that are about reports but are not reports, or are other document types
NOT_REPORT_TITLE_RES = (
    ("解读", re.compile(r"解读|图解|一图读懂|问答|答记者问")),
    ("工作要点", re.compile(r"工作要点")),
    ("工作计划", re.compile(r"工作计划|工作安排|工作方案|实施方案|工作打算")),
    ("通知", re.compile(r"通知$|的通知|通知[(（]|^关于(?!.*报告$)")),
    ("编制/报送", re.compile(r"编制工作|报送|编报|撰写|审核|发布工作|汇总")),
    ("会议/新闻", re.compile(r"召开|会议|推进会|培训|座谈|调研|部署|专题|动员|考察|检查|督查|评估|考核|测评|评议|获评|荣获|排名|通报")),
    ("意见/办法", re.compile(r"(?:意见|办法|规定|细则|制度|指南|目录)$")),
)
BODY_TEMPLATE_SECTIONS = (
    "总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况", "政府信息公开行政复议、行政诉讼情况",
    "存在的主要问题及改进情况", "其他需要报告的事项", "其它需要报告的事项", "依申请公开", "主动公开",
    "行政复议", "政府信息管理", "平台建设", "监督保障", "重点领域", "政策解读", "回应关切",
)
BODY_REPORT_WORDING = re.compile(
    r"本报告|报告如下|编制(?:了|本)?[^。\n]{0,40}?报告|年度报告|总结报告|工作情况报告|统计期限|(?:数据)?统计期限")
BODY_STATUTE = re.compile(r"政府信息公开条例|《条例》|政府信息公开规定|政府信息公开暂行办法")
BODY_PLAN_WORDING = re.compile(r"工作要点|要点落实情况|现印发给你们|请认真贯彻执行|请结合实际|认真贯彻落实|抄送")


@dataclass
class Classification:
    is_report: bool
    reasons: list[str] = field(default_factory=list)
    title_verdict: str = "neutral"   # report | not_report | neutral
    body_score: float = 0.0


_WS_RUN_RE = re.compile(r"\s+")


def title_verdict(title: str | None) -> tuple[str, list[str]]:
    """('report' | 'not_report' | 'neutral', reasons) for a (Simplified) title."""
    if not title:
        return "neutral", []
    t = _WS_RUN_RE.sub("", fw_to_ascii(title))
    pos = [(name, rx) for name, rx in REPORT_TITLE_RES if rx.search(t)]
    neg = [(name, rx) for name, rx in NOT_REPORT_TITLE_RES if rx.search(t)]
    if pos and neg:
        # "年度报告解读", "关于报送…年度报告的通知", "…年度报告编制工作" : not a report.
        # Exception: the report itself published "关于…年度报告的公告/公示" is rare; treat as not a report too.
        return "not_report", [f"title: {neg[0][0]} (mentions {pos[0][0]})"]
    if pos:
        return "report", [f"title: {pos[0][0]}"]
    if neg:
        return "not_report", [f"title: {neg[0][0]}"]
    return "neutral", []


def body_evidence(text: str) -> tuple[float, list[str]]:
    """Score the body as an annual report: statute reference, template sections, report wording."""
    head = text[:60000]
    score = 0.0
    reasons = []
    statute = bool(BODY_STATUTE.search(head))
    sections = [s for s in BODY_TEMPLATE_SECTIONS if s in head]
    wording = BODY_REPORT_WORDING.findall(head[:6000])
    plan = BODY_PLAN_WORDING.findall(head[:6000])
    if statute:
        score += 1
    n_sec = len(set(sections))
    if n_sec >= 3:
        score += 1 + min(n_sec, 8) / 4
    if wording:
        score += 1.5
    if plan:
        score -= 1.5 * min(len(set(plan)), 2)
    if statute and n_sec >= 3:
        reasons.append("body: 条例 reference + template sections")
    elif n_sec >= 3:
        reasons.append(f"body: template sections ({n_sec})")
    if wording:
        reasons.append(f"body: report wording ({wording[0]})")
    if plan:
        reasons.append(f"body: plan/notice wording ({plan[0]})")
    return score, reasons


BODY_THRESHOLD = 3.5


def classify(title: str | None, text: str, title_candidates: list[str] | None = None) -> Classification:
    """Annual report or not. title and text Simplified."""
    verdict, reasons = title_verdict(title)
    if verdict == "neutral" and title_candidates:
        for c in title_candidates:
            v, r = title_verdict(c)
            if v != "neutral":
                verdict, reasons = v, r
                break
    score, breasons = body_evidence(text)
    if verdict == "report":
        return Classification(True, reasons + [r for r in breasons if not r.startswith("body: plan")], verdict, score)
    if verdict == "not_report":
        return Classification(False, reasons, verdict, score)
    if score >= BODY_THRESHOLD:
        return Classification(True, ["title: not decisive"] + breasons, verdict, score)
    return Classification(False, (["title: not a report title"] if title else ["no title"]) + breasons, verdict, score)
