"""What one week's digest holds, as plain data that is stored as JSON (``digests.figures``)
and rendered as the DM, the preview, the chart and the App Home.

Every figure was counted by the database (:mod:`bot.digest.kudos_figures`) or computed by
the pulse results module (:mod:`bot.pulse.results`, through :mod:`bot.pulse.reports`): a
group under ``[pulse] min_responses`` appears here only as hidden, with no figure.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """A value that does not change once built."""

    model_config = ConfigDict(frozen=True)


class Flow(Frozen):
    """Recognitions in one direction: this week and the weekly average of the 8 before."""

    direction: str
    this_week: int
    weekly_average: float


class SiteKudos(Frozen):
    """One site's week: kudos its people gave, recognitions they received, and received
    over the last 14 days."""

    key: str
    name: str
    kind: str
    given: int
    received: int
    received_two_weeks: int


class WeekFlows(Frozen):
    """One of the chart's weeks: its first day (workspace timezone) and counts by direction."""

    start: date
    counts: dict[str, int]


class ItemFigure(Frozen):
    """One pulse item's mean (1–5) with its 95 % interval, and its change against the
    group's own earlier rounds (None: first round), with that change's interval."""

    item: str
    label: str
    value: float
    low: float
    high: float
    trend: str  # "up", "down", "no clear change", "first round"
    change: float | None = None
    change_low: float | None = None
    change_high: float | None = None


class PulseGroup(Frozen):
    """A site's (or in-house, BPO, everyone's) latest round: figures only when shown."""

    key: str
    name: str
    is_site: bool
    shown: bool
    reason: str | None = None
    responses: int | None = None
    members: int | None = None
    participation: float | None = None  # 0–1
    items: tuple[ItemFigure, ...] = ()


class PulseRound(Frozen):
    """The latest pulse round whose surveys have all closed."""

    day: date
    extra: bool
    min_responses: int
    groups: tuple[PulseGroup, ...]


class PulsePoint(Frozen):
    """One round of the chart's pulse panel: the headline item's mean and 95 % interval."""

    day: date
    value: float
    low: float
    high: float


class PulseSeries(Frozen):
    """A group's headline item over the chart's 8 weeks, only the rounds it was shown in."""

    key: str
    name: str
    points: tuple[PulsePoint, ...]


class Upcoming(Frozen):
    """A milestone of the next 14 days: its first day, one line naming it and its sites,
    whether a site is off for it, whether it is major (a day off, the company's own, or kept
    at more than one site), and the coverage notes of the sites that are off for it."""

    day: date
    line: str
    days_off: bool
    major: bool = False
    coverage: tuple[str, ...] = ()


class Highlight(Frozen):
    """Something to act on: what was seen, and the action it suggests."""

    rule: str  # which rule found it, e.g. "no_kudos", "pulse_change"
    text: str
    action: str


class DigestFigures(Frozen):
    """Everything one week's digest says.

    ``at`` is the aware instant the week runs up to (the digest's due time), in the
    workspace's timezone; the week is the 7 days before it, wall-clock. ``weeks`` holds the
    8 weeks of the chart, oldest first, this week last. ``recognitions`` counts thanks (a
    kudos to three people is three). ``cross_share`` and ``cross_share_average`` are 0–1:
    the share of thanks between two different sites that cross the in-house / BPO boundary,
    this week and over the 8 weeks before (None without any)."""

    week: str
    at: datetime
    timezone: str
    kudos_total: int
    recognitions: int
    flows: tuple[Flow, ...]
    cross_share: float | None
    cross_share_average: float | None
    cross_share_clear: str | None  # "up", "down" or None when no clear change
    weeks: tuple[WeekFlows, ...]
    sites: tuple[SiteKudos, ...]
    values: tuple[tuple[str, int], ...]
    pulse: PulseRound | None
    pulse_item: str | None  # the chart's headline item's label
    pulse_series: tuple[PulseSeries, ...]
    upcoming: tuple[Upcoming, ...]
    calendar_warnings: tuple[str, ...]
    highlights: tuple[Highlight, ...]

    @property
    def sites_without_kudos(self) -> tuple[SiteKudos, ...]:
        """The sites whose people received no kudos this week."""
        return tuple(site for site in self.sites if site.received == 0)
