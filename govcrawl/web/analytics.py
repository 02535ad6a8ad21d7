"""The reports as data: ``/trends`` (headline figures per year, charts with their tables and downloads) and
``/compare`` (bodies or portals side by side for a year, with ratios). The figures come from the in-memory
``Dataset`` (``govcrawl.web.dataset``); the series and ratios from ``govcrawl.web.series``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from govcrawl.web.series import (
    CHART_KEYS,
    CHARTS,
    COMPARE_FIGURES,
    FORMAT_NOTES,
    RATIOS,
    SERIES,
)
from govcrawl.web.svg import Line, bar_chart, line_chart

WebApp = Any  # govcrawl.web.app.WebApp (which imports this module: named here without an import)

FIRST_YEAR = 2007
MAX_BODIES = 8
MAX_ENTITIES = 8
SLUG_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


@dataclass
class Selection:
    """Which reports a page is about: portals (level and region resolve to portals), reporting bodies, years."""

    portals: list[str] | None = None  # None: every portal
    bodies: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    year: int | None = None
    form: dict[str, Any] = field(default_factory=dict)
    query: list[tuple[str, str]] = field(default_factory=list)  # the query string, to link downloads and pages

    def mask(self, ds: Any, exact_bodies: bool = False) -> np.ndarray:
        return ds.mask(self.portals, self.bodies, exact_bodies=exact_bodies, year_from=self.year_from,
                       year_to=self.year_to, year=self.year)

    def describe(self) -> str:
        parts = []
        if self.form.get("portal"):
            parts.append("portals " + ", ".join(self.form["portal"]))
        if self.form.get("level"):
            parts.append(f"level {self.form['level']}")
        if self.form.get("region"):
            parts.append(f"region {self.form['region']}")
        if self.bodies:
            parts.append("reporting body containing " + " or ".join(f"“{b}”" for b in self.bodies))
        if self.year is not None:
            parts.append(f"year {self.year}")
        elif self.year_from or self.year_to:
            parts.append(f"years {self.year_from or '…'}–{self.year_to or '…'}")
        return "; ".join(parts) or "every report"


def whole_number(qp: Any, name: str, lo: int, hi: int) -> int | None:
    raw = (qp.get(name) or "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"\d{1,9}", raw):
        raise HTTPException(400, f"{name}={raw[:40]!r}: expected a whole number")
    value = int(raw)
    if not lo <= value <= hi:
        raise HTTPException(400, f"{name}={value}: expected {lo} to {hi}")
    return value


def parse_selection(webapp: WebApp, request: Request, extra: tuple[str, ...] = ()) -> Selection:
    """The selection in a query string, or 400 naming the bad parameter."""
    qp = request.query_params
    known = {"portal", "level", "region", "body", "year_from", "year_to", *extra}
    unknown = sorted(set(qp.keys()) - known)
    if unknown:
        raise HTTPException(400, f"unknown parameter {unknown[0]!r}; known: {', '.join(sorted(known))}")
    this_year = dt.date.today().year
    sel = Selection()
    sel.year_from = whole_number(qp, "year_from", FIRST_YEAR, this_year)
    sel.year_to = whole_number(qp, "year_to", FIRST_YEAR, this_year)
    if sel.year_from and sel.year_to and sel.year_from > sel.year_to:
        raise HTTPException(400, f"year_from={sel.year_from} is after year_to={sel.year_to}")
    wanted = [p for p in qp.getlist("portal") if p]
    for slug in wanted:
        if not SLUG_RE.fullmatch(slug):
            raise HTTPException(400, f"portal={slug[:40]!r}: not a portal slug")
    level = (qp.get("level") or "").strip()
    if level and level not in ("province", "city", "county", "department"):
        raise HTTPException(400, f"level={level[:40]!r}: expected one of province, city, county, department")
    region = (qp.get("region") or "").strip()
    if len(region) > 64:
        raise HTTPException(400, "region: too long")
    bodies = [b.strip() for b in qp.getlist("body") if b.strip()]
    if len(bodies) > MAX_BODIES:
        raise HTTPException(400, f"at most {MAX_BODIES} reporting bodies at once")
    for b in bodies:
        if len(b) > 100:
            raise HTTPException(400, "body: too long (at most 100 characters)")
    portals: set[str] | None = set(wanted) if wanted else None
    if level or region:
        chosen = {s for s, p in webapp.portals.items()
                  if (not level or p.level == level) and (not region or p.region == region)}
        portals = (portals & chosen) if portals is not None else chosen
    sel.portals = sorted(portals) if portals is not None else None
    sel.bodies = bodies
    sel.form = {"portal": wanted, "level": level, "region": region, "body": bodies,
                "year_from": sel.year_from or "", "year_to": sel.year_to or ""}
    sel.query = [(k, v) for k, v in qp.multi_items() if k in known - {"chart", "format"} and v]
    return sel


def number_cell(v: Any) -> Any:
    return None if v is None else v


# --- trends ----------------------------------------------------------------------------------------------

def trends_figures(webapp: WebApp, sel: Selection, charts: tuple[str, ...] = CHART_KEYS) -> dict[str, Any]:
    """The charts of a selection: for each, its years and series (values and how many reports each sums)."""
    ds = webapp.dataset()
    mask = sel.mask(ds)
    counted = mask & ds.counted & (ds.year > 0)
    with_data = sorted({int(y) for y in np.unique(ds.year[counted])})
    first = sel.year_from or (with_data[0] if with_data else None)
    last = sel.year_to or (with_data[-1] if with_data else None)
    years = list(range(first, last + 1)) if first and last and last - first <= 40 else with_data
    keys = sorted({k for c in CHARTS for k in c.series})
    per_year = ds.yearly(mask, years, keys)
    out = []
    for chart in CHARTS:
        if chart.key not in charts:
            continue
        lines = [Line(k, SERIES[k].label, [per_year[y][k][0] for y in years], [per_year[y][k][1] for y in years])
                 for k in chart.series]
        out.append({"chart": chart, "years": years, "lines": lines})
    summary = []
    tabled = mask & ds.has_statistics()
    fmt = ds.format_codes()
    for y in years:
        in_year = mask & (ds.year == y)
        t = tabled & (ds.year == y)
        f2019, f2021 = int((t & (fmt == 1)).sum()), int((t & (fmt == 2)).sum())
        summary.append({"year": y, "reports": int(in_year.sum()), "with_tables": int(t.sum()),
                        "counted": int((in_year & ds.counted).sum()), "f2019": f2019, "f2021": f2021,
                        "other_format": int(t.sum()) - f2019 - f2021})
    return {"charts": out, "years": years, "summary": summary, "as_of": ds.built, "load_seconds": ds.seconds}


def draw(figures: dict[str, Any]) -> None:
    for c in figures["charts"]:
        chart = c["chart"]
        cats = [str(y) for y in c["years"]]
        if chart.kind == "line":
            c["svg"] = line_chart(chart.key, chart.title, cats, c["lines"])
        else:
            c["svg"] = bar_chart(chart.key, chart.title, cats, c["lines"], stacked=True)


def _chart_param(request: Request) -> tuple[str, ...]:
    raw = request.query_params.get("chart")
    if not raw:
        return CHART_KEYS
    if raw not in CHART_KEYS:
        raise HTTPException(400, f"chart={raw[:40]!r}: expected one of {', '.join(CHART_KEYS)}")
    return (raw,)


def trends_page(webapp: WebApp, request: Request) -> Response:
    sel = parse_selection(webapp, request)
    figures = trends_figures(webapp, sel)
    draw(figures)
    ds = webapp.dataset()
    return webapp.render(request, "trends.html", {
        "sel": sel, "form": sel.form, "figures": figures, "notes": FORMAT_NOTES,
        "portals": webapp.portal_choices(sorted({p for p in ds.portal if p})), "regions": webapp.regions(),
        "query": sel.query,
    })


def trend_rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per drawn mark: chart, series, label, year, value, reports."""
    rows = []
    for c in figures["charts"]:
        for line in c["lines"]:
            for y, v, n in zip(c["years"], line.values, line.counts or []):
                if v is not None:
                    rows.append({"chart": c["chart"].key, "series": line.key, "label": line.label, "year": y,
                                 "value": v, "reports": n})
    return rows


def csv_response(rows: list[dict[str, Any]], fields: list[str], filename: str) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def json_response(body: dict[str, Any], filename: str) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, default=str), media_type="application/json; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def trends_csv(webapp: WebApp, request: Request) -> Response:
    sel = parse_selection(webapp, request, extra=("chart",))
    figures = trends_figures(webapp, sel, _chart_param(request))
    return csv_response(trend_rows(figures), ["chart", "series", "label", "year", "value", "reports"],
                        "govcrawl-trends.csv")


def trends_json(webapp: WebApp, request: Request) -> Response:
    sel = parse_selection(webapp, request, extra=("chart",))
    figures = trends_figures(webapp, sel, _chart_param(request))
    body = {
        "selection": sel.describe(), "query": dict(request.query_params.multi_items()),
        "figures_as_of": figures["as_of"].isoformat(),
        "charts": [{"chart": c["chart"].key, "title": c["chart"].title, "kind": c["chart"].kind, "years": c["years"],
                    "series": [{"series": line.key, "label": line.label, "values": line.values, "reports": line.counts}
                               for line in c["lines"]]} for c in figures["charts"]],
    }
    return json_response(body, "govcrawl-trends.json")


# --- compare ---------------------------------------------------------------------------------------------

def compare_figures(webapp: WebApp, request: Request) -> dict[str, Any]:
    qp = request.query_params
    known = {"year", "portal", "body"}
    unknown = sorted(set(qp.keys()) - known)
    if unknown:
        raise HTTPException(400, f"unknown parameter {unknown[0]!r}; known: {', '.join(sorted(known))}")
    ds = webapp.dataset()
    this_year = dt.date.today().year
    year = whole_number(qp, "year", FIRST_YEAR, this_year)
    if year is None:
        years = sorted({int(y) for y in ds.year[ds.counted] if y})
        year = years[-1] if years else this_year - 1
    entities: list[dict[str, Any]] = []
    for slug in [p for p in qp.getlist("portal") if p]:
        if not SLUG_RE.fullmatch(slug):
            raise HTTPException(400, f"portal={slug[:40]!r}: not a portal slug")
        entities.append({"kind": "portal", "key": slug, "name": webapp.portal_info(slug)["name"],
                         "mask": ds.mask([slug], year=year)})
    for body in [b.strip() for b in qp.getlist("body") if b.strip()]:
        if len(body) > 100:
            raise HTTPException(400, "body: too long (at most 100 characters)")
        entities.append({"kind": "body", "key": body, "name": body, "mask": ds.mask(None, [body], exact_bodies=True,
                                                                                       year=year)})
    if len(entities) > MAX_ENTITIES:
        raise HTTPException(400, f"at most {MAX_ENTITIES} bodies and portals at once")
    for e in entities:
        m = e.pop("mask")
        idx = np.flatnonzero(m)
        e["reports"] = [{"id": int(ds.ids[i]), "title": ds.title[i], "counted": bool(ds.counted[i])} for i in idx[:20]]
        e["n_reports"], e["n_counted"] = len(idx), int((m & ds.counted).sum())
        sums = ds.sums(m, COMPARE_FIGURES)
        e["figures"] = {k: sums[k][0] for k in COMPARE_FIGURES}
        e["ratios"] = {r.key: ds.ratio(m, r.numerator, r.denominator, r.per)[0] for r in RATIOS}
    return {"year": year, "entities": entities, "as_of": ds.built}


def compare_rows(fig: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for e in fig["entities"]:
        for k in COMPARE_FIGURES:
            rows.append({"year": fig["year"], "kind": e["kind"], "entity": e["key"], "name": e["name"], "measure": k,
                         "label": SERIES[k].label, "value": e["figures"][k], "reports": e["n_counted"]})
        for r in RATIOS:
            rows.append({"year": fig["year"], "kind": e["kind"], "entity": e["key"], "name": e["name"], "measure": r.key,
                         "label": r.label, "value": e["ratios"][r.key], "reports": e["n_counted"]})
    return rows


def compare_page(webapp: WebApp, request: Request) -> Response:
    fig = compare_figures(webapp, request)
    svg = None
    if fig["entities"]:
        lines = [Line(f"{e['kind']}:{e['key']}", e["name"], [e["ratios"][r.key] for r in RATIOS])
                 for e in fig["entities"]]
        svg = bar_chart("ratios", f"Ratios, {fig['year']}", [r.short for r in RATIOS], lines, stacked=False)
    ds = webapp.dataset()
    bodies = sorted({ds.body[i] for i in np.flatnonzero(ds.year == fig["year"]) if ds.body[i]})[:2000]
    query = [(k, v) for k, v in request.query_params.multi_items() if v]
    return webapp.render(request, "compare.html", {
        "fig": fig, "svg": svg, "figure_keys": COMPARE_FIGURES, "series": SERIES, "ratios": RATIOS,
        "portals": webapp.portal_choices(sorted({p for p in ds.portal if p})), "bodies": bodies, "query": query,
        "chosen_portals": [e["key"] for e in fig["entities"] if e["kind"] == "portal"],
        "chosen_bodies": [e["key"] for e in fig["entities"] if e["kind"] == "body"],
    })


COMPARE_FIELDS = ["year", "kind", "entity", "name", "measure", "label", "value", "reports"]


def compare_csv(webapp: WebApp, request: Request) -> Response:
    return csv_response(compare_rows(compare_figures(webapp, request)), COMPARE_FIELDS, "govcrawl-compare.csv")


def compare_json(webapp: WebApp, request: Request) -> Response:
    fig = compare_figures(webapp, request)
    return json_response({"year": fig["year"], "figures_as_of": fig["as_of"].isoformat(), "rows": compare_rows(fig)},
                         "govcrawl-compare.json")


def routes(webapp: WebApp) -> list[Route]:
    def bind(fn: Any) -> Any:
        return lambda request: fn(webapp, request)

    return [
        Route("/trends", bind(trends_page), name="trends"),
        Route("/trends.csv", bind(trends_csv), name="trends_csv"),
        Route("/trends.json", bind(trends_json), name="trends_json"),
        Route("/compare", bind(compare_page), name="compare"),
        Route("/compare.csv", bind(compare_csv), name="compare_csv"),
        Route("/compare.json", bind(compare_json), name="compare_json"),
    ]
