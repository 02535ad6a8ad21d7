"""The national template's statistics tables as keys and labels (国办公开办函〔2019〕60号 and 〔2021〕30号),
the row and column patterns that recognise them, and ``Statistics``, the parsed result."""

from __future__ import annotations

from dataclasses import dataclass, field

Number = int | float
TABLES = ("active_disclosure", "applications", "reviews_litigation")

# --------------------------------------------------------------------------- keys and labels
#: section 三 columns: (key, label), in the template's order
APPLICATION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("natural_person", "自然人"),
    ("commercial_enterprise", "商业企业"),
    ("research_institution", "科研机构"),
    ("public_interest_org", "社会公益组织"),
    ("legal_service_org", "法律服务机构"),
    ("other_org", "其他"),
    ("total", "总计"),
)
APP_COLS = tuple(k for k, _ in APPLICATION_COLUMNS)
APP_PERSON_COLS = APP_COLS[:-1]

#: section 三 rows: (dotted key, label, formats). Matching is by the patterns in ``APP_ROW_PATTERNS``.
APPLICATION_ROWS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("new_received", "一、本年新收政府信息公开申请数量", ("2019", "2021")),
    ("carried_over", "二、上年结转政府信息公开申请数量", ("2019", "2021")),
    ("results.disclosed", "三、本年度办理结果 （一）予以公开", ("2019", "2021")),
    ("results.partially_disclosed", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ("2019", "2021")),
    ("results.not_disclosed.state_secret", "（三）不予公开 1.属于国家秘密", ("2019", "2021")),
    ("results.not_disclosed.prohibited_by_law", "（三）不予公开 2.其他法律行政法规禁止公开", ("2019", "2021")),
    ("results.not_disclosed.three_safety_one_stability", "（三）不予公开 3.危及“三安全一稳定”", ("2019", "2021")),
    ("results.not_disclosed.third_party_rights", "（三）不予公开 4.保护第三方合法权益", ("2019", "2021")),
    ("results.not_disclosed.internal_affairs", "（三）不予公开 5.属于三类内部事务信息", ("2019", "2021")),
    ("results.not_disclosed.process_info", "（三）不予公开 6.属于四类过程性信息", ("2019", "2021")),
    ("results.not_disclosed.law_enforcement_files", "（三）不予公开 7.属于行政执法案卷", ("2019", "2021")),
    ("results.not_disclosed.query_items", "（三）不予公开 8.属于行政查询事项", ("2019", "2021")),
    ("results.unable_to_provide.not_held", "（四）无法提供 1.本机关不掌握相关政府信息", ("2019", "2021")),
    ("results.unable_to_provide.need_creation", "（四）无法提供 2.没有现成信息需要另行制作", ("2019", "2021")),
    ("results.unable_to_provide.unclear_after_correction", "（四）无法提供 3.补正后申请内容仍不明确", ("2019", "2021")),
    ("results.not_processed.petition_complaint", "（五）不予处理 1.信访举报投诉类申请", ("2019", "2021")),
    ("results.not_processed.repeated", "（五）不予处理 2.重复申请", ("2019", "2021")),
    ("results.not_processed.publications", "（五）不予处理 3.要求提供公开出版物", ("2019", "2021")),
    ("results.not_processed.massive_repeated", "（五）不予处理 4.无正当理由大量反复申请", ("2019", "2021")),
    ("results.not_processed.confirm_or_reissue", "（五）不予处理 5.要求行政机关确认或重新出具已获取信息", ("2019", "2021")),
    ("results.other", "（六）其他处理", ("2019",)),
    ("results.other.overdue_correction",
     "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", ("2021",)),
    ("results.other.overdue_fee",
     "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", ("2021",)),
    ("results.other.other", "（六）其他处理 3.其他", ("2021",)),
    ("total_handled", "（七）总计", ("2019", "2021")),
    ("carried_forward", "四、结转下年度继续办理", ("2019", "2021")),
)


def application_rows(fmt: str) -> list[str]:
    """The dotted row keys of section 三 in a format, top to bottom."""
    return [k for k, _, fmts in APPLICATION_ROWS if fmt in fmts]


# leaf-label patterns (on the normalized label): order matters, the specific ones first
APP_ROW_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"本年新收", "new_received"),
    (r"上年结转", "carried_over"),
    (r"结转下年", "carried_forward"),
    (r"国家秘密", "results.not_disclosed.state_secret"),
    (r"法律行政法规禁止|法律法规禁止", "results.not_disclosed.prohibited_by_law"),
    (r"三安全一稳定", "results.not_disclosed.three_safety_one_stability"),
    (r"第三方合法权益", "results.not_disclosed.third_party_rights"),
    (r"内部事务", "results.not_disclosed.internal_affairs"),
    (r"过程性信息", "results.not_disclosed.process_info"),
    (r"行政执法案卷", "results.not_disclosed.law_enforcement_files"),
    (r"行政查询", "results.not_disclosed.query_items"),
    (r"不掌握", "results.unable_to_provide.not_held"),
    (r"另行制作", "results.unable_to_provide.need_creation"),
    (r"补正后.*不明确", "results.unable_to_provide.unclear_after_correction"),
    (r"信访|举报投诉", "results.not_processed.petition_complaint"),
    (r"大量反复", "results.not_processed.massive_repeated"),
    (r"重复申请", "results.not_processed.repeated"),
    (r"公开出版物", "results.not_processed.publications"),
    (r"重新出具|确认.*已获取", "results.not_processed.confirm_or_reissue"),
    (r"逾期不补正|不补正", "results.other.overdue_correction"),
    (r"收费通知|缴纳费用|信息处理费", "results.other.overdue_fee"),
    (r"部分公开", "results.partially_disclosed"),
    (r"(?<!不)予以公开", "results.disclosed"),
    (r"其他处理", "@other"),            # 2019 row with values, or the 2021 group
    (r"^总计$|^合计$|^\(七\)", "total_handled"),
    (r"本年度办理结果", "@results"),
    (r"不予公开", "@not_disclosed"),
    (r"无法提供", "@unable_to_provide"),
    (r"不予处理", "@not_processed"),
)

#: section 二: sub-table -> rows (key, label) and columns per format
ACTIVE_ROWS: tuple[tuple[str, str, str], ...] = (
    # (key, label, 第二十条 item)
    ("rules", "规章", "（一）"),
    ("normative_documents", "规范性文件（2021：行政规范性文件）", "（一）"),
    ("licensing", "行政许可", "（五）"),
    ("other_services", "其他对外管理服务事项（2019）", "（五）"),
    ("punishment", "行政处罚", "（六）"),
    ("enforcement", "行政强制", "（六）"),
    ("fees", "行政事业性收费", "（八）"),
    ("procurement", "政府集中采购（2019）", "（九）"),
)
ACTIVE_ROW_PATTERNS = (
    (r"其他对外管理服务", "other_services"),
    (r"规范性文件", "normative_documents"),
    (r"规章", "rules"),
    (r"行政许可", "licensing"),
    (r"行政处罚", "punishment"),
    (r"行政强制", "enforcement"),
    (r"行政事业性收费|事业性收费", "fees"),
    (r"政府集中采购|集中采购", "procurement"),
)
#: section 二 columns: (key, label, format)
ACTIVE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("new_made", "本年新制作数量", "2019"),
    ("new_published", "本年新公开数量", "2019"),
    ("total_published", "对外公开总数量", "2019"),
    ("prev_count", "上一年项目数量", "2019"),
    ("change", "本年增/减", "2019"),
    ("decisions", "处理决定数量（2021：本年处理决定数量）", "2019/2021"),
    ("items", "采购项目数量", "2019"),
    ("amount", "采购总金额（2019，政府集中采购）/ 本年收费金额（单位：万元）（2021，行政事业性收费）", "2019/2021"),
    ("issued", "本年制发件数", "2021"),
    ("repealed", "本年废止件数", "2021"),
    ("in_force", "现行有效件数", "2021"),
)
ACTIVE_COL_PATTERNS = (
    (r"本年新制作", "new_made", "2019"),
    (r"本年新公开", "new_published", "2019"),
    (r"对外公开总", "total_published", "2019"),
    (r"上一?年项目", "prev_count", "2019"),
    (r"增/?减", "change", "2019"),
    (r"本年处理决定", "decisions", "2021"),
    (r"处理决定", "decisions", "2019"),
    (r"采购项目", "items", "2019"),
    (r"采购总?金额", "amount", "2019"),
    (r"本年制发", "issued", "2021"),
    (r"本年废止", "repealed", "2021"),
    (r"现行有效", "in_force", "2021"),
    (r"收费金额", "amount", "2021"),
)
#: the template's sub-tables of section 二: 第二十条 item -> (row keys, column keys), per format
ACTIVE_TEMPLATE = {
    "2019": {"（一）": (("rules", "normative_documents"), ("new_made", "new_published", "total_published")),
             "（五）": (("licensing", "other_services"), ("prev_count", "change", "decisions")),
             "（六）": (("punishment", "enforcement"), ("prev_count", "change", "decisions")),
             "（八）": (("fees",), ("prev_count", "change")),
             "（九）": (("procurement",), ("items", "amount"))},
    "2021": {"（一）": (("rules", "normative_documents"), ("issued", "repealed", "in_force")),
             "（五）": (("licensing",), ("decisions",)),
             "（六）": (("punishment", "enforcement"), ("decisions",)),
             "（八）": (("fees",), ("amount",))},
}

#: section 四
REVIEW_GROUPS: tuple[tuple[str, str], ...] = (
    ("review", "行政复议"), ("litigation_direct", "行政诉讼 未经复议直接起诉"),
    ("litigation_after_review", "行政诉讼 复议后起诉"))
REVIEW_COLUMNS: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"), ("pending", "尚未审结"), ("total", "总计"))
REVIEW_COL_PATTERNS = ((r"维持", "upheld"), (r"纠正", "corrected"), (r"其他结果", "other"), (r"尚未审结|未审结", "pending"),
                        (r"总计|合计", "total"))
REVIEW_ORDER = [(g, c) for g, _ in REVIEW_GROUPS for c, _ in REVIEW_COLUMNS]

# --------------------------------------------------------------------------- result


@dataclass
class Statistics:
    format: str = "unknown"                      # "2019" | "2021" | "text" | "unknown"
    source: str = "html"                         # "html" | "text"
    tables: dict[str, dict] = field(default_factory=dict)
    unparsed: dict[str, str] = field(default_factory=dict)
    checks: list[dict] = field(default_factory=list)   # violations only
    text_counts: dict[str, int] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)   # table -> remarks (missing rows, duplicates…)
    raw: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> "row.path.column" -> cell as printed
    sources: dict[str, str] = field(default_factory=dict)        # table -> "html" | "text"
    checks_run: int = 0

    @property
    def consistency_ok(self) -> bool | None:
        """No arithmetic error (sums, and the 勾稽 balance of the 总计 column); None when nothing was checked.

        Warnings do not count: the 勾稽 balance of a single applicant column (every sum and the 总计 column
        hold, applications moved between applicant kinds, as in seed 000), and a check whose total cell the
        page left empty (an omission, not a contradiction between printed numbers)."""
        if not self.tables or not self.checks_run:
            return None
        return not any(c.get("severity", "error") == "error" for c in self.checks)

    @property
    def strictly_consistent(self) -> bool | None:
        """No violation at all, warnings included."""
        if not self.tables or not self.checks_run:
            return None
        return not self.checks

    def to_dict(self) -> dict:
        return {
            "format": self.format,
            "source": self.source,
            "applications": self.tables.get("applications"),
            "active_disclosure": self.tables.get("active_disclosure"),
            "reviews_litigation": self.tables.get("reviews_litigation"),
            "unparsed": dict(self.unparsed),
            "checks": list(self.checks),
            "checks_run": self.checks_run,
            "consistency_ok": self.consistency_ok,
            "strictly_consistent": self.strictly_consistent,
            "text_counts": dict(self.text_counts),
            "notes": {k: list(v) for k, v in self.notes.items()},
            "raw": {k: dict(v) for k, v in self.raw.items()},
            "sources": dict(self.sources),
        }

    def note(self, table: str, msg: str) -> None:
        self.notes.setdefault(table, []).append(msg)


