"""Events API listeners and the de-duplication of Slack's retried deliveries."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import home
from bot.context import AppContext
from bot.db import insert_if_absent
from bot.models import ProcessedEvent

log = logging.getLogger(__name__)

# subscribed in manifest.yml; acknowledged even where no capability uses them yet
QUIET_EVENTS = (
    "reaction_added",
    "reaction_removed",
    "member_joined_channel",
    "member_left_channel",
)


def register(app: App, ctx: AppContext) -> None:
    def skip_duplicate_events(body: dict[str, Any], next: Callable[[], Any]) -> Any:
        """Handle each event_id once. A retry (X-Slack-Retry-Num) is processed like any
        delivery: the first one may never have arrived; only a recorded id is skipped."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            event_type = str((body.get("event") or {}).get("type") or "-")
            with ctx.session_factory.begin() as session:
                first = insert_if_absent(
                    session,
                    ProcessedEvent,
                    {
                        "team_id": body.get("team_id") or "-",
                        "event_id": event_id,
                        "event_type": event_type[:64],
                        "received_at": datetime.now(UTC),
                    },
                    ["team_id", "event_id"],
                )
            if not first:
                log.info("duplicate delivery of %s (%s) skipped", event_id, event_type)
                return BoltResponse(status=200, body="")
        return next()

    def app_home_opened(event: dict[str, Any], client: WebClient) -> None:
        """Publish the App Home for the person who opened it."""
        if event.get("tab", "home") != "home":
            return
        user_id = event["user"]
        view = home.home_view(ctx.config, datetime.now(UTC))
        try:
            client.views_publish(user_id=user_id, view=view)
        except SlackApiError as exc:
            log.warning("views.publish for %s failed: %s", user_id, exc.response.get("error"))

    def quiet(event: dict[str, Any]) -> None:
        log.debug("event %s acknowledged", event.get("type"))

    app.use(skip_duplicate_events)
    app.event("app_home_opened")(app_home_opened)
    for name in QUIET_EVENTS:
        app.event(name)(quiet)
