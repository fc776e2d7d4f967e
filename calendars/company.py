"""Company-defined milestones (``[[milestones]]`` in lantern.toml) on real dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.config import Milestone


@dataclass(frozen=True)
class Occurrence:
    """One day of a milestone: ``day_number`` of ``days`` (a 5-day week has five)."""

    milestone: Milestone
    first_day: date
    day: date

    @property
    def day_number(self) -> int:
        return (self.day - self.first_day).days + 1


def first_days(milestone: Milestone, start: date, end: date) -> list[date]:
    """The first day of every occurrence that overlaps [start, end]."""
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


def occurrences(milestone: Milestone, start: date, end: date) -> list[Occurrence]:
    """Every day of the milestone that falls in [start, end]."""
    days = []
    for first in first_days(milestone, start, end):
        for offset in range(milestone.days):
            day = first + timedelta(days=offset)
            if start <= day <= end:
                days.append(Occurrence(milestone, first, day))
    return days
