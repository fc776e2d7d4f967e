"""Slash commands. Each listener acks within Slack's 3 s with the user's answer."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import celebrate, kudos
from bot.context import AppContext
from bot.outbox import enqueue
from bot.roles import UNAVAILABLE, RolesUnavailable
from handlers.replies import give_kudos, reply_privately

log = logging.getLogger(__name__)

NOT_YET = (
    "`{command}` is not available in this version of lantern yet. "
    "Try `/kudos @name what they did` or `/celebrate list`."
)
SORRY = "Something went wrong on our side and nothing was recorded. Please try again in a minute."


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
        try:
            is_lead = ctx.roles.is_team_lead(user_id)
        except RolesUnavailable:
            ack(UNAVAILABLE)
            return
        if not is_lead:
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
        ctx.deliver_soon([message.key])

    def kudos_command(
        ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """/kudos @a [@b …] [@group] message — recognition for the shared feed."""
        draft = kudos.parse(command.get("text") or "")
        refusal = kudos.check_draft(draft, command["user_id"])
        if refusal:  # answered at once; nothing to look up or store
            ack(refusal.text)
            return
        ack()  # the rest asks Slack who people are: it answers through response_url
        ctx.work.submit(finish_kudos, draft, command, respond, client)

    def finish_kudos(
        draft: kudos.Draft, command: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        giver_id = command["user_id"]
        request_id = command.get("trigger_id") or command.get("response_url")
        outcome = give_kudos(
            ctx,
            team_id=command["team_id"],
            giver_id=giver_id,
            draft=draft,
            source="command",
            source_key=f"command:{request_id}",
        )
        if outcome.reply:
            reply_privately(
                outcome.reply,
                client=client,
                channel=command.get("channel_id"),
                user=giver_id,
                respond=respond,
            )
        ctx.deliver_soon(outcome.queued)

    def not_yet(ack: Ack, command: dict[str, Any]) -> None:
        ack(NOT_YET.format(command=command.get("command", "This command")))

    app.command("/celebrate")(celebrate_command)
    app.command("/kudos")(kudos_command)
    app.command("/pulse")(not_yet)
