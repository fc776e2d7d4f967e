"""Joins and leaves of site channels keep site membership current between syncs."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.infra.context import AppContext
from bot.membership import service
from handlers.context import lantern, team_id


def membership_changed(event: dict[str, Any], context: BoltContext) -> None:
    """member_joined_channel / member_left_channel."""
    ctx = lantern(context)
    ctx.after_ack(apply, ctx, team_id(context), event)


def apply(ctx: AppContext, team: str, event: dict[str, Any]) -> None:
    service.apply_event(ctx, team, event, ctx.now())


def register(app: App) -> None:
    app.event("member_joined_channel")(membership_changed)
    app.event("member_left_channel")(membership_changed)
