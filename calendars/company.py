"""Company-defined milestones (``[[milestones]]`` in lantern.toml) on real dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Milestone:
    """A company-defined milestone: once (``year`` set) or every year (``year`` None).

    Attributes:
        name: shown in posts (at most 100 characters).
        month, day: its first day; 29 February falls on 28 February in common years.
        days: how many days it lasts (1 to 366).
        sites: the site keys it applies to, or ("all",).
    """

    name: str
    month: int
    day: int
    year: int | None = None
    days: int = 1
    sites: tuple[str, ...] = ("all",)

    def applies_to(self, site_key: str) -> bool:
        """Whether it is celebrated at the site ``site_key`` (every site for ``"all"``)."""
        return "all" in self.sites or site_key in self.sites


def first_days(milestone: Milestone, start: date, end: date) -> list[date]:
    """The first day of every occurrence that overlaps [start, end] (both included), in
    order; an occurrence that began the year before and runs into the range counts."""
    if milestone.year is not None:
        years = [milestone.year]
    else:
        years = list(range(start.year - 1, end.year + 1))
    found = []
    for year in years:
        try:
            first = date(year, milestone.month, milestone.day)
        except ValueError:  # 29 February in a common year: celebrate on 28 February
            first = date(year, 2, 28)
        last = first + timedelta(days=milestone.days - 1)
        if first <= end and last >= start:
            found.append(first)
    return found
