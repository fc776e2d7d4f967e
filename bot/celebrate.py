"""``/celebrate``: team leads post a celebration to the celebrations channel."""

from __future__ import annotations

from bot import slack_text
from bot.config import WorkspaceConfig
from bot.outbox import Outgoing

MAX_LENGTH = 1000

USAGE = (
    "Usage: `/celebrate <message>` posts a celebration to "
    "{channel} (team leads only). Example: `/celebrate Manila hit 95% CSAT this week! 🎉`"
)


def usage(config: WorkspaceConfig) -> str:
    return USAGE.format(channel=slack_text.mention_channel(config.workspace.celebrations_channel))


def refusal(config: WorkspaceConfig) -> str:
    return (
        "Only team leads can post with `/celebrate`. Tell your team lead what deserves "
        "celebrating and they can post it for the whole team."
    )


def check_message(text: str) -> str | None:
    """Why a celebration text cannot be posted, or None when it can."""
    if not text.strip():
        return "Write what you are celebrating after `/celebrate`."
    if len(text) > MAX_LENGTH:
        return (
            f"That message is {len(text)} characters; please keep it under {MAX_LENGTH} "
            "and post again."
        )
    return None


def celebration(config: WorkspaceConfig, user_id: str, text: str, request_id: str) -> Outgoing:
    """The celebrations-channel post for a lead's message; ``request_id`` keeps it unique."""
    body = slack_text.user_text(text.strip())
    author = slack_text.mention_user(user_id)
    fallback = f"🎉 {author} is celebrating: {body}"
    blocks = [
        slack_text.section(f":tada: *{author} is celebrating*\n{body}"),
        slack_text.context("Posted with `/celebrate` · react to join in"),
    ]
    return Outgoing(
        key=f"celebrate:{request_id}",
        method="chat.postMessage",
        payload={
            "channel": config.workspace.celebrations_channel,
            "text": fallback,
            "blocks": blocks,
            "unfurl_links": False,
        },
    )
