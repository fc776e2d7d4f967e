"""The /celebrate use cases: may this person post, and posting a celebration."""

from __future__ import annotations

from datetime import datetime

from bot.celebrate import render
from bot.celebrate.listing import Group
from bot.infra.context import AppContext
from bot.infra.outbox.queue import enqueue
from bot.infra.roles import UNAVAILABLE, RolesUnavailable


def lead_refusal(ctx: AppContext, user_id: str) -> str | None:
    """Why ``user_id`` (U…) may not post, as text to answer with, or None when they may.
    When Slack cannot say who is in the team-lead groups, the answer is UNAVAILABLE. It may
    ask Slack (``usergroups.users.list``), unless the answer is cached."""
    try:
        return None if ctx.roles.is_team_lead(user_id) else render.refusal()
    except RolesUnavailable:
        return UNAVAILABLE


def post(
    ctx: AppContext,
    *,
    team_id: str,
    user_id: str,
    text: str,
    request_id: str,
    milestone: Group | None,
    now: datetime,
) -> str:
    """Queue the celebration in its own transaction, once per ``request_id``.

    Args:
        team_id, user_id: Slack ids (T…, U…); the user is the lead posting.
        text: the message in Slack's escaped form (escape a form field's raw text first).
        request_id: the request's own id (a trigger id, or the form's view); the same id
            again queues nothing new.
        milestone: the milestone it celebrates, or None.
        now: the aware moment it was asked for.

    Returns:
        The outbox key, for the caller to deliver right after the ack.
    """
    outgoing = render.celebration(ctx.config, user_id, text, request_id, milestone)
    with ctx.session_factory.begin() as session:
        enqueue(session, team_id, outgoing, now)
    return outgoing.key
