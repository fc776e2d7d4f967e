"""Thin Bolt listeners: ack fast, parse, call ``bot/``, render the reply."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.context import AppContext


def register(app: App, ctx: AppContext) -> None:
    """Attach every listener module to the app."""
    from handlers import actions, commands, events, views

    events.register(app, ctx)
    commands.register(app, ctx)
    actions.register(app, ctx)
    views.register(app, ctx)
