"""Kudos listeners: /kudos, the "Give kudos" shortcut and form, and the kudos reaction.

Refusals that need no look-up are answered in the ack. Everything that asks Slack who people
are is stored in the inbox before the ack and runs right after it (on any process, if this
one stops first), answering through ``response_url``, ``chat.postEphemeral`` or the form.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.infra.context import AppContext
from bot.infra.inbox import Job
from bot.infra.models import KudosSource
from bot.infra.retry import PASSING
from bot.infra.slack_text import SORRY
from bot.kudos import form, rules, service
from handlers.context import lantern, team_id
from handlers.inbox import stored_job
from handlers.replies import command_teller, reply_privately, try_again_or

log = logging.getLogger(__name__)

REACTION_FAILED = (
    "I couldn't record your kudos for that reaction just now. "
    "Please remove it and add it again in a minute."
)


def kudos_command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    """/kudos @a [@b …] [@group] message — recognition for the shared feed."""
    draft = rules.parse(command.get("text") or "")
    refusal = rules.check_draft(draft, command["user_id"])
    if refusal:  # answered at once; nothing to look up or store
        ack(refusal.text)
        return
    ctx = lantern(context)
    request_id = command.get("trigger_id") or command.get("response_url")
    fields = ("user_id", "channel_id", "text", "trigger_id", "response_url")
    payload = {"command": {name: command.get(name) for name in fields}}
    try:
        job = ctx.accept(team_id(context), f"command:{request_id}", "kudos.command", payload)
    except SQLAlchemyError as exc:
        log.warning("/kudos not stored: %s", exc)
        ack(SORRY)
        return
    ack()  # the rest asks Slack who people are: it answers through response_url
    ctx.run_soon(job)


def give_from_command(ctx: AppContext, job: Job) -> None:
    """Job ``kudos.command``: give, answer the giver privately (``response_url``, else
    ``chat.postEphemeral``) and deliver the feed post. The command's ``trigger_id`` keys the
    kudos, so running the job twice gives nothing twice."""
    command = job.payload["command"]
    giver_id = command["user_id"]
    request_id = command.get("trigger_id") or command.get("response_url")
    draft = rules.parse(command.get("text") or "")

    tell = command_teller(ctx.client, command)
    answer(
        ctx,
        job,
        lambda: give(ctx, job.team_id, giver_id, draft, KudosSource.COMMAND, str(request_id)),
        tell,
        SORRY,
    )


def answer(
    ctx: AppContext,
    job: Job,
    attempt: Callable[[], service.Outcome],
    tell: Callable[[str], None],
    apology: str,
    *,
    always: bool = False,
) -> None:
    """Run a use case for a stored request: ``tell`` the person its reply and deliver what it
    queued; after a passing failure, run again later, and on the last attempt tell them the
    ``apology`` instead. With ``always`` (a form waiting on "Sending…"), an outcome without a
    reply is told the apology too."""
    try:
        outcome = attempt()
    except PASSING as exc:
        try_again_or(job, exc, lambda: tell(apology))
        return
    if outcome.reply or always:
        tell(outcome.reply or apology)
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
    values = view.get("state", {}).get("values", {})
    draft = form.draft_from_modal(values)
    giver_id = body["user"]["id"]
    refusal = rules.check_draft(draft, giver_id)
    if refusal:
        ack(response_action="errors", errors={form.field_for(refusal.about): refusal.text})
        return
    ctx = lantern(context)
    payload = {"giver_id": giver_id, "view_id": view["id"], "values": values}
    try:
        job = ctx.accept(team_id(context), f"view:{view['id']}", "kudos.form", payload)
    except SQLAlchemyError as exc:
        log.warning("the kudos form was not stored: %s", exc)
        ack(response_action="errors", errors={form.MESSAGE_BLOCK: SORRY})
        return
    ack(response_action="update", view=form.sent_view("⏳ Sending your kudos…"))
    ctx.run_soon(job)


def give_from_form(ctx: AppContext, job: Job) -> None:
    """Job ``kudos.form``: give (keyed by the view id, V…), show the answer in the form, and
    deliver the feed post. A failed ``views.update`` is logged, not retried."""
    view_id = job.payload["view_id"]
    draft = form.draft_from_modal(job.payload["values"])

    def show(text: str) -> None:
        try:
            ctx.client.views_update(view_id=view_id, view=form.sent_view(text))
        except SlackApiError as exc:
            log.warning("views.update failed: %s", exc.response.get("error"))

    def attempt() -> service.Outcome:
        giver_id = job.payload["giver_id"]
        return give(ctx, job.team_id, giver_id, draft, KudosSource.SHORTCUT, view_id)

    answer(ctx, job, attempt, show, SORRY, always=True)


def reaction_changed(event: dict[str, Any], context: BoltContext) -> None:
    """reaction_added / reaction_removed with the kudos emoji: run the stored job."""
    lantern(context).run_soon(stored_job(context))


def give_for_reaction(ctx: AppContext, job: Job) -> None:
    """Job ``event.reaction_added``: kudos to the message's author. When Slack is busy or
    unreachable it is tried again (Slack's Retry-After, else 2 s then 10 s), three times in
    all; then the reactor is told privately."""
    event = job.payload["event"]
    channel = (event.get("item") or {}).get("channel")

    def tell(text: str) -> None:
        reply_privately(text, client=ctx.client, channel=channel, user=event["user"])

    def react() -> service.Outcome:
        return service.react(ctx, team_id=job.team_id, event=event, now=ctx.now())

    answer(ctx, job, react, tell, REACTION_FAILED)


def take_back(ctx: AppContext, job: Job) -> None:
    """Job ``event.reaction_removed``: withdraw the kudos and deliver the corrected feed
    post; a passing failure runs the job again later, until it expires."""
    outcome = service.unreact(ctx, team_id=job.team_id, event=job.payload["event"], now=ctx.now())
    ctx.deliver_soon(outcome.queued)


JOBS = {
    "kudos.command": give_from_command,
    "kudos.form": give_from_form,
    "event.reaction_added": give_for_reaction,
    "event.reaction_removed": take_back,
}


def register(app: App) -> None:
    """Attach this module's listeners to ``app``."""
    app.command("/kudos")(kudos_command)
    app.shortcut("give_kudos")(give_kudos_shortcut)
    app.view(form.MODAL_CALLBACK)(kudos_submitted)
    app.event("reaction_added")(reaction_changed)
    app.event("reaction_removed")(reaction_changed)
