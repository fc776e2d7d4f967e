"""Shortcuts and interactive components."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import slack_text
from bot.context import AppContext

log = logging.getLogger(__name__)


def not_yet_view(title: str, text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": slack_text.truncate(title, 24)},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [slack_text.section(text)],
    }


def register(app: App, ctx: AppContext) -> None:
    def give_kudos(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Message shortcut "Give kudos": answered with a modal so the user is never left
        with Slack's generic error."""
        ack()
        view = not_yet_view(
            "Give kudos",
            "Kudos are not available in this version of lantern yet. Until then, a reply "
            "in the thread is a great way to say thanks.",
        )
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))

    app.shortcut("give_kudos")(give_kudos)
