"""Company-defined milestones (``[[milestones]]`` in lantern.toml) on real dates."""

from __future__ import annotations

from datetime import date, timedelta

from bot.config import Milestone


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
