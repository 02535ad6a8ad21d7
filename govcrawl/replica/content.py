"""Text material for the replica: the seed texts, report-body generators, script conversion.

Everything here is deterministic: the only randomness comes from ``random.Random``
instances seeded with constant strings.
"""
from __future__ import annotations

import functools
import random
from pathlib import Path

from .stat_schema import (
    COLUMN_KEYS,
    PERSON_COLUMNS,
    REVIEW_GROUPS,
    REVIEW_KEYS,
    get_dotted,
    printed,
    render_active,
    render_applications,
    render_review,
    result_rows,
    set_dotted,
    template_format,
)

SEED_DIR = Path(__file__).with_name("seeds")

CN_DIGITS = "〇一二三四五六七八九"


@functools.lru_cache(maxsize=None)
def seed_text(prefix: str) -> str:
    """Text of the seed file whose name starts with ``prefix`` (e.g. "000")."""
    for p in sorted(SEED_DIR.glob(f"{prefix}_*.txt")):
        return p.read_text(encoding="utf-8")
    raise FileNotFoundError(prefix)


# --------------------------------------------------------------------------- OpenCC
@functools.lru_cache(maxsize=None)
def _cc(config: str):
    import opencc

    return opencc.OpenCC(config)


# The real /gate/big5/ converter is a naive character mapper (seed 003 shows 全麵, 曆史,
# 製度, 聯係 ...). We run OpenCC s2t and then force these per-character choices, keyed by
# the Simplified source character, so that t2s(seed 003) round-trips to the seed exactly.
_GATE_FIX = {
    "布": "布", "为": "為", "制": "製", "台": "台", "系": "係", "干": "幹", "面": "麵",
    "复": "複", "征": "征", "启": "啟", "核": "核", "里": "裏", "历": "曆", "群": "群",
    "众": "眾", "秘": "秘",
}


def to_traditional(text: str) -> str:
    """Simplified -> Traditional the way the portal's /gate/big5/ view does it."""
    out = _cc("s2t").convert(text)
    if len(out) != len(text):  # phrase conversion changed length: keep OpenCC's result
        return out
    return "".join(_GATE_FIX.get(s, t) for s, t in zip(text, out))


def to_simplified(text: str) -> str:
    return _cc("t2s").convert(text)


def cn_date(y: int, m: int, d: int) -> str:
    """2021, 1, 22 -> 二〇二一年一月二十二日"""

    def num(n: int) -> str:
        if n < 10:
            return CN_DIGITS[n]
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")

    return "".join(CN_DIGITS[int(c)] for c in str(y)) + "年" + num(m) + "月" + num(d) + "日"


def cn_year(y: int) -> str:
    return "".join(CN_DIGITS[int(c)] for c in str(y))


def rng_for(*key) -> random.Random:
    return random.Random("|".join(str(k) for k in key))


# --------------------------------------------------------------------------- seeds
def seed000_body() -> list[str]:
    """Seed 000 (fzggw 2020): body lines (without title/header/print links)."""
    lines = [l.rstrip() for l in seed_text("000").splitlines()]
    start = next(i for i, l in enumerate(lines) if l.startswith("根据《中华人民共和国政府信息公开条例》"))
    body = lines[start:]
    # last line: "2021年1月22日" followed by "打印 关闭" on the same line
    while body and not body[-1].strip():
        body.pop()
    body[-1] = body[-1].replace("打印 关闭", "").strip()
    return body


def seed001_body() -> list[str]:
    lines = [l.rstrip() for l in seed_text("001").splitlines()]
    start = next(i for i, l in enumerate(lines) if l.startswith("根据《中华人民共和国政府信息公开条例》之规定"))
    return lines[start:]


def seed002_report() -> tuple[str, str]:
    """Seed 002: (title, report paragraph) of the provincial 2017 report inside the spam page."""
    lines = seed_text("002").splitlines()
    title = next(l for l in lines if "政府信息公开工作年度报告" in l).strip()
    para = next(l for l in lines if l.startswith("2017年,我省各级行政机关")).strip()
    return title, para


def seed003_parts() -> tuple[dict, list[str]]:
    """Seed 003 (hz_drc 2018, Traditional): (block values in Simplified source, body lines in Simplified)."""
    lines = seed_text("003").splitlines()
    simp = [to_simplified(l) for l in lines]
    cells = []
    for l in simp[:3]:
        cells += [c.strip() for c in l.split("|") if c.strip()]
    block = {}
    for k, v in zip(cells[0::2], cells[1::2]):
        block[k.rstrip(":：")] = v
    return block, [l for l in simp[3:]]


def seed004_lines() -> list[str]:
    return [l.rstrip() for l in seed_text("004").splitlines()]


# --------------------------------------------------------------------------- generators
def _paras(lines):
    return [l for l in lines if l is not None]


def national_template_body(unit: str, we: str, year: int, kind: str, r: random.Random,
                           html_tables: bool, stats_out: dict | None = None, blank_zeros: bool = False,
                           error: tuple | None = None) -> list:
    """Body of a report in the national template (sections 一…六).

    Returns a list of items: str (a paragraph) or ("raw", html) for the statistics tables, rendered
    (``html_tables``) as real HTML tables in the layout of the template of the report's year
    (2019 format up to 2020, the 2021 revision after, see ``stat_schema``); otherwise flattened, one
    cell per paragraph. ``stats_out`` receives the statistics of an HTML-table report;
    ``error`` = (row key, column key, delta) prints one cell of section 三 wrong by ``delta``.
    """
    n_rule = r.randint(0, 3) if kind == "gov" else 0
    n_norm = r.randint(8, 60)
    apps_nat = r.randint(30, 260)
    apps_org = r.randint(0, 25)
    site_items = r.randint(1500, 9000)
    meetings = r.randint(5, 30)
    out: list = [
        f"根据《中华人民共和国政府信息公开条例》(国务院令第711号)的要求,{we}坚持以公开为常态、不公开为例外,"
        f"遵循公正、公平、合法、便民的原则,不断提升政府信息公开的工作效率和服务水平。本报告数据统计期限自{year}年1月1日起至{year}年12月31日止。"
        f"现将{unit}{year}年度政府信息公开工作情况报告如下:",
        "一、总体情况",
        "(一)主动公开",
        f"{year}年,{we}通过门户网站主动公开政府信息{site_items}条,全文电子化率100%。围绕“最多跑一次”改革、"
        f"数字化改革等重点工作,及时发布权威信息,组织新闻发布会{meetings}场。",
        "(二)依申请公开",
        f"{year}年共受理政府信息公开申请{apps_nat + apps_org}件,均在法定期限内答复。",
        "(三)政府信息管理",
        "按照“谁起草、谁解读”的原则,落实政策解读责任主体,规范性文件与政策解读同步起草、同步审签、同步发布。",
        "(四)平台建设",
        "依托省政府网站集约化平台,持续优化政府信息公开专栏,规范政务新媒体管理。",
        "(五)监督保障",
        "严格落实公开前保密审查机制,将政务公开工作纳入年度综合考核。",
        "二、主动公开政府信息情况",
    ]
    lic_prev = r.randint(5, 1200)
    pun_prev = r.randint(5, 3000)
    sec2 = [
        ["第二十条第(一)项"], ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
        ["规章", str(n_rule), str(n_rule), str(n_rule + r.randint(0, 5))],
        ["规范性文件", str(n_norm), str(n_norm), str(n_norm * r.randint(3, 12))],
        ["第二十条第(五)项"], ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
        ["行政许可", str(lic_prev), str(r.randint(-30, 30)), str(r.randint(20, 600000))],
        ["其他对外管理服务事项", str(r.randint(5, 1400)), str(r.randint(-50, 50)), str(r.randint(10, 400000))],
        ["第二十条第(六)项"], ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
        ["行政处罚", str(pun_prev), str(r.randint(-20, 300)), str(r.randint(5, 700000))],
        ["行政强制", str(r.randint(0, 120)), str(r.randint(0, 30)), str(r.randint(0, 40000))],
        ["第二十条第(八)项"], ["信息内容", "上一年项目数量", "本年增/减"],
        ["行政事业性收费", str(r.randint(0, 200)), str(r.randint(-5, 10))],
        ["第二十条第(九)项"], ["信息内容", "采购项目数量", "采购总金额"],
        ["政府集中采购", f"{r.randint(10, 2500)}项", f"{r.randint(100, 90000)}.{r.randint(10, 99)}万元"],
    ]
    cols = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    new = [apps_nat, apps_org, 0, r.randint(0, 1), 0, r.randint(0, 2)]
    carried = [r.randint(0, 6), 0, 0, 0, 0, 0]
    total_in = [a + b for a, b in zip(new, carried)]
    results_rows = [
        ("(一)予以公开", ""), ("(二)部分公开(区分处理的,只计这一情形,不计其他情形)", ""),
        ("(三)不予公开", "1.属于国家秘密"), ("", "2.其他法律行政法规禁止公开"), ("", "3.危及“三安全一稳定”"),
        ("", "4.保护第三方合法权益"), ("", "5.属于三类内部事务信息"), ("", "6.属于四类过程性信息"),
        ("", "7.属于行政执法案卷"), ("", "8.属于行政查询事项"),
        ("(四)无法提供", "1.本机关不掌握相关政府信息"), ("", "2.没有现成信息需要另行制作"), ("", "3.补正后申请内容仍不明确"),
        ("(五)不予处理", "1.信访举报投诉类申请"), ("", "2.重复申请"), ("", "3.要求提供公开出版物"),
        ("", "4.无正当理由大量反复申请"), ("", "5.要求行政机关确认或重新出具已获取信息"),
        ("(六)其他处理", ""),
    ]
    # distribute each column's handled count over the result rows; keep some for next year
    matrix = [[0] * 6 for _ in results_rows]
    carry_next = [0] * 6
    for c in range(6):
        left = total_in[c]
        carry_next[c] = min(left, r.randint(0, 3)) if c == 0 else 0
        left -= carry_next[c]
        for i in (0, 1, 10, 5, 13, 18):
            if left <= 0:
                break
            take = left if i == 18 else r.randint(0, left)
            matrix[i][c] += take
            left -= take
        matrix[0][c] += left
    sec3 = [["申请人情况", "", "自然人", "法人或其他组织", "", "", "", "", "总计"],
            ["", "", "", *cols[1:], ""]]

    def row(label_a, label_b, vals):
        return [label_a, label_b, *[str(v) for v in vals], str(sum(vals))]

    sec3.append(row("一、本年新收政府信息公开申请数量", "", new))
    sec3.append(row("二、上年结转政府信息公开申请数量", "", carried))
    for (a, b), vals in zip(results_rows, matrix):
        sec3.append(row(("三、本年度办理结果 " if a == "(一)予以公开" else "") + a, b, vals))
    handled = [sum(matrix[i][c] for i in range(len(matrix))) for c in range(6)]
    sec3.append(row("(七)总计", "", handled))
    sec3.append(row("四、结转下年度继续办理", "", carry_next))
    fy = [r.randint(0, 3) for _ in range(4)]
    ss = [r.randint(0, 2) for _ in range(4)]
    sf = [r.randint(0, 1) for _ in range(4)]
    sec4 = [["行政复议", "", "", "", "", "行政诉讼"],
            ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计",
             "未经复议直接起诉 结果维持", "结果纠正", "其他结果", "尚未审结", "总计",
             "复议后起诉 结果维持", "结果纠正", "其他结果", "尚未审结", "总计"],
            [*map(str, fy), str(sum(fy)), *map(str, ss), str(sum(ss)), *map(str, sf), str(sum(sf))]]

    def emit(rows):
        for rw in rows:
            out.extend(c for c in rw if c)

    if html_tables:
        stats = _structured_stats(unit, year, sec2, new, carried, matrix, handled, carry_next, fy, ss, sf, error)
        if stats_out is not None:
            stats_out.update(printed(stats, blank_zeros))
        out.append(("raw", render_active(stats, blank_zeros)))
        out.append("三、收到和处理政府信息公开申请情况")
        out.append("(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)")
        out.append(("raw", render_applications(stats, blank_zeros)))
        out.append("四、政府信息公开行政复议、行政诉讼情况")
        out.append(("raw", render_review(stats, blank_zeros)))
    else:
        emit(sec2)
        out.append("三、收到和处理政府信息公开申请情况")
        out.append("(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)")
        emit(sec3)
        out.append("四、政府信息公开行政复议、行政诉讼情况")
        emit(sec4)
    out += [
        "五、存在的主要问题及改进情况",
        f"{year}年,{we}政府信息公开工作取得了一定成效,但仍存在政策解读形式不够丰富、基层政务公开标准化规范化有待深化等问题。"
        f"{year + 1}年,{we}将进一步完善公开目录,提升解读回应实效,加强业务培训。",
        "六、其他需要报告的事项",
        "无。" if r.random() < 0.6 else f"{year}年度未收取信息处理费。",
    ]
    return out


def _structured_stats(unit, year, sec2, new, carried, matrix, handled, carry_next, fy, ss, sf, error) -> dict:
    """The statistics of a generated report as ``stat_schema`` keys (numbers drawn by the caller; the extra
    numbers of the 2021 revision from a separate generator, so that the other outputs stay unchanged)."""
    fmt = template_format(year)
    r2 = rng_for("stats", unit, year)

    def num(s):
        return int(str(s).rstrip("项"))

    def trio(row, keys):
        return dict(zip(keys, (num(x) for x in row[1:])))

    if fmt == "2019":
        k1, k5 = ("new_made", "new_published", "total_published"), ("prev_count", "change", "decisions")
        act = {
            "rules": trio(sec2[2], k1), "normative_documents": trio(sec2[3], k1),
            "licensing": trio(sec2[6], k5), "other_services": trio(sec2[7], k5),
            "punishment": trio(sec2[10], k5), "enforcement": trio(sec2[11], k5),
            "fees": trio(sec2[14], ("prev_count", "change")),
            "procurement": {"items": num(sec2[17][1]), "amount": float(sec2[17][2].rstrip("万元"))},
        }
    else:
        act = {
            "rules": {"issued": num(sec2[2][1]), "repealed": r2.randint(0, 2), "in_force": num(sec2[2][3])},
            "normative_documents": {"issued": num(sec2[3][1]), "repealed": r2.randint(0, 12), "in_force": num(sec2[3][3])},
            "licensing": {"decisions": num(sec2[6][3])},
            "punishment": {"decisions": num(sec2[10][3])},
            "enforcement": {"decisions": num(sec2[11][3])},
            "fees": {"amount": round(r2.randint(0, 500000) / 100, 2)},
        }
    app: dict = {}

    def put(key, vals):
        row = dict(zip(PERSON_COLUMNS, vals))
        row["total"] = sum(vals)
        set_dotted(app, key, row)

    put("new_received", new)
    put("carried_over", carried)
    keys = [k for k, _, _ in result_rows("2019")]
    for k, vals in zip(keys[:-1], matrix[:-1]):
        put(k, vals)
    if fmt == "2019":
        put("results.other", matrix[-1])
    else:
        a, b, c = [], [], []
        for v in matrix[-1]:
            x = r2.randint(0, v)
            y = r2.randint(0, v - x)
            a.append(x)
            b.append(y)
            c.append(v - x - y)
        put("results.other.overdue_correction", a)
        put("results.other.overdue_fee", b)
        put("results.other.other", c)
    put("total_handled", handled)
    put("carried_forward", carry_next)
    rl = {g: dict(zip([k for k, _ in REVIEW_KEYS], [*vals, sum(vals)])) for (g, _), vals in zip(REVIEW_GROUPS, (fy, ss, sf))}
    stats = {"format": fmt, "applications": app, "active_disclosure": act, "reviews_litigation": rl}
    if error:
        row, col, delta = error
        get_dotted(app, row)[col] += delta
    return stats


def old_style_body(unit: str, we: str, year: int, r: random.Random, title_kind: str = "年度报告") -> list:
    """A pre-2019 report in free text (like seed 003)."""
    got = r.randint(20, 260)
    granted = r.randint(5, got // 2 + 5)
    refused = r.randint(0, max(1, got // 5))
    items = r.randint(300, 9000)
    return [
        f"根据《中华人民共和国政府信息公开条例》(以下简称《条例》)和有关规定,编制{unit}{year}年政府信息公开工作年度报告。"
        f"本报告包括概述、主动公开政府信息情况、依申请公开政府信息情况、收费及减免情况、因政府信息公开申请行政复议和提起行政诉讼情况、"
        f"存在的主要问题和改进措施等。本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。",
        "一、概述",
        f"{year}年,{we}认真贯彻落实《条例》,坚持以公开为常态、不公开为例外,围绕中心工作深化政务公开,政府信息公开工作取得新进展。",
        "二、主动公开政府信息情况",
        f"全年主动公开政府信息{items}条,其中通过门户网站公开{items - r.randint(0, 200)}条,"
        f"通过政务微博、微信公开{r.randint(50, 900)}条。",
        "三、依申请公开政府信息情况",
        f"{year}年共收到政府信息公开申请{got}件,其中同意公开{granted}件,不同意公开{refused}件,"
        f"其余为不属于本行政机关公开、申请信息不存在或告知作出更改补充。",
        "四、政府信息公开的收费及减免情况",
        f"{year}年{we}未收取任何政府信息公开费用。",
        "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
        f"{year}年,因政府信息公开申请行政复议{r.randint(0, 6)}件,提起行政诉讼{r.randint(0, 4)}件。",
        "六、存在的主要问题及改进措施",
        f"{we}政府信息公开工作仍存在公开内容不够全面、解读回应不够及时等问题。{year + 1}年,{we}将进一步加强组织领导,"
        f"完善工作机制,不断提高政府信息公开工作水平。",
    ]


def work_plan_body(unit: str, year: int) -> list:
    return [
        f"{year}年{unit}政务公开工作的总体要求是:坚持以公开为常态、不公开为例外,深化重点领域信息公开,增强解读回应实效,规范依申请公开。",
        "一、深化重点领域信息公开",
        "(一)做好重大行政决策公开。(二)推进规划信息集中公开。(三)强化财政信息公开。",
        "二、加强政策解读和回应关切",
        "各单位要落实政策解读与政策文件同步起草、同步审签、同步发布制度。",
        "三、夯实政务公开工作基础",
        f"各单位要将本要点落实情况纳入{year}年政府信息公开工作年度报告予以公开,接受社会监督。",
    ]


def notice_body(unit: str, report_year: int) -> list:
    return [
        "各有关单位:",
        f"根据《中华人民共和国政府信息公开条例》规定,现就做好{report_year}年政府信息公开工作年度报告编制和发布工作通知如下:",
        f"一、各单位应于{report_year + 1}年1月31日前向社会公布本机关{report_year}年政府信息公开工作年度报告。",
        "二、年度报告应严格按照国务院办公厅政府信息与政务公开办公室印发的格式模板编制,确保数据准确。",
        "三、年度报告发布后请将链接报送政务公开办。",
        f"{unit}",
    ]


def news_body(unit: str, we: str, year: int) -> list:
    return [
        f"近日,{unit}召开政务公开工作推进会,总结{year - 1}年度政务公开工作,部署{year}年重点任务。",
        f"会议指出,{we}要进一步提高政治站位,深化政务公开,做好政府信息公开工作年度报告编制发布工作。",
        "会议要求,各单位要对照年度要点,逐项抓好落实。",
    ]


def jiedu_body(unit: str, we: str, year: int, r: random.Random) -> list:
    """A 解读 (reading guide) of an annual report: not a report itself."""
    return [
        f"近日,{unit}{year}年政府信息公开工作年度报告正式发布。为便于公众理解,现将年度报告要点解读如下:",
        f"一、主动公开方面。{year}年,{we}通过门户网站主动公开政府信息{r.randint(800, 9000)}条。",
        f"二、依申请公开方面。全年共收到政府信息公开申请{r.randint(20, 300)}件,均按时答复。",
        "三、下一步工作。将进一步深化重点领域信息公开,提升政策解读实效。",
        "相关链接:政府信息公开工作年度报告全文",
    ]


# --------------------------------------------------------------------------- seed 001 as HTML tables
def seed001_stats() -> tuple[dict, set]:
    """The statistics of seed 001 (zhoushan 2020) as ``stat_schema`` keys, reconstructed from the flattened
    text (which drops blank cells; the blank lines between its cells tell where they were), and the cells
    that are blank on the page although their value is not 0: the 上年结转 row's 总计."""
    z = dict.fromkeys(COLUMN_KEYS, 0)

    def row(nat=0, com=0, pub=0, oth=0):
        d = dict(z, natural_person=nat, commercial_enterprise=com, public_interest_org=pub, other_org=oth)
        d["total"] = nat + com + pub + oth
        return d

    app: dict = {}

    def put(k, v):
        set_dotted(app, k, v)

    put("new_received", row(240, 4, 1, 1))
    put("carried_over", row(3))
    put("results.disclosed", row(103, 2, 1, 1))
    put("results.partially_disclosed", row(36, 1))
    for k, n in (("state_secret", 0), ("prohibited_by_law", 3), ("three_safety_one_stability", 0),
                 ("third_party_rights", 2), ("internal_affairs", 1), ("process_info", 3),
                 ("law_enforcement_files", 9)):
        put(f"results.not_disclosed.{k}", row(n))
    put("results.not_disclosed.query_items", row(1, 1))
    for k, n in (("not_held", 52), ("need_creation", 7), ("unclear_after_correction", 4)):
        put(f"results.unable_to_provide.{k}", row(n))
    for k, n in (("petition_complaint", 4), ("repeated", 5), ("publications", 2), ("massive_repeated", 0),
                 ("confirm_or_reissue", 0)):
        put(f"results.not_processed.{k}", row(n))
    put("results.other", row(5))
    put("total_handled", row(237, 4, 1, 1))
    put("carried_forward", row(6))
    act = {
        "rules": {"new_made": 0, "new_published": 0, "total_published": 3},
        "normative_documents": {"new_made": 184, "new_published": 257, "total_published": 764},
        "licensing": {"prev_count": 1001, "change": -70, "decisions": 605986},
        "other_services": {"prev_count": 1343, "change": -338, "decisions": 398806},
        "punishment": {"prev_count": 3117, "change": 272, "decisions": 697775},
        "enforcement": {"prev_count": 109, "change": 24, "decisions": 34494},
        "fees": {"prev_count": 189, "change": 8},
        "procurement": {"items": 2386, "amount": 189538647.5},
    }
    keys = [k for k, _ in REVIEW_KEYS]
    rl = {"review": dict(zip(keys, (5, 2, 1, 0, 8))), "litigation_direct": dict(zip(keys, (0, 0, 1, 1, 2))),
          "litigation_after_review": dict(zip(keys, (1, 0, 0, 2, 3)))}
    stats = {"format": "2019", "applications": app, "active_disclosure": act, "reviews_litigation": rl}
    return stats, {("carried_over", "total")}


def seed001_body_tables() -> tuple[list, dict]:
    """Seed 001's body with its three statistics sections as HTML tables (blank cells where it had blanks)."""
    lines = seed001_body()
    stats, blank = seed001_stats()
    i2 = lines.index("二、主动公开政府信息情况")
    i3 = lines.index("三、收到和处理政府信息公开申请情况")
    i3b = next(i for i in range(i3, len(lines)) if lines[i].startswith("(本列数据的勾稽关系"))
    i4 = lines.index("四、政府信息公开行政复议、行政诉讼情况")
    i5 = lines.index("五、存在的主要问题及改进情况")
    body = (lines[:i2 + 1] + [("raw", render_active(stats, halfwidth=True))] + lines[i3:i3b + 1]
            + [("raw", render_applications(stats, blank_zeros=True, halfwidth=True, blank_cells=blank))]
            + [lines[i4], ("raw", render_review(stats, blank_zeros=True, halfwidth=True))] + lines[i5:])
    return body, printed(stats, blank_zeros=True, blank_cells=blank, tables=("applications", "reviews_litigation"))
