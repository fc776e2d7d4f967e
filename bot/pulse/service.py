"""Pulse use cases: show someone the survey (with their own answers while it is open), and
record a submitted survey. Each checks the round and the person itself: the button and the
modal carry only the round's key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.infra.config import WorkspaceConfig
from bot.infra.models import PulseSurvey
from bot.pulse import store
from bot.pulse.items import VALUES, ItemBank, load_bank
from bot.pulse.render import answers_from, message_view, survey_modal, until

TITLE = "Quick pulse"
NOT_OPEN = "This survey is not open. Surveys open in your site's channel."
CLOSED = "This survey has closed. Thank you, and look out for the next one."
NOT_MEMBER = (
    "This survey is for the members of {site}'s channel. If you work there, ask to be added "
    "to the channel, then try again."
)
MISSING = "Please answer every question (the comment is optional), then submit again."
ELSEWHERE = (
    "You answered this round's survey for {site} already: one answer per person a round, so "
    "no group counts anyone twice. You can change that one until it closes."
)


@dataclass(frozen=True)
class Shown:
    """What a person sees after pressing Answer, submitting, or switching language: a view
    (the survey or a message)."""

    view: dict[str, Any]
    recorded: bool = False


def asked(survey: PulseSurvey, bank: ItemBank) -> list[str]:
    """The ids of the items ``survey`` asks that the item bank still has, in order."""
    return [entry["id"] for entry in survey.items if entry["id"] in bank.items]


def refusal(
    session: Session,
    team_id: str,
    survey: PulseSurvey | None,
    user_id: str,
    now: datetime,
    config: WorkspaceConfig,
) -> str | None:
    """Why this person cannot answer this round now, or None."""
    if survey is None:
        return NOT_OPEN
    if survey.closed or now >= survey.closes_at:
        return CLOSED
    if not store.is_member(session, team_id, survey.site_key, user_id):
        site = config.site(survey.site_key)
        return NOT_MEMBER.format(site=site.name if site else survey.site_key)
    return None


def show(
    session: Session,
    config: WorkspaceConfig,
    team_id: str,
    secret: str,
    key: str,
    user_id: str,
    now: datetime,
    language: str | None = None,
) -> Shown:
    """The survey for ``user_id`` (in ``language``, else the round's), their own earlier
    answers filled in; or a message saying why not."""
    survey = store.survey_by_key(session, team_id, key)
    why = refusal(session, team_id, survey, user_id, now, config)
    if why is not None or survey is None:
        return Shown(message_view(TITLE, why or NOT_OPEN))
    previous = store.own_answers(session, survey, store.respondent_key(secret, key, user_id))
    bank = load_bank()
    items = asked(survey, bank)
    view = survey_modal(
        bank,
        key,
        items,
        language or survey.language,
        survey.language,
        config.pulse.min_responses,
        previous,
    )
    return Shown(view)


def submit(
    session: Session,
    config: WorkspaceConfig,
    team_id: str,
    secret: str,
    key: str,
    user_id: str,
    language: str,
    values: dict[str, Any],
    now: datetime,
) -> Shown:
    """Record a submitted survey (replacing the person's earlier answers to the round), in
    ``session``'s transaction; the caller commits. Refused, with a message, when the round is
    closed, the person is not a member, or a score is missing or off its scale."""
    # the round's row is locked (PostgreSQL) so closing cannot run between this check and
    # the answer's commit, which would leave a respondent and a hash behind
    survey = store.survey_by_key(session, team_id, key, lock=True)
    why = refusal(session, team_id, survey, user_id, now, config)
    if why is not None or survey is None:
        return Shown(message_view(TITLE, why or NOT_OPEN))
    elsewhere = store.answered_elsewhere(session, survey, user_id)
    if elsewhere is not None:
        site = config.site(elsewhere)
        return Shown(message_view(TITLE, ELSEWHERE.format(site=site.name if site else elsewhere)))
    bank = load_bank()
    items = asked(survey, bank)
    given = answers_from(values, items, bank)
    for item in items:
        scale = bank.items[item].scale
        if scale in VALUES and given.scores.get(item) not in VALUES[scale]:
            return Shown(message_view(TITLE, MISSING))
    language = language if language in bank.languages else survey.language
    respondent = store.respondent_key(secret, key, user_id)
    first = store.record(session, survey, user_id, respondent, given, language)
    site = config.site(survey.site_key)
    closes = until(survey.closes_at, site.tz if site else UTC)
    text = (
        "🙏 *Thank you!* Your answers are saved."
        if first
        else "🙏 *Updated.* Your new answers replace the earlier ones."
    ) + f" You can change them until {closes}."
    return Shown(message_view(TITLE, text), recorded=True)


def open_now(
    session: Session, config: WorkspaceConfig, team_id: str, which: str, now: datetime, tag: str
) -> tuple[str, list[str]]:
    """``/pulse now [site|all]``: open an extra round now at one site (by key or name) or at
    every site, and queue its post; the caller commits and delivers.

    Returns:
        (the reply for the admin, the outbox keys queued).
    """
    from bot.infra.outbox.queue import Outgoing, enqueue
    from bot.pulse.render import survey_post
    from bot.pulse.rounds import round_now

    if which.strip().lower() in ("", "all"):
        sites = list(config.sites)
    else:
        named = config.site_named(which)
        sites = [named] if named else []
        if not sites:
            keys = ", ".join(s.key for s in config.sites)
            return f"`{which}` is not a site (sites: {keys}, or `all`).", []
    queued = []
    for site in sites:
        planned = round_now(config, site, now, tag)
        store.open_round(session, team_id, planned, site.channel)
        post = survey_post(site, planned.key, planned.closes_at, len(planned.items), site.channel)
        message = Outgoing(
            f"{planned.key}:post", "chat.postMessage", post, expires_at=planned.closes_at
        )
        if enqueue(session, team_id, message, now):
            queued.append(message.key)
    names = ", ".join(s.name for s in sites)
    return f"Opened an extra pulse round now at {names}; it closes as a weekly one would.", queued
