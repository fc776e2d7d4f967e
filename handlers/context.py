"""How listeners reach lantern's shared state: a middleware puts the process's AppContext
into Bolt's per-request ``context``; listeners read it with :func:`lantern` and the Slack
team with :func:`team_id` (Bolt has already read it from the payload, Slack Connect and
view submissions included)."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.infra.context import AppContext

KEY = "lantern"
NO_TEAM = "-"  # recorded when a payload names no team (never seen from Slack itself)


class LanternContext(Middleware):
    """Puts ``ctx`` into every request's context under ``"lantern"``."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],
    ) -> BoltResponse | None:
        """Store the AppContext in ``req.context`` and pass the request on."""
        req.context[KEY] = self.ctx
        return next()


def lantern(context: BoltContext) -> AppContext:
    """The process's shared AppContext."""
    ctx = context[KEY]
    assert isinstance(ctx, AppContext)
    return ctx


def team_id(context: BoltContext) -> str:
    """The Slack team the request belongs to, as Bolt read it from the payload."""
    return context.team_id or NO_TEAM
