"""The configured sites' cultural calendar: one :class:`calendars.occasions.Calendar` per
configuration, reused by every tick, list and feed so its caches stay warm."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from bot.infra.config import Site, WorkspaceConfig
from calendars.content import load_content
from calendars.coverage import data_gaps, estimated_names
from calendars.occasions import Calendar


@lru_cache(maxsize=8)
def calendar_for(config: WorkspaceConfig) -> Calendar[Site]:
    """The calendar of ``config``'s sites and company milestones, with the shipped content
    and the company's content directory (``[calendar] content_dir``) on top."""
    content = load_content(config.calendar.content_dir)
    return Calendar(
        config.sites,
        config.milestones,
        content.curated,
        observances=content.observances,
        includes=content.includes,
    )


def estimated_warnings(config: WorkspaceConfig, today: date, years: int = 2) -> list[str]:
    """One ``check-config`` warning per site and year (from ``today``'s year, ``years`` years)
    whose holidays the holidays package only estimates."""
    warnings = []
    for index, site in enumerate(config.sites):
        for year in range(today.year, today.year + years):
            names = estimated_names(site, year)
            if names:
                warnings.append(
                    f"{config.source}: sites[{index}] ({site.key}): {year} dates of "
                    f"{', '.join(names)} are marked estimated by the holidays package "
                    "(lunar dates not yet confirmed) and may move by a day; posts will say so"
                )
    return warnings


@lru_cache(maxsize=16)
def data_warnings(config: WorkspaceConfig, today: date, years: int = 2) -> tuple[str, ...]:
    """One warning per site whose holiday data runs out this year or next (from ``today``'s
    year, ``years`` years): shown by ``check-config``, ``preview``, the worker's log and the
    admins' App Home, so a site does not lose its holidays silently. Cached per config and
    day."""
    found = []
    for site in config.sites:
        gaps = data_gaps(site, range(today.year, today.year + years))
        if gaps:
            short = "; ".join(gap.describe() for gap in gaps)
            found.append(
                f"{site.name} ({site.key}, {site.country}): the holidays package has {short}: "
                "its tables end there, so this site's holidays, coverage notes and days off "
                "stop; a newer release of the holidays package may extend its tables"
            )
    return tuple(found)
