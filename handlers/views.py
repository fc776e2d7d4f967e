"""Modal submissions."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App

from bot import celebrate
from bot.context import AppContext
from bot.outbox import enqueue

log = logging.getLogger(__name__)


def register(app: App, ctx: AppContext) -> None:
    def celebrate_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """The /celebrate modal: post the lead's message, linked to the chosen milestone."""
        user_id = body["user"]["id"]
        message, choice = celebrate.submitted(view.get("state", {}).get("values", {}))
        problem = celebrate.check_message(message)
        if problem:
            ack(response_action="errors", errors={celebrate.MESSAGE_BLOCK: problem})
            return
        if not ctx.roles.is_team_lead(user_id):
            ack(response_action="errors", errors={celebrate.MESSAGE_BLOCK: celebrate.refusal()})
            return
        milestone = celebrate.find_group(ctx.config, choice)
        if choice and milestone is None:
            ack(
                response_action="errors",
                errors={celebrate.MILESTONE_BLOCK: "That milestone is no longer upcoming."},
            )
            return
        outgoing = celebrate.celebration(
            ctx.config, user_id, message, f"view:{view['id']}", milestone
        )
        team_id = (body.get("team") or {}).get("id") or view.get("team_id") or "-"
        with ctx.session_factory.begin() as session:
            enqueue(session, team_id, outgoing, datetime.now(UTC))
        ack()
        ctx.background.submit([outgoing.key])

    app.view(celebrate.MODAL_CALLBACK)(celebrate_submitted)
