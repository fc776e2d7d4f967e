"""Modal submissions."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import celebrate, kudos, slack_text
from bot.context import AppContext
from bot.outbox import enqueue
from bot.roles import UNAVAILABLE, RolesUnavailable
from handlers.replies import SORRY, give_kudos

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
        try:
            refusal = None if ctx.roles.is_team_lead(user_id) else celebrate.refusal()
        except RolesUnavailable:
            refusal = UNAVAILABLE
        if refusal:
            ack(response_action="errors", errors={celebrate.MESSAGE_BLOCK: refusal})
            return
        milestone = celebrate.find_group(ctx.config, choice)
        if choice and milestone is None:
            ack(
                response_action="errors",
                errors={celebrate.MILESTONE_BLOCK: "That milestone is no longer upcoming."},
            )
            return
        # a form field is raw text, not Slack's escaped text: escape it before it is posted
        outgoing = celebrate.celebration(
            ctx.config, user_id, slack_text.escape(message), f"view:{view['id']}", milestone
        )
        team_id = (body.get("team") or {}).get("id") or view.get("team_id") or "-"
        with ctx.session_factory.begin() as session:
            enqueue(session, team_id, outgoing, datetime.now(UTC))
        ack()
        ctx.deliver_soon([outgoing.key])

    def kudos_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        """The "Give kudos" form: the same rules as /kudos. Problems found without asking
        Slack stay on their field; the rest is answered in the form once looked up."""
        draft = kudos.draft_from_modal(view.get("state", {}).get("values", {}))
        refusal = kudos.check_draft(draft, body["user"]["id"])
        if refusal:
            block = kudos.MESSAGE_BLOCK if refusal.about == "message" else kudos.RECIPIENTS_BLOCK
            ack(response_action="errors", errors={block: refusal.text})
            return
        ack(response_action="update", view=kudos.sent_view("⏳ Sending your kudos…"))
        ctx.work.submit(give_from_form, draft, body, view, client)

    def give_from_form(
        draft: kudos.Draft, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        outcome = give_kudos(
            ctx,
            team_id=(body.get("team") or {}).get("id") or view.get("team_id") or "-",
            giver_id=body["user"]["id"],
            draft=draft,
            source="shortcut",
            source_key=f"shortcut:{view['id']}",
        )
        try:
            client.views_update(view_id=view["id"], view=kudos.sent_view(outcome.reply or SORRY))
        except SlackApiError as exc:
            log.warning("views.update failed: %s", exc.response.get("error"))
        ctx.deliver_soon(outcome.queued)

    app.view(celebrate.MODAL_CALLBACK)(celebrate_submitted)
    app.view(kudos.MODAL_CALLBACK)(kudos_submitted)
