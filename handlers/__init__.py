"""Thin Bolt listeners, one module per capability: parse, ack fast, call ``bot/``, answer.

Listeners are module-level functions; each module's ``register(app)`` attaches its own.
What they share (settings, config, database, Slack client) arrives in Bolt's ``context``
through :class:`handlers.context.LanternContext`.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App

from bot.infra.context import AppContext
from bot.infra.inbox import Job
from handlers import celebrate, context, digest, errors, home, inbox, kudos, membership, pulse


def register(app: App, ctx: AppContext) -> None:
    """Attach the shared context, the event inbox, the error handler and every capability's
    listeners, and give ``ctx`` the runners of the jobs they store."""
    app.use(context.LanternContext(ctx))
    app.use(inbox.StoreEvents())
    app.error(errors.on_listener_error)
    for module in (home, kudos, celebrate, membership, pulse):
        module.register(app)
    ctx.job_runners = job_runners()


def job_runners() -> dict[str, Callable[[AppContext, Job], None]]:
    """kind -> runner of every job the listeners store (the worker runs them too)."""
    return {**home.JOBS, **kudos.JOBS, **membership.JOBS, **pulse.JOBS, **digest.JOBS}
