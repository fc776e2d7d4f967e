"""Answers to a person: private replies by every route Slack offers (the command's
response_url first, then chat.postEphemeral), and kudos given with a safe fallback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient

from bot.context import AppContext
from bot.giving import Outcome
from bot.kudos import Draft

log = logging.getLogger(__name__)


def reply_privately(
    text: str,
    *,
    client: WebClient,
    channel: str | None,
    user: str,
    respond: Callable[..., Any] | None = None,
) -> bool:
    """True if the person was reached."""
    if respond is not None:
        try:
            response = respond(text=text, response_type="ephemeral")
            status = getattr(response, "status_code", 200)
            if status == 200:
                return True
            log.info("response_url answered %s; trying chat.postEphemeral", status)
        except Exception as exc:  # an expired or unreachable response_url
            log.info("response_url failed (%s); trying chat.postEphemeral", exc)
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
            return True
        except Exception as exc:
            log.warning("could not reach %s privately in %s: %s", user, channel, exc)
    return False


SORRY = "Something went wrong on our side and nothing was recorded. Please try again in a minute."


def give_kudos(
    ctx: AppContext, *, team_id: str, giver_id: str, draft: Draft, source: str, source_key: str
) -> Outcome:
    """Give kudos in a transaction of its own; any failure becomes an apology, never a trace."""
    try:
        with ctx.session_factory.begin() as session:
            return ctx.giving.give(
                session,
                team_id=team_id,
                giver_id=giver_id,
                draft=draft,
                source=source,
                source_key=source_key,
                now=datetime.now(UTC),
            )
    except Exception:
        log.exception("giving kudos (%s) failed", source)
        return Outcome(SORRY)
