"""The App Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.home import service
from bot.infra.context import AppContext
from bot.infra.inbox import Job
from handlers.context import lantern
from handlers.inbox import stored_job


def app_home_opened(event: dict[str, Any], context: BoltContext) -> None:
    """Publish the Home of the person who opened it (a stored job: it asks Slack)."""
    lantern(context).run_soon(stored_job(context))


def publish(ctx: AppContext, job: Job) -> None:
    """Job ``event.app_home_opened``: publish the opener's Home tab (the Messages tab and a
    missing user are ignored)."""
    event = job.payload["event"]
    if event.get("tab", "home") == "home" and event.get("user"):
        service.publish(ctx, job.team_id, event["user"], ctx.now())


JOBS = {"event.app_home_opened": publish}


def register(app: App) -> None:
    """Attach this module's listeners to ``app``."""
    app.event("app_home_opened")(app_home_opened)
