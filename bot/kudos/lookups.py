"""What reaction kudos ask Slack about the reacted-to message: whether the reaction is still
there, whether the channel is public, the message itself and its permalink.

A passing failure (rate limited, 5xx, no answer) is raised, so the stored job runs again
later rather than guess: a busy Slack must not turn a public message into "a private
conversation". A definite "cannot see it" (``channel_not_found``, ``not_in_channel``…) is an
answer: private, no quote, no link.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.infra import retry
from bot.kudos.rules import is_kudos_reaction

log = logging.getLogger(__name__)


def _raise_if_passing(exc: SlackApiError) -> None:
    """Re-raise a rate limit or a server error: the caller's job is tried again later."""
    if not retry.classify(exc, attempt=1).permanent:
        raise exc


def reacted(client: WebClient, emoji: str, channel: str, ts: str, reactor: str) -> bool | None:
    """Whether ``reactor`` has ``emoji`` on the message right now (``reactions.get``).

    Returns:
        True or False, or None if Slack will not say (then the event itself is trusted).

    Raises:
        SlackApiError: a passing failure (429, 5xx); OSError: no answer.
    """
    try:
        response = client.reactions_get(channel=channel, timestamp=ts, full=True)
    except SlackApiError as exc:
        _raise_if_passing(exc)
        log.info("reactions.get refused for %s/%s: %s", channel, ts, exc)
        return None
    message = response.get("message")
    if not isinstance(message, dict):
        return None
    return any(
        is_kudos_reaction(reaction.get("name"), emoji) and reactor in (reaction.get("users") or [])
        for reaction in message.get("reactions") or []
    )


def is_public(client: WebClient, channel: str) -> bool:
    """Whether ``channel`` is public (``conversations.info``). Only a public channel's
    messages are quoted or linked in the public feed; when unsure, it is treated as private."""
    try:
        info = client.conversations_info(channel=channel).get("channel")
    except SlackApiError as exc:
        _raise_if_passing(exc)
        log.info("conversations.info refused for %s: %s; treating it as private", channel, exc)
        return False
    if not isinstance(info, dict):
        return False
    return not (info.get("is_private") or info.get("is_im") or info.get("is_mpim"))


def message(client: WebClient, channel: str, ts: str) -> dict[str, Any] | None:
    """The message at ``ts`` (top level or in a thread), or None if it cannot be read."""
    try:
        history = client.conversations_history(
            channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
        )
        for found in history.get("messages") or []:
            if found.get("ts") == ts:
                return dict(found)
        replies = client.conversations_replies(
            channel=channel, ts=ts, latest=ts, oldest=ts, inclusive=True, limit=1
        )
        for found in replies.get("messages") or []:
            if found.get("ts") == ts:
                return dict(found)
    except SlackApiError as exc:
        _raise_if_passing(exc)
        log.info("cannot read %s/%s for an excerpt: %s", channel, ts, exc)
    return None


def permalink(client: WebClient, channel: str, ts: str) -> str | None:
    """The message's permalink (``chat.getPermalink``), or None."""
    try:
        return str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except SlackApiError as exc:
        _raise_if_passing(exc)
        log.info("no permalink for %s/%s: %s", channel, ts, exc)
        return None
