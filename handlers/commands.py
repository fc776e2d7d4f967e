"""Slash commands. Each listener acks within Slack's 3 s with the user's answer."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import celebrate
from bot.context import AppContext
from bot.outbox import enqueue

log = logging.getLogger(__name__)

NOT_YET = (
    "`{command}` is not available in this version of lantern yet. "
    "Try `/celebrate` for team celebrations."
)


def register(app: App, ctx: AppContext) -> None:
    def celebrate_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        """/celebrate [message | list [days] | help] — see bot/celebrate.py."""
        request = celebrate.parse(command.get("text") or "")
        user_id = command["user_id"]
        now = datetime.now(UTC)
        if request.kind == "help":
            ack(celebrate.usage(ctx.config))
            return
        if request.kind == "list":
            today = celebrate.local_today(ctx.config, now)
            ack(request.problem or celebrate.list_text(ctx.config, today, request.days))
            return
        if request.problem:
            ack(request.problem)
            return
        if not ctx.roles.is_team_lead(user_id):
            ack(celebrate.refusal())
            return
        if request.kind == "modal":
            ack()
            view = celebrate.modal(ctx.config, celebrate.local_today(ctx.config, now))
            try:
                client.views_open(trigger_id=command["trigger_id"], view=view)
            except SlackApiError as exc:
                log.warning("views.open failed: %s", exc.response.get("error"))
            return
        request_id = command.get("trigger_id") or f"{user_id}:{now.timestamp()}"
        message = celebrate.celebration(ctx.config, user_id, request.text, request_id)
        with ctx.session_factory.begin() as session:
            enqueue(session, command["team_id"], message, now)
        ack(f"🎉 Posted to <#{ctx.config.workspace.celebrations_channel}>.")
        ctx.background.submit([message.key])

    def not_yet(ack: Ack, command: dict[str, Any]) -> None:
        ack(NOT_YET.format(command=command.get("command", "This command")))

    app.command("/celebrate")(celebrate_command)
    app.command("/kudos")(not_yet)
    app.command("/pulse")(not_yet)
