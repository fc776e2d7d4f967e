"""Answers to one person, privately, by every route Slack offers: the command's
``response_url`` first, then ``chat.postEphemeral`` in the channel it came from."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

log = logging.getLogger(__name__)


def reply_privately(
    text: str,
    *,
    client: WebClient,
    channel: str | None,
    user: str,
    respond: Callable[..., Any] | None = None,
) -> bool:
    """Tell ``user`` ``text`` privately.

    Args:
        text: mrkdwn, already escaped.
        client: for ``chat.postEphemeral``.
        channel: where the request came from (None: no ephemeral fallback).
        user: the Slack user id.
        respond: Bolt's ``respond`` for the request's ``response_url``, if it has one.

    Returns:
        True if the person was reached; False (logged) if no route worked.
    """
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
