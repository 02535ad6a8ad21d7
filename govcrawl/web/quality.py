"""Data quality at a glance (``/quality``) and coverage per reporting unit (``/coverage?view=unit``).

``/quality`` lists, for a selection: reports whose template checks fail (the rule, the cells with their printed
values, expected and found), reports of the template years without statistics or with tables left unparsed,
fields missing per portal (each count lists its reports at ``/quality/missing``), reports published after
their statutory deadline, and the same body's report of a year found twice. Every row links to its report.
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote_plus
from typing import Any

import numpy as np
from markupsafe import Markup
from sqlalchemy import text
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from govcrawl.web.analytics import csv_response, parse_selection, whole_number
from govcrawl.web.dataset import FIELDS
from govcrawl.web.present import STAT_LABELS, body_deadline
from govcrawl.web.svg import Line, bar_chart

WebApp = Any  # govcrawl.web.app.WebApp (which imports this module: named here without an import)

SECTIONS = ("checks", "no_statistics", "unparsed", "late", "duplicates")
FIELD_LABELS = {"index_no": "索引号", "publisher": "发布单位", "written_date": "成文日期", "published_date": "发布日期",
                "reporting_body": "reporting body (报告主体)"}
TEMPLATE_FIRST_YEAR = 2019  # reports of 2019 on carry the template's tables (国办公开办函〔2019〕60号)
PREVIEW = 20
MAX_DOWNLOAD = 5000
PER_PAGE = 100
UNITS_PER_PAGE = 200


def _row(webapp: WebApp, ds: Any, i: int) -> dict[str, Any]:
    return {"id": int(ds.ids[i]), "title": ds.title[i] or ds.urls[i], "portal": webapp.portal_info(ds.portal[i]),
            "year": int(ds.year[i]) or None, "body": ds.body[i]}


def late_rows(webapp: WebApp, ds: Any, mask: np.ndarray) -> list[dict[str, Any]]:
    """Reports published after their deadline (``present.body_deadline``'s rule, over arrays), most days late first."""
    if "late" not in ds.memo:
        codes, names = ds.portal_codes()
        department = np.array([webapp.portal_info(p)["level"] == "department" for p in names], dtype=bool)[codes]
        government = np.where(ds.government >= 0, ds.government == 1, ~department)
        years = (np.where(ds.year > 0, ds.year + 1, 1970) - 1970).astype("datetime64[Y]").astype("datetime64[D]")
        due = years + np.where(government, 31 + 28 + 30, 30).astype("timedelta64[D]")  # 31 March or 31 January
        leap = (ds.year + 1) % 4 == 0  # 31 March is a day later in a leap year (2000-2100)
        due = due + np.where(government & leap, 1, 0).astype("timedelta64[D]")
        late = (ds.year > 0) & ~np.isnat(ds.published) & (ds.published > due)
        ds.memo["late"] = (late, (ds.published - due).astype(int))
    late, days = ds.memo["late"]
    out = []
    for i in np.flatnonzero(mask & late):
        due, rule = body_deadline(ds.body[i], webapp.portal_info(ds.portal[i])["level"], int(ds.year[i]))
        out.append({**_row(webapp, ds, i), "published": ds.published_date[i], "deadline": due, "rule": rule,
                    "days": int(days[i])})
    out.sort(key=lambda r: (-r["days"], r["id"]))
    return out


def check_details(webapp: WebApp, rows: list[dict[str, Any]], warnings: bool) -> None:
    """Each report's failing checks with its cells' printed values (read for the reports shown only)."""
    if not rows:
        return
    by_id = {}
    with webapp.db.connect() as conn:
        for start in range(0, len(rows), 500):
            ids = {f"i{n}": r["id"] for n, r in enumerate(rows[start:start + 500])}
            found = conn.execute(text(f"SELECT id, url, statistics_checks FROM reports WHERE id IN "
                                      f"({', '.join(':' + k for k in ids)})"), ids).all()
            by_id.update({rid: (url, checks) for rid, url, checks in found})
    parsed = {rid: (url, raw if isinstance(raw, list) else json.loads(raw or "[]")) for rid, (url, raw) in by_id.items()}
    wanted_rows = sorted({str(cell).rpartition(".")[0] for _, checks in parsed.values() for c in checks
                          for cell in c.get("cells") or []})
    cells = cell_values([url for url, _ in parsed.values()], wanted_rows, webapp)
    for r in rows:
        url, checks = parsed.get(r["id"], (None, []))
        values = cells.get(url, {})
        r["checks"] = []
        for c in checks:
            severity = c.get("severity") or "error"
            if severity != "error" and not warnings:
                continue
            r["checks"].append({
                "rule": c.get("rule"), "table": c.get("table"), "severity": severity, "expected": c.get("expected"),
                "found": c.get("found"),
                "cells": [{"key": key, "label": _cell_label(key), "value": values.get((c.get("table"), key)),
                           "printed": (c.get("table"), key) in values} for key in c.get("cells") or []],
            })
        errors = [set(c["cells"] or []) for c in checks if (c.get("severity") or "error") == "error"]
        common = set.intersection(*errors) if len(errors) > 1 else set()
        tables = {c.get("table") for c in checks if (c.get("severity") or "error") == "error"}
        table = next(iter(tables)) if len(tables) == 1 else None
        # a cell in every failing check is where they meet: the likely misprint
        r["suspects"] = [{"key": k, "label": _cell_label(k), "value": values.get((table, k))} for k in sorted(common)]


def cell_values(urls: list[str], row_keys: list[str], webapp: WebApp) -> dict[str, dict[tuple[str, str], Any]]:
    """url -> (table, "row.column") -> value, for these rows of these reports only."""
    out: dict[str, dict[tuple[str, str], Any]] = {}
    if not urls or not row_keys:
        return out
    rows_in = {f"r{n}": k for n, k in enumerate(row_keys)}
    with webapp.db.connect() as conn:
        for start in range(0, len(urls), 200):
            names = {f"u{n}": u for n, u in enumerate(urls[start:start + 200])}
            result = conn.execute(text(
                "SELECT report_url, table_name, row_key, column_key, value FROM report_statistics WHERE report_url IN "
                f"({', '.join(':' + k for k in names)}) AND row_key IN ({', '.join(':' + k for k in rows_in)})"),
                {**names, **rows_in})
            for url, table, row, col, value in result:
                out.setdefault(url, {})[(table, f"{row}.{col}")] = value
    return out


def _cell_label(key: str) -> str:
    row, _, col = key.rpartition(".")
    return f"{STAT_LABELS.get(row, row)} × {STAT_LABELS.get(col, col)}"


def quality_data(webapp: WebApp, request: Request, everything: bool = False) -> dict[str, Any]:
    sel = parse_selection(webapp, request, extra=("section", "page", "warnings"))
    qp = request.query_params
    section = qp.get("section") or ""
    if section and section not in SECTIONS:
        raise HTTPException(400, f"section={section[:40]!r}: expected one of {', '.join(SECTIONS)}")
    page = whole_number(qp, "page", 1, 100_000) or 1
    warnings = (qp.get("warnings") or "") in ("1", "on", "yes")
    ds = webapp.dataset()
    mask = sel.mask(ds)
    lists: dict[str, list[int] | list[dict[str, Any]]] = {
        "checks": list(np.flatnonzero(mask & (ds.has_checks if warnings else ds.consistency == 0))),
        "no_statistics": list(np.flatnonzero(mask & (ds.year >= TEMPLATE_FIRST_YEAR) & ~ds.has_statistics())),
        "unparsed": [i for i in np.flatnonzero(mask) if i in ds.unparsed],
        "duplicates": [i for i in np.flatnonzero(mask) if i in ds.duplicate_of],
    }
    out: dict[str, Any] = {"sel": sel, "section": section, "page": page, "warnings": warnings, "totals": {},
                           "as_of": ds.built}
    late = late_rows(webapp, ds, mask)
    for name in SECTIONS:
        if section and name != section:
            continue
        items = late if name == "late" else lists[name]
        out["totals"][name] = len(items)
        start, stop = ((page - 1) * PER_PAGE, page * PER_PAGE) if section else (0, PREVIEW)
        if everything:
            if len(items) > MAX_DOWNLOAD:
                raise HTTPException(400, f"{len(items)} rows: more than {MAX_DOWNLOAD}, narrow the selection")
            start, stop = 0, len(items)
        chosen = items[start:stop]
        if name == "late":
            out[name] = chosen
            continue
        rows = [_row(webapp, ds, int(i)) for i in chosen]
        if name == "unparsed":
            for r, i in zip(rows, chosen):
                r["unparsed"] = ds.unparsed[int(i)]
        if name == "duplicates":
            for r, i in zip(rows, chosen):
                r["original"] = _row(webapp, ds, ds.duplicate_of[int(i)])
        if name == "no_statistics":
            for r, i in zip(rows, chosen):
                r["format"] = ds.fmt[int(i)]
        if name == "checks":
            check_details(webapp, rows, warnings)
        out[name] = rows
    if not section:
        out["fields"] = missing_fields(webapp, ds, mask)
    out["pages"] = max(1, -(-out["totals"].get(section, 0) // PER_PAGE)) if section else 1
    return out


def missing_fields(webapp: WebApp, ds: Any, mask: np.ndarray) -> list[dict[str, Any]]:
    """Per portal: reports, and how many lack each field."""
    codes, names = ds.portal_codes()
    size = len(names)
    reports = np.bincount(codes[mask], minlength=size)
    gaps = {f: np.bincount(codes[mask], weights=ds.missing[mask, k], minlength=size).astype(int)
            for k, f in enumerate(FIELDS)}
    out = [{"portal": webapp.portal_info(names[c] or None), "reports": int(reports[c]),
            **{f: int(gaps[f][c]) for f in FIELDS}} for c in np.flatnonzero(reports)]
    return sorted(out, key=lambda r: (-sum(r[f] for f in FIELDS) / max(1, r["reports"]), r["portal"]["slug"] or ""))


def quality_page(webapp: WebApp, request: Request) -> Response:
    data = quality_data(webapp, request)
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("section", "page") and v]
    ds = webapp.dataset()
    return webapp.render(request, "quality.html", {
        **data, "form": data["sel"].form, "query": query, "fields": FIELDS, "field_labels": FIELD_LABELS,
        "portals": webapp.portal_choices(sorted({p for p in ds.portal if p})), "regions": webapp.regions(),
        "fields_table": data.get("fields", []), "errors_only_query": [(k, v) for k, v in query if k != "warnings"],
    })


def quality_csv(webapp: WebApp, request: Request) -> Response:
    """One section of the data-quality page, every row (``section`` required)."""
    if not request.query_params.get("section"):
        raise HTTPException(400, f"section: required, one of {', '.join(SECTIONS)}")
    params = dict(request.query_params)
    if "page" in params:
        raise HTTPException(400, "page: a download has every row")
    data = quality_data(webapp, request, everything=True)
    section = data["section"]
    rows: list[dict[str, Any]] = []
    data_rows = data.get(section, [])
    base = str(request.base_url).rstrip("/")
    for r in data_rows:
        flat = {"report_id": r["id"], "report_page": f"{base}/report/{r['id']}", "title": r["title"],
                "portal": r["portal"]["slug"], "year": r["year"], "reporting_body": r["body"]}
        if section == "checks":
            for c in r["checks"]:
                rows.append({**flat, "rule": c["rule"], "table": c["table"], "severity": c["severity"],
                             "expected": c["expected"], "found": c["found"],
                             "cells": "; ".join(f"{x['key']}={'' if x['value'] is None else x['value']}"
                                                for x in c["cells"])})
            continue
        if section == "late":
            flat.update(published=r["published"], deadline=r["deadline"], days_late=r["days"], rule=r["rule"])
        if section == "unparsed":
            flat["unparsed"] = json.dumps(r["unparsed"], ensure_ascii=False)
        if section == "duplicates":
            flat["duplicate_of"] = r["original"]["id"]
        rows.append(flat)
    fields = list(rows[0]) if rows else ["report_id", "report_page", "title", "portal", "year", "reporting_body"]
    return csv_response(rows, fields, f"govcrawl-quality-{section}.csv")


def missing_page(webapp: WebApp, request: Request) -> Response:
    """The reports of a portal that lack a field."""
    qp = request.query_params
    unknown = sorted(set(qp.keys()) - {"portal", "field", "page"})
    if unknown:
        raise HTTPException(400, f"unknown parameter {unknown[0]!r}; known: field, page, portal")
    field = qp.get("field") or ""
    if field not in FIELDS:
        raise HTTPException(400, f"field={field[:40]!r}: expected one of {', '.join(FIELDS)}")
    portal = qp.get("portal")
    page = whole_number(qp, "page", 1, 100_000) or 1
    ds = webapp.dataset()
    column = ds.body if field == "reporting_body" else getattr(ds, field)
    hits = [i for i in range(len(ds)) if (portal is None or (ds.portal[i] or "") == portal) and not column[i]]
    rows = [_row(webapp, ds, i) for i in hits[(page - 1) * PER_PAGE: page * PER_PAGE]]
    return webapp.render(request, "missing.html", {
        "field": field, "label": FIELD_LABELS[field], "portal": webapp.portal_info(portal) if portal else None,
        "rows": rows, "total": len(hits), "page": page, "pages": max(1, -(-len(hits) // PER_PAGE)),
        "query": [(k, v) for k, v in qp.multi_items() if k != "page"],
    })


# --- coverage ------------------------------------------------------------------------------------------------

def coverage_chart(span: list[int], found: list[int], overdue: list[int], pending: list[int], what: str) -> Any:
    """Stacked bars per year: found, missing after the deadline, missing but not yet due (together: expected)."""
    cats = [str(y) for y in span]
    lines = [Line("found", f"{what} with a report", found), Line("missing", "missing (overdue)", overdue),
             Line("pending", "missing, not yet due", pending)]
    return bar_chart("coverage", f"{what}: found against expected, per year", cats, lines, stacked=True)


def cells_html(cells: list[dict[str, Any]], search_path: str | None = None, slug: str | None = None) -> Markup:
    """A coverage row's year cells (built here: thousands of cells per page are too many for a template loop)."""
    out = []
    for c in cells:
        if c["n"] == 1 or (c["n"] > 1 and search_path is None):
            out.append(f'<td class="have"><a href="/report/{int(c["id"])}">{c["n"]}</a></td>')
        elif c["n"] > 1:
            out.append(f'<td class="have"><a href="{search_path}?portal={quote_plus(slug or "")}&amp;year={c["year"]}">'
                       f'{c["n"]}</a></td>')
        elif c.get("missing") == "overdue":
            out.append(f'<td class="missing" title="missing: due {c["deadline"]}">missing</td>')
        elif c.get("missing"):
            out.append(f'<td class="pending" title="not yet due ({c["deadline"]})">due {c["deadline"]}</td>')
        else:
            out.append("<td></td>")
    return Markup("\n".join(out))


def portal_year_counts(ds: Any, first: int, last: int) -> dict[tuple[str, int], tuple[int, int]]:
    """(portal, year) -> (reports, smallest id), for the years first..last (worked out once per dataset)."""
    key = ("portal_year_counts", first, last)
    if key in ds.memo:
        return ds.memo[key]
    out: dict[tuple[str, int], tuple[int, int]] = {}
    for i in np.flatnonzero((ds.year >= first) & (ds.year <= last)):
        key = (ds.portal[i], int(ds.year[i]))
        n, low = out.get(key, (0, None))
        rid = int(ds.ids[i])
        out[key] = (n + 1, rid if low is None or rid < low else low)
    ds.memo[("portal_year_counts", first, last)] = out
    return out


def unit_coverage(webapp: WebApp, request: Request, span: list[int]) -> dict[str, Any]:
    """Reporting units (bodies) x years: a unit is expected every year from the first year it is archived;
    missing years after the statutory deadline for its kind of body are overdue."""
    ds = webapp.dataset()
    qp = request.query_params
    page = whole_number(qp, "page", 1, 100_000) or 1
    today = dt.date.today()
    units: dict[str, dict[str, Any]] = {}
    for i in range(len(ds)):
        body, year = ds.body[i], int(ds.year[i])
        if not body or not year:
            continue
        u = units.setdefault(body, {"name": body, "first": year, "years": {}, "portals": set(),
                                    "level": webapp.portal_info(ds.portal[i])["level"]})
        u["first"] = min(u["first"], year)
        u["years"].setdefault(year, []).append(int(ds.ids[i]))
        u["portals"].add(ds.portal[i] or "")
    found = [0] * len(span)
    overdue = [0] * len(span)
    pending = [0] * len(span)
    rows = []
    for name in sorted(units):
        u = units[name]
        cells = []
        for k, y in enumerate(span):
            ids = u["years"].get(y, [])
            cell: dict[str, Any] = {"year": y, "n": len(ids), "id": ids[0] if ids else None}
            if not ids and y >= u["first"]:
                due, _ = body_deadline(name, u["level"], y)
                cell["missing"] = "overdue" if today > due else "not yet due"
                cell["deadline"] = due.isoformat()
            if ids:
                found[k] += 1
            elif cell.get("missing") == "overdue":
                overdue[k] += 1
            elif cell.get("missing"):
                pending[k] += 1
            cells.append(cell)
        rows.append({"name": name, "portals": sorted(u["portals"]), "first": u["first"], "cells": cells,
                     "html": cells_html(cells)})
    no_body = int(sum(1 for i in range(len(ds)) if not ds.body[i]))
    return {
        "rows": rows[(page - 1) * UNITS_PER_PAGE: page * UNITS_PER_PAGE], "units": len(rows), "page": page,
        "pages": max(1, -(-len(rows) // UNITS_PER_PAGE)), "no_body": no_body,
        "missing_total": sum(overdue), "chart": coverage_chart(span, found, overdue, pending, "reporting units"),
    }


def routes(webapp: WebApp) -> list[Route]:
    def bind(fn: Any) -> Any:
        return lambda request: fn(webapp, request)

    return [
        Route("/quality", bind(quality_page), name="quality"),
        Route("/quality.csv", bind(quality_csv), name="quality_csv"),
        Route("/quality/missing", bind(missing_page), name="quality_missing"),
    ]
