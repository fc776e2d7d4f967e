"""Pulse results as people read them: the latest closed round of every site, through the one
results module (:mod:`bot.pulse.results`), for the groups a viewer may see."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from bot.infra import slack_text
from bot.infra.config import WorkspaceConfig
from bot.infra.models import PulseAnswer, PulseComment, PulseSurvey
from bot.pulse.items import load_bank
from bot.pulse.results import (
    BPO,
    EVERYONE,
    IN_HOUSE,
    GroupResult,
    Results,
    SiteRound,
    round_results,
)
from bot.pulse.statistics import Interval

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


def _headers(session: Session, team_id: str) -> list[Any]:
    """Every survey of the team, without its answers (a small row each)."""
    return list(
        session.execute(
            select(
                PulseSurvey.id,
                PulseSurvey.key,
                PulseSurvey.site_key,
                PulseSurvey.kind,
                PulseSurvey.round,
                PulseSurvey.opens_at,
                PulseSurvey.closed,
                PulseSurvey.members,
                PulseSurvey.responses,
            ).where(PulseSurvey.team_id == team_id)
        ).all()
    )


def _complete(headers: Sequence[Row[Any]], since: date | None = None) -> list[str]:
    batches: dict[str, list[Row[Any]]] = {}
    for row in headers:
        batches.setdefault(batch_of(row.key), []).append(row)
    done = [
        (min(r.round for r in rows), max(r.opens_at for r in rows), batch)
        for batch, rows in batches.items()
        if all(r.closed for r in rows)
    ]
    return [batch for day, _, batch in sorted(done) if since is None or day >= since]


def complete_batches(session: Session, team_id: str, since: date | None = None) -> list[str]:
    """Every batch all of whose surveys have closed, oldest first (from ``since``).

    A batch is published only whole: sites close hours apart, and results recomputed as each
    closed would let two readings be subtracted (13 answers then 12 = one person's)."""
    return _complete(_headers(session, team_id), since)


def latest_round(session: Session, config: WorkspaceConfig, team_id: str) -> LatestRound | None:
    """The latest batch whose surveys have all closed, thresholded across its sites; None
    before any has."""
    batches = complete_batches(session, team_id)
    return round_of(session, config, team_id, batches[-1]) if batches else None


def round_of(session: Session, config: WorkspaceConfig, team_id: str, batch: str) -> LatestRound:
    """The results of one batch: every site's survey in it, thresholded together, each
    trend against the site's own earlier rounds, with its comments."""
    return rounds_of(session, config, team_id, [batch], comments=True)[0]


def rounds_since(
    session: Session, config: WorkspaceConfig, team_id: str, since: date
) -> list[LatestRound]:
    """The results of every complete batch whose first round day is ``since`` or later,
    oldest first, without comments, and with trends for the latest only (the digest's eight
    weeks: its chart shows the means, its text the latest round's trends)."""
    headers = _headers(session, team_id)
    batches = _complete(headers, since)
    return _rounds(session, config, headers, batches, comments=False, trended=batches[-1:])


def rounds_of(
    session: Session,
    config: WorkspaceConfig,
    team_id: str,
    batches: Sequence[str],
    *,
    comments: bool,
) -> list[LatestRound]:
    """The results of these batches (as :func:`round_of`), in the order given.

    The answers are counted in the database (one GROUP BY over the surveys needed: the
    batches' and, for the trends, each site's EARLIER_ROUNDS before them), never loaded
    one by one; the figures then come from :func:`bot.pulse.results.round_results`.
    """
    return _rounds(session, config, _headers(session, team_id), batches, comments=comments)


def _rounds(
    session: Session,
    config: WorkspaceConfig,
    headers: Sequence[Row[Any]],
    batches: Sequence[str],
    *,
    comments: bool,
    trended: Collection[str] | None = None,
) -> list[LatestRound]:
    """``trended``: the batches whose trends are worked out (None: all)."""
    order = {site.key: index for index, site in enumerate(config.sites)}
    closed = sorted((r for r in headers if r.closed), key=lambda r: r.opens_at)
    by_site: dict[str, list[Row[Any]]] = {}
    for row in closed:
        by_site.setdefault(row.site_key, []).append(row)
    wanted = set(batches)
    members: dict[str, list[Row[Any]]] = {batch: [] for batch in batches}
    for row in closed:
        if batch_of(row.key) in wanted and row.site_key in order:  # a site still configured
            members[batch_of(row.key)].append(row)
    opened = {site: [r.opens_at for r in rows] for site, rows in by_site.items()}
    earlier: dict[int, list[Row[Any]]] = {}
    for batch, rows in members.items():
        for row in rows:
            before = bisect_left(opened[row.site_key], row.opens_at)  # opened strictly before
            start = (
                max(0, before - EARLIER_ROUNDS) if trended is None or batch in trended else before
            )
            earlier[row.id] = by_site[row.site_key][start:before]
    needed = {r.id for rows in members.values() for r in rows}
    needed |= {p.id for past in earlier.values() for p in past}
    counted = _answers(session, sorted(needed))
    shown = sorted({r.id for rows in members.values() for r in rows})
    texts = _comments(session, shown) if comments else {}

    def site_round(row: Row[Any], with_comments: bool) -> SiteRound:
        items = dict(counted.get(row.id, {}))
        enps = items.pop("enps", [])
        said = texts.get(row.id, []) if with_comments and comments else []
        return SiteRound(row.site_key, row.kind, row.members, row.responses, items, enps, said)

    found = []
    for batch in batches:
        rows = sorted(members[batch], key=lambda r: order.get(r.site_key, len(order)))
        day = min((r.round for r in rows), default=date.fromisoformat(batch[:10]))
        baseline = [site_round(p, False) for r in rows for p in earlier[r.id]]
        results = round_results(
            [site_round(r, True) for r in rows], config.pulse.min_responses, earlier=baseline
        )
        found.append(LatestRound(day, results, extra=":now-" in batch))
    return found


CHUNK = 500  # survey ids per IN (...) list


def _answers(session: Session, survey_ids: Sequence[int]) -> dict[int, dict[str, list[int]]]:
    """Each survey's answers per item, counted per value by the database and expanded into
    the value lists the results module takes (at most 11 distinct values per item)."""
    found: dict[int, dict[str, list[int]]] = {}
    for start in range(0, len(survey_ids), CHUNK):
        rows = session.execute(
            select(PulseAnswer.survey_id, PulseAnswer.item_id, PulseAnswer.value, func.count())
            .where(PulseAnswer.survey_id.in_(survey_ids[start : start + CHUNK]))
            .group_by(PulseAnswer.survey_id, PulseAnswer.item_id, PulseAnswer.value)
            .order_by(PulseAnswer.survey_id, PulseAnswer.item_id, PulseAnswer.value)
        ).all()
        for survey, item, value, count in rows:
            found.setdefault(survey, {}).setdefault(str(item), []).extend([int(value)] * count)
    return found


def _comments(session: Session, survey_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for start in range(0, len(survey_ids), CHUNK):
        for survey, text in session.execute(
            select(PulseComment.survey_id, PulseComment.text).where(
                PulseComment.survey_id.in_(survey_ids[start : start + CHUNK])
            )
        ):
            found.setdefault(survey, []).append(str(text))
    return found


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
