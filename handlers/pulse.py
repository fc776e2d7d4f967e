"""Pulse listeners: the survey's Answer button, its language switch, its submission, and
``/pulse``.

The button opens the survey at once (``views.open`` must beat the 3-second trigger); a
submission is stored in the inbox before the ack and recorded right after it, and the stored
request is emptied in the same transaction, so it never keeps who answered what.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.infra import slack_text
from bot.infra.context import AppContext
from bot.infra.inbox import Job, Retry
from bot.infra.roles import UNAVAILABLE, RolesUnavailable
from bot.infra.slack_text import SORRY
from bot.membership.store import sites_of
from bot.pulse import reports, service, store
from bot.pulse.render import (
    ANSWER_ACTION,
    LANGUAGE_ACTION,
    MODAL_CALLBACK,
    message_view,
    read_metadata,
)
from handlers.context import lantern, team_id
from handlers.replies import command_teller

log = logging.getLogger(__name__)

HELP = (
    "*Pulse surveys* are short and anonymous: each site's channel gets one a week, with an "
    "*Answer* button.\n"
    "• `/pulse privacy`: what lantern stores about your answers, and who sees what.\n"
    "• `/pulse results [site]`: the latest round's results (managers: every site; team leads: "
    "their own sites).\n"
    "• `/pulse now [site|all]` (admins): an extra round now."
)
PRIVACY = (
    "*What lantern stores about your pulse answers*\n"
    "• While a survey is open: that you answered (so you answer once), and, apart from it, "
    "your answers under a code made from you and that survey, so you can change them. No time "
    "is stored with an answer.\n"
    "• When it closes: the list of who answered is deleted and only its count kept; the "
    "answers are written anew without the codes and in random order. From then on nothing "
    "lantern keeps links you to an answer.\n"
    "• Results show only groups of at least {min} people, never a total from which a smaller "
    "group could be worked out, and only once every site's survey of the round has closed. "
    "Comments are shown per site when there are at least 3, shuffled, and deleted after "
    "{days} days.\n"
    "• No command or screen shows who answered or who did not, for anyone, admins included."
)
BUSY = "Lantern could not open the survey just now. Please press Answer again in a minute."


def pulse_command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    """/pulse [privacy | results [site]] — help, what is stored, results."""
    ctx = lantern(context)
    words = (command.get("text") or "").split()
    if words and words[0].lower() == "privacy":
        pulse = ctx.config.pulse
        ack(PRIVACY.format(min=pulse.min_responses, days=pulse.comment_retention_days))
        return
    if words and words[0].lower() in ("results", "now"):
        request_id = command.get("trigger_id") or command.get("response_url")
        fields = ("user_id", "channel_id", "text", "response_url")
        payload = {"command": {name: command.get(name) for name in fields}}
        try:
            kind = RESULTS_JOB if words[0].lower() == "results" else NOW_JOB
            job = ctx.accept(team_id(context), f"command:{request_id}", kind, payload)
        except SQLAlchemyError as exc:
            log.warning("/pulse results not stored: %s", type(exc).__name__)
            ack(SORRY)
            return
        ack()  # who may see what asks Slack about user groups: answered after the ack
        ctx.run_soon(job)
        return
    ack(HELP)


RESULTS_JOB = "pulse.results"
NOW_JOB = "pulse.now"
ADMINS_ONLY = "`/pulse now` is for admins: it opens an extra survey round at a site."


def open_now(ctx: AppContext, job: Job) -> None:
    """Job ``pulse.now``: an admin opens an extra round at a site or everywhere."""
    command = job.payload["command"]
    user = command["user_id"]
    words = (command.get("text") or "").split()
    tell = command_teller(ctx.client, command)

    try:
        admin = ctx.roles.is_admin(user)
    except RolesUnavailable:
        tell(UNAVAILABLE)
        return
    if not admin:
        tell(ADMINS_ONLY)
        return
    tag = f"{job.id}"
    with ctx.session_factory.begin() as session:
        reply, queued = service.open_now(
            session, ctx.config, job.team_id, " ".join(words[1:]), ctx.now(), tag
        )
    tell(reply)
    ctx.deliver_soon(queued)


NOT_YOURS = (
    "Pulse results are for managers (every site) and team leads (the sites whose channels "
    "they are in). Everyone can read `/pulse privacy`."
)


def show_results(ctx: AppContext, job: Job) -> None:
    """Job ``pulse.results``: the latest round for the sites the person may see, privately."""
    command = job.payload["command"]
    user = command["user_id"]
    wanted = (command.get("text") or "").split()[1:]
    tell = command_teller(ctx.client, command)

    try:
        manager = ctx.roles.is_manager(user)
        lead = not manager and ctx.roles.is_team_lead(user)
    except RolesUnavailable:
        tell(UNAVAILABLE)
        return
    if not manager and not lead:
        tell(NOT_YOURS)
        return
    with ctx.session_factory() as session:
        if manager:
            allowed: set[str] | None = None
        else:
            allowed = set(sites_of(session, job.team_id, [user]).get(user, []))
        latest = reports.latest_round(session, ctx.config, job.team_id)
    if wanted:
        site = ctx.config.site_named(wanted[0])
        if site is None or (allowed is not None and site.key not in allowed):
            tell(f"`{slack_text.escape(' '.join(wanted))}` is not one of your sites.")
            return
        allowed = {site.key}
    tell(reports.results_text(ctx.config, latest, allowed))


def _secret(ctx: AppContext) -> str:
    secret = ctx.settings.lantern_secret
    if not secret:
        raise RuntimeError("LANTERN_SECRET is not set: surveys cannot be answered")
    return secret


def answer_pressed(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The round's Answer button: the survey, with the person's own answers if any."""
    ack()
    ctx = lantern(context)
    action = (body.get("actions") or [{}])[0]
    key = str(action.get("value") or "")
    user = body["user"]["id"]
    try:
        with ctx.session_factory() as session:
            shown = service.show(
                session, ctx.config, team_id(context), _secret(ctx), key, user, ctx.now()
            )
        view = shown.view
    except SQLAlchemyError as exc:
        log.warning("the pulse survey could not be read: %s", type(exc).__name__)
        view = message_view(service.TITLE, BUSY)
    try:
        ctx.client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))


def language_pressed(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The modal's language switch: the same survey in the other language."""
    ack()
    ctx = lantern(context)
    view = body.get("view") or {}
    key, _ = read_metadata(view.get("private_metadata"))
    language = str(((body.get("actions") or [{}])[0]).get("value") or "")
    user = body["user"]["id"]
    with ctx.session_factory() as session:
        shown = service.show(
            session, ctx.config, team_id(context), _secret(ctx), key, user, ctx.now(), language
        )
    try:
        ctx.client.views_update(view_id=view["id"], hash=view.get("hash"), view=shown.view)
    except SlackApiError as exc:
        log.warning("views.update failed: %s", exc.response.get("error"))


def survey_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """The survey's Submit: stored, then recorded right after the ack."""
    ctx = lantern(context)
    key, language = read_metadata(view.get("private_metadata"))
    payload = {
        "survey": key,
        "user": body["user"]["id"],
        "language": language,
        "values": view.get("state", {}).get("values", {}),
        "view_id": view["id"],
    }
    try:
        job = ctx.accept(team_id(context), f"view:{view['id']}", store.ANSWER_JOB, payload)
    except SQLAlchemyError as exc:
        log.warning("a pulse answer was not stored: %s", type(exc).__name__)
        ack(response_action="update", view=message_view(service.TITLE, SORRY))
        return
    ack(response_action="update", view=message_view(service.TITLE, "⏳ Saving your answers…"))
    ctx.run_soon(job)


def record_answers(ctx: AppContext, job: Job) -> None:
    """Job ``pulse.answer``: record the survey (or refuse it) and empty the stored request
    in one transaction, then show the person the outcome. Nothing about the answers is
    logged: a database error is reported by its kind alone."""
    payload = dict(job.payload)
    if not payload:  # emptied: recorded already, or its round closed first
        return
    try:
        with ctx.session_factory.begin() as session:
            shown = service.submit(
                session,
                ctx.config,
                job.team_id,
                _secret(ctx),
                payload["survey"],
                payload["user"],
                payload["language"],
                payload["values"],
                ctx.now(),
            )
            store.forget_request(session, job.id)
    except SQLAlchemyError as exc:
        raise Retry(f"database: {type(exc).__name__}") from None
    try:
        ctx.client.views_update(view_id=payload["view_id"], view=shown.view)
    except SlackApiError as exc:
        log.warning("views.update failed: %s", exc.response.get("error"))


JOBS = {store.ANSWER_JOB: record_answers, RESULTS_JOB: show_results, NOW_JOB: open_now}


def register(app: App) -> None:
    """Attach this module's listeners to ``app``."""
    app.command("/pulse")(pulse_command)
    app.action(ANSWER_ACTION)(answer_pressed)
    app.action(LANGUAGE_ACTION)(language_pressed)
    app.view(MODAL_CALLBACK)(survey_submitted)
