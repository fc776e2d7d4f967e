"""Kudos listeners: /kudos, the "Give kudos" shortcut and form, and the kudos reaction.

Refusals that need no look-up are answered in the ack; everything that asks Slack who people
are runs after the ack (``AppContext.after_ack``) and answers through ``response_url``,
``chat.postEphemeral`` or the form itself.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.errors import SlackApiError

from bot.infra import retry
from bot.infra.context import AppContext
from bot.infra.models import KudosSource
from bot.kudos import form, rules, service
from handlers.context import lantern, team_id
from handlers.replies import reply_privately

log = logging.getLogger(__name__)

REACTION_ATTEMPTS = 3
REACTION_FAILED = (
    "I couldn't record your kudos for that reaction just now. "
    "Please remove it and add it again in a minute."
)


def kudos_command(
    ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """/kudos @a [@b …] [@group] message — recognition for the shared feed."""
    draft = rules.parse(command.get("text") or "")
    refusal = rules.check_draft(draft, command["user_id"])
    if refusal:  # answered at once; nothing to look up or store
        ack(refusal.text)
        return
    ack()  # the rest asks Slack who people are: it answers through response_url
    ctx = lantern(context)
    ctx.after_ack(give_from_command, ctx, team_id(context), draft, command, respond)


def give_from_command(
    ctx: AppContext, team: str, draft: rules.Draft, command: dict[str, Any], respond: Respond
) -> None:
    """After the ack of /kudos: give, answer the giver privately (``response_url``, else
    ``chat.postEphemeral``) and deliver the feed post. The command's ``trigger_id`` keys the
    kudos, so a retried command gives nothing twice."""
    giver_id = command["user_id"]
    request_id = command.get("trigger_id") or command.get("response_url")
    outcome = give(ctx, team, giver_id, draft, KudosSource.COMMAND, str(request_id))
    if outcome.reply:
        reply_privately(
            outcome.reply,
            client=ctx.client,
            channel=command.get("channel_id"),
            user=giver_id,
            respond=respond,
        )
    ctx.deliver_soon(outcome.queued)


def give(
    ctx: AppContext,
    team: str,
    giver_id: str,
    draft: rules.Draft,
    source: KudosSource,
    request_id: str,
) -> service.Outcome:
    """Give now; the request's own id keys it (``command:<trigger_id>``, ``shortcut:<view>``)."""
    return service.give(
        ctx,
        team_id=team,
        giver_id=giver_id,
        draft=draft,
        source=source,
        source_key=f"{source}:{request_id}",
        now=ctx.now(),
    )


def give_kudos_shortcut(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Message shortcut "Give kudos": a form with the message's author filled in."""
    ack()
    author = (body.get("message") or {}).get("user")
    try:
        lantern(context).client.views_open(trigger_id=body["trigger_id"], view=form.modal(author))
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))


def kudos_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """The "Give kudos" form: the same rules as /kudos. Problems found without asking Slack
    stay on their field; the rest is answered in the form once looked up."""
    draft = form.draft_from_modal(view.get("state", {}).get("values", {}))
    refusal = rules.check_draft(draft, body["user"]["id"])
    if refusal:
        ack(response_action="errors", errors={form.field_for(refusal.about): refusal.text})
        return
    ack(response_action="update", view=form.sent_view("⏳ Sending your kudos…"))
    ctx = lantern(context)
    ctx.after_ack(give_from_form, ctx, team_id(context), draft, body["user"]["id"], view["id"])


def give_from_form(
    ctx: AppContext, team: str, draft: rules.Draft, giver_id: str, view_id: str
) -> None:
    """After the ack of the form: give (keyed by the view id, V…), show the answer in the
    form, and deliver the feed post. A failed ``views.update`` is logged, not retried."""
    outcome = give(ctx, team, giver_id, draft, KudosSource.SHORTCUT, view_id)
    try:
        ctx.client.views_update(
            view_id=view_id, view=form.sent_view(outcome.reply or service.SORRY)
        )
    except SlackApiError as exc:
        log.warning("views.update failed: %s", exc.response.get("error"))
    ctx.deliver_soon(outcome.queued)


def reaction_added(event: dict[str, Any], context: BoltContext) -> None:
    """Reacting with the kudos emoji gives kudos to the message's author."""
    ctx = lantern(context)
    if is_kudos_emoji(ctx, event):
        ctx.after_ack(give_for_reaction, ctx, team_id(context), event)


def give_for_reaction(ctx: AppContext, team: str, event: dict[str, Any], attempt: int = 1) -> None:
    """Reaction kudos; when Slack is busy or unreachable, tried again up to REACTION_ATTEMPTS
    times (waiting Slack's Retry-After, else 2 s then 10 s), then the reactor is told."""
    try:
        outcome = service.react(ctx, team_id=team, event=event, now=ctx.now())
    except (SlackApiError, OSError) as exc:
        if attempt < REACTION_ATTEMPTS:
            delay = retry.wait_before_retry(exc, attempt)
            log.info("reaction kudos will retry in %.0fs: %s", delay, exc)
            ctx.after_ack(give_for_reaction, ctx, team, event, attempt + 1, delay=delay)
            return
        log.warning("reaction kudos failed for good: %s", exc)
        outcome = service.Outcome(REACTION_FAILED)
    if outcome.reply:
        channel = (event.get("item") or {}).get("channel")
        reply_privately(outcome.reply, client=ctx.client, channel=channel, user=event["user"])
    ctx.deliver_soon(outcome.queued)


def reaction_removed(event: dict[str, Any], context: BoltContext) -> None:
    """Taking the reaction back withdraws the kudos and corrects the feed post."""
    ctx = lantern(context)
    if is_kudos_emoji(ctx, event):
        ctx.after_ack(take_back, ctx, team_id(context), event)


def take_back(ctx: AppContext, team: str, event: dict[str, Any]) -> None:
    """After the ack of ``reaction_removed``: withdraw the kudos and deliver the corrected
    feed post. Unlike giving, not retried: an error is logged by the job pool."""
    outcome = service.unreact(ctx, team_id=team, event=event, now=ctx.now())
    ctx.deliver_soon(outcome.queued)


def is_kudos_emoji(ctx: AppContext, event: dict[str, Any]) -> bool:
    """Whether the event's reaction is the workspace's kudos emoji (skin tones count)."""
    return rules.is_kudos_reaction(event.get("reaction"), ctx.config.workspace.kudos_emoji)


def register(app: App) -> None:
    """Attach this module's listeners to ``app``."""
    app.command("/kudos")(kudos_command)
    app.shortcut("give_kudos")(give_kudos_shortcut)
    app.view(form.MODAL_CALLBACK)(kudos_submitted)
    app.event("reaction_added")(reaction_added)
    app.event("reaction_removed")(reaction_removed)
