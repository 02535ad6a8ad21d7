"""How the browser shows things: labels of the statistics keys, statutory deadlines, dates, diffs between
captures, the statistics pivot, downloads."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import pass_context
from starlette.requests import Request

from govcrawl.analysis.dates import report_deadline

# --- labels of the statistics keys ------------------------------------------------------------


def _stat_labels() -> dict[str, str]:
    labels: dict[str, str] = {
        "active_disclosure": "二、主动公开政府信息情况",
        "applications": "三、收到和处理政府信息公开申请情况",
        "reviews_litigation": "四、政府信息公开行政复议、行政诉讼情况",
    }
    try:
        from govcrawl.analysis import statistics as s

        for key, label, *_ in s.APPLICATION_ROWS:
            labels.setdefault(key, label)
        for key, label in s.APPLICATION_COLUMNS:
            labels.setdefault(key, label)
        for key, label, *_ in s.ACTIVE_ROWS:
            labels.setdefault(key, label)
        for key, label, *_ in s.ACTIVE_COLUMNS:
            labels.setdefault(key, label)
        for key, label in s.REVIEW_GROUPS + s.REVIEW_COLUMNS:
            labels.setdefault(key, label)
    except Exception:  # pragma: no cover - labels are a nicety
        pass
    return labels


STAT_LABELS = _stat_labels()


def deadline(level: str | None, year: int) -> dt.date:
    """The statutory deadline of a year's report (条例 arts. 49-50): departments 31 January, governments 31 March."""
    return dt.date(year + 1, 1, 31) if level == "department" else dt.date(year + 1, 3, 31)


def body_deadline(body: str | None, level: str | None, year: int) -> tuple[dt.date, str]:
    """``govcrawl.analysis.dates.report_deadline``: by the body a report is on, else by its portal's level."""
    return report_deadline(body, level, year)


def ts14(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y%m%d%H%M%S")
    return re.sub(r"\D", "", str(value or ""))[:14]


@pass_context
def path_for(context: dict, name: str, /, **params: Any) -> str:
    request: Request = context["request"]
    return str(request.app.url_path_for(name, **params))


def download_disposition(record: Any) -> str:
    """``attachment`` with the file name the portal gave (Content-Disposition), else the URL's, made safe."""
    from urllib.parse import parse_qs, quote

    name = ""
    for key, value in record.http_headers:
        if key.lower() == "content-disposition":
            m = re.search(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)', value, re.I)
            if m:
                name = m.group(1)
    if not name:
        parts = urlsplit(record.url)
        name = (parse_qs(parts.query).get("filename") or [""])[0] or Path(parts.path).name
    name = re.sub(r'[\x00-\x1f"\\/;]', "_", name).strip(". ") or "attachment"
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def viewable(content_type: str | None) -> bool:
    ct = (content_type or "").split(";")[0].strip().lower()
    return ct in ("text/html", "application/xhtml+xml", "text/plain", "") or ct.startswith("image/")


def pivot_statistics(cells: list[dict[str, Any]], checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Long-format cells -> one grid per table (rows x columns in first-seen order), flagged cells marked."""
    flagged: dict[tuple[str, str], list[str]] = {}
    for check in checks:
        for cell in check.get("cells") or []:
            row, _, col = str(cell).rpartition(".")
            note = f"{check.get('rule')}: expected {check.get('expected')}, found {check.get('found')}"
            flagged.setdefault((check.get("table"), f"{row}.{col}"), []).append(note)
    tables: dict[str, dict[str, Any]] = {}
    for c in cells:
        t = tables.setdefault(c["table_name"], {"name": c["table_name"], "rows": {}, "columns": {}})
        t["columns"].setdefault(c["column_key"], None)
        t["rows"].setdefault(c["row_key"], {})[c["column_key"]] = c["value"]
    out = []
    for name, t in tables.items():
        grid = []
        for row_key, values in t["rows"].items():
            grid.append({"key": row_key, "cells": [
                {"value": values.get(col), "present": col in values,
                 "flags": flagged.get((name, f"{row_key}.{col}"), [])} for col in t["columns"]]})
        out.append({"name": name, "columns": list(t["columns"]), "rows": grid})
    return out


def line_diff(a: list[str], b: list[str]) -> list[tuple[str, str, str]]:
    """(tag, old line, new line) rows: same / changed / removed / added; long unchanged runs folded."""
    rows: list[tuple[str, str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            block = a[i1:i2]
            if len(block) > 6:
                rows += [("same", x, x) for x in block[:2]]
                rows.append(("fold", f"… {len(block) - 4} unchanged lines …", ""))
                rows += [("same", x, x) for x in block[-2:]]
            else:
                rows += [("same", x, x) for x in block]
        elif tag == "replace":
            old, new = a[i1:i2], b[j1:j2]
            for k in range(max(len(old), len(new))):
                rows.append(("changed", old[k] if k < len(old) else "", new[k] if k < len(new) else ""))
        elif tag == "delete":
            rows += [("removed", x, "") for x in a[i1:i2]]
        elif tag == "insert":
            rows += [("added", "", x) for x in b[j1:j2]]
    return rows


