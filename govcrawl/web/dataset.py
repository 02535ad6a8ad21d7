"""The reports as data, in memory: what the trends, compare, data-quality and coverage pages compute on.

Summing cells of the long ``report_statistics`` table in SQL for every page takes seconds at 10,000 reports
(one row per cell, joined to its report by URL). The pages read instead a ``Dataset``: one row per report with
its metadata, and a matrix of the headline series (``govcrawl.web.series``), NaN where a report printed none
of a series' cells. It is built from SQL in one pass (about a second per 10,000 reports) and rebuilt, in the
background while the previous one keeps answering, when the database changed (more reports, captures or
statistics rows) or is older than ``MAX_AGE`` seconds; every page says when its figures were read.

Duplicates: the same reporting body's report of the same year found twice (on two portals) is counted once in
sums (the first archived), and listed on the data-quality page.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Engine

from govcrawl.web.series import SERIES, SERIES_KEYS, Cell

log = logging.getLogger(__name__)

TABLES = ("applications", "active_disclosure", "reviews_litigation")
FIELDS = ("index_no", "publisher", "written_date", "published_date", "reporting_body")  # checked for gaps
MAX_AGE = 600.0  # seconds: a dataset older than this is rebuilt even if the counters did not move
CHECK_EVERY = 2.0  # seconds between two looks at the database's counters


def _needed_cells() -> list[Cell]:
    return sorted({c for s in SERIES.values() for c in s.cells()})


@dataclass
class Dataset:
    token: tuple
    built: dt.datetime
    seconds: float
    ids: np.ndarray
    urls: list[str]
    portal: list[str | None]
    year: np.ndarray  # 0: unknown
    body: list[str | None]
    title: list[str | None]
    publisher: list[str | None]
    index_no: list[str | None]
    written_date: list[str | None]
    published_date: list[str | None]
    fmt: list[str | None]
    consistency: np.ndarray  # -1 not checked, 0 an error, 1 fine
    has_checks: np.ndarray  # any check recorded (warnings included)
    unparsed: dict[int, dict[str, str]]  # row -> table -> why (only reports with something unparsed)
    tables: np.ndarray  # n x len(TABLES): the report has cells of that table
    values: np.ndarray  # n x len(SERIES_KEYS), NaN: no value
    counted: np.ndarray  # has statistics and is not a duplicate of an earlier report of its body and year
    missing: np.ndarray | None = None  # n x len(FIELDS): the field is empty
    published: np.ndarray | None = None  # datetime64[D], NaT when not a date
    government: np.ndarray | None = None  # by the reporting body's name: 1 a government, 0 another body, -1 no body
    duplicate_of: dict[int, int] = field(default_factory=dict)
    by_id: dict[int, int] = field(default_factory=dict)
    memo: dict[Any, Any] = field(default_factory=dict)  # what pages derive once per dataset
    _portal_codes: np.ndarray | None = None
    _body_codes: np.ndarray | None = None
    _bodies: list[str] = field(default_factory=list)
    _portal_names: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.urls)

    # --- selections -------------------------------------------------------------------------------

    def _codes(self) -> None:
        if self._portal_codes is None:
            names = sorted({p for p in self.portal if p})
            index = {p: n + 1 for n, p in enumerate(names)}
            self._portal_names = [""] + names
            self._portal_codes = np.array([index.get(p or "", 0) for p in self.portal], dtype=np.int32)
            bodies = sorted({b for b in self.body if b})
            bindex = {b: n + 1 for n, b in enumerate(bodies)}
            self._bodies = bodies
            self._body_codes = np.array([bindex.get(b or "", 0) for b in self.body], dtype=np.int32)

    def portal_codes(self) -> tuple[np.ndarray, list[str]]:
        """Each report's portal as a number, and the portal of each number ("" for none)."""
        self._codes()
        return self._portal_codes, list(self._portal_names)

    def bodies(self) -> list[str]:
        self._codes()
        return list(self._bodies)

    def mask(self, portals: list[str] | None = None, bodies: list[str] | None = None, exact_bodies: bool = False,
             year_from: int | None = None, year_to: int | None = None, year: int | None = None) -> np.ndarray:
        """Reports of these portals (None: any), whose reporting body contains one of ``bodies`` (or equals
        one, ``exact_bodies``), in these years."""
        self._codes()
        m = np.ones(len(self), dtype=bool)
        if portals is not None:
            wanted = [n for n, p in enumerate(self._portal_names) if p and p in set(portals)]
            m &= np.isin(self._portal_codes, wanted)
        if bodies:
            if exact_bodies:
                wanted = [n + 1 for n, b in enumerate(self._bodies) if b in set(bodies)]
            else:
                wanted = [n + 1 for n, b in enumerate(self._bodies) if any(q in b for q in bodies)]
            m &= np.isin(self._body_codes, wanted)
        if year is not None:
            m &= self.year == year
        if year_from is not None:
            m &= self.year >= year_from
        if year_to is not None:
            m &= self.year <= year_to
        return m

    # --- figures ------------------------------------------------------------------------------------

    def sums(self, mask: np.ndarray, keys: tuple[str, ...] | list[str] = SERIES_KEYS) -> dict[str, tuple[Any, int]]:
        """series -> (sum over the counted reports in ``mask`` that have a value or None, how many have one)."""
        cols = [SERIES_KEYS.index(k) for k in keys]
        block = self.values[mask & self.counted][:, cols]
        present = ~np.isnan(block)
        counts = present.sum(axis=0)
        totals = np.where(present, block, 0.0).sum(axis=0)
        return {k: (number(totals[n]) if counts[n] else None, int(counts[n])) for n, k in enumerate(keys)}

    def yearly(self, mask: np.ndarray, years: list[int], keys: tuple[str, ...] | list[str]) -> dict[int, dict[str, tuple[Any, int]]]:
        return {y: self.sums(mask & (self.year == y), keys) for y in years}

    def ratio(self, mask: np.ndarray, numerator: tuple[str, ...], denominator: tuple[str, ...], per: int = 100
              ) -> tuple[float | None, int]:
        """sum(numerator) / sum(denominator) x per, over the counted reports of ``mask`` that printed the
        denominator and whose table of the numerator was parsed (its empty cells are then 0, as the template
        counts them); (None, 0) when there are none or the denominator is 0."""
        m = mask & self.counted
        den = self._sum_rows(denominator)
        num = self._sum_rows(numerator)
        table = TABLES.index(SERIES[numerator[0]].sources[0][1][0][0])
        use = m & ~np.isnan(den) & self.tables[:, table]
        d = den[use].sum()
        if not use.any() or not d:
            return None, int(use.sum())
        return round(float(np.nan_to_num(num[use]).sum() / d * per), 2), int(use.sum())

    def _sum_rows(self, keys: tuple[str, ...]) -> np.ndarray:
        block = self.values[:, [SERIES_KEYS.index(k) for k in keys]]
        present = ~np.isnan(block)
        out = np.where(present, block, 0.0).sum(axis=1)
        out[~present.any(axis=1)] = np.nan
        return out

    def has_statistics(self) -> np.ndarray:
        if "has_statistics" not in self.memo:
            self.memo["has_statistics"] = self.tables.any(axis=1)
        return self.memo["has_statistics"]

    def format_codes(self) -> np.ndarray:
        """Each report's template: 1 for 2019, 2 for 2021, 0 otherwise."""
        if "format_codes" not in self.memo:
            self.memo["format_codes"] = np.array([{"2019": 1, "2021": 2}.get(f or "", 0) for f in self.fmt], dtype=np.int8)
        return self.memo["format_codes"]


def number(v: float) -> int | float:
    f = float(v)
    return int(f) if f.is_integer() else round(f, 4)


# --- loading -------------------------------------------------------------------------------------------

def token_of(engine: Engine) -> tuple:
    """Counters that move when the crawler writes: reports (count, last id), captures, statistics rows."""
    with engine.connect() as conn:
        n, last = conn.execute(text("SELECT COUNT(*), MAX(id) FROM reports")).one()
        cap = conn.execute(text("SELECT MAX(id) FROM captures")).scalar()
        cells = conn.execute(text("SELECT MAX(id) FROM report_statistics")).scalar()
    return (n, last, cap, cells)


def _cell_filter(cells: list[Cell]) -> tuple[str, dict[str, Any]]:
    """A WHERE clause that selects (a superset of) these cells, by column and, for rare columns, by row."""
    by_col: dict[str, set[str]] = {}
    for _, row, col in cells:
        by_col.setdefault(col, set()).add(row)
    clauses, params = [], {}
    for n, (col, rows) in enumerate(sorted(by_col.items())):
        params[f"c{n}"] = col
        if len(rows) <= 4:
            names = []
            for m, row in enumerate(sorted(rows)):
                params[f"r{n}_{m}"] = row
                names.append(f":r{n}_{m}")
            clauses.append(f"(column_key = :c{n} AND row_key IN ({', '.join(names)}))")
        else:
            clauses.append(f"column_key = :c{n}")
    return " OR ".join(clauses), params


def load(engine: Engine) -> Dataset:
    started = time.perf_counter()
    token = token_of(engine)
    cells = _needed_cells()
    cell_index = {c: n for n, c in enumerate(cells)}
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT id, url, portal, report_year, reporting_body, title, publisher, index_no, written_date, "
            "published_date, statistics_format, consistency_ok, "
            "LENGTH(CAST(statistics_checks AS TEXT)), CAST(statistics_unparsed AS TEXT) FROM reports ORDER BY id"
        )).all()
        n = len(rows)
        by_url = {r[1]: i for i, r in enumerate(rows)}
        where, params = _cell_filter(cells)
        ri, ci, vals = [], [], []
        tables = np.zeros((n, len(TABLES)), dtype=bool)
        table_index = {t: k for k, t in enumerate(TABLES)}
        result = conn.execute(text(
            f"SELECT report_url, table_name, row_key, column_key, value FROM report_statistics WHERE {where}"), params)
        for url, table, row, col, value in result:
            i = by_url.get(url)
            if i is None:
                continue
            k = table_index.get(table)
            if k is not None:
                tables[i, k] = True
            j = cell_index.get((table, row, col))
            if j is not None and value is not None:
                ri.append(i)
                ci.append(j)
                vals.append(value)
    grid = np.full((n, len(cells)), np.nan)
    if ri:
        grid[np.array(ri), np.array(ci)] = np.array(vals, dtype=float)
    values = np.full((n, len(SERIES_KEYS)), np.nan)
    for s_n, key in enumerate(SERIES_KEYS):
        out = values[:, s_n]
        for _, source in SERIES[key].sources:
            block = grid[:, [cell_index[c] for c in source]]
            printed = ~np.isnan(block).all(axis=1)
            take = printed & np.isnan(out)
            out[take] = np.where(np.isnan(block[take]), 0.0, block[take]).sum(axis=1)
    year = np.array([r[3] or 0 for r in rows], dtype=np.int32)
    body = [r[4] or None for r in rows]
    has_stats = tables.any(axis=1)
    counted = has_stats.copy()
    first: dict[tuple[str, int], int] = {}
    duplicate_of: dict[int, int] = {}
    for i in range(n):
        if not has_stats[i] or not body[i] or not year[i]:
            continue
        key = (body[i], int(year[i]))
        if key in first:
            duplicate_of[i] = first[key]
            counted[i] = False
        else:
            first[key] = i
    unparsed: dict[int, dict[str, str]] = {}
    for i, r in enumerate(rows):
        raw = r[13]
        if raw and len(raw) > 2:
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = {"?": raw[:200]}
            if parsed:
                unparsed[i] = parsed
    from govcrawl.analysis.dates import GOVERNMENT_RE

    def day(value: str | None) -> Any:
        try:
            return np.datetime64(dt.date.fromisoformat(value), "D") if value else np.datetime64("NaT")
        except ValueError:
            return np.datetime64("NaT")

    columns = {"index_no": 7, "publisher": 6, "written_date": 8, "published_date": 9, "reporting_body": 4}
    missing = np.array([[not r[columns[f]] for f in FIELDS] for r in rows], dtype=bool).reshape(n, len(FIELDS))
    published = np.array([day(r[9]) for r in rows], dtype="datetime64[D]")
    government = np.array([-1 if not b else int(bool(GOVERNMENT_RE.search(b.strip()))) for b in body], dtype=np.int8)
    consistency = np.array([-1 if r[11] is None else int(bool(r[11])) for r in rows], dtype=np.int8)
    ds = Dataset(
        token=token, built=dt.datetime.now(dt.timezone.utc).replace(microsecond=0), seconds=0.0,
        ids=np.array([r[0] for r in rows], dtype=np.int64), urls=[r[1] for r in rows], portal=[r[2] for r in rows],
        year=year, body=body, title=[r[5] for r in rows], publisher=[r[6] for r in rows],
        index_no=[r[7] for r in rows], written_date=[r[8] for r in rows], published_date=[r[9] for r in rows],
        fmt=[r[10] for r in rows], consistency=consistency,
        has_checks=np.array([(r[12] or 0) > 2 for r in rows], dtype=bool), unparsed=unparsed, tables=tables,
        values=values, counted=counted, missing=missing, published=published, government=government,
        duplicate_of=duplicate_of, by_id={r[0]: i for i, r in enumerate(rows)},
    )
    ds._codes()  # before any page reads it: the dataset is read by many threads, never written after this
    ds.seconds = round(time.perf_counter() - started, 3)
    return ds


class DatasetCache:
    """The current Dataset of a database; rebuilt in the background when the database moved on."""

    def __init__(self, engine: Engine, max_age: float = MAX_AGE, check_every: float = CHECK_EVERY) -> None:
        self.engine = engine
        self.max_age = max_age
        self.check_every = check_every
        self._current: Dataset | None = None
        self._checked = 0.0
        self._loaded_at = 0.0
        self._lock = threading.Lock()
        self._rebuilding = False

    def get(self) -> Dataset:
        with self._lock:
            current = self._current
        if current is None:
            with self._lock:  # the first request builds it; the others wait for it
                if self._current is None:
                    self._current = load(self.engine)
                    self._loaded_at = self._checked = time.monotonic()
                return self._current
        now = time.monotonic()
        if now - self._checked >= self.check_every and not self._rebuilding:
            self._checked = now
            stale = now - self._loaded_at > self.max_age
            try:
                stale = stale or token_of(self.engine) != current.token
            except Exception as exc:  # the database went away: keep answering from what was read
                log.warning("cannot read the database's counters: %s", exc)
            if stale:
                self._rebuild()
        return current

    def _rebuild(self) -> None:
        self._rebuilding = True

        def work() -> None:
            try:
                fresh = load(self.engine)
                with self._lock:
                    self._current = fresh
                    self._loaded_at = time.monotonic()
            except Exception as exc:
                log.warning("cannot rebuild the figures: %s", exc)
            finally:
                self._rebuilding = False

        threading.Thread(target=work, name="govcrawl-figures", daemon=True).start()
