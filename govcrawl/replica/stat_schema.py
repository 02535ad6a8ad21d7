"""The statistics tables of the national annual-report template, as the replica renders them.

Sections 二 (主动公开), 三 (收到和处理政府信息公开申请) and 四 (行政复议、行政诉讼) of the
template in its two versions: the 2019 one (国办公开办函〔2019〕60号, reports of 2019–2020) and
the 2021 revision (国办公开办函〔2021〕30号, reports of 2021 on).

The key names below are the contract with the statistics parser (``govcrawl/statistics.py``):
the ground truth records, for every replica report whose tables are real HTML ``<table>``s::

    "statistics": {
      "format": "2019" | "2021",
      "applications": {                      # section 三: row -> column -> int
        "new_received": {"natural_person": 240, ..., "total": 246},
        "carried_over": {...},
        "results": {
          "disclosed": {...}, "partially_disclosed": {...},
          "not_disclosed": {"state_secret": {...}, ...},          # 8 rows
          "unable_to_provide": {"not_held": {...}, ...},          # 3 rows
          "not_processed": {"petition_complaint": {...}, ...},   # 5 rows
          "other": {...}                  # 2019: one row
          "other": {"overdue_correction": {...}, "overdue_fee": {...}, "other": {...}}   # 2021: 3 rows
        },
        "total_handled": {...},              # （七）总计
        "carried_forward": {...}             # 四、结转下年度继续办理
      },
      "active_disclosure": {...},            # section 二: ACTIVE_ROWS_2019 / ACTIVE_ROWS_2021 (item -> value key -> number)
      "reviews_litigation": {"review": {...}, "litigation_direct": {...}, "litigation_after_review": {...}}
    }

Columns: APPLICATION_COLUMNS; rows: APPLICATION_HEAD_ROWS + result_rows(fmt) + APPLICATION_TAIL_ROWS
(``application_row_keys(fmt)`` lists them dotted, top to bottom).

Values are recorded as printed (the convention of govcrawl/statistics.py): a blank cell is None,
never 0 (real reports leave zeros blank; seed 001 even leaves its 上年结转 row's 总计 blank), and the one
report with a deliberate arithmetic error (``statistics_errors`` beside it in the ground truth) records
the wrong printed value, with the value that would have been right. ``balance_errors`` reads a blank as
0, and a blank 总计 as its row's sum.
"""
from __future__ import annotations

from html import escape

# --------------------------------------------------------------------------- section 三
#: columns of the applications table: (key, label)
APPLICATION_COLUMNS = (
    ("natural_person", "自然人"),
    ("commercial_enterprise", "商业企业"),
    ("research_institution", "科研机构"),
    ("public_interest_org", "社会公益组织"),
    ("legal_service_org", "法律服务机构"),
    ("other_org", "其他"),
    ("total", "总计"),
)
COLUMN_KEYS = tuple(k for k, _ in APPLICATION_COLUMNS)
PERSON_COLUMNS = COLUMN_KEYS[:-1]

_NOT_DISCLOSED = (
    ("state_secret", "1.属于国家秘密"),
    ("prohibited_by_law", "2.其他法律行政法规禁止公开"),
    ("three_safety_one_stability", "3.危及“三安全一稳定”"),
    ("third_party_rights", "4.保护第三方合法权益"),
    ("internal_affairs", "5.属于三类内部事务信息"),
    ("process_info", "6.属于四类过程性信息"),
    ("law_enforcement_files", "7.属于行政执法案卷"),
    ("query_items", "8.属于行政查询事项"),
)
_UNABLE = (
    ("not_held", "1.本机关不掌握相关政府信息"),
    ("need_creation", "2.没有现成信息需要另行制作"),
    ("unclear_after_correction", "3.补正后申请内容仍不明确"),
)
_NOT_PROCESSED = (
    ("petition_complaint", "1.信访举报投诉类申请"),
    ("repeated", "2.重复申请"),
    ("publications", "3.要求提供公开出版物"),
    ("massive_repeated", "4.无正当理由大量反复申请"),
    ("confirm_or_reissue", "5.要求行政机关确认或重新出具已获取信息"),
)
_OTHER_2021 = (
    ("overdue_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("overdue_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other", "3.其他"),
)


def _group(prefix, group_label, items):
    return [(f"{prefix}.{k}", group_label if i == 0 else "", lab) for i, (k, lab) in enumerate(items)]


#: rows of section 三's results: (dotted key, group label, item label); the group label on a group's first row
RESULT_ROWS_2019 = (
    ("results.disclosed", "（一）予以公开", ""),
    ("results.partially_disclosed", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ""),
    *_group("results.not_disclosed", "（三）不予公开", _NOT_DISCLOSED),
    *_group("results.unable_to_provide", "（四）无法提供", _UNABLE),
    *_group("results.not_processed", "（五）不予处理", _NOT_PROCESSED),
    ("results.other", "（六）其他处理", ""),
)
RESULT_ROWS_2021 = RESULT_ROWS_2019[:-1] + tuple(_group("results.other", "（六）其他处理", _OTHER_2021))
APPLICATION_HEAD_ROWS = (
    ("new_received", "一、本年新收政府信息公开申请数量"),
    ("carried_over", "二、上年结转政府信息公开申请数量"),
)
APPLICATION_TAIL_ROWS = (
    ("total_handled", "（七）总计"),
    ("carried_forward", "四、结转下年度继续办理"),
)
RESULTS_LABEL = "三、本年度办理结果"


def result_rows(fmt: str):
    return RESULT_ROWS_2021 if fmt == "2021" else RESULT_ROWS_2019


def application_row_keys(fmt: str) -> list[str]:
    """Every row of section 三, dotted, top to bottom."""
    return ([k for k, _ in APPLICATION_HEAD_ROWS] + [k for k, _, _ in result_rows(fmt)]
            + [k for k, _ in APPLICATION_TAIL_ROWS])


def template_format(report_year: int) -> str:
    return "2021" if report_year >= 2021 else "2019"


# --------------------------------------------------------------------------- sections 二 and 四
#: section 二: (heading, value keys, value labels, ((item key, item label), ...)) per 第二十条 item
ACTIVE_ROWS_2019 = (
    ("第二十条第（一）项", ("new_made", "new_published", "total_published"), ("本年新制作数量", "本年新公开数量", "对外公开总数量"),
     (("rules", "规章"), ("normative_documents", "规范性文件"))),
    ("第二十条第（五）项", ("prev_count", "change", "decisions"), ("上一年项目数量", "本年增/减", "处理决定数量"),
     (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项"))),
    ("第二十条第（六）项", ("prev_count", "change", "decisions"), ("上一年项目数量", "本年增/减", "处理决定数量"),
     (("punishment", "行政处罚"), ("enforcement", "行政强制"))),
    ("第二十条第（八）项", ("prev_count", "change"), ("上一年项目数量", "本年增/减"),
     (("fees", "行政事业性收费"),)),
    ("第二十条第（九）项", ("items", "amount"), ("采购项目数量", "采购总金额"),
     (("procurement", "政府集中采购"),)),
)
ACTIVE_ROWS_2021 = (
    ("第二十条第（一）项", ("issued", "repealed", "in_force"), ("本年制发件数", "本年废止件数", "现行有效件数"),
     (("rules", "规章"), ("normative_documents", "行政规范性文件"))),
    ("第二十条第（五）项", ("decisions",), ("本年处理决定数量",), (("licensing", "行政许可"),)),
    ("第二十条第（六）项", ("decisions",), ("本年处理决定数量",), (("punishment", "行政处罚"), ("enforcement", "行政强制"))),
    ("第二十条第（八）项", ("amount",), ("本年收费金额（单位：万元）",), (("fees", "行政事业性收费"),)),
)
REVIEW_GROUPS = (("review", "行政复议"), ("litigation_direct", "未经复议直接起诉"), ("litigation_after_review", "复议后起诉"))
REVIEW_KEYS = (("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"), ("pending", "尚未审结"), ("total", "总计"))


def active_rows(fmt: str):
    return ACTIVE_ROWS_2021 if fmt == "2021" else ACTIVE_ROWS_2019


# --------------------------------------------------------------------------- helpers
def set_dotted(d: dict, dotted: str, value) -> None:
    parts = dotted.split(".")
    for p in parts[:-1]:
        d = d.setdefault(p, {})
    d[parts[-1]] = value


def get_dotted(d: dict, dotted: str):
    for p in dotted.split("."):
        d = d[p]
    return d


def printed(stats: dict, blank_zeros=False, blank_cells=(), tables=("applications", "reviews_litigation",
                                                                   "active_disclosure")) -> dict:
    """The statistics as a page prints them: None for each blank cell (zeros left blank in ``tables`` when
    ``blank_zeros``; ``blank_cells``: (row, column) of section 三 left blank whatever their value)."""
    import copy

    out = copy.deepcopy(stats)

    def walk(d, path, table):
        for k, v in d.items():
            if isinstance(v, dict):
                walk(v, path + [k], table)
            elif (table == "applications" and (".".join(path), k) in set(blank_cells)) or (
                    blank_zeros and table in tables and v == 0):
                d[k] = None

    for t in ("applications", "reviews_litigation", "active_disclosure"):
        walk(out[t], [], t)
    return out


def balance_errors(stats: dict) -> list[str]:
    """Checks of section 三: row sums, the （七）总计 column sums, and the 勾稽 rule
    new_received + carried_over == total_handled + carried_forward, per column (blank = 0, a blank 总计 = the row's sum)."""
    fmt = stats["format"]
    app: dict = {}
    bad = []
    keys = application_row_keys(fmt)
    for k in keys:
        row = {c: (v or 0) for c, v in get_dotted(stats["applications"], k).items()}
        if get_dotted(stats["applications"], k)["total"] is None:
            row["total"] = sum(row[c] for c in PERSON_COLUMNS)
        set_dotted(app, k, row)
        if sum(row[c] for c in PERSON_COLUMNS) != row["total"]:
            bad.append(f"row_sum:{k}")
    results = [k for k in keys if k.startswith("results.")]
    for c in COLUMN_KEYS:
        if sum(get_dotted(app, k)[c] for k in results) != app["total_handled"][c]:
            bad.append(f"column_sum:{c}")
        if app["new_received"][c] + app["carried_over"][c] != app["total_handled"][c] + app["carried_forward"][c]:
            bad.append(f"balance:{c}")
    return bad


def _fw(text: str, halfwidth: bool) -> str:
    if not halfwidth:
        return text
    return text.replace("（", "(").replace("）", ")").replace("，", ",").replace("：", ":")


def _cell(v, blank_zeros: bool) -> str:
    if v is None or v == "":
        return ""
    if blank_zeros and v == 0:
        return ""
    if isinstance(v, float):
        return f"{v:.2f}".rstrip("0").rstrip(".") if v != int(v) else f"{int(v)}"
    return str(v)


def _td(text, attrs="") -> str:
    a = f" {attrs}" if attrs else ""
    return f"<td{a}>{escape(str(text), quote=False)}</td>"


TABLE_OPEN = ('<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" width="100%" '
              'style="border-collapse:collapse;">\n<tbody>\n')
TABLE_CLOSE = "</tbody>\n</table>"


# --------------------------------------------------------------------------- renderers
def render_applications(stats: dict, blank_zeros=False, halfwidth=False, blank_cells=()) -> str:
    """Section 三 as an HTML table with the template's merged cells; ``blank_cells``: {(row, col)} shown empty."""
    fmt, app = stats["format"], stats["applications"]
    blank = set(blank_cells)

    def vals(key):
        row = get_dotted(app, key)
        return "".join(_td("" if (key, c) in blank else _cell(row[c], blank_zeros)) for c in COLUMN_KEYS)

    def f(s):
        return _fw(s, halfwidth)

    c2, c3, r2 = 'colspan="2"', 'colspan="3"', 'rowspan="2"'
    out = [TABLE_OPEN,
           "<tr>" + _td(f("申请人情况"), c3 + " " + r2) + _td("自然人", r2) + _td("法人或其他组织", 'colspan="5"')
           + _td("总计", r2) + "</tr>\n",
           "<tr>" + "".join(_td(lab) for _, lab in APPLICATION_COLUMNS[1:6]) + "</tr>\n"]
    for k, lab in APPLICATION_HEAD_ROWS:
        out.append("<tr>" + _td(f(lab), c3) + vals(k) + "</tr>\n")
    rows = result_rows(fmt)
    n_rows = len(rows) + 1  # + （七）总计
    group_sizes: dict[str, int] = {}
    for k, g, lab in rows:
        grp = k.rsplit(".", 1)[0] if lab else k
        group_sizes[grp] = group_sizes.get(grp, 0) + 1
    for i, (k, g, lab) in enumerate(rows):
        first = _td(f(RESULTS_LABEL), f'rowspan="{n_rows}"') if i == 0 else ""
        if not lab:
            out.append("<tr>" + first + _td(f(g), c2) + vals(k) + "</tr>\n")
        else:
            grp = k.rsplit(".", 1)[0]
            gcell = _td(f(g), f'rowspan="{group_sizes[grp]}"') if g else ""
            out.append("<tr>" + first + gcell + _td(f(lab)) + vals(k) + "</tr>\n")
    k, lab = APPLICATION_TAIL_ROWS[0]
    out.append("<tr>" + _td(f(lab), c2) + vals(k) + "</tr>\n")
    k, lab = APPLICATION_TAIL_ROWS[1]
    out.append("<tr>" + _td(f(lab), c3) + vals(k) + "</tr>\n")
    out.append(TABLE_CLOSE)
    return "".join(out)


def render_active(stats: dict, blank_zeros=False, halfwidth=False) -> str:
    """Section 二: four columns, 信息内容 + up to three values (the last cell spans what is left)."""
    fmt, act = stats["format"], stats["active_disclosure"]
    out = [TABLE_OPEN]
    for title, vkeys, vlabels, items in active_rows(fmt):
        out.append("<tr>" + _td(_fw(title, halfwidth), 'colspan="4"') + "</tr>\n")
        span = 3 - len(vkeys)
        last = f'colspan="{1 + span}"' if span else ""
        heads = [_td(_fw(lab, halfwidth), last if i == len(vlabels) - 1 else "") for i, lab in enumerate(vlabels)]
        out.append("<tr>" + _td("信息内容") + "".join(heads) + "</tr>\n")
        for key, lab in items:
            cells = [_td(_cell(act[key][vk], blank_zeros), last if i == len(vkeys) - 1 else "")
                     for i, vk in enumerate(vkeys)]
            out.append("<tr>" + _td(_fw(lab, halfwidth)) + "".join(cells) + "</tr>\n")
    out.append(TABLE_CLOSE)
    return "".join(out)


def render_review(stats: dict, blank_zeros=False, halfwidth=False, blank_cells=()) -> str:
    """Section 四: 行政复议 (5 columns) and 行政诉讼 (未经复议直接起诉 / 复议后起诉, 5 each)."""
    rl = stats["reviews_litigation"]
    blank = set(blank_cells)
    out = [TABLE_OPEN,
           "<tr>" + _td("行政复议", 'colspan="5"') + _td("行政诉讼", 'colspan="10"') + "</tr>\n",
           "<tr>" + "".join(_td(lab, 'rowspan="2"') for _, lab in REVIEW_KEYS)
           + _td("未经复议直接起诉", 'colspan="5"') + _td("复议后起诉", 'colspan="5"') + "</tr>\n",
           "<tr>" + "".join(_td(lab) for _, lab in REVIEW_KEYS) * 2 + "</tr>\n",
           "<tr>" + "".join(_td("" if (g, k) in blank else _cell(rl[g][k], blank_zeros))
                            for g, _ in REVIEW_GROUPS for k, _ in REVIEW_KEYS) + "</tr>\n",
           TABLE_CLOSE]
    return "".join(out)
