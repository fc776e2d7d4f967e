"""Finding a post whose fate is unknown (a crash mid-send, an answer lost on the way back) in
its channel, by the outbox key every post carries as Slack message metadata, so it is
recorded instead of posted twice."""

from __future__ import annotations

import logging
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.infra import retry
from bot.infra.models import OutboxStatus
from bot.infra.outbox.leases import CLOCK_SLACK, Claim, Result

log = logging.getLogger(__name__)

METADATA_EVENT = "lantern_outbox"  # the metadata event_type of every post the outbox makes
HISTORY_PAGE_SIZE = 200  # conversations.history allows up to 999; Slack advises 200
HISTORY_PAGES = 25  # 5,000 messages back; beyond that the check waits and tries again
DEFAULT_RETRY = 60.0  # seconds
SENT, PENDING = OutboxStatus.SENT, OutboxStatus.PENDING
# the look-up could not be made (the bot cannot read the channel): send, counted
CANNOT_CHECK = Result(PENDING, error="cannot check the channel")


def find_post(client: WebClient, claim: Claim, max_backoff: float) -> Result | None:
    """When an earlier send's outcome is unknown (a crash, a lost answer), find that post
    in the channel by its metadata, paging back to when it may have been made.

    Returns:
        SENT with the post found; PENDING (not sent, checked again later) when the look-up
        is rate-limited, fails passingly or runs past HISTORY_PAGES; CANNOT_CHECK when
        the bot cannot read the channel (``not_in_channel``…); None when it was not posted.
    """
    if claim.orphaned_at is None or claim.method != "chat.postMessage":
        return None
    channel = str(claim.payload.get("channel") or "")
    oldest = f"{(claim.orphaned_at - CLOCK_SLACK).timestamp():.6f}"  # clocks differ a little
    cursor: str | None = None
    attempt = claim.attempts + 1
    for _ in range(HISTORY_PAGES):
        try:
            response = client.conversations_history(
                channel=channel,
                oldest=oldest,
                include_all_metadata=True,
                limit=HISTORY_PAGE_SIZE,
                cursor=cursor,
            )
        except SlackApiError as exc:
            verdict = retry.classify(exc, attempt, max_backoff)
            if verdict.retry_in is None:
                log.warning(
                    "cannot read %s to check for %s (%s): sending it again",
                    channel,
                    claim.key,
                    verdict.error,
                )
                return CANNOT_CHECK
            error = f"checking history: {verdict.error}"
            return Result(PENDING, error=error, retry_in=verdict.retry_in, unknown=True)
        except (URLError, OSError, ValueError) as exc:
            wait = retry.backoff(attempt, max_backoff)
            error = f"checking history: {exc}"
            return Result(PENDING, error=error, retry_in=wait, unknown=True)
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_EVENT and payload.get("key") == claim.key:
                log.info("outbox %s had been posted; not posting again", claim.key)
                return Result(SENT, data={"ts": message.get("ts"), "channel": channel})
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return None
    error = f"checking history: more than {HISTORY_PAGES} pages"
    return Result(PENDING, error=error, retry_in=DEFAULT_RETRY, unknown=True)
