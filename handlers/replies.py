"""Answers to one person, privately, by every route Slack offers: the command's
``response_url`` first, then ``chat.postEphemeral`` in the channel it came from."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from slack_sdk.webhook.webhook_response import WebhookResponse

from bot.infra import retry
from bot.infra.inbox import Job, Retry
from bot.infra.pacing import paced_wait

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


ATTEMPTS = 3  # of a job that answers a person, before they are told it failed
RESPONSE_URL_TIMEOUT = 5  # seconds


def command_teller(client: WebClient, command: dict[str, Any]) -> Callable[[str], None]:
    """``tell(text)`` for a stored slash command: privately to whoever ran it, through its
    ``response_url``, else ``chat.postEphemeral`` in its channel."""

    def tell(text: str) -> None:
        respond = responder(command.get("response_url"))
        channel = command.get("channel_id")
        user = command["user_id"]
        reply_privately(text, client=client, channel=channel, user=user, respond=respond)

    return tell


def responder(response_url: object) -> Callable[..., WebhookResponse] | None:
    """A ``respond``-like callable posting to a request's ``response_url``, or None."""
    if not isinstance(response_url, str) or not response_url:
        return None
    client = WebhookClient(response_url, timeout=RESPONSE_URL_TIMEOUT)

    def respond(*, text: str, response_type: str = "ephemeral") -> WebhookResponse:
        return client.send(text=text, response_type=response_type)

    return respond


def try_again_or(job: Job, exc: Exception, give_up: Callable[[], None]) -> None:
    """A passing failure in a job that answers a person: ask for another run (Slack's
    Retry-After, else 2 s then 10 s); on the last of ATTEMPTS, run ``give_up`` (tell them).
    A call this process held back to keep Slack's pace is waited for without giving up (the
    job's expiry still bounds it).

    Raises:
        Retry: when another attempt is due.
    """
    turn = paced_wait(exc)
    if turn is not None:  # Slack's pace, kept here: a turn to wait for, not a failed attempt
        raise Retry(f"waiting for Slack's pace: {exc}", turn, counts=False) from exc
    permanent = isinstance(exc, SlackApiError) and retry.classify(exc, job.attempt).permanent
    if job.attempt < ATTEMPTS and not permanent:
        wait = retry.wait_before_retry(exc, job.attempt)
        raise Retry(f"{type(exc).__name__}: {exc}", wait) from exc
    log.warning("job %s failed (attempt %d), giving up: %s", job.key, job.attempt, exc)
    give_up()
