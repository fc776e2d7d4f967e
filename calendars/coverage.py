"""Where the holidays package can only estimate: lunar dates outside its tables."""

from __future__ import annotations

from calendars.holiday_days import holiday_days
from calendars.occasions import CalendarSite


def estimated_names(site: CalendarSite, year: int) -> list[str]:
    """Names of the holidays whose ``year`` dates the holidays package marks "(estimated)"
    for ``site`` (lunar dates not yet confirmed; they may move by a day), sorted."""
    days = holiday_days(site.country, site.subdivision, site.categories, site.language, year)
    return sorted({h.name for h in days if h.estimated})
