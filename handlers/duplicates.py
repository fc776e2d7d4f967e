"""Slack's retried event deliveries (``X-Slack-Retry-Num``) are handled once: each event id
is recorded before its listener runs; an id already recorded is answered 200 and skipped.
A retry is otherwise processed like any delivery, since the first may never have arrived."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse

from bot.infra import event_log
from bot.kudos.rules import is_kudos_reaction
from bot.membership.store import sites_for_channel
from handlers.context import lantern, team_id

log = logging.getLogger(__name__)


def skip_duplicate_events(
    body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
) -> BoltResponse:
    """Bolt middleware. Events lantern ignores (other emoji, other channels' joins) are not
    recorded, so the table holds only what mattered."""
    event = (body.get("event") or {}) if body.get("type") == "event_callback" else {}
    event_id = body.get("event_id")
    ctx = lantern(context)
    if not event_id or not isinstance(event, dict) or not wanted(ctx.config, event):
        return next()
    with ctx.session_factory.begin() as session:
        first = event_log.first_delivery(
            session, team_id(context), event_id, str(event.get("type") or "-"), ctx.now()
        )
    if not first:
        log.info("duplicate delivery of %s (%s) skipped", event_id, event.get("type"))
        return BoltResponse(status=200, body="")
    return next()


def wanted(config: Any, event: dict[str, Any]) -> bool:
    """Whether lantern acts on ``event``: the kudos emoji, a site channel's joins and leaves,
    the App Home being opened."""
    kind = event.get("type")
    if kind in ("reaction_added", "reaction_removed"):
        return is_kudos_reaction(event.get("reaction"), config.workspace.kudos_emoji)
    if kind in ("member_joined_channel", "member_left_channel"):
        return bool(sites_for_channel(config, event.get("channel") or ""))
    return kind == "app_home_opened"
