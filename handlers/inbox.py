"""Events lantern acts on are stored in the inbox before Slack gets its answer.

Bolt acknowledges an event before its listener runs, so the storing happens here, in a
middleware, on the request's own thread: the job's key is the ``event_id``, so a retried
delivery (``X-Slack-Retry-Num``) is stored once and answered 200 without running again. A
retry is otherwise processed like any delivery, since the first may never have arrived. If
the database cannot be reached, the answer is 503 and Slack delivers the event again later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from sqlalchemy.exc import SQLAlchemyError

from bot.infra.config import WorkspaceConfig
from bot.kudos.rules import is_kudos_reaction
from bot.membership.store import sites_for_channel
from handlers.context import lantern, team_id

log = logging.getLogger(__name__)

JOB_KEY = "lantern_job"  # the stored job's id, in Bolt's context, for the listener to run


class StoreEvents(Middleware):
    """:func:`store_events` as a class middleware: Bolt hands a class the request as it is,
    where a function middleware costs a keyword-argument build on every request."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        """Store a wanted event in the inbox, then go on (see :func:`store_events`)."""
        return store_events(req.body, req.context, next)


def store_events(
    body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
) -> BoltResponse:
    """Bolt middleware. Events lantern ignores (other emoji, other channels' joins) are
    neither stored nor passed on."""
    if body.get("type") != "event_callback":
        return next()
    event = body.get("event")
    event_id = body.get("event_id")
    ctx = lantern(context)
    if not isinstance(event, dict) or not isinstance(event_id, str) or not event_id:
        return BoltResponse(status=200, body="")
    if not wanted(ctx.config, event):
        return BoltResponse(status=200, body="")
    kind = f"event.{event.get('type')}"
    try:
        job = ctx.accept(team_id(context), f"event:{event_id}", kind, {"event": event})
    except SQLAlchemyError as exc:
        log.warning("event %s not stored, Slack will send it again: %s", event_id, exc)
        return BoltResponse(status=503, body="")
    if job is None:
        log.info("duplicate delivery of %s (%s) skipped", event_id, event.get("type"))
        return BoltResponse(status=200, body="")
    context[JOB_KEY] = job
    return next()


def stored_job(context: BoltContext) -> int | None:
    """The id of the job the middleware stored for this event."""
    job = context.get(JOB_KEY)
    return job if isinstance(job, int) else None


def wanted(config: WorkspaceConfig, event: dict[str, Any]) -> bool:
    """Whether lantern acts on ``event``: the kudos emoji, a site channel's joins and leaves,
    the App Home being opened."""
    kind = event.get("type")
    if kind in ("reaction_added", "reaction_removed"):
        return is_kudos_reaction(event.get("reaction"), config.workspace.kudos_emoji)
    if kind in ("member_joined_channel", "member_left_channel"):
        return bool(sites_for_channel(config, event.get("channel") or ""))
    return kind == "app_home_opened"
