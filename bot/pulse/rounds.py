"""When a site's pulse rounds open and close: the weekly round at ``[pulse] weekday`` and
``time`` in the site's local time (its ``post_time`` for a night shift), open ``open_hours``,
plus a day for each of the site's days off inside the window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.infra.calendar import calendar_for
from bot.infra.config import WEEKDAYS, Site, WorkspaceConfig
from bot.pulse.items import load_bank


@dataclass(frozen=True)
class Round:
    """One round at one site: its key, its site-local day, when it opens and closes (aware
    UTC instants), what it asks."""

    key: str  # "pulse:manila:2026-12-02"
    site: Site
    day: date
    opens_at: datetime
    closes_at: datetime
    language: str
    items: tuple[tuple[str, int], ...]  # (id, version), eNPS first when asked, comment last

    @property
    def remind_at(self) -> datetime:
        """Half-way through the window: the one reminder."""
        return self.opens_at + (self.closes_at - self.opens_at) / 2


def opening(config: WorkspaceConfig, site: Site, day: date) -> datetime:
    """The site-local pulse time on ``day`` (the site's ``post_time`` wins), as UTC."""
    at = site.post_time or config.pulse.time
    return datetime.combine(day, at, tzinfo=site.tz).astimezone(UTC)


def closing(config: WorkspaceConfig, site: Site, opens_at: datetime) -> datetime:
    """``open_hours`` after ``opens_at``, and a day more for each of the site's days off
    inside the window (each added day can take in another day off, so it is worked out until
    it stops growing)."""
    calendar = calendar_for(config)
    base = timedelta(hours=config.pulse.open_hours)
    closes = opens_at + base
    for _ in range(31):
        first = opens_at.astimezone(site.tz).date()
        last = closes.astimezone(site.tz).date()
        off = {
            day
            for occasion in calendar.site_occasions(site, first, last)
            for day in occasion.days_off
            if first <= day <= last
        }
        grown = opens_at + base + timedelta(days=len(off))
        if grown == closes:
            break
        closes = grown
    return closes


def asks_enps(config: WorkspaceConfig, day: date) -> bool:
    """Whether the round of ``day`` asks eNPS: ``every`` round, the month's first
    (``monthly``: its day is in the month's first seven), or never (``off``)."""
    cadence = config.pulse.enps
    return cadence == "every" or (cadence == "monthly" and day.day <= 7)


def round_on(config: WorkspaceConfig, site: Site, day: date, key: str | None = None) -> Round:
    """The round that opens at ``site`` on its local ``day`` (``key`` for an ad-hoc one)."""
    bank = load_bank()
    opens = opening(config, site, day)
    items = [item for item in config.pulse.items if item in bank.items]
    if asks_enps(config, day):
        items.insert(0, "enps")
    if config.pulse.comments:
        items.append("comment")
    return Round(
        key=key or f"pulse:{site.key}:{day.isoformat()}",
        site=site,
        day=day,
        opens_at=opens,
        closes_at=closing(config, site, opens),
        language=bank.language_for(site.language),
        items=tuple((item, bank.items[item].version) for item in items),
    )


def rounds_between(config: WorkspaceConfig, start: datetime, end: datetime) -> list[Round]:
    """Every weekly round of every site whose window overlaps [start, end] (aware)."""
    weekday = WEEKDAYS.index(config.pulse.weekday)
    longest = timedelta(hours=config.pulse.open_hours) + timedelta(days=31)
    found = []
    for site in config.sites:
        day = (start - longest).astimezone(site.tz).date()
        last = end.astimezone(site.tz).date() + timedelta(days=1)
        day += timedelta(days=(weekday - day.weekday()) % 7)
        while day <= last:
            found.append(round_on(config, site, day))
            day += timedelta(days=7)
    return [r for r in found if r.opens_at <= end and r.closes_at >= start]


def round_now(config: WorkspaceConfig, site: Site, now: datetime, tag: str) -> Round:
    """An ad-hoc round at ``site`` opening at ``now`` (``/pulse now``), keyed
    ``pulse:<site>:<local day>:now-<tag>``; it asks what the weekly round of that day would."""
    day = now.astimezone(site.tz).date()
    weekly = round_on(config, site, day)
    opens = now.astimezone(UTC).replace(microsecond=0)
    return Round(
        key=f"pulse:{site.key}:{day.isoformat()}:now-{tag}",
        site=site,
        day=day,
        opens_at=opens,
        closes_at=closing(config, site, opens),
        language=weekly.language,
        items=weekly.items,
    )
