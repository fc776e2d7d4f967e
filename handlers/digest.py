"""The weekly digest's job: the clock stores ``digest.send`` when the digest is due, and a
worker runs it here, where Slack is at hand to expand the managers' user groups."""

from __future__ import annotations

import logging
from datetime import datetime

from slack_bolt import App
from sqlalchemy.exc import SQLAlchemyError

from bot.digest import service
from bot.infra.context import AppContext
from bot.infra.inbox import Job, Retry
from bot.infra.roles import RolesUnavailable

log = logging.getLogger(__name__)


def send_digest(ctx: AppContext, job: Job) -> None:
    """Job ``digest.send`` (payload: ``week``, ``at``): prepare the week's digest and queue
    one DM per manager; tried again later when a user group cannot be looked up or the
    database fails."""
    at = datetime.fromisoformat(job.payload["at"])
    try:
        recipients = service.managers(ctx.roles, ctx.config)
    except RolesUnavailable as exc:
        raise Retry(f"managers' user group {exc} cannot be looked up", 60.0) from None
    if not recipients:  # nothing is prepared: a manager added this week gets it next week
        log.warning("digest %s: no managers to send it to", job.payload["week"])
        return
    try:
        with ctx.session_factory.begin() as session:
            service.queue_week(session, ctx.config, job.team_id, at, recipients, ctx.now())
    except SQLAlchemyError as exc:
        raise Retry(f"database: {type(exc).__name__}") from None


def register(app: App) -> None:
    """Nothing to listen to: the digest is sent by the clock, read in a DM."""


JOBS = {service.SEND_JOB: send_digest}
