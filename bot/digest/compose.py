"""Working out one week's digest: the database's counts, the pulse results and the calendar,
put together as :class:`DigestFigures` with the highlights chosen from them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.celebrate.listing import upcoming
from bot.celebrate.render import describe
from bot.digest import kudos_figures as kf
from bot.digest.figures import (
    DigestFigures,
    Flow,
    ItemFigure,
    PulseGroup,
    PulsePoint,
    PulseRound,
    PulseSeries,
    Upcoming,
    WeekFlows,
)
from bot.digest.highlights import choose
from bot.digest.stats import share_change
from bot.infra import slack_text
from bot.infra.calendar import data_warnings
from bot.infra.config import WorkspaceConfig
from bot.pulse import reports
from bot.pulse.items import load_bank
from bot.pulse.results import GroupResult
from bot.reminders.render import coverage_notes
from calendars.occasions import COMPANY

UPCOMING_DAYS = 14


def week_of(config: WorkspaceConfig, at: datetime) -> str:
    """The ISO 8601 week of the aware ``at``'s date in the workspace timezone: ``"2026-W49"``
    (the digest's key: one per team and week)."""
    year, week, _ = at.astimezone(config.workspace.tz).date().isocalendar()
    return f"{year}-W{week:02d}"


def compose(session: Session, config: WorkspaceConfig, team_id: str, at: datetime) -> DigestFigures:
    """The digest of the week that ends at ``at``.

    Args:
        session: the database (read only).
        team_id: the Slack team (T…).
        at: an aware instant, normally the digest's due time; the week is [at − 7 days, at),
            the calendar looks at the 14 days from ``at``'s date in the workspace timezone.

    Returns:
        The DigestFigures, highlights included.

    Raises:
        ValueError: ``at`` is naive.
    """
    if at.tzinfo is None:
        raise ValueError("the digest needs an aware datetime")
    zone = config.workspace.tz
    # in the workspace's zone, so "a week before" is the same wall-clock time 7 days back,
    # across a DST change too (168 hours would leave an hour out, or count one twice)
    at = at.astimezone(zone)
    today = at.date()
    weekly = kf.weekly_flow(session, config, team_id, at)
    this_week, before = weekly[0], weekly[1:]
    flows = tuple(
        Flow(
            direction=d,
            this_week=this_week[d],
            weekly_average=sum(w[d] for w in before) / len(before),
        )
        for d in kf.DIRECTIONS
    )
    cross_now, placed_now = _cross(this_week)
    cross_before = sum(_cross(w)[0] for w in before)
    placed_before = sum(_cross(w)[1] for w in before)
    total, sites = kf.site_counts(session, config, team_id, at)
    weeks = tuple(
        WeekFlows(start=(at - timedelta(weeks=n + 1)).date(), counts=weekly[n])
        for n in reversed(range(kf.WEEKS))
    )
    pulse, item_label, series = _pulse(session, config, team_id, today)
    figures = DigestFigures(
        week=week_of(config, at),
        at=at,
        timezone=config.workspace.timezone,
        kudos_total=total,
        recognitions=sum(this_week.values()),
        flows=flows,
        cross_share=cross_now / placed_now if placed_now else None,
        cross_share_average=cross_before / placed_before if placed_before else None,
        cross_share_clear=share_change(cross_now, placed_now, cross_before, placed_before),
        weeks=weeks,
        sites=sites,
        values=tuple(kf.value_counts(session, team_id, at)),
        pulse=pulse,
        pulse_item=item_label,
        pulse_series=series,
        upcoming=_upcoming(config, today),
        calendar_warnings=data_warnings(config, today),
        highlights=(),
    )
    return figures.model_copy(update={"highlights": choose(figures)})


def _cross(counts: dict[str, int]) -> tuple[int, int]:
    """(thanks across the in-house / BPO boundary, thanks between two different sites)."""
    cross = sum(counts[d] for d in kf.CROSS_BOUNDARY)
    return cross, sum(n for d, n in counts.items() if d not in (kf.UNPLACED, kf.WITHIN_SITE))


def _upcoming(config: WorkspaceConfig, today: date) -> tuple[Upcoming, ...]:
    return tuple(
        Upcoming(
            day=group[0].first_day,
            line=describe(group),
            days_off=any(o.days_off for o in group),
            major=any(o.days_off or o.kind == COMPANY for o in group)
            or len({o.site.key for o in group}) > 1,
            coverage=tuple(slack_text.escape(note) for note in coverage_notes(group)),
        )
        for group in upcoming(config, today, UPCOMING_DAYS)
    )


def _name(config: WorkspaceConfig, key: str) -> str:
    site = config.site(key)
    return site.name if site else reports.GROUP_NAMES.get(key, key)


def _group(config: WorkspaceConfig, group: GroupResult) -> PulseGroup:
    bank = load_bank()
    items = []
    for item, interval in group.items.items():
        change = group.trend.get(item)
        items.append(
            ItemFigure(
                item=item,
                label=bank.items[item].short if item in bank.items else item,
                value=interval.value,
                low=interval.low,
                high=interval.high,
                trend=reports.trend_word(change),
                change=change.value if change else None,
                change_low=change.low if change else None,
                change_high=change.high if change else None,
            )
        )
    return PulseGroup(
        key=group.key,
        name=_name(config, group.key),
        is_site=config.site(group.key) is not None,
        shown=group.shown,
        reason=group.reason,
        responses=group.responses,
        members=group.members,
        participation=group.participation,
        items=tuple(items),
    )


def _pulse(
    session: Session, config: WorkspaceConfig, team_id: str, today: date
) -> tuple[PulseRound | None, str | None, tuple[PulseSeries, ...]]:
    """The latest complete round up to ``today`` (workspace date) and the chart's series of
    the 8 weeks before it."""
    rounds = [
        r
        for r in reports.rounds_since(session, config, team_id, today - timedelta(weeks=kf.WEEKS))
        if r.day <= today
    ]
    if not rounds:
        return None, None, ()
    latest = rounds[-1]
    pulse = PulseRound(
        day=latest.day,
        extra=latest.extra,
        min_responses=latest.results.min_responses,
        groups=tuple(_group(config, g) for g in latest.results.groups),
    )
    headline = next(
        (
            i
            for i in config.pulse.items
            if any(i in g.items for r in rounds for g in r.results.groups)
        ),
        None,
    )
    if headline is None:
        return pulse, None, ()
    bank = load_bank()
    label = bank.items[headline].short if headline in bank.items else headline
    points: dict[str, list[PulsePoint]] = {}
    for r in (r for r in rounds if not r.extra):
        for g in r.results.groups:
            interval = g.items.get(headline) if g.shown else None
            if interval is not None:
                points.setdefault(g.key, []).append(
                    PulsePoint(
                        day=r.day, value=interval.value, low=interval.low, high=interval.high
                    )
                )
    series = tuple(
        PulseSeries(key=key, name=_name(config, key), points=tuple(found))
        for key, found in points.items()
    )
    return pulse, label, series
