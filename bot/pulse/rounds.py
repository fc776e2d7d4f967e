"""When a site's pulse rounds open and close: the weekly round at ``[pulse] weekday`` and
``time`` in the site's local time (its ``post_time`` for a night shift), open ``open_hours``,
plus a day for each of the site's days off inside the window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

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


@lru_cache(maxsize=512)
def days_off(config: WorkspaceConfig, site_key: str, year: int) -> frozenset[date]:
    """Every day ``site_key`` is off in ``year`` (its public holidays and days in lieu),
    worked out once per config, site and year: every round's window asks."""
    site = config.site(site_key)
    if site is None:
        return frozenset()
    start, end = date(year, 1, 1), date(year, 12, 31)
    occasions = calendar_for(config).site_occasions(site, start, end)
    return frozenset(day for o in occasions for day in o.days_off if start <= day <= end)


def days_off_around(config: WorkspaceConfig, site: Site, day: date) -> frozenset[date]:
    """The site's days off in ``day``'s year and the next (a window can cross New Year)."""
    return days_off(config, site.key, day.year) | days_off(config, site.key, day.year + 1)


def closing(
    config: WorkspaceConfig, site: Site, opens_at: datetime, off: frozenset[date] | None = None
) -> datetime:
    """``open_hours`` after ``opens_at``, and a day more for each of the site's days off
    inside the window (each added day can take in another day off, so it is worked out until
    it stops growing). ``off``: the site's days off around then, when the caller has them."""
    base = timedelta(hours=config.pulse.open_hours)
    closes = opens_at + base
    first = opens_at.astimezone(site.tz).date()
    if off is None:
        off = days_off_around(config, site, first)
    for _ in range(31):
        last = closes.astimezone(site.tz).date()
        count = sum(1 for n in range((last - first).days + 1) if first + timedelta(days=n) in off)
        grown = opens_at + base + timedelta(days=count)
        if grown == closes:
            break
        closes = grown
    return closes


def asks_enps(config: WorkspaceConfig, day: date) -> bool:
    """Whether the round of ``day`` asks eNPS: ``every`` round, the month's first
    (``monthly``: its day is in the month's first seven), or never (``off``)."""
    cadence = config.pulse.enps
    return cadence == "every" or (cadence == "monthly" and day.day <= 7)


def round_on(
    config: WorkspaceConfig,
    site: Site,
    day: date,
    key: str | None = None,
    off: frozenset[date] | None = None,
) -> Round:
    """The round that opens at ``site`` on its local ``day`` (``key`` for an ad-hoc one;
    ``off``: the site's days off around then, when the caller has them)."""
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
        closes_at=closing(config, site, opens, off),
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
        off = frozenset().union(
            *(days_off(config, site.key, year) for year in range(day.year, last.year + 2))
        )
        while day <= last:
            found.append(round_on(config, site, day, off=off))
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
