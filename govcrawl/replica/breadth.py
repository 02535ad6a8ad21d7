"""The breadth portals (cities, counties, departments registered by their 政府信息公开 home) and held-out
portals given at run time (``ReplicaServer(extra_sites=…)``)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

from govcrawl.replica import platforms
from govcrawl.replica.articles import (
    SEED_SITES,
    Article,
    IdSequence,
    SiteCfg,
    build_articles,
    other_article,
    report_article,
)
from govcrawl.replica.content import (
    cn_year,
    jiedu_body,
    news_body,
    notice_body,
    rng_for,
    work_plan_body,
)
from govcrawl.replica.portals_breadth import BREADTH

# =========================================================================== breadth & held-out portals (generic)
ORIGINAL_KEYS = ("zj_gov", "zj_fzggw", "zhoushan", "hz_drc")
#: registry data of the first four portals (the breadth portals carry theirs in their SiteCfg)
ORIGINAL_META = {
    "zj_gov": {"level": "province", "region": "浙江省", "platform": "jcms"},
    "zj_fzggw": {"level": "department", "region": "浙江省", "platform": "jpaas", "parent": "zj_gov"},
    "zhoushan": {"level": "city", "region": "浙江省舟山市", "platform": "jcms"},
    "hz_drc": {"level": "department", "region": "浙江省杭州市", "platform": "generic", "parent": "hangzhou"},
}
#: where the breadth portals' registry entries live (None: appended to govcrawl/replica/portals.toml)
BREADTH_REGISTRY = None


def stable_hash(*key) -> int:
    return int(hashlib.sha1("|".join(map(str, key)).encode()).hexdigest()[:12], 16)


def make_site(d: dict) -> SiteCfg:
    """A SiteCfg from a breadth entry (portals_breadth.BREADTH) or a held-out spec (``heldout_spec``)."""
    h = stable_hash(d["host"])
    dept = d.get("reg_level") == "department"
    platform = d.get("platform", "jcms")
    webid = str(d.get("webid") or 3000 + h % 900)
    quirk = d.get("quirk", "")
    proxy = (("/module/web/jpage/dataproxy.jsp",) if quirk == "web_proxy_only"
             else ("/module/jpage/dataproxy.jsp", "/module/web/jpage/dataproxy.jsp"))
    name = d["name"]
    org = f"{h % 10 ** 9:09d}"
    return SiteCfg(
        key=d["slug"], host=d["host"], name=name, site_id=str(d.get("site_id") or 3300000000 + h % 10 ** 6),
        icp=f"浙ICP备{h % 10 ** 8:08d}号", gongan=f"浙公网安备 3301{h % 10 ** 10:010d}号",
        colid=str(d["colid"]), column_name=d.get("column_name", "政府信息公开年报"),
        xxgk_path=f"/col/col{d['xxgk_colid']}/index.html", cms=platform, level="dept" if dept else "gov",
        unit=d.get("unit", name), we=d.get("we", "我委" if dept else "我市"), publisher=d.get("publisher", name),
        webid=webid, unitid=str(d.get("unitid") or 4000000 + h % 999999),
        tplsetid=(hashlib.md5(d["host"].encode()).hexdigest()[:21] if platform == "jpaas" else ""),
        per_page=int(d.get("per_page", 10)), proxy_paths=proxy if platform == "jcms" else (),
        footer_script=(f"/cms_files/jcms1/web{webid}/site/script/0/{h % 10 ** 16:016d}.js" if platform == "jpaas" else ""),
        reg_level=d.get("reg_level", "county"), region=d.get("region", ""), parent=d.get("parent", ""),
        nav_text=d.get("nav", "政府信息公开年报"), nested=bool(d.get("nested")),
        law_colid=str(d.get("law_colid") or int(d["xxgk_colid"]) + 7), quirk=quirk, start=d.get("start", "xxgk"),
        nav_report_link=False, sig=(name if dept else d.get("sig", name)),
        index_prefix=(f"11330000{org}X" if dept and platform == "jpaas" else org),
        link_style=d.get("link_style", ""), scheme=d.get("scheme", "http"),
        https_redirect=bool(d.get("https_redirect")), spec=d)


def _title(site: SiteCfg, style: str, y: int) -> str:
    return {
        "A": f"{site.unit}{y}年政府信息公开工作年度报告",
        "AN": f"{site.name}{y}年政府信息公开工作年度报告",
        "B": f"{site.name}政府信息公开工作年度报告({y}年度)",
        "BF": f"{site.name}政府信息公开工作年度报告（{y}年度）",
        "C": f"{y}年度{site.name}政府信息公开工作报告",
        "D": f"{site.name}{y}年政务公开工作总结报告",
        "E": f"{site.name}{cn_year(y)}年政府信息公开工作年度报告",
    }[style]


def _style(spec: str, y: int) -> str:
    """Title style plan "A 2016:E": the main style, and per-year overrides."""
    main, *over = spec.split()
    return dict(t.split(":") for t in over).get(str(y), main)


def _variant(spec: str, y: int) -> str | None:
    """Metadata-block plan "V4:2016 V1": V4 up to 2016, then V1 ("-" = no block)."""
    for t in spec.split():
        v, _, upto = t.partition(":")
        if not upto or y <= int(upto):
            return None if v == "-" else v
    return None


def build_site_articles(site: SiteCfg) -> list[Article]:
    """Reports and non-reports of a breadth (or held-out) portal, newest first."""
    d = site.spec
    first, last = d.get("years", (2016, 2024))
    missing = set(d.get("missing", ()))
    ids = IdSequence(1000000 + stable_hash(site.host, "ids") % 8000000)
    tables_from = d.get("tables", 2019)
    arts: list[Article] = []
    reports: dict[int, Article] = {}
    for y in range(first, last + 1):
        if y in missing:
            continue
        style = _style(d.get("titles", "A"), y)
        if style == "D" and y >= 2019:
            style = "A"
        kw: dict = {"title": _title(site, style, y), "variant": _variant(d.get("variants", "V1"), y),
                    "header": d.get("header", "pubdate_source"),
                    "chinese_sig": style == "E" or y in d.get("chinese_sig_years", ())}
        if tables_from and y >= max(tables_from, 2019) and y not in d.get("tables_skip", ()):
            kw["html_tables"] = True
            kw["blank_zeros"] = bool(d.get("blank_zeros"))
            if d.get("stat_error") == y:
                kw["stat_error"] = ("total_handled", "natural_person", 10)
        if y in d.get("doc_years", ()) and d.get("abbr"):
            kw["doc_no"] = f"{d['abbr']}〔{y + 1}〕{stable_hash(site.host, y) % 60 + 1}号"
        a = report_article(site, y, ids, **kw)
        a.source = a.content_source = site.publisher
        if kw.get("stat_error"):
            row, col, delta = kw["stat_error"]
            printed = a.statistics["applications"][row][col]
            a.statistics_errors = [{"table": "applications", "row": row, "column": col, "printed": printed,
                                    "expected": printed - delta, "violates": ["column_sum", "row_sum", "balance"]}]
        reports[y] = a
        arts.append(a)
    r = rng_for(site.key, "others")
    years = sorted(reports)
    for kind in d.get("others", ("plan", "news")):
        y = r.choice(years) if years else first
        if kind == "plan":
            pub = f"{y}-0{r.randint(3, 6)}-{r.randint(10, 28)} {r.randint(9, 17):02d}:00"
            arts.append(other_article(site, ids, pub, f"{site.unit}{y}年政务公开工作要点",
                               work_plan_body(site.unit, y), "work plan"))
        elif kind == "notice":
            pub = f"{y}-12-{r.randint(5, 25):02d} 10:{r.randint(10, 59):02d}"
            arts.append(other_article(site, ids, pub, f"关于做好{y}年政府信息公开工作年度报告编制工作的通知",
                               notice_body(site.publisher, y), "notice about the annual reports"))
        elif kind == "news":
            pub = f"{y}-0{r.randint(4, 9)}-{r.randint(10, 28)} 15:{r.randint(10, 59):02d}"
            arts.append(other_article(site, ids, pub, f"{site.unit}召开政务公开工作推进会",
                               news_body(site.unit, site.we, y), "news"))
        elif kind == "jiedu" and years:
            ry = max([x for x in years if x >= 2019] or years)
            rep_art = reports[ry]
            t = (f"《{rep_art.title}》解读" if r.random() < 0.5 else f"图解：{site.unit}{ry}年政府信息公开工作年度报告")
            pub = (datetime.strptime(rep_art.pub, "%Y-%m-%d %H:%M") + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
            arts.append(other_article(site, ids, pub, t, jiedu_body(site.unit, site.we, ry, r), "解读 of an annual report"))
    arts.sort(key=lambda a: a.pub, reverse=True)
    return arts


BREADTH_SITES = {d["slug"]: make_site(d) for d in BREADTH}
SITES = {**SEED_SITES, **BREADTH_SITES}


def build_all_articles() -> dict[str, list[Article]]:
    """The articles of every bundled portal: the seed-modelled ones and the breadth portals."""
    out = build_articles()
    for k, site in BREADTH_SITES.items():
        out[k] = build_site_articles(site)
    return out


def portal_gt(s: SiteCfg, start_url: str) -> dict:
    """A portal's entry in the ground truth: host, start URL and its registry data."""
    meta = ORIGINAL_META.get(s.key) or {"level": s.reg_level, "region": s.region, "platform": s.cms,
                                        **({"parent": s.parent} if s.parent else {})}
    out = {"host": s.host, "start_url": start_url, "name": s.name, **meta}
    if s.key not in ORIGINAL_KEYS:
        out["column_url"] = s.column_url
        if BREADTH_REGISTRY and s.key in BREADTH_SITES:
            out["registry"] = BREADTH_REGISTRY
    return out


def registry_entry(s: SiteCfg, start_url: str) -> str:
    """The portal's [[portal]] entry for a registry file (TOML)."""
    lines = ["[[portal]]", f'slug = "{s.key}"', f'name = "{s.name}"', f'level = "{s.reg_level}"',
             f'region = "{s.region}"', f'platform = "{s.cms}"']
    if s.parent:
        lines.append(f'parent = "{s.parent}"')
    if s.cms == "jpaas" and s.spec and s.spec.get("registry_page_size"):
        lines.append(f"page_size = {int(s.spec['registry_page_size'])}")
    lines.append(f'start_urls = ["{start_url}"]')
    return "\n".join(lines) + "\n"



# --------------------------------------------------------------------------- held-out portals
HELDOUT_KEYS = {"host", "name", "colid", "slug", "xxgk_colid", "years", "missing", "per_page", "nav", "nested",
                "column_name", "titles", "variants", "header", "tables", "blank_zeros", "quirk", "start",
                "publisher", "unit", "we", "reg_level", "level", "region", "parent", "others", "webid", "unitid",
                "reports_per_year", "scheme", "https_redirect", "platform", "list_loader", "registry_auto"}
#: the platforms a held-out spec of this module may name (others are platform modules of their own)
HELDOUT_PLATFORMS = ("jcms", "jpaas", "generic")


def heldout_spec(d: dict) -> dict:
    """A held-out jcms portal from a small spec: {host, name, colid} required; optional years=[first, last]
    (or reports_per_year={year: 1 or 0}), missing, per_page, nav, nested, start (xxgk | column), slug,
    level, region, xxgk_colid, platform (jcms, jpaas, or generic: a list built by an inline script, or with
    ``list_loader = "xhr"`` fetched as JSON once the page has loaded)... Defaults make an ordinary county jcms
    portal."""
    unknown = set(d) - HELDOUT_KEYS
    if unknown:
        raise ValueError(f"replica: unknown held-out spec key(s) {sorted(unknown)}")
    for k in ("host", "name", "colid"):
        if not d.get(k):
            raise ValueError(f"replica: held-out spec needs {k!r}")
    if d.get("platform", "jcms") not in HELDOUT_PLATFORMS:
        raise ValueError(f"replica: a held-out spec's platform is one of {HELDOUT_PLATFORMS}, not {d['platform']!r}")
    if d.get("list_loader", "xhr") != "xhr" or (d.get("list_loader") and d.get("platform") != "generic"):
        raise ValueError("replica: list_loader = 'xhr' is for a generic portal (its list fetched as JSON by a script)")
    out = dict(d)
    out.setdefault("slug", "x_" + re.sub(r"[^a-z0-9]+", "_", d["host"].lower().removeprefix("www.").split(".gov")[0]))
    out.setdefault("platform", "jcms")
    out["reg_level"] = d.get("level", d.get("reg_level", "county"))
    out.setdefault("region", "浙江省")
    out.setdefault("xxgk_colid", int(d["colid"]) - 23)
    if "reports_per_year" in d:
        ys = sorted(int(y) for y, n in d["reports_per_year"].items() if int(n))
        out["years"] = (ys[0], ys[-1])
        out["missing"] = tuple(y for y in range(ys[0], ys[-1] + 1) if y not in ys)
    out["years"] = tuple(out.get("years", (2018, 2024)))
    out["missing"] = tuple(out.get("missing", ()))
    out.setdefault("per_page", 5)
    out.setdefault("titles", "A 2018:C")
    out.setdefault("variants", "V1")
    out.setdefault("others", ("plan", "news"))
    out.setdefault("we", "我委" if out["reg_level"] == "department" else "我县")
    out.setdefault("unit", d["name"].replace("人民政府", ""))
    out.setdefault("publisher", d["name"] + ("办公室" if out["reg_level"] != "department" else ""))
    return out


def spec_key(specs) -> tuple:
    """Held-out specs as a hashable, canonical tuple (for ``build_replica``)."""
    return tuple(json.dumps(sp, ensure_ascii=False, sort_keys=True) for sp in specs)


def load_extra_specs(path: str | Path) -> list[dict]:
    """Held-out specs from a .toml ([[site]] tables) or .json (a list, or {"sites": [...]}) file."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    if p.suffix == ".toml":
        import tomllib

        data = tomllib.loads(text)
    else:
        data = json.loads(text)
    sites = data.get("site", data.get("sites", [])) if isinstance(data, dict) else data
    if not isinstance(sites, list) or not all(isinstance(x, dict) for x in sites):
        raise ValueError(f"{path}: expected a list of held-out portal specs ([[site]] in TOML)")
    return sites


def heldout_ground_truth(specs) -> dict:
    """The ground truth of held-out portals alone (same shape as ground_truth.json)."""
    specs = [specs] if isinstance(specs, dict) else list(specs)
    portals, reports, others = {}, [], []
    for sp in specs:
        if sp.get("platform") in platforms.modules():
            gt = platforms.build(sp).ground_truth()
            portals.update(gt["portals"])
            reports += gt["reports"]
            others += gt["non_reports"]
            continue
        site = make_site(heldout_spec(sp))
        start = site.xxgk_url if site.start == "xxgk" else site.column_url
        portals[site.key] = portal_gt(site, start)
        for a in build_site_articles(site):
            if a.is_report:
                reports.append(a.gt())
            else:
                others.append({"url": a.url, "portal": site.key, "kind": "other", "note": a.note})
    reports.sort(key=lambda r: (r["portal"], r["report_year"]))
    return {"portals": portals, "reports": reports, "non_reports": others}


def heldout_registry_toml(specs) -> str:
    """A registry file (TOML) naming the held-out portals, for ``--portals FILE`` / ``GOVCRAWL_PORTALS``."""
    specs = [specs] if isinstance(specs, dict) else list(specs)
    out = []
    for sp in specs:
        if sp.get("platform") in platforms.modules():
            out.append(platforms.build(sp).registry_entry(auto=bool(sp.get("registry_auto"))))
            continue
        site = make_site(heldout_spec(sp))
        out.append(registry_entry(site, site.xxgk_url if site.start == "xxgk" else site.column_url))
    return "\n".join(out)


