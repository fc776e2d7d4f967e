"""Where the holidays package can only estimate: lunar dates outside its tables."""

from __future__ import annotations

from datetime import date

from bot.config import WorkspaceConfig
from calendars.holiday_days import holiday_days


def estimated_warnings(config: WorkspaceConfig, today: date, years: int = 2) -> list[str]:
    """One line per site and year whose calendar has estimated dates, this year onwards."""
    warnings = []
    for index, site in enumerate(config.sites):
        for year in range(today.year, today.year + years):
            days = holiday_days(
                site.country, site.subdivision, site.categories, site.language, year
            )
            names = sorted({h.name for h in days if h.estimated})
            if names:
                warnings.append(
                    f"{config.source}: sites[{index}] ({site.key}): {year} dates of "
                    f"{', '.join(names)} are marked estimated by the holidays package "
                    "(lunar dates not yet confirmed) and may move by a day; posts will say so"
                )
    return warnings
