"""Shortcuts and interactive components."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import kudos
from bot.context import AppContext

log = logging.getLogger(__name__)


def register(app: App, ctx: AppContext) -> None:
    def give_kudos(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Message shortcut "Give kudos": a form with the message's author filled in."""
        ack()
        author = (body.get("message") or {}).get("user")
        try:
            client.views_open(trigger_id=body["trigger_id"], view=kudos.modal(author))
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))

    app.shortcut("give_kudos")(give_kudos)
