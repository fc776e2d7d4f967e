"""Pulse results as people read them: the latest closed round of every site, through the one
results module (:mod:`bot.pulse.results`), for the groups a viewer may see."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.infra import slack_text
from bot.infra.config import WorkspaceConfig
from bot.infra.models import PulseSurvey
from bot.pulse.items import load_bank
from bot.pulse.results import BPO, EVERYONE, IN_HOUSE, GroupResult, Results, round_results
from bot.pulse.statistics import Interval
from bot.pulse.store import site_round

EARLIER_ROUNDS = 8  # the trend's baseline: a site's own rounds before, at most this many
GROUP_NAMES = {IN_HOUSE: "In-house sites", BPO: "BPO sites", EVERYONE: "Everyone"}
RANKING_NOTE = (
    "Sites are ordered by their results because `rank_sites` is on. Answer styles differ by "
    "culture and by survey language, so compare each site with its own earlier rounds first."
)


@dataclass(frozen=True)
class LatestRound:
    """The most recent round day with closed surveys, and its results."""

    day: date
    results: Results


def latest_round(session: Session, config: WorkspaceConfig, team_id: str) -> LatestRound | None:
    """The latest round day on which surveys closed, thresholded across every site of that
    day; None before any round has closed."""
    day = session.scalar(
        select(func.max(PulseSurvey.round)).where(
            PulseSurvey.team_id == team_id, PulseSurvey.closed.is_(True)
        )
    )
    return None if day is None else round_of(session, config, team_id, day)


def closed_round_days(session: Session, team_id: str, since: date | None = None) -> list[date]:
    """Every round day with a closed survey, oldest first (from ``since`` when given)."""
    query = select(PulseSurvey.round).where(
        PulseSurvey.team_id == team_id, PulseSurvey.closed.is_(True)
    )
    if since is not None:
        query = query.where(PulseSurvey.round >= since)
    return sorted(set(session.scalars(query)))


def round_of(session: Session, config: WorkspaceConfig, team_id: str, day: date) -> LatestRound:
    """The results of the round day ``day``: every site's closed survey of that day,
    thresholded together, each trend against the site's own earlier rounds."""
    surveys = session.scalars(
        select(PulseSurvey).where(
            PulseSurvey.team_id == team_id,
            PulseSurvey.closed.is_(True),
            PulseSurvey.round == day,
        )
    ).all()
    # one survey per site and day: an extra round (/pulse now) on the day of the weekly one
    # replaces it here, never pooled with it (the same people may have answered both, and
    # counting them twice could lift a small group over the threshold)
    latest = {s.site_key: s for s in sorted(surveys, key=lambda s: s.opens_at)}
    order = {site.key: index for index, site in enumerate(config.sites)}
    surveys = sorted(latest.values(), key=lambda s: order.get(s.site_key, len(order)))
    earlier = []
    for survey in surveys:
        before = session.scalars(
            select(PulseSurvey)
            .where(
                PulseSurvey.team_id == team_id,
                PulseSurvey.site_key == survey.site_key,
                PulseSurvey.closed.is_(True),
                PulseSurvey.round < day,
            )
            .order_by(PulseSurvey.round.desc())
            .limit(EARLIER_ROUNDS)
        ).all()
        earlier += [site_round(session, past) for past in before]
    rounds = [site_round(session, survey) for survey in surveys]
    results = round_results(rounds, config.pulse.min_responses, earlier=earlier)
    return LatestRound(day, results)


def _interval(value: Interval, digits: int = 1, signed: bool = False) -> str:
    sign = "+" if signed else ""
    return (
        f"{value.value:{sign}.{digits}f} (95 % CI {value.low:{sign}.{digits}f} to "
        f"{value.high:{sign}.{digits}f})"
    )


def _trend(change: Interval | None) -> str:
    if change is None:
        return "first round"
    if change.includes_zero:
        return "no clear change"
    return "up" if change.value > 0 else "down"


def group_lines(config: WorkspaceConfig, group: GroupResult, day: date) -> list[str]:
    """One group's results as mrkdwn lines (escaped), or the one line saying it is hidden."""
    bank = load_bank()
    site = config.site(group.key)
    name = slack_text.escape(site.name if site else GROUP_NAMES.get(group.key, group.key))
    if not group.shown:
        return [f"*{name}* · {group.reason}: results hidden"]
    share = f" ({group.participation:.0%})" if group.participation is not None else ""
    lines = [f"*{name}* · {group.responses} answered of {group.members}{share}"]
    for item, interval in group.items.items():
        label = bank.items[item].short if item in bank.items else item
        lines.append(f"• {label}: {_interval(interval)} of 5 · {_trend(group.trend.get(item))}")
    if group.enps is not None:
        lines.append(f"• eNPS: {_interval(group.enps, 0, signed=True)}")
    if group.comments:
        lines.append(f"_Comments, round of {day:%d %b}, in shuffled order:_")
        lines += [f"> {comment}" for comment in group.comments]
    return lines


def results_text(
    config: WorkspaceConfig, latest: LatestRound | None, allowed: Collection[str] | None
) -> str:
    """The text of ``/pulse results``: the latest round for the groups in ``allowed`` (site
    keys, ``in_house``, ``bpo``, ``everyone``; None: all)."""
    if latest is None:
        return "No pulse survey has closed yet: results appear after the first round closes."
    groups = [g for g in latest.results.groups if allowed is None or g.key in allowed]
    if config.pulse.rank_sites:
        sites = [g for g in groups if g.key not in GROUP_NAMES]
        rest = [g for g in groups if g.key in GROUP_NAMES]
        sites.sort(key=lambda g: -(g.items.get("connected", Interval(0, 0, 0)).value))
        groups = sites + rest
    lines = [
        f"*Pulse results, round of {latest.day:%a %d %b %Y}* "
        f"(groups of at least {latest.results.min_responses})"
    ]
    for group in groups:
        lines += group_lines(config, group, latest.day)
    if config.pulse.rank_sites:
        lines.append(f"_{RANKING_NOTE}_")
    if len(lines) == 1:
        lines.append("None of your sites has a closed round yet.")
    return "\n".join(lines)
