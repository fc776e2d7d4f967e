"""/celebrate listeners: the command (help, list, post, or the form) and the form's submission."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.celebrate import form, listing, render, rules, service
from bot.infra import slack_text
from bot.infra.context import AppContext
from bot.infra.roles import UNAVAILABLE
from handlers.context import lantern, team_id

log = logging.getLogger(__name__)


def celebrate_command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    """/celebrate [message | list [days] | help]."""
    ctx = lantern(context)
    request = rules.parse(command.get("text") or "")
    user_id = command["user_id"]
    now = ctx.now()
    if request.kind == "help":
        ack(render.usage(ctx.config))
        return
    if request.kind == "list":
        today = listing.local_today(ctx.config, now)
        ack(request.problem or render.list_text(ctx.config, today, request.days))
        return
    if request.problem:
        ack(request.problem)
        return
    if request.kind == "modal":
        # the form opens first: trigger_id lasts 3 s, and asking Slack who the team leads are
        # can take 2; a non-lead then sees the form turn into the refusal
        ack()
        view = form.modal(ctx.config, listing.local_today(ctx.config, now))
        try:
            opened = ctx.client.views_open(trigger_id=command["trigger_id"], view=view)
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))
            return
        view_id = (opened.get("view") or {}).get("id")
        ctx.after_ack(refuse_in_form, ctx, user_id, view_id)
        return
    refusal = service.lead_refusal(ctx, user_id)
    if refusal:
        ack(refusal)
        return
    request_id = command.get("trigger_id") or f"{user_id}:{now.timestamp()}"
    try:
        key = service.post(
            ctx,
            team_id=team_id(context),
            user_id=user_id,
            text=request.text,
            request_id=request_id,
            milestone=None,
            now=now,
        )
    except SQLAlchemyError as exc:
        log.warning("/celebrate not stored: %s", exc)
        ack(slack_text.SORRY)
        return
    ack(f"🎉 Posted to {slack_text.mention_channel(ctx.config.workspace.celebrations_channel)}.")
    ctx.deliver_soon([key])


def refuse_in_form(ctx: AppContext, user_id: str, view_id: str | None) -> None:
    """After the form opened: if ``user_id`` is certainly not a team lead, the form says so
    instead. If Slack cannot say (a slow user group), the form stays: sending it checks
    again."""
    refusal = service.lead_refusal(ctx, user_id)
    if refusal and refusal != UNAVAILABLE and view_id:
        try:
            ctx.client.views_update(view_id=view_id, view=form.refusal_view(refusal))
        except SlackApiError as exc:
            log.warning("views.update failed: %s", exc.response.get("error"))


def celebrate_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """The /celebrate form: post the lead's message, linked to the chosen milestone."""
    ctx = lantern(context)
    user_id = body["user"]["id"]
    message, choice = form.submitted(view.get("state", {}).get("values", {}))
    problem = rules.check_message(message) or service.lead_refusal(ctx, user_id)
    if problem:
        ack(response_action="errors", errors={form.MESSAGE_BLOCK: problem})
        return
    milestone = listing.find_group(ctx.config, choice)
    if choice and milestone is None:
        errors = {form.MILESTONE_BLOCK: "That milestone is no longer upcoming."}
        ack(response_action="errors", errors=errors)
        return
    try:
        key = service.post(
            ctx,
            team_id=team_id(context),
            user_id=user_id,
            # a form field is raw text, not Slack's escaped text: escape it before it's posted
            text=slack_text.escape(message),
            request_id=f"view:{view['id']}",
            milestone=milestone,
            now=ctx.now(),
        )
    except SQLAlchemyError as exc:
        log.warning("the /celebrate form was not stored: %s", exc)
        ack(response_action="errors", errors={form.MESSAGE_BLOCK: slack_text.SORRY})
        return
    ack()
    ctx.deliver_soon([key])


def register(app: App) -> None:
    """Attach this module's listeners to ``app``."""
    app.command("/celebrate")(celebrate_command)
    app.view(form.MODAL_CALLBACK)(celebrate_submitted)
