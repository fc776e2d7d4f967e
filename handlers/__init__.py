"""Thin Bolt listeners, one module per capability: parse, ack fast, call ``bot/``, answer.

Listeners are module-level functions; each module's ``register(app)`` attaches its own.
What they share (settings, config, database, Slack client) arrives in Bolt's ``context``
through :class:`handlers.context.LanternContext`.
"""

from __future__ import annotations

from slack_bolt import App

from bot.infra.context import AppContext
from handlers import celebrate, context, duplicates, home, kudos, membership, pulse


def register(app: App, ctx: AppContext) -> None:
    """Attach the shared context, the duplicate filter and every capability's listeners."""
    app.use(context.LanternContext(ctx))
    app.use(duplicates.skip_duplicate_events)
    for module in (home, kudos, celebrate, membership, pulse):
        module.register(app)
