"""Slash commands. Each listener acks within Slack's 3 s with the user's answer."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App

from bot import celebrate
from bot.context import AppContext
from bot.outbox import enqueue

log = logging.getLogger(__name__)

NOT_YET = (
    "`{command}` is not available in this version of lantern yet. "
    "Try `/celebrate` for team celebrations."
)


def register(app: App, ctx: AppContext) -> None:
    def celebrate_command(ack: Ack, command: dict[str, Any]) -> None:
        """/celebrate <message>: a team lead's celebration, posted to the celebrations channel."""
        text = (command.get("text") or "").strip()
        user_id = command["user_id"]
        if not text or text.lower() in ("help", "?"):
            ack(celebrate.usage(ctx.config))
            return
        problem = celebrate.check_message(text)
        if problem:
            ack(problem)
            return
        if not ctx.roles.is_team_lead(user_id):
            ack(celebrate.refusal(ctx.config))
            return
        request_id = command.get("trigger_id") or f"{user_id}:{datetime.now(UTC).timestamp()}"
        message = celebrate.celebration(ctx.config, user_id, text, request_id)
        with ctx.session_factory.begin() as session:
            enqueue(session, command["team_id"], message, datetime.now(UTC))
        ack(f"🎉 Posted to <#{ctx.config.workspace.celebrations_channel}>.")
        ctx.background.submit([message.key])

    def not_yet(ack: Ack, command: dict[str, Any]) -> None:
        ack(NOT_YET.format(command=command.get("command", "This command")))

    app.command("/celebrate")(celebrate_command)
    app.command("/kudos")(not_yet)
    app.command("/pulse")(not_yet)
