"""The template's arithmetic (sums and the 勾稽 balance of section 三), checked cell by cell."""

from __future__ import annotations

from govcrawl.analysis.statistics.schema import (
    APP_COLS,
    APP_PERSON_COLS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    Number,
    Statistics,
)
from govcrawl.analysis.statistics.values import get_path


# --------------------------------------------------------------------------- checks
def _check_row(out: list, table: str, rule: str, parts: list[tuple[str, Number | None]],
               total: tuple[str, Number | None]) -> int:
    vals = [v for _, v in parts] + [total[1]]
    if all(v is None for v in vals):
        return 0
    expected = sum(v or 0 for _, v in parts)
    found = total[1]
    if (found or 0) != expected and not (isinstance(expected, float) and abs((found or 0) - expected) < 0.005):
        # a total left empty is an omission of the page, not a contradiction between printed numbers
        out.append({"rule": rule, "table": table, "cells": [p for p, _ in parts] + [total[0]],
                    "expected": expected, "found": found, "severity": "warning" if found is None else "error"})
    return 1


def leaf_rows(d: dict, prefix: str = "") -> list[str]:
    out = []
    for k, v in d.items():
        p = f"{prefix}{k}"
        if isinstance(v, dict) and v and all(not isinstance(x, dict) for x in v.values()):
            out.append(p)
        elif isinstance(v, dict):
            out.extend(leaf_rows(v, p + "."))
    return out


def run_checks(stats: Statistics) -> None:
    """Arithmetic of sections 三 and 四; violations go to ``stats.checks`` (values are never corrected).

    An empty cell counts as 0 in the sums; a check whose cells are all empty is skipped."""
    checks: list[dict] = []
    n = 0
    app = stats.tables.get("applications")
    if app:
        rows = leaf_rows(app)
        for r in rows:
            row = get_path(app, r)
            if "total" in row:
                n += _check_row(checks, "applications", "row_total",
                                [(f"{r}.{c}", row.get(c)) for c in APP_PERSON_COLS], (f"{r}.total", row.get("total")))
        result_rows = [r for r in rows if r.startswith("results.") and not r.endswith(".subtotal")]
        th = app.get("total_handled")
        if th and result_rows:
            for c in APP_COLS:
                n += _check_row(checks, "applications", "results_total",
                                [(f"{r}.{c}", get_path(app, r).get(c)) for r in result_rows],
                                (f"total_handled.{c}", th.get(c)))
        if all(k in app for k in ("new_received", "carried_over", "total_handled", "carried_forward")):
            for c in APP_COLS:
                a, b_ = app["new_received"].get(c), app["carried_over"].get(c)
                h, f = app["total_handled"].get(c), app["carried_forward"].get(c)
                if all(v is None for v in (a, b_, h, f)):
                    continue
                n += 1
                lhs, rhs = (a or 0) + (b_ or 0), (h or 0) + (f or 0)
                if lhs != rhs:
                    checks.append({"rule": "balance", "table": "applications",
                                   "cells": [f"new_received.{c}", f"carried_over.{c}", f"total_handled.{c}",
                                             f"carried_forward.{c}"],
                                   "expected": lhs, "found": rhs,
                                   "severity": "error" if c == "total" and None not in (a, b_, h, f) else "warning"})
    rl = stats.tables.get("reviews_litigation")
    if rl:
        for g, _ in REVIEW_GROUPS:
            row = rl.get(g) or {}
            n += _check_row(checks, "reviews_litigation", "row_total",
                            [(f"{g}.{c}", row.get(c)) for c, _ in REVIEW_COLUMNS[:-1]], (f"{g}.total", row.get("total")))
    stats.checks = checks
    stats.checks_run = n


