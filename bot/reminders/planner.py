"""When reminders are due. One post goes to the celebrations channel per milestone, day and
offset, naming every site that shares it (due at the earliest of their local times); the
day-of post also goes to each site's own channel at that site's time. Keys make each post
happen once: ``reminder:<first day>:<festival>:<n>`` and ``reminder:<site>:<first day>:<slug>:0``
(the festival is the milestone's identity across sites, :mod:`calendars.festivals`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from bot.infra.calendar import calendar_for
from bot.infra.clock import Planned, PlanWindow
from bot.infra.config import Site, WorkspaceConfig
from bot.infra.outbox.queue import Outgoing
from bot.reminders.render import SiteOccasion, local_time, reminder_message, site_names, when_label
from calendars.occasions import by_milestone


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


def plan_reminders(window: PlanWindow) -> Iterator[Planned]:
    """Every reminder due in ``window``, one Planned per post.

    The window is the clock's [start, end], aware instants, both ends included (the last 7
    days up to now for a tick; a preview's days). A post is due at its site's post time
    (``post_time``, else ``[reminders] time``, site-local) ``n`` days before the milestone's
    first day, for each ``n`` in :func:`offsets`.

    Yields:
        For each milestone, day and offset, the celebrations-channel post (due at the
        earliest of the sharing sites' times, key ``reminder:<first day>:<festival>:<n>``); on
        the day itself, also one post per site to its own channel. Unordered: the clock sorts.
    """
    config = window.config
    steps = offsets(config)
    # UTC dates, padded a day each side for the widest timezone offsets
    first = window.start.astimezone(UTC).date() - timedelta(days=2)
    last = window.end.astimezone(UTC).date() + timedelta(days=max(steps) + 2)
    occasions = calendar_for(config).occasions(first, last)
    for shared in by_milestone(o for o in occasions if first <= o.first_day <= last):
        first_day, festival = shared[0].first_day, shared[0].identity
        for n in steps:
            dues = [post_time_at(o.site, config, first_day - timedelta(days=n)) for o in shared]
            if n == 0:
                for occasion, due in zip(shared, dues, strict=True):
                    if window.start <= due <= window.end:
                        yield site_day_of(config, occasion, due)
            due = min(dues)
            if not window.start <= due <= window.end:
                continue
            earliest = shared[dues.index(due)]
            key = f"reminder:{first_day.isoformat()}:{festival}:{n}"
            channel = config.workspace.celebrations_channel
            message = reminder_message(config, shared, n, channel, at=due)
            summary = (
                f"{shared[0].name} · {when_label(n)} · {site_names(config, shared)}"
                f" · {local_time(earliest.site, due)}"
            )
            expires = end_of_local_day(earliest.site, due)
            outgoing = Outgoing(key, "chat.postMessage", message, expires_at=expires)
            yield Planned(key, due, (outgoing,), summary)


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
