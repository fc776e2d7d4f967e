"""The coming milestones of every site, one group per milestone and first day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.infra.calendar import calendar_for
from bot.infra.config import Site, WorkspaceConfig
from calendars.occasions import Occasion, by_milestone

Group = list[Occasion[Site]]


def local_today(config: WorkspaceConfig, now: datetime) -> date:
    """Today in the workspace timezone (``now`` aware): where lists and forms start."""
    return now.astimezone(config.workspace.tz).date()


def upcoming(config: WorkspaceConfig, today: date, days: int) -> list[Group]:
    """Milestones from ``today`` for ``days`` days (today included), in calendar order; each
    group holds the sites that share the milestone on that first day, and is never empty.

    ``today`` is a site-agnostic date (the workspace's); each occasion's days are its own
    site's local dates."""
    end = today + timedelta(days=days - 1)
    return by_milestone(calendar_for(config).occasions(today, end))


def option_value(group: Group) -> str:
    """How the form names a group: ``<first day>|<festival>``."""
    return f"{group[0].first_day.isoformat()}|{group[0].identity}"


def find_group(config: WorkspaceConfig, value: str | None) -> Group | None:
    """The group an :func:`option_value` names, if it is still on the calendar; None for
    None, a malformed value or a milestone no longer there (the config changed)."""
    if not value or "|" not in value:
        return None
    day_text, festival = value.split("|", 1)
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        return None
    for group in upcoming(config, day, 1):
        if group[0].identity == festival:
            return group
    return None
