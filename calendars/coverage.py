"""Where the holidays package's data is thin: lunar dates it only estimates, and years for
which a country's tables end (Sri Lanka's after 2026, India's Hindu festivals after 2035), so
a site would silently lose its holidays."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from calendars.holiday_days import holiday_days
from calendars.occasions import Calendar, CalendarSite, S

# a year with fewer than this share of the year before's holidays has lost data: lunar
# holidays move in and out of a year (Eid twice in 2030), but never by a third
SHORTFALL = 0.7


def estimated_names(site: CalendarSite, year: int) -> list[str]:
    """Names of the holidays whose ``year`` dates the holidays package marks "(estimated)"
    for ``site`` (lunar dates not yet confirmed; they may move by a day), sorted."""
    days = holiday_days(site.country, site.subdivision, site.categories, site.language, year)
    return sorted({h.name for h in days if h.estimated})


def holiday_count(site: CalendarSite, year: int) -> int:
    """How many holidays (by name, days in lieu left out) ``site`` has in ``year``. The
    package's own warning when its tables end ("available only from 2001 to 2035") is kept
    off stderr: :func:`data_gaps` says it in lantern's words."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        days = holiday_days(site.country, site.subdivision, site.categories, site.language, year)
    return len({h.name for h in days if not h.observed})


@dataclass(frozen=True)
class DataGap:
    """A year for which a site's holiday data runs out.

    Attributes:
        year: the year that is short.
        found: how many holidays the package gives for it.
        year_before: how many it gives for the year before.
    """

    year: int
    found: int
    year_before: int

    def describe(self) -> str:
        """'no holidays in 2027 (25 in 2026)' / 'only 13 holidays in 2036 (24 in 2035)'."""
        was = f"({self.year_before} in {self.year - 1})"
        if self.found == 0:
            return f"no holidays in {self.year} {was}"
        return f"only {self.found} holidays in {self.year} {was}"


def data_gaps(site: CalendarSite, years: Iterable[int]) -> list[DataGap]:
    """The years among ``years`` whose holiday data for ``site`` runs out: none at all, or
    fewer than SHORTFALL (70 %) of the year before's (the holidays package's tables end).

    Returns:
        One DataGap per short year, in the order of ``years``.
    """
    gaps = []
    for year in years:
        before = holiday_count(site, year - 1)
        found = holiday_count(site, year)
        if before and found < before * SHORTFALL:
            gaps.append(DataGap(year, found, before))
    return gaps


@dataclass(frozen=True)
class ExplainerCoverage:
    """How many of a site's public-holiday milestones in a year have a curated explainer.

    Attributes:
        site: the site's name; country: its ISO code.
        milestones: the public-holiday milestones (festivals, each counted once).
        explained: how many of them have an explainer.
        missing: the names of those without one, in calendar order.
    """

    site: str
    country: str
    milestones: int
    explained: int
    missing: tuple[str, ...]

    @property
    def share(self) -> float:
        """``explained`` / ``milestones``, 1.0 when there are none."""
        return self.explained / self.milestones if self.milestones else 1.0


def explainer_coverage(calendar: Calendar[S], year: int) -> list[ExplainerCoverage]:
    """Per site of ``calendar``, its public-holiday milestones of ``year`` and how many have
    a curated explainer (what ``lantern calendar --coverage`` prints).

    Args:
        calendar: the sites (and their explainers) to measure.
        year: a calendar year; a milestone counts in the year its first day falls in.
    """
    rows = []
    start, end = date(year, 1, 1), date(year, 12, 31)
    for site in calendar.sites:
        public = [
            o
            for o in calendar.site_occasions(site, start, end)
            if o.is_public_holiday and start <= o.first_day <= end
        ]
        unique = {o.identity: o for o in public}
        missing = tuple(o.name for o in unique.values() if o.content is None)
        rows.append(
            ExplainerCoverage(
                site.name, site.country, len(unique), len(unique) - len(missing), missing
            )
        )
    return rows
