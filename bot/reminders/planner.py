"""When reminders are due. The celebrations channel gets at most one post a day: everything
due that day (each milestone on its day, heads-ups ``days_before`` for the milestones that
matter, the days a site is off in lieu, and on the look-ahead weekday the next 14 days),
grouped, at the earliest of the sites' post times that day. The day-of post also goes to each
site's own channel at that site's time. Keys make each post happen once:
``celebrations:<day>`` and ``reminder:<site>:<first day>:<slug>:0``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from bot.infra.calendar import calendar_for
from bot.infra.clock import Planned, PlanWindow
from bot.infra.config import WEEKDAYS, Site, WorkspaceConfig
from bot.infra.outbox.queue import Outgoing
from bot.reminders.render import (
    LOOK_AHEAD_DAYS,
    SiteOccasion,
    daily_message,
    local_time,
    reminder_message,
    when_label,
)
from calendars.occasions import COMPANY, by_milestone


def post_time_at(site: Site, config: WorkspaceConfig, day: date) -> datetime:
    """The site-local wall-clock time of its posts on ``day``, as an aware UTC instant.

    zoneinfo resolves DST: on a spring-forward day a time in the gap maps forward."""
    local = datetime.combine(day, site.post_time or config.reminders.time, tzinfo=site.tz)
    return local.astimezone(UTC)


def end_of_local_day(site: Site, instant: datetime) -> datetime:
    """The first moment of the next day at ``site`` after ``instant``: when a reminder worded
    "today" or "tomorrow" there stops being true, so it is not sent after it."""
    day = instant.astimezone(site.tz).date() + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=site.tz).astimezone(UTC)


def offsets(config: WorkspaceConfig) -> list[int]:
    """Days before a milestone that get a post, largest first, 0 (the day itself) included."""
    return sorted(set(config.reminders.days_before) | {0}, reverse=True)


def daily_post_time(config: WorkspaceConfig, day: date) -> datetime:
    """When the celebrations post of ``day`` goes out, as an aware UTC instant: the earliest
    of every site's post time on its own ``day`` (the site whose day starts first), each
    read in the site's standard time (its UTC offset without daylight saving).

    So the instant is the same time of day in UTC every day and two days' posts are exactly
    24 hours apart: no site sees two on one of its days (a site with daylight saving could
    only on its 25-hour autumn day, were the post in that day's first hour). Where the first
    site keeps daylight saving, its post is an hour later by its clock in summer.
    """
    instants = []
    for site in config.sites:
        at = site.post_time or config.reminders.time
        local = datetime.combine(day, at, tzinfo=site.tz)
        standard = (local.utcoffset() or timedelta(0)) - (local.dst() or timedelta(0))
        instants.append(datetime.combine(day, at, tzinfo=timezone(standard)).astimezone(UTC))
    return min(instants)


def is_notable(occasions: Sequence[SiteOccasion]) -> bool:
    """Whether a milestone earns a heads-up under ``heads_ups = "notable"``: a day off at
    some site, an explainer, or the company's own."""
    return any(o.days_off or o.content or o.kind == COMPANY for o in occasions)


def plan_reminders(window: PlanWindow) -> Iterator[Planned]:
    """Every reminder due in ``window``.

    The window is the clock's [start, end], aware instants, both ends included (the last 7
    days up to now for a tick; a preview's days).

    Yields:
        For each day whose celebrations post (:func:`daily_post_time`) is in the window and
        has something to say, one Planned keyed ``celebrations:<day>``; for each milestone's
        first day at a site whose post time (``post_time``, else ``[reminders] time``,
        site-local) is in the window, the site channel's day-of post. Unordered: the clock
        sorts.
    """
    config = window.config
    if not config.sites:
        return
    steps = offsets(config)
    # UTC dates, padded a day each side for the widest timezone offsets
    first = window.start.astimezone(UTC).date() - timedelta(days=2)
    last = window.end.astimezone(UTC).date() + timedelta(days=2)
    reach = max(max(steps), LOOK_AHEAD_DAYS)
    occasions = calendar_for(config).occasions(first, last + timedelta(days=reach))
    groups = by_milestone(occasions)
    index = DayIndex.of(groups, occasions)
    for group in groups:
        for occasion in group:
            due = post_time_at(occasion.site, config, occasion.first_day)
            if window.start <= due <= window.end:
                yield site_day_of(config, occasion, due)
    anchors: dict[int, datetime] = {}  # per year: the standard-time instant on 1 January
    day = first
    while day <= last:
        # the same UTC time every day (standard time), so one computation per year
        if day.year not in anchors:
            anchors[day.year] = daily_post_time(config, date(day.year, 1, 1))
        due = anchors[day.year] + timedelta(days=(day - date(day.year, 1, 1)).days)
        if window.start <= due <= window.end:
            planned = celebrations_post(config, day, due, index)
            if planned is not None:
                yield planned
        day += timedelta(days=1)


@dataclass(frozen=True)
class DayIndex:
    """Milestones by first day and days off in lieu by day, built once per plan so each
    day's post looks up its own instead of scanning every milestone."""

    by_first_day: Mapping[date, Sequence[Sequence[SiteOccasion]]]
    off_on: Mapping[date, Sequence[SiteOccasion]]
    groups: Sequence[Sequence[SiteOccasion]]

    @classmethod
    def of(
        cls, groups: Sequence[Sequence[SiteOccasion]], occasions: Sequence[SiteOccasion]
    ) -> DayIndex:
        """The index of :func:`calendars.occasions.by_milestone` ``groups`` (in order) and
        the ``occasions`` they group."""
        by_first_day: dict[date, list[Sequence[SiteOccasion]]] = {}
        for group in groups:
            by_first_day.setdefault(group[0].first_day, []).append(group)
        off_on: dict[date, list[SiteOccasion]] = {}
        for occasion in occasions:
            for day in occasion.days_off_elsewhere:
                off_on.setdefault(day, []).append(occasion)
        return cls(by_first_day, off_on, groups)


def celebrations_post(
    config: WorkspaceConfig, day: date, due: datetime, index: DayIndex
) -> Planned | None:
    """The celebrations channel's post of ``day`` (None when there is nothing to say):
    milestones on ``day`` first, then heads-ups nearest first, then days off in lieu, then
    the look-ahead on its weekday."""
    reminders = config.reminders
    heads_up = [n for n in offsets(config) if n and reminders.heads_ups != "off"]
    items: list[tuple[int, Sequence[SiteOccasion]]] = []
    for n in [0, *sorted(heads_up)]:
        for group in index.by_first_day.get(day + timedelta(days=n), ()):
            if n and reminders.heads_ups == "notable" and not is_notable(group):
                continue
            items.append((n, group))
    off = [(o, day) for o in index.off_on.get(day, ())]
    coming = None
    if reminders.look_ahead == WEEKDAYS[day.weekday()]:
        start, end = day + timedelta(days=1), day + timedelta(days=LOOK_AHEAD_DAYS)
        coming = [g for g in index.groups if any(o.overlaps(start, end) for o in g)]
    if not items and not off and not coming:
        return None
    key = f"celebrations:{day.isoformat()}"
    channel = config.workspace.celebrations_channel
    message = daily_message(config, items, off, coming, channel, day)
    earliest = min(config.sites, key=lambda site: post_time_at(site, config, day))
    names = [f"{group[0].name} {when_label(n)}" for n, group in items]
    names += [f"{o.site.name} off" for o, _ in off] + (["the next 14 days"] if coming else [])
    summary = f"{', '.join(names)} · celebrations · {local_time(earliest, due)}"
    expires = end_of_local_day(earliest, due)
    outgoing = Outgoing(key, "chat.postMessage", message, expires_at=expires)
    return Planned(key, due, (outgoing,), summary)


def site_day_of(config: WorkspaceConfig, occasion: SiteOccasion, due: datetime) -> Planned:
    """The day-of post in the site's own channel, at the site's time ``due``."""
    key = f"reminder:{occasion.site.key}:{occasion.first_day.isoformat()}:{occasion.slug}:0"
    message = reminder_message(config, [occasion], 0, occasion.site.channel, at=due)
    summary = (
        f"{occasion.name} · today · {occasion.site.name} channel · {local_time(occasion.site, due)}"
    )
    expires = end_of_local_day(occasion.site, due)
    outgoing = Outgoing(key, "chat.postMessage", message, expires_at=expires)
    return Planned(key, due, (outgoing,), summary)
