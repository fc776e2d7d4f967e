"""Pulse results as people read them: the latest closed round of every site, through the one
results module (:mod:`bot.pulse.results`), for the groups a viewer may see."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
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
    extra: bool = False  # an extra round (/pulse now)


def batch_of(key: str) -> str:
    """The batch a survey belongs to: its weekly round's day (``"2026-12-02"``) or, for an
    extra round, that day and its tag (``"2026-12-02:now-17"``). Results are computed per
    batch, once every survey of the batch has closed."""
    return key.split(":", 2)[2]


def complete_batches(session: Session, team_id: str, since: date | None = None) -> list[str]:
    """Every batch all of whose surveys have closed, oldest first (from ``since``).

    A batch is published only whole: sites close hours apart, and results recomputed as each
    closed would let two readings be subtracted (13 answers then 12 = one person's)."""
    rows = session.execute(
        select(PulseSurvey.key, PulseSurvey.closed, PulseSurvey.round, PulseSurvey.opens_at).where(
            PulseSurvey.team_id == team_id
        )
    ).all()
    batches: dict[str, list[tuple[bool, date, datetime]]] = {}
    for key, closed, day, opens in rows:
        batches.setdefault(batch_of(key), []).append((bool(closed), day, opens))
    done = [
        (min(day for _, day, _ in rows), max(o for _, _, o in rows), batch)
        for batch, rows in batches.items()
        if all(closed for closed, _, _ in rows)
    ]
    return [batch for day, _, batch in sorted(done) if since is None or day >= since]


def latest_round(session: Session, config: WorkspaceConfig, team_id: str) -> LatestRound | None:
    """The latest batch whose surveys have all closed, thresholded across its sites; None
    before any has."""
    batches = complete_batches(session, team_id)
    return round_of(session, config, team_id, batches[-1]) if batches else None


def round_of(session: Session, config: WorkspaceConfig, team_id: str, batch: str) -> LatestRound:
    """The results of one batch: every site's survey in it, thresholded together, each
    trend against the site's own earlier rounds."""
    surveys = [
        s
        for s in session.scalars(
            select(PulseSurvey).where(PulseSurvey.team_id == team_id, PulseSurvey.closed.is_(True))
        )
        if batch_of(s.key) == batch
    ]
    order = {site.key: index for index, site in enumerate(config.sites)}
    surveys.sort(key=lambda s: order.get(s.site_key, len(order)))
    day = min((s.round for s in surveys), default=date.fromisoformat(batch[:10]))
    earlier = []
    for survey in surveys:
        before = session.scalars(
            select(PulseSurvey)
            .where(
                PulseSurvey.team_id == team_id,
                PulseSurvey.site_key == survey.site_key,
                PulseSurvey.closed.is_(True),
                PulseSurvey.opens_at < survey.opens_at,
            )
            .order_by(PulseSurvey.opens_at.desc())
            .limit(EARLIER_ROUNDS)
        ).all()
        earlier += [site_round(session, past) for past in before]
    rounds = [site_round(session, survey) for survey in surveys]
    results = round_results(rounds, config.pulse.min_responses, earlier=earlier)
    return LatestRound(day, results, extra=":now-" in batch)


def _interval(value: Interval, digits: int = 1, signed: bool = False) -> str:
    sign = "+" if signed else ""
    return (
        f"{value.value:{sign}.{digits}f} (95 % CI {value.low:{sign}.{digits}f} to "
        f"{value.high:{sign}.{digits}f})"
    )


def trend_word(change: Interval | None) -> str:
    """How an item moved against the group's own earlier rounds: "first round", "no clear
    change" (the difference's interval includes zero), "up" or "down"."""
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
        lines.append(f"• {label}: {_interval(interval)} of 5 · {trend_word(group.trend.get(item))}")
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
        f"*Pulse results, {'extra ' if latest.extra else ''}round of {latest.day:%a %d %b %Y}* "
        f"(groups of at least {latest.results.min_responses})"
    ]
    for group in groups:
        lines += group_lines(config, group, latest.day)
    if config.pulse.rank_sites:
        lines.append(f"_{RANKING_NOTE}_")
    if len(lines) == 1:
        lines.append("None of your sites has a closed round yet.")
    return "\n".join(lines)
