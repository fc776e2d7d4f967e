"""Joins and leaves of site channels keep site membership current between syncs."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.infra.context import AppContext
from bot.infra.inbox import Job
from bot.membership import service
from handlers.context import lantern
from handlers.inbox import stored_job


def membership_changed(event: dict[str, Any], context: BoltContext) -> None:
    """member_joined_channel / member_left_channel: run the stored job."""
    lantern(context).run_soon(stored_job(context))


def apply(ctx: AppContext, job: Job) -> None:
    """Jobs ``event.member_joined_channel`` / ``event.member_left_channel``."""
    service.apply_event(ctx, job.team_id, job.payload["event"], ctx.now())


JOBS = {"event.member_joined_channel": apply, "event.member_left_channel": apply}


def register(app: App) -> None:
    """Attach this module's listeners to ``app``."""
    app.event("member_joined_channel")(membership_changed)
    app.event("member_left_channel")(membership_changed)
