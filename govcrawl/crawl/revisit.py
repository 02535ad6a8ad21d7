"""The nightly's revisit policy: which known pages are asked again tonight.

A nightly reads every portal's lists and navigation (conditionally) and fetches new article URLs at once;
the articles it already knows (reports and drops) are asked again -- conditionally -- only when due, as
Heritrix's and Browsertrix's revisit schedules do:

- a report in its first weeks (published, or last changed, less than ``new_days`` ago) every ``min_days``;
- older, the interval grows with its age (``age_factor`` x its age), up to ``max_days``: an old unchanged
  report is asked rarely, but every known page at least once per ``max_days`` (the full re-check period);
- each change seen before (a report with N captures changed N-1 times) divides the interval by
  ``change_factor`` (up to three times), and its age counts from its latest change;
- a page kept out of the reports (a drop) is asked once per ``max_days``;
- intervals longer than four days are shortened by up to ``spread`` of their length, by a stable hash of
  the URL, so the pages a first crawl found do not all fall due on the same night.

A page is due when the time since it was last served (in full, or confirmed unchanged) reaches its
interval, less ``SLACK`` (nightly runs start at about the same hour, not to the minute).

Everything here is pure (the clock is an argument); the settings are in ``govcrawl/crawl/settings.py``
(``GOVCRAWL_REVISIT_*``) and a registry entry may override them for its portal (``revisit_min_days``,
``revisit_max_days``, ``revisit_new_days``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SLACK_DAYS = 0.25  # a check counts as a day old after 18 hours
MAX_CHANGES_WEIGHED = 3
SPREAD_FROM_DAYS = 4.0

#: registry option -> policy field
PORTAL_OPTIONS = {"revisit_min_days": "min_days", "revisit_max_days": "max_days", "revisit_new_days": "new_days"}


@dataclass(frozen=True)
class KnownPage:
    """What the policy weighs of a page judged by earlier runs."""

    url: str
    is_report: bool
    published: dt.datetime | None  # when the page appeared (its date, or when first seen if earlier)
    last_change: dt.datetime | None  # when its latest version was captured, if it changed since its first
    changes: int  # changes seen (captures - 1)
    last_checked: dt.datetime  # last served, in full or confirmed unchanged
    # what its listing told of it, as stored, for the request (a page re-read keeps what only its listing said)
    title: str | None = None
    date: str | None = None  # the report's published date (YYYY-MM-DD)
    unit: str | None = None  # the reporting unit whose list named it (a portal's per-unit tree)
    listing_meta: dict[str, str] | None = None  # fields only its list API gave (``PageItem.listing_meta``)


@dataclass(frozen=True)
class RevisitPolicy:
    min_days: float = 1.0
    max_days: float = 30.0
    new_days: float = 28.0
    age_factor: float = 0.1
    change_factor: float = 2.0
    spread: float = 0.25

    def __post_init__(self) -> None:
        if not 0 < self.min_days <= self.max_days:
            raise ValueError(f"revisit intervals: need 0 < min_days ({self.min_days:g}) <= max_days ({self.max_days:g})")
        if self.new_days < 0 or self.age_factor < 0:
            raise ValueError("revisit new_days and age_factor must not be negative")
        if self.change_factor < 1:
            raise ValueError(f"revisit change_factor {self.change_factor:g}: at least 1")
        if not 0 <= self.spread < 1:
            raise ValueError(f"revisit spread {self.spread:g}: from 0 up to (not including) 1")

    @classmethod
    def from_settings(cls, settings: Any, options: dict[str, Any] | None = None) -> "RevisitPolicy":
        """The policy the settings (``GOVCRAWL_REVISIT_*``) give, with a portal's registry options over them."""
        values = {
            "min_days": settings.getfloat("GOVCRAWL_REVISIT_MIN_DAYS", cls.min_days),
            "max_days": settings.getfloat("GOVCRAWL_REVISIT_MAX_DAYS", cls.max_days),
            "new_days": settings.getfloat("GOVCRAWL_REVISIT_NEW_DAYS", cls.new_days),
            "age_factor": settings.getfloat("GOVCRAWL_REVISIT_AGE_FACTOR", cls.age_factor),
            "change_factor": settings.getfloat("GOVCRAWL_REVISIT_CHANGE_FACTOR", cls.change_factor),
            "spread": settings.getfloat("GOVCRAWL_REVISIT_SPREAD", cls.spread),
        }
        for option, name in PORTAL_OPTIONS.items():
            if (options or {}).get(option) is not None:
                values[name] = float(options[option])
        return cls(**values)

    def interval(self, page: KnownPage, now: dt.datetime) -> float:
        """Days between two checks of the page."""
        if not page.is_report:
            days = self.max_days
        else:
            # its age counts from when it appeared or last changed (unknown: taken as new, asked often)
            since = max((d for d in (page.published, page.last_change) if d is not None), default=now)
            age = max((now - since).total_seconds() / 86400, 0.0)
            days = self.min_days if age < self.new_days else age * self.age_factor
            days /= self.change_factor ** min(page.changes, MAX_CHANGES_WEIGHED)
            days = min(max(days, self.min_days), self.max_days)
        if self.spread and days > SPREAD_FROM_DAYS:
            days = max(days * (1 - self.spread * _unit_hash(page.url)), SPREAD_FROM_DAYS, self.min_days)
        return days

    def due(self, page: KnownPage, now: dt.datetime) -> bool:
        elapsed = (now - page.last_checked).total_seconds() / 86400
        return elapsed + SLACK_DAYS >= self.interval(page, now)


def _unit_hash(url: str) -> float:
    """A stable number in [0, 1) for the URL."""
    return int.from_bytes(hashlib.sha1(url.encode("utf-8")).digest()[:8], "big") / 2**64


def _date(value: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(value[:10], "%Y-%m-%d") if value else None
    except ValueError:
        return None


def known_page(row: Any) -> KnownPage:
    """A ``Store.known_pages`` row as the policy sees it.

    A report appeared on its published date; without one, by the end of its report year's following March
    at the latest (the statutory deadline); never later than when first seen.
    """
    appeared = _date(row.published)
    if appeared is None and row.report_year:
        appeared = dt.datetime(row.report_year + 1, 3, 31)
    published = min(appeared, row.first_seen) if appeared else row.first_seen
    changed = row.versions > 1 and row.latest_version is not None
    return KnownPage(
        url=row.url,
        is_report=row.is_report,
        published=published,
        last_change=row.latest_version if changed else None,
        changes=max(row.versions - 1, 0),
        last_checked=row.last_seen or row.first_seen,
        title=row.title,
        date=row.published if row.is_report else None,
        unit=row.listing_unit,
        listing_meta=row.listing_meta,
    )


def due_pages(
    pages: Iterable[KnownPage], policy: RevisitPolicy, now: dt.datetime, recheck_all: bool = False
) -> list[KnownPage]:
    """The pages to ask tonight (all of them with ``recheck_all``), most overdue first."""
    pages = list(pages)
    if recheck_all:
        return sorted(pages, key=lambda p: p.last_checked)
    due = [p for p in pages if policy.due(p, now)]
    return sorted(due, key=lambda p: p.last_checked)
