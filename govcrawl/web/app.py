"""The researchers' archive browser: a read-only Starlette application over the database and the WARC archive.

Pages (server-rendered Jinja2, no script at all in the UI):

- ``/`` search form and what the archive holds; ``/search`` results (full text + filters);
- ``/report/{id}`` metadata with each field's source, statistics with flagged checks, capture
  history (and ``/report/{id}/diff?a=&b=`` between two captures), attachments, links to the capture;
- ``/archive/{file}/{offset}`` one archived record: the page as captured in a sandboxed iframe fed by
  ``/archive/{file}/{offset}/content`` (CSP ``sandbox``: an opaque origin, no script), and the raw
  record (``record.warc.gz``: the exact gzip member);
- ``/coverage`` portals (or, ``view=unit``, reporting units) x years, missing reports against the statutory
  deadlines (as ``govcrawl missing``), with a chart per year of found against expected;
- ``/export.csv`` and ``/export.json``: any search, statistics included;
- ``/trends`` and ``/compare`` (``analytics``): the template's headline figures per year as SVG charts drawn here,
  bodies or portals side by side; ``/quality`` (``quality``): failing checks, missing tables and fields, late
  reports.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import numpy as np
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from govcrawl.archive.reader import ArchiveReader, RecordNotFound
from govcrawl.web import analytics, quality
from govcrawl.web.dataset import Dataset, DatasetCache
from govcrawl.web.db import ReadOnlyDB
from govcrawl.web.limits import RENDER_CAP, RequestGuard, heavy
from govcrawl.web.present import (
    STAT_LABELS,
    deadline,
    download_disposition,
    line_diff,
    path_for,
    pivot_statistics,
    ts14,
    viewable,
)
from govcrawl.web.search import (
    COUNT_CAP,
    LIST_COLUMNS,
    QueryError,
    SearchParams,
    search,
    snippet,
)

HERE = Path(__file__).parent
LEVELS = ("province", "city", "county", "department")
LEVEL_NAMES = {"province": "省级", "city": "市级", "county": "县级", "department": "部门"}
MAX_PER_PAGE = 200
MAX_EXPORT = 50_000
FIRST_YEAR = 2007

#: the UI: no script anywhere, frames only from this origin (the sandboxed capture)
UI_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; form-action 'self'; "
          "base-uri 'none'; frame-ancestors 'none'")
#: an archived payload: its own opaque origin (sandbox without allow-same-origin), no script, nothing live
ARCHIVED_CSP = ("sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
                "form-action 'none'; base-uri 'none'; frame-ancestors 'self'")
ATTACHMENT_RE = re.compile(r"\.(pdf|docx?|xlsx?|wps|et|ofd|zip|rar|7z|txt|csv)(?:$|[?#])|/module/download/|downfile", re.I)


class WebApp:
    def __init__(self, db_url: str, warc_dir: str | Path, replay_url: str | None = None,
                 portals: str | None = None) -> None:
        from govcrawl.crawl.registry import default_registry

        self.db = ReadOnlyDB(db_url)
        self.figures = DatasetCache(self.db.engine)
        self.archive = ArchiveReader(warc_dir, lookup_original=self.db.original)
        self.replay_url = (replay_url.rstrip("/") + "/") if replay_url else None
        registry = default_registry(portals)
        self.portals = dict(registry.portals)  # slug -> Portal (the portals `missing` counts)
        self.channels = dict(registry.channels)
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        env = self.templates.env
        env.globals.update(level_names=LEVEL_NAMES, labels=STAT_LABELS, replay_url=self.replay_url)
        env.globals["url_for"] = path_for  # paths, not absolute URLs: right behind any proxy
        env.globals["report_path"] = lambda rid: f"/report/{int(rid)}"  # url_for('report', ...) in long loops, cheaply
        env.filters["urlq"] = lambda params: urlencode(params, doseq=True)
        env.filters["num"] = lambda v: "" if v is None else (str(int(v)) if float(v).is_integer() else f"{v:g}")

    # --- helpers ----------------------------------------------------------------------------------

    def dataset(self) -> Dataset:
        """The reports as data (read from SQL once, rebuilt in the background when the database changes)."""
        return self.figures.get()

    def portal_info(self, slug: str | None) -> dict[str, Any]:
        p = self.portals.get(slug or "") or self.channels.get(slug or "")
        if p is None:
            return {"slug": slug, "name": slug or "", "level": None, "region": None}
        return {"slug": p.slug, "name": p.name, "level": p.level, "region": p.region}

    def render(self, request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
        return self.templates.TemplateResponse(request, name, context, status_code=status_code)

    def regions(self) -> list[str]:
        return sorted({p.region for p in self.portals.values() if p.region})

    def parse_search(self, request: Request) -> tuple[SearchParams, dict[str, Any]]:
        """Search parameters from the query string, or 400 naming the bad one."""
        qp = request.query_params
        known = {"q", "portal", "level", "region", "publisher", "year", "year_from", "year_to", "page", "per_page"}
        unknown = sorted(set(qp.keys()) - known)
        if unknown:
            raise HTTPException(400, f"unknown parameter {unknown[0]!r}; known: {', '.join(sorted(known))}")

        def integer(name: str, lo: int, hi: int) -> int | None:
            raw = (qp.get(name) or "").strip()
            if not raw:
                return None
            if not re.fullmatch(r"\d{1,9}", raw):
                raise HTTPException(400, f"{name}={raw[:40]!r}: expected a whole number")
            value = int(raw)
            if not lo <= value <= hi:
                raise HTTPException(400, f"{name}={value}: expected {lo} to {hi}")
            return value

        this_year = dt.date.today().year
        params = SearchParams(q=qp.get("q") or "", publisher=(qp.get("publisher") or "").strip()[:100])
        params.year = integer("year", FIRST_YEAR, this_year)
        params.year_from = integer("year_from", FIRST_YEAR, this_year)
        params.year_to = integer("year_to", FIRST_YEAR, this_year)
        if params.year_from and params.year_to and params.year_from > params.year_to:
            raise HTTPException(400, f"year_from={params.year_from} is after year_to={params.year_to}")
        params.page = integer("page", 1, 100_000) or 1
        params.per_page = integer("per_page", 1, MAX_PER_PAGE) or 20
        try:
            params.terms()
        except QueryError as exc:
            raise HTTPException(400, str(exc)) from None
        wanted = [p for p in qp.getlist("portal") if p]
        for slug in wanted:
            if len(slug) > 64 or not re.fullmatch(r"[A-Za-z0-9_.-]+", slug):
                raise HTTPException(400, f"portal={slug[:40]!r}: not a portal slug")
        level = (qp.get("level") or "").strip()
        if level and level not in LEVELS:
            raise HTTPException(400, f"level={level[:40]!r}: expected one of {', '.join(LEVELS)}")
        region = (qp.get("region") or "").strip()
        if len(region) > 64:
            raise HTTPException(400, "region: too long")
        portals = set(wanted)
        if level or region:
            chosen = {s for s, p in self.portals.items()
                      if (not level or p.level == level) and (not region or p.region == region)}
            portals = (portals & chosen) if portals else chosen
            if not portals:
                portals = {"\x00none"}  # a filter nothing matches: no result, not every result
        params.portals = sorted(portals)
        form = {"q": params.q, "portal": wanted, "level": level, "region": region, "publisher": params.publisher,
                "year": params.year or "", "year_from": params.year_from or "", "year_to": params.year_to or ""}
        return params, form

    def run_search(self, params: SearchParams, **kw: Any) -> tuple[list[dict[str, Any]], int | None]:
        with self.db.connect() as conn:
            return search(conn, params, self.db.fts, **kw)

    # --- pages -------------------------------------------------------------------------------------

    def home(self, request: Request) -> Response:
        overview = self.db.overview()
        return self.render(request, "home.html", {
            "overview": overview, "form": {}, "portals": self.portal_choices(overview["portals"]),
            "regions": self.regions(), "fts": self.db.fts,
        })

    def portal_choices(self, present: list[str]) -> list[dict[str, Any]]:
        slugs = list(dict.fromkeys(list(self.portals) + list(present)))
        return [self.portal_info(s) for s in slugs]

    def search_page(self, request: Request) -> Response:
        params, form = self.parse_search(request)
        rows, total = self.run_search(params)
        terms = params.terms()
        if rows:
            ids = {f"i{n}": r["id"] for n, r in enumerate(rows)}
            from sqlalchemy import text as sql

            with self.db.connect() as conn:
                bodies = dict(conn.execute(
                    sql(f"SELECT id, body_text FROM reports WHERE id IN ({', '.join(':' + k for k in ids)})"), ids
                ).all())
            for r in rows:
                r["snippet"] = snippet(bodies.get(r["id"]), terms)
                r["portal_info"] = self.portal_info(r["portal"])
        query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page",)]
        capped = (total or 0) > COUNT_CAP
        pages = max(1, -(-min(total or 0, COUNT_CAP) // params.per_page))
        if capped:
            pages = max(pages, params.page + (len(rows) == params.per_page))
        return self.render(request, "search.html", {
            "rows": rows, "total": total, "capped": capped, "cap": COUNT_CAP, "params": params, "form": form, "query": query,
            "page": params.page, "pages": pages, "terms": terms, "short_terms": [t for t in terms if len(t) < 3],
            "portals": self.portal_choices(self.db.overview()["portals"]), "regions": self.regions(),
            "fts": self.db.fts,
        })

    def report_page(self, request: Request) -> Response:
        report_id = request.path_params["report_id"]
        report = self.db.report(report_id)
        if report is None:
            raise HTTPException(404, f"no report {report_id}")
        cells = self.db.statistics(report["url"])
        tables = pivot_statistics(cells, report.get("statistics_checks") or [])
        captures = self.db.captures(report["url"])
        current = None
        for c in captures:
            if c["warc_filename"] == report["warc_filename"] and c["warc_offset"] == report["warc_offset"]:
                current = c["id"]
        attachments, capture_error = [], None
        if report.get("warc_filename") and report.get("warc_offset") is not None:
            try:
                record = self.archive.record(report["warc_filename"], int(report["warc_offset"]), limit=RENDER_CAP)
                attachments = self._attachments(record)
            except RecordNotFound as exc:
                capture_error = str(exc)
        fields = ["title", "report_year", "reporting_body", "index_no", "publisher", "written_date", "published_date",
                  "doc_no"]
        return self.render(request, "report.html", {
            "r": report, "portal": self.portal_info(report["portal"]), "fields": fields, "tables": tables,
            "checks": report.get("statistics_checks") or [], "captures": captures, "current": current,
            "attachments": attachments, "capture_error": capture_error,
            "replay": self._replay_link(report["url"], report.get("last_seen") if not captures else captures[-1]["first_seen"]),
        })

    def _replay_link(self, url: str, when: Any) -> str | None:
        if not self.replay_url:
            return None
        return f"{self.replay_url}{ts14(when)}/{url}"

    def _attachments(self, record: Any) -> list[dict[str, Any]]:
        from govcrawl.analysis.text import decode_body, parse_html

        if "html" not in (record.content_type or "").lower() and not record.payload.lstrip()[:1] == b"<":
            return []
        try:
            html, _ = decode_body(record.payload, record.content_type)
            tree = parse_html(html)
        except Exception:
            return []
        if tree is None:
            return []
        found: dict[str, str] = {}
        for a in tree.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            label = " ".join((a.text_content() or "").split())
            absolute = urljoin(record.url, href)
            if urlsplit(absolute).scheme not in ("http", "https"):
                continue
            if ATTACHMENT_RE.search(absolute) or label.startswith("附件"):
                found.setdefault(absolute, label or absolute)
        archived = self.db.archived(list(found))
        return [{"url": u, "label": label, "archived": archived.get(u)} for u, label in found.items()]

    def diff_page(self, request: Request) -> Response:
        report_id = request.path_params["report_id"]
        report = self.db.report(report_id)
        if report is None:
            raise HTTPException(404, f"no report {report_id}")
        captures = {c["id"]: c for c in self.db.captures(report["url"])}
        chosen = []
        for name in ("a", "b"):
            raw = request.query_params.get(name, "")
            if not re.fullmatch(r"\d{1,12}", raw):
                raise HTTPException(400, f"{name}={raw[:40]!r}: expected a capture id")
            if int(raw) not in captures:
                raise HTTPException(404, f"capture {raw} is not a capture of report {report_id}")
            chosen.append(captures[int(raw)])
        texts = []
        for c in chosen:
            try:
                texts.append(self._text_of(c["warc_filename"], c["warc_offset"]))
            except RecordNotFound as exc:
                raise HTTPException(404, str(exc)) from None
        rows = line_diff(texts[0], texts[1])
        return self.render(request, "diff.html", {"r": report, "a": chosen[0], "b": chosen[1], "rows": rows,
                                                  "changed": any(t in ("changed", "removed", "added") for t, *_ in rows)})

    def _text_of(self, filename: str | None, offset: int | None) -> list[str]:
        from govcrawl.analysis.text import decode_body, html_to_text, looks_like_html

        if not filename or offset is None:
            raise RecordNotFound("no WARC location")
        record = self.archive.record(filename, int(offset), limit=RENDER_CAP)
        body, _ = decode_body(record.payload, record.content_type)
        content = html_to_text(body) if looks_like_html(body) else body
        return [line.strip() for line in content.splitlines() if line.strip()]

    # --- archived records ---------------------------------------------------------------------------

    def _location(self, request: Request) -> tuple[str, int]:
        return request.path_params["filename"], request.path_params["offset"]

    def record_page(self, request: Request) -> Response:
        filename, offset = self._location(request)
        try:
            record = self.archive.record(filename, offset, limit=0)  # the page shows headers and size only
        except RecordNotFound as exc:
            raise HTTPException(404, str(exc)) from None
        from sqlalchemy import text as sql

        with self.db.connect() as conn:
            report = conn.execute(sql("SELECT id, title FROM reports WHERE url = :url"), {"url": record.url}).first()
        return self.render(request, "record.html", {
            "rec": record, "filename": filename, "offset": offset, "report": report,
            "replay": self._replay_link(record.url, record.date),
            "viewable": viewable(record.content_type),
        })

    def record_content(self, request: Request) -> Response:
        filename, offset = self._location(request)
        try:
            record, chunks = self.archive.payload_chunks(filename, offset)  # streamed: memory stays at one chunk
        except RecordNotFound as exc:
            raise HTTPException(404, str(exc)) from None
        if record.rec_type not in ("response", "revisit", "resource", "conversion"):
            raise HTTPException(404, f"a {record.rec_type} record has no payload to show")
        content_type = record.content_type or "application/octet-stream"
        if not re.fullmatch(r"[\x20-\x7e]{1,200}", content_type):
            content_type = "application/octet-stream"
        headers = {
            "Content-Security-Policy": ARCHIVED_CSP,
            "X-Frame-Options": "SAMEORIGIN",
            "Cache-Control": "private, max-age=3600",
        }
        if not viewable(content_type):  # attachments (PDF, Word ...) are downloads, never rendered here
            headers["Content-Disposition"] = download_disposition(record)
        headers["Content-Length"] = str(record.size or 0)
        return StreamingResponse(chunks, media_type=None, headers={**headers, "Content-Type": content_type})

    def record_raw(self, request: Request) -> Response:
        filename, offset = self._location(request)
        try:
            data = self.archive.raw_member_chunks(filename, offset)
        except RecordNotFound as exc:
            raise HTTPException(404, str(exc)) from None
        return StreamingResponse(data, media_type="application/warc", headers={
            "Content-Disposition": f"attachment; filename=\"{filename[:-len('.warc.gz')]}-{offset}.warc.gz\"",
            "Content-Security-Policy": ARCHIVED_CSP,
        })

    def archived_url(self, request: Request) -> Response:
        """The latest full capture of a URL (links to attachments): a redirect to its record page."""
        url = request.query_params.get("url", "")
        if not url or len(url) > 2048 or urlsplit(url).scheme not in ("http", "https"):
            raise HTTPException(400, "url: expected an http(s) URL")
        where = self.db.archived([url]).get(url)
        if where is None:
            raise HTTPException(404, f"{url} is not in the archive")
        return RedirectResponse(f"/archive/{where[0]}/{where[1]}", status_code=302)

    # --- coverage ----------------------------------------------------------------------------------

    def coverage_page(self, request: Request) -> Response:
        ds = self.dataset()
        qp = request.query_params
        this_year = dt.date.today().year
        years = [int(y) for y in np.unique(ds.year) if y] or [this_year - 1]

        def year(name: str, default: int) -> int:
            raw = (qp.get(name) or "").strip()
            if not raw:
                return default
            if not re.fullmatch(r"\d{4}", raw) or not FIRST_YEAR <= int(raw) <= this_year:
                raise HTTPException(400, f"{name}={raw[:40]!r}: expected a year {FIRST_YEAR} to {this_year}")
            return int(raw)

        first = year("from", min(years))
        last = year("to", max(max(years), min(this_year - 1, max(years) + 1)))
        if first > last:
            raise HTTPException(400, f"from={first} is after to={last}")
        if last - first > 40:
            raise HTTPException(400, "at most 40 years at once")
        span = list(range(first, last + 1))
        view = qp.get("view") or "portal"
        if view not in ("portal", "unit"):
            raise HTTPException(400, f"view={view[:40]!r}: expected portal or unit")
        context: dict[str, Any] = {"years": span, "view": view, "as_of": ds.built}
        if view == "unit":
            context.update(quality.unit_coverage(self, request, span))
            return self.render(request, "coverage.html", context)
        counts = quality.portal_year_counts(ds, first, last)
        search_path = str(request.app.url_path_for("search"))
        today = dt.date.today()
        rows = []
        slugs = list(self.portals) + sorted({p for p, _ in counts} - set(self.portals))
        found, overdue, pending = [0] * len(span), [0] * len(span), [0] * len(span)
        for slug in slugs:
            info = self.portal_info(slug)
            in_registry = slug in self.portals
            cells = []
            for k, y in enumerate(span):
                n, first_id = counts.get((slug, y), (0, None))
                cell: dict[str, Any] = {"year": y, "n": n, "id": first_id}
                if n == 0 and in_registry:
                    due = deadline(info["level"], y)
                    cell["missing"] = "overdue" if today > due else "not yet due"
                    cell["deadline"] = due.isoformat()
                    (overdue if cell["missing"] == "overdue" else pending)[k] += 1
                elif in_registry:
                    found[k] += 1
                cells.append(cell)
            rows.append({"portal": info, "cells": cells, "in_registry": in_registry,
                         "html": quality.cells_html(cells, search_path, slug)})
        context.update(rows=rows, missing_total=sum(overdue),
                       chart=quality.coverage_chart(span, found, overdue, pending, "registry portals"))
        return self.render(request, "coverage.html", context)

    # --- export -----------------------------------------------------------------------------------

    def _export_rows(self, request: Request) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
        params, _ = self.parse_search(request)
        rows, total = self.run_search(params, limit=MAX_EXPORT + 1, with_total=False)
        if len(rows) > MAX_EXPORT:
            raise HTTPException(400, f"more than {MAX_EXPORT} reports match: narrow the search to export it")
        stats = self.db.statistics_for([r["url"] for r in rows])
        for r in rows:
            info = self.portal_info(r["portal"])
            r["level"], r["region"] = info["level"], info["region"]
            r["report_page"] = str(request.url_for("report", report_id=r["id"]))
        return rows, stats

    def export_csv(self, request: Request) -> Response:
        rows, stats = self._export_rows(request)
        fields = [c for c in LIST_COLUMNS] + ["level", "region", "report_page"]
        stat_columns: dict[str, None] = {}
        for r in rows:
            for cell in stats.get(r["url"], []):
                key = f"{cell['table_name']}.{cell['row_key']}.{cell['column_key']}"
                stat_columns[key] = None
                v = cell["value"]
                r[key] = int(v) if v is not None and float(v).is_integer() else v
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=fields + list(stat_columns), restval="", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": 'attachment; filename="govcrawl-reports.csv"'})

    def export_json(self, request: Request) -> Response:
        rows, stats = self._export_rows(request)
        for r in rows:
            nested: dict[str, dict[str, dict[str, Any]]] = {}
            for cell in stats.get(r["url"], []):
                v = cell["value"]
                nested.setdefault(cell["table_name"], {}).setdefault(cell["row_key"], {})[cell["column_key"]] = (
                    int(v) if v is not None and float(v).is_integer() else v)
            r["statistics"] = nested
        body = json.dumps({"query": dict(request.query_params.multi_items()), "count": len(rows), "reports": rows},
                          ensure_ascii=False, default=str)
        return Response(body, media_type="application/json; charset=utf-8", headers={
            "Content-Disposition": 'attachment; filename="govcrawl-reports.json"'})

    # --- the application ---------------------------------------------------------------------------

    def build(self) -> Starlette:
        async def http_error(request: Request, exc: HTTPException) -> Response:
            if exc.status_code == 400 and request.url.path.endswith(".json"):
                return JSONResponse({"error": exc.detail}, status_code=400)
            return self.render(request, "error.html", {"status": exc.status_code, "message": exc.detail},
                               status_code=exc.status_code)

        async def server_error(request: Request, exc: Exception) -> Response:
            return HTMLResponse("<h1>500</h1><p>internal error</p>", status_code=500)

        routes = [
            Route("/", self.home, name="home"),
            Route("/search", self.search_page, name="search"),
            Route("/report/{report_id:int}", heavy(self.report_page), name="report"),
            Route("/report/{report_id:int}/diff", heavy(self.diff_page), name="diff"),
            Route("/archive/{filename}/{offset:int}", heavy(self.record_page), name="record"),
            Route("/archive/{filename}/{offset:int}/content", heavy(self.record_content), name="record_content"),
            Route("/archive/{filename}/{offset:int}/record.warc.gz", heavy(self.record_raw), name="record_raw"),
            Route("/archived", self.archived_url, name="archived"),
            Route("/coverage", self.coverage_page, name="coverage"),
            Route("/export.csv", self.export_csv, name="export_csv"),
            Route("/export.json", self.export_json, name="export_json"),
            *analytics.routes(self),
            *quality.routes(self),
            Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
        ]
        app = Starlette(routes=routes, exception_handlers={HTTPException: http_error, 500: server_error})
        app.add_middleware(RequestGuard)
        app.add_middleware(_SecurityHeaders)
        app.state.webapp = self
        return app


class _SecurityHeaders:
    """Every UI response gets the strict UI policy; archived payloads keep their sandbox policy."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                names = {k.lower() for k, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", UI_CSP.encode()))
                if b"x-frame-options" not in names:
                    headers.append((b"x-frame-options", b"DENY"))
                headers += [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                            (b"cross-origin-opener-policy", b"same-origin")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(db_url: str, warc_dir: str | Path, replay_url: str | None = None, portals: str | None = None) -> Starlette:
    return WebApp(db_url, warc_dir, replay_url=replay_url, portals=portals).build()
