"""The headline figures researchers follow over years, as series over the national template's cells.

A series is the sum of some cells of a report's statistics (``report_statistics``: table, row, column). The
2019 template (国办公开办函〔2019〕60号) and its 2021 revision (〔2021〕30号) print the same rows in sections 三
and 四, so most series read the same cells in both; where they differ, a series lists one source per template
(the first whose cells the report printed is used) and ``FORMAT_NOTES`` says how they were mapped, or that they
were not. Charts group series; ratios (the compare page) divide them.

A report's value of a series: the sum of the printed cells of its source (an empty cell counts as 0 beside
printed ones, as the template's own checks count it); no printed cell at all: no value (never 0).
"""

from __future__ import annotations

from dataclasses import dataclass

Cell = tuple[str, str, str]  # (table, row path, column)

APPLICANTS = (
    ("natural_person", "自然人"),
    ("commercial_enterprise", "商业企业"),
    ("research_institution", "科研机构"),
    ("public_interest_org", "社会公益组织"),
    ("legal_service_org", "法律服务机构"),
    ("other_org", "其他组织"),
)
NOT_DISCLOSED = (
    ("state_secret", "国家秘密"),
    ("prohibited_by_law", "法律行政法规禁止"),
    ("three_safety_one_stability", "危及“三安全一稳定”"),
    ("third_party_rights", "保护第三方合法权益"),
    ("internal_affairs", "三类内部事务信息"),
    ("process_info", "四类过程性信息"),
    ("law_enforcement_files", "行政执法案卷"),
    ("query_items", "行政查询事项"),
)
UNABLE = ("not_held", "need_creation", "unclear_after_correction")
NOT_PROCESSED = ("petition_complaint", "repeated", "publications", "massive_repeated", "confirm_or_reissue")
OTHER_2021 = ("overdue_correction", "overdue_fee", "other")
RESULTS = (("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"), ("pending", "尚未审结"))
BOTH = "2019/2021"


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    sources: tuple[tuple[str, tuple[Cell, ...]], ...]  # (template, cells summed), the first printed one is used

    def cells(self) -> set[Cell]:
        return {c for _, cells in self.sources for c in cells}


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    kind: str  # "stacked" (bars that add up) | "line"
    series: tuple[str, ...]
    note: str = ""


def _app(row: str, col: str = "total") -> Cell:
    return ("applications", row, col)


def _same(key: str, label: str, *cells: Cell) -> Series:
    return Series(key, label, ((BOTH, tuple(cells)),))


def _build() -> dict[str, Series]:
    out: list[Series] = []
    for col, label in APPLICANTS:
        out.append(_same(f"new.{col}", f"新收申请 · {label}", _app("new_received", col)))
    out += [
        _same("new.total", "本年新收申请 总计", _app("new_received")),
        _same("carried_over", "上年结转", _app("carried_over")),
        _same("handled", "办理结果 总计（七）", _app("total_handled")),
        _same("carried_forward", "结转下年度继续办理", _app("carried_forward")),
        _same("disclosed", "予以公开", _app("results.disclosed")),
        _same("partially_disclosed", "部分公开", _app("results.partially_disclosed")),
        _same("not_disclosed", "不予公开", *(_app(f"results.not_disclosed.{k}") for k, _ in NOT_DISCLOSED)),
        _same("unable_to_provide", "无法提供", *(_app(f"results.unable_to_provide.{k}") for k in UNABLE)),
        _same("not_processed", "不予处理", *(_app(f"results.not_processed.{k}") for k in NOT_PROCESSED)),
        Series("other", "其他处理", (("2019", (_app("results.other"),)),
                                     ("2021", tuple(_app(f"results.other.{k}") for k in OTHER_2021)),
                                     ("2021", (_app("results.other.subtotal"),)))),
    ]
    for k, label in NOT_DISCLOSED:
        out.append(_same(f"refused.{k}", f"不予公开 · {label}", _app(f"results.not_disclosed.{k}")))
    for col, label in RESULTS:
        out.append(_same(f"review.{col}", f"行政复议 · {label}", ("reviews_litigation", "review", col)))
        out.append(_same(f"lawsuit.{col}", f"行政诉讼 · {label}", ("reviews_litigation", "litigation_direct", col),
                         ("reviews_litigation", "litigation_after_review", col)))
    out += [
        _same("review.total", "行政复议 总计", ("reviews_litigation", "review", "total")),
        _same("lawsuit.total", "行政诉讼 总计", ("reviews_litigation", "litigation_direct", "total"),
              ("reviews_litigation", "litigation_after_review", "total")),
    ]
    for row, label in (("rules", "规章"), ("normative_documents", "规范性文件")):
        out.append(Series(f"active.{row}", f"{label} 本年制发", (("2021", (("active_disclosure", row, "issued"),)),
                                                                ("2019", (("active_disclosure", row, "new_made"),)))))
    for row, label in (("licensing", "行政许可"), ("punishment", "行政处罚"), ("enforcement", "行政强制")):
        out.append(_same(f"active.{row}", f"{label} 处理决定", ("active_disclosure", row, "decisions")))
    return {s.key: s for s in out}


SERIES: dict[str, Series] = _build()
SERIES_KEYS: tuple[str, ...] = tuple(SERIES)

CHARTS: tuple[Chart, ...] = (
    Chart("applications", "本年新收政府信息公开申请，按申请人 · New applications by applicant", "stacked",
          tuple(f"new.{c}" for c, _ in APPLICANTS),
          "Section 三, row 一、本年新收政府信息公开申请数量, the six applicant columns."),
    Chart("workload", "申请的收、办、结转 · Applications received, carried over, handled, carried forward", "line",
          ("new.total", "carried_over", "handled", "carried_forward"),
          "Section 三, column 总计: rows 一、二、三（七）总计 and 四."),
    Chart("outcomes", "办理结果 · Outcomes", "stacked",
          ("disclosed", "partially_disclosed", "not_disclosed", "unable_to_provide", "not_processed", "other"),
          "Section 三, column 总计: 三、本年度办理结果 （一）–（六）; each group is the sum of its rows."),
    Chart("refusals", "不予公开的理由 · Refusals (不予公开) by reason", "stacked",
          tuple(f"refused.{k}" for k, _ in NOT_DISCLOSED),
          "Section 三, column 总计: （三）不予公开 1–8."),
    Chart("reviews", "行政复议 · Administrative reviews by result", "stacked",
          tuple(f"review.{c}" for c, _ in RESULTS), "Section 四, 行政复议: 结果维持, 结果纠正, 其他结果, 尚未审结."),
    Chart("lawsuits", "行政诉讼 · Lawsuits by result", "stacked",
          tuple(f"lawsuit.{c}" for c, _ in RESULTS),
          "Section 四, 行政诉讼: 未经复议直接起诉 and 复议后起诉 added together, by result."),
    Chart("documents", "主动公开：规章和规范性文件 · Proactive disclosure: rules and normative documents made", "line",
          ("active.rules", "active.normative_documents"),
          "Section 二, 第二十条第（一）项: documents made in the year (2019 本年新制作数量, 2021 本年制发件数)."),
    Chart("decisions", "主动公开：处理决定 · Proactive disclosure: licensing, penalty and enforcement decisions", "line",
          ("active.licensing", "active.punishment", "active.enforcement"),
          "Section 二, 第二十条第（五）（六）项: 处理决定数量 (2021 本年处理决定数量)."),
)
CHART_KEYS = tuple(c.key for c in CHARTS)

#: how the two templates were put onto the same series, and what was left out: (what, 2019, 2021, mapping)
FORMAT_NOTES: tuple[tuple[str, str, str, str], ...] = (
    ("三、四 (applications, reviews, lawsuits)", "the rows and columns of 〔2019〕60号",
     "the same rows and columns", "the same cells: corresponds"),
    ("其他处理", "（六）其他处理: one row", "（六）其他处理 1. 逾期不补正 2. 逾期未缴费 3. 其他",
     "2021's three rows added up: corresponds"),
    ("规章 / 规范性文件 made in the year", "本年新制作数量", "本年制发件数",
     "taken as the same count (documents made in the year); 2019's 本年新公开数量 and 对外公开总数量 and 2021's "
     "本年废止件数 and 现行有效件数 have no counterpart: not drawn"),
    ("行政许可 / 行政处罚 / 行政强制", "处理决定数量 (with 上一年项目数量, 本年增/减)", "本年处理决定数量",
     "the decisions correspond; 2019's counts of items (上一年项目数量, 本年增/减) have no counterpart: not drawn"),
    ("其他对外管理服务事项", "（五） a row of its own", "—", "2019 only: not drawn"),
    ("行政事业性收费", "上一年项目数量, 本年增/减 (items)", "本年收费金额 (万元)",
     "different quantities (a count of items against an amount of money): do not correspond, not drawn"),
    ("政府集中采购", "（九） 采购项目数量, 采购总金额", "—", "2019 only: not drawn"),
    ("before 2019", "no template tables: counts stated in the text (text_counts)", "—",
     "not the template's rows: not mixed into these series"),
)


@dataclass(frozen=True)
class Ratio:
    key: str
    label: str
    short: str  # on the chart's axis
    numerator: tuple[str, ...]  # series added up
    denominator: tuple[str, ...]
    per: int = 100  # 100: a percentage, or per 100 applications


RATIOS: tuple[Ratio, ...] = (
    Ratio("share_disclosed", "予以公开 (answered in full), % of handled", "予以公开 %", ("disclosed",), ("handled",)),
    Ratio("share_partial", "部分公开 (in part), % of handled", "部分公开 %", ("partially_disclosed",), ("handled",)),
    Ratio("share_refused", "不予公开 (refused), % of handled", "不予公开 %", ("not_disclosed",), ("handled",)),
    Ratio("share_unable", "无法提供 (cannot be provided), % of handled", "无法提供 %", ("unable_to_provide",),
          ("handled",)),
    Ratio("share_not_processed", "不予处理 (not processed), % of handled", "不予处理 %", ("not_processed",),
          ("handled",)),
    Ratio("reviews_per_100", "行政复议 per 100 new applications", "复议/百件", ("review.total",), ("new.total",)),
    Ratio("lawsuits_per_100", "行政诉讼 per 100 new applications", "诉讼/百件", ("lawsuit.total",), ("new.total",)),
)
#: the figures the compare page shows beside the ratios
COMPARE_FIGURES = ("new.total", "carried_over", "handled", "disclosed", "partially_disclosed", "not_disclosed",
                   "unable_to_provide", "not_processed", "other", "carried_forward", "review.total", "review.corrected",
                   "lawsuit.total", "lawsuit.corrected")


def series_table(key: str) -> str:
    """The statistics table a series reads (every source of a series reads one table)."""
    return next(iter(SERIES[key].cells()))[0]
