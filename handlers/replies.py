"""Private answers to a person, by every route Slack offers, so none is a single point of
failure: the command's response_url first, then chat.postEphemeral."""

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
