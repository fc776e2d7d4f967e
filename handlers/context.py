"""How listeners reach lantern's shared state: a middleware puts the process's AppContext
and the request's Slack team into Bolt's per-request ``context``; listeners read them with
:func:`lantern` and :func:`team_id`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.infra.context import AppContext

KEY = "lantern"
TEAM_KEY = "lantern_team"
NO_TEAM = "-"  # recorded when a payload names no team (never seen from Slack itself)


class LanternContext(Middleware):
    """Puts ``ctx`` into every request's context under ``"lantern"``, and the request's team
    (:func:`request_team`) under ``"lantern_team"``."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],
    ) -> BoltResponse | None:
        """Store the AppContext and the request's team, then go on to the listeners."""
        req.context[KEY] = self.ctx
        req.context[TEAM_KEY] = request_team(req.body) or req.context.team_id or NO_TEAM
        return next()


def request_team(body: dict[str, Any]) -> str | None:
    """The Slack team a payload is recorded under: an event's envelope ``team_id`` (in a
    Slack Connect channel, the workspace the event happened in), a command's ``team_id``, an
    interaction's ``team.id``, else its view's ``team_id``. None if it names none."""
    team = body.get("team")
    view = body.get("view")
    for candidate in (
        body.get("team_id"),
        team.get("id") if isinstance(team, dict) else team,
        view.get("team_id") if isinstance(view, dict) else None,
    ):
        if isinstance(candidate, str) and candidate:
            return candidate
    return None


def lantern(context: BoltContext) -> AppContext:
    """The process's shared AppContext."""
    ctx = context[KEY]
    assert isinstance(ctx, AppContext)
    return ctx


def team_id(context: BoltContext) -> str:
    """The Slack team the request belongs to (see :func:`request_team`)."""
    team = context.get(TEAM_KEY)
    return team if isinstance(team, str) else NO_TEAM
