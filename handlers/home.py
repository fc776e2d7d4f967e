"""The App Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.home import service
from bot.infra.context import AppContext
from handlers.context import lantern, team_id


def app_home_opened(event: dict[str, Any], context: BoltContext) -> None:
    """Publish the Home of the person who opened it (after the ack: it asks Slack)."""
    if event.get("tab", "home") == "home" and event.get("user"):
        ctx = lantern(context)
        ctx.after_ack(publish, ctx, team_id(context), event["user"])


def publish(ctx: AppContext, team: str, user_id: str) -> None:
    """After the ack: publish the Home of ``user_id`` (U…) in ``team`` (T…) as of now."""
    service.publish(ctx, team, user_id, ctx.now())


def register(app: App) -> None:
    """Attach this module's listeners to ``app``."""
    app.event("app_home_opened")(app_home_opened)
