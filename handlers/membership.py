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
    """After the ack: record the join or leave in ``event`` for ``team`` (T…) as of now."""
    service.apply_event(ctx, team, event, ctx.now())


def register(app: App) -> None:
    """Attach this module's listeners to ``app``."""
    app.event("member_joined_channel")(membership_changed)
    app.event("member_left_channel")(membership_changed)
