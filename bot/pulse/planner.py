"""The pulse survey's schedule on the clock: each round opens (its post, keyed
``<round>:post``) and is reminded about once half-way (``<round>:remind``) as planned work;
closing is upkeep every tick does, so a round closes, and forgets who answered, however late
the clock runs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.infra.clock import Action, Planned, PlanWindow
from bot.infra.config import WorkspaceConfig
from bot.infra.models import OutboxMessage, PulseComment, PulseSurvey
from bot.infra.outbox.queue import Outgoing
from bot.pulse import store
from bot.pulse.render import closed_post, reminder_post, survey_post
from bot.pulse.rounds import Round, rounds_between


def plan_pulse(window: PlanWindow) -> Iterator[Planned]:
    """Every round's opening and reminder due in ``window``: the opening creates the round's
    record (members counted then) and posts it to the site channel; the reminder posts only
    while the round is open."""
    team_id = window.team_id
    for planned in rounds_between(window.config, window.start, window.end):
        site = planned.site
        questions = len(planned.items)
        post = survey_post(site, planned.key, planned.closes_at, questions, site.channel)
        opening = Outgoing(
            f"{planned.key}:post", "chat.postMessage", post, expires_at=planned.closes_at
        )
        closes = f"{planned.closes_at:%a %d %b %H:%M} UTC"
        yield Planned(
            f"{planned.key}:open",
            planned.opens_at,
            (opening,),
            f"pulse survey opens · {site.name} channel · closes {closes}",
            run=_opener(team_id, planned),
        )
        yield Planned(
            f"{planned.key}:remind",
            planned.remind_at,
            (),
            f"pulse survey reminder · {site.name} channel",
            run=_reminder(team_id, planned),
        )


def _opener(team_id: str, planned: Round) -> Action:
    def run(session: Session, now: datetime) -> Sequence[Outgoing]:
        store.open_round(session, team_id, planned, planned.site.channel)
        return ()

    return run


def _reminder(team_id: str, planned: Round) -> Action:
    def run(session: Session, now: datetime) -> Sequence[Outgoing]:
        survey = store.survey_by_key(session, team_id, planned.key)
        if survey is None or survey.closed or now >= survey.closes_at:
            return ()
        post = reminder_post(planned.site, planned.key, survey.closes_at, survey.channel)
        key = f"{planned.key}:remind"
        return (Outgoing(key, "chat.postMessage", post, expires_at=survey.closes_at),)

    return run


def close_rounds(
    session: Session, config: WorkspaceConfig, team_id: str, now: datetime
) -> Sequence[Outgoing]:
    """Upkeep: close every round due (see :func:`bot.pulse.store.close_due`), update each
    one's post to say so, and delete comments past ``comment_retention_days``."""
    messages = []
    for survey in store.close_due(session, team_id, now, config.pulse.min_responses):
        site = config.site(survey.site_key)
        ts = session.scalar(
            select(OutboxMessage.slack_ts).where(
                OutboxMessage.team_id == team_id, OutboxMessage.key == f"{survey.key}:post"
            )
        )
        if site is None or not ts:
            continue  # its post never went out: nothing to update
        update = closed_post(site, survey.responses, config.pulse.min_responses, survey.channel, ts)
        messages.append(Outgoing(f"{survey.key}:closed", "chat.update", update))
    oldest = (now - timedelta(days=config.pulse.comment_retention_days)).date()
    old_rounds = select(PulseSurvey.id).where(
        PulseSurvey.team_id == team_id, PulseSurvey.round < oldest
    )
    session.execute(delete(PulseComment).where(PulseComment.survey_id.in_(old_rounds)))
    return messages
