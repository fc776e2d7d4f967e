"""Pulse records: a round opened, an answer given or replaced, a round closed.

Who answered and what was answered never meet: ``pulse_respondents`` holds who has answered
an open round (so each member answers once), ``pulse_answers`` and ``pulse_comments`` hold
what, under a keyed hash of the person and the round (so an answer can be replaced while the
round is open). Closing a round deletes its respondents, keeping only their count, and erases
the hashes: from then on nothing links anyone to an answer, not even ``LANTERN_SECRET``.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.infra.db import insert_if_absent
from bot.infra.models import (
    InboxJob,
    PulseAnswer,
    PulseComment,
    PulseRespondent,
    PulseSurvey,
    SiteMember,
)
from bot.pulse.results import SiteRound
from bot.pulse.rounds import Round

ANSWER_JOB = "pulse.answer"  # the inbox job kind of a submitted survey


def respondent_key(secret: str, survey_key: str, user_id: str) -> str:
    """The keyed hash that lets ``user_id`` replace their answers to one round while it is
    open: HMAC-SHA256 of the round and the person under ``LANTERN_SECRET``. Erased at close."""
    message = f"{survey_key}\x1f{user_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def open_round(session: Session, team_id: str, planned: Round, channel: str) -> PulseSurvey:
    """The round's survey row, created once (a second process or tick finds it): with the
    site's member count now, for participation."""
    members = session.scalar(
        select(func.count())
        .select_from(SiteMember)
        .where(SiteMember.team_id == team_id, SiteMember.site_key == planned.site.key)
    )
    values = {
        "team_id": team_id,
        "key": planned.key,
        "site_key": planned.site.key,
        "kind": planned.site.kind,
        "round": planned.day,
        "opens_at": planned.opens_at,
        "closes_at": planned.closes_at,
        "closed": False,
        "language": planned.language,
        "items": [{"id": item, "version": version} for item, version in planned.items],
        "asks_enps": any(item == "enps" for item, _ in planned.items),
        "asks_comment": any(item == "comment" for item, _ in planned.items),
        "members": int(members or 0),
        "responses": 0,
        "channel": channel,
    }
    insert_if_absent(session, PulseSurvey, values, ["team_id", "key"])
    survey = survey_by_key(session, team_id, planned.key)
    assert survey is not None
    return survey


def survey_by_key(
    session: Session, team_id: str, key: str, *, lock: bool = False
) -> PulseSurvey | None:
    """The round stored under ``key``, if it has opened; with ``lock``, its row is locked
    for the transaction (``FOR UPDATE`` on PostgreSQL; SQLite has one writer anyway)."""
    query = select(PulseSurvey).where(PulseSurvey.team_id == team_id, PulseSurvey.key == key)
    return session.scalar(query.with_for_update() if lock else query)


def answered_elsewhere(session: Session, survey: PulseSurvey, user_id: str) -> str | None:
    """The site whose survey of the same batch (weekly day, or extra round) ``user_id``
    has answered, when it is another site's: a person in two sites' channels answers once a
    round, or groups would count them twice."""
    batch = survey.key.split(":", 2)[2]
    rows = session.execute(
        select(PulseSurvey.key, PulseSurvey.site_key)
        .join(PulseRespondent, PulseRespondent.survey_id == PulseSurvey.id)
        .where(
            PulseSurvey.team_id == survey.team_id,
            PulseSurvey.round == survey.round,
            PulseSurvey.id != survey.id,
            PulseRespondent.user_id == user_id,
        )
    ).all()
    return next((site for key, site in rows if key.split(":", 2)[2] == batch), None)


def is_member(session: Session, team_id: str, site_key: str, user_id: str) -> bool:
    """Whether ``user_id`` is a member of the site (its channel)."""
    return (
        session.scalar(
            select(SiteMember.id).where(
                SiteMember.team_id == team_id,
                SiteMember.site_key == site_key,
                SiteMember.user_id == user_id,
            )
        )
        is not None
    )


@dataclass(frozen=True)
class Given:
    """Someone's answers to one round: scores by item id, and the comment if any."""

    scores: Mapping[str, int]
    comment: str | None


def own_answers(session: Session, survey: PulseSurvey, respondent: str) -> Given | None:
    """The answers this respondent (their keyed hash) gave to an open round, or None."""
    scores = dict(
        session.execute(
            select(PulseAnswer.item_id, PulseAnswer.value).where(
                PulseAnswer.survey_id == survey.id, PulseAnswer.respondent == respondent
            )
        ).all()
    )
    comment = session.scalar(
        select(PulseComment.text).where(
            PulseComment.survey_id == survey.id, PulseComment.respondent == respondent
        )
    )
    if not scores and comment is None:
        return None
    return Given({str(k): int(v) for k, v in scores.items()}, comment)


def record(
    session: Session,
    survey: PulseSurvey,
    user_id: str,
    respondent: str,
    given: Given,
    language: str,
) -> bool:
    """Store ``given`` for an open round, replacing the person's earlier answers to it.

    Returns:
        True for a first answer, False for a replaced one.
    """
    versions = {entry["id"]: int(entry["version"]) for entry in survey.items}
    session.execute(
        delete(PulseAnswer).where(
            PulseAnswer.survey_id == survey.id, PulseAnswer.respondent == respondent
        )
    )
    session.execute(
        delete(PulseComment).where(
            PulseComment.survey_id == survey.id, PulseComment.respondent == respondent
        )
    )
    for item, value in given.scores.items():
        session.add(
            PulseAnswer(
                team_id=survey.team_id,
                survey_id=survey.id,
                item_id=item,
                item_version=versions[item],
                language=language,
                value=value,
                respondent=respondent,
            )
        )
    if given.comment:
        session.add(
            PulseComment(
                team_id=survey.team_id,
                survey_id=survey.id,
                language=language,
                text=given.comment,
                respondent=respondent,
            )
        )
    first = insert_if_absent(
        session,
        PulseRespondent,
        {"team_id": survey.team_id, "survey_id": survey.id, "user_id": user_id},
        ["survey_id", "user_id"],
    )
    return first is not None


def forget_request(session: Session, job_id: int) -> None:
    """Delete the stored request a survey answer came in (it held the person, their answers
    and the time), in the transaction that records it."""
    session.execute(delete(InboxJob).where(InboxJob.id == job_id))


def _rewrite_unlinked(session: Session, survey: PulseSurvey, min_responses: int) -> None:
    """Write the round's answers and comments anew, without hash, in random order and with
    new ids, so neither a hash nor the order rows were stored in (rowid, ctid) links them to
    a person or to each other; a language fewer than ``min_responses`` people answered in
    becomes the round's own (the one person who switched to English would be their rows)."""
    rng = random.SystemRandom()
    answers = session.scalars(select(PulseAnswer).where(PulseAnswer.survey_id == survey.id)).all()
    comments = session.scalars(
        select(PulseComment).where(PulseComment.survey_id == survey.id)
    ).all()
    people: dict[str, set[str | None]] = {}
    for language, respondent in [(r.language, r.respondent) for r in answers] + [
        (c.language, c.respondent) for c in comments
    ]:
        people.setdefault(language, set()).add(respondent)
    rare = {language for language, who in people.items() if len(who) < min_responses}
    fresh_answers = [
        PulseAnswer(
            team_id=a.team_id,
            survey_id=a.survey_id,
            item_id=a.item_id,
            item_version=a.item_version,
            language=survey.language if a.language in rare else a.language,
            value=a.value,
            respondent=None,
        )
        for a in answers
    ]
    fresh_comments = [
        PulseComment(
            team_id=c.team_id,
            survey_id=c.survey_id,
            language=survey.language if c.language in rare else c.language,
            text=c.text,
            respondent=None,
        )
        for c in comments
    ]
    session.execute(delete(PulseAnswer).where(PulseAnswer.survey_id == survey.id))
    session.execute(delete(PulseComment).where(PulseComment.survey_id == survey.id))
    for old in [*answers, *comments]:
        session.expunge(old)
    rng.shuffle(fresh_answers)
    rng.shuffle(fresh_comments)
    session.add_all([*fresh_answers, *fresh_comments])
    session.flush()


def close_due(
    session: Session, team_id: str, now: datetime, min_responses: int = 5
) -> list[PulseSurvey]:
    """Close every round whose time has come, however late: count its respondents, delete
    them, erase every hash, and empty any stored request still holding an answer to it.
    Each round is closed by one caller only (the ``closed`` flag is flipped with a guard).

    Returns:
        The rounds this call closed.
    """
    due = session.scalars(
        select(PulseSurvey).where(
            PulseSurvey.team_id == team_id,
            PulseSurvey.closed.is_(False),
            PulseSurvey.closes_at <= now,
        )
    ).all()
    closed = []
    for survey in due:
        taken = session.execute(
            update(PulseSurvey)
            .where(PulseSurvey.id == survey.id, PulseSurvey.closed.is_(False))
            .values(closed=True)
        )
        if not taken.rowcount:  # type: ignore[attr-defined]
            continue
        count = session.scalar(
            select(func.count())
            .select_from(PulseRespondent)
            .where(PulseRespondent.survey_id == survey.id)
        )
        session.execute(delete(PulseRespondent).where(PulseRespondent.survey_id == survey.id))
        _rewrite_unlinked(session, survey, min_responses)
        for job in session.scalars(select(InboxJob).where(InboxJob.kind == ANSWER_JOB)).all():
            if (job.payload or {}).get("survey") in (survey.key, None):
                session.delete(job)
        session.execute(
            update(PulseSurvey).where(PulseSurvey.id == survey.id).values(responses=int(count or 0))
        )
        session.refresh(survey)
        closed.append(survey)
    return closed


def site_round(session: Session, survey: PulseSurvey) -> SiteRound:
    """A round's answers as the results module takes them: counts and values, no person.
    An open round counts its respondents so far."""
    responses = survey.responses
    if not survey.closed:
        responses = int(
            session.scalar(
                select(func.count())
                .select_from(PulseRespondent)
                .where(PulseRespondent.survey_id == survey.id)
            )
            or 0
        )
    items: dict[str, list[int]] = {}
    for item, value in session.execute(
        select(PulseAnswer.item_id, PulseAnswer.value).where(PulseAnswer.survey_id == survey.id)
    ).all():
        items.setdefault(str(item), []).append(int(value))
    enps = items.pop("enps", [])
    comments = list(
        session.scalars(select(PulseComment.text).where(PulseComment.survey_id == survey.id))
    )
    return SiteRound(survey.site_key, survey.kind, survey.members, responses, items, enps, comments)


def open_rounds_for(
    session: Session, team_id: str, site_keys: list[str], now: datetime
) -> list[PulseSurvey]:
    """The rounds open at ``now`` at these sites (whoever has answered: nothing here says)."""
    if not site_keys:
        return []
    return list(
        session.scalars(
            select(PulseSurvey)
            .where(
                PulseSurvey.team_id == team_id,
                PulseSurvey.site_key.in_(site_keys),
                PulseSurvey.closed.is_(False),
                PulseSurvey.opens_at <= now,
                PulseSurvey.closes_at > now,
            )
            .order_by(PulseSurvey.closes_at)
        )
    )
