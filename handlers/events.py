"""Events API listeners and the de-duplication of Slack's retried deliveries."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import event_log, home, membership
from bot.context import AppContext
from bot.giving import Outcome
from bot.roles import RolesUnavailable
from handlers.replies import reply_privately

log = logging.getLogger(__name__)

REACTION_ATTEMPTS = 3
REACTION_FAILED = (
    "I couldn't record your kudos for that reaction just now. "
    "Please remove it and add it again in a minute."
)


def retry_delay(exc: Exception, attempt: int) -> float:
    """Slack's Retry-After when it gave one, else 2 s, then 10 s."""
    if isinstance(exc, SlackApiError):
        headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
        try:
            return float(headers.get("retry-after") or 0) or (2.0 if attempt == 1 else 10.0)
        except (TypeError, ValueError):
            pass
    return 2.0 if attempt == 1 else 10.0


def register(app: App, ctx: AppContext) -> None:
    def skip_duplicate_events(body: dict[str, Any], next: Callable[[], Any]) -> Any:
        """Handle each event_id once. A retry (X-Slack-Retry-Num) is processed like any
        delivery: the first one may never have arrived; only a recorded id is skipped.
        Events lantern ignores (other emoji, other channels' joins) are not recorded."""
        event = body.get("event") or {} if body.get("type") == "event_callback" else {}
        event_id = body.get("event_id")
        if not event_id or not wanted(event):
            return next()
        with ctx.session_factory.begin() as session:
            first = event_log.first_delivery(
                session,
                body.get("team_id") or "-",
                event_id,
                str(event.get("type") or "-"),
                datetime.now(UTC),
            )
        if not first:
            log.info("duplicate delivery of %s (%s) skipped", event_id, event.get("type"))
            return BoltResponse(status=200, body="")
        return next()

    def wanted(event: dict[str, Any]) -> bool:
        kind = event.get("type")
        if kind in ("reaction_added", "reaction_removed"):
            return is_kudos_emoji(event)
        if kind in ("member_joined_channel", "member_left_channel"):
            return bool(membership.sites_for_channel(ctx.config, event.get("channel") or ""))
        return kind == "app_home_opened"

    def is_admin(user_id: str) -> bool:
        try:
            return ctx.roles.is_admin(user_id)
        except RolesUnavailable:
            return False

    def app_home_opened(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        """Publish the App Home for the person who opened it."""
        if event.get("tab", "home") != "home":
            return
        user_id = event["user"]
        team_id = body.get("team_id") or "-"
        try:
            person = ctx.directory.get(user_id)
        except (SlackApiError, OSError):
            person = None
        with ctx.session_factory() as session:
            view = home.home_view(
                ctx.config,
                session,
                team_id,
                user_id,
                datetime.now(UTC),
                is_admin=is_admin(user_id),
                zone=person.zone if person else None,
            )
        try:
            client.views_publish(user_id=user_id, view=view)
        except SlackApiError as exc:
            log.warning("views.publish for %s failed: %s", user_id, exc.response.get("error"))

    def is_kudos_emoji(event: dict[str, Any]) -> bool:
        name = str(event.get("reaction") or "").split("::", 1)[0]  # drop a skin tone
        return name == ctx.config.workspace.kudos_emoji

    def reaction_added(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        """Reacting with the kudos emoji gives kudos to the message's author."""
        if is_kudos_emoji(event):
            ctx.work.submit(give_for_reaction, event, body, client)

    def give_for_reaction(
        event: dict[str, Any], body: dict[str, Any], client: WebClient, attempt: int = 1
    ) -> None:
        try:
            with ctx.session_factory.begin() as session:
                outcome = ctx.giving.react(
                    session, team_id=body.get("team_id") or "-", event=event, now=datetime.now(UTC)
                )
        except (SlackApiError, OSError) as exc:  # Slack busy or unreachable: try again later
            if attempt < REACTION_ATTEMPTS:
                delay = retry_delay(exc, attempt)
                log.info("reaction kudos will retry in %.0fs: %s", delay, exc)
                later(delay, give_for_reaction, event, body, client, attempt + 1)
                return
            log.warning("reaction kudos failed for good: %s", exc)
            outcome = Outcome(REACTION_FAILED)
        if outcome.reply:
            reply_privately(
                outcome.reply,
                client=client,
                channel=(event.get("item") or {}).get("channel"),
                user=event["user"],
            )
        if outcome.queued:
            ctx.deliver_soon(outcome.queued)

    def reaction_removed(event: dict[str, Any], body: dict[str, Any]) -> None:
        """Taking the reaction back withdraws the kudos and corrects the feed post."""
        if is_kudos_emoji(event):
            ctx.work.submit(take_back, event, body)

    def take_back(event: dict[str, Any], body: dict[str, Any]) -> None:
        with ctx.session_factory.begin() as session:
            outcome = ctx.giving.unreact(
                session, team_id=body.get("team_id") or "-", event=event, now=datetime.now(UTC)
            )
        if outcome.queued:
            ctx.deliver_soon(outcome.queued)

    def membership_changed(event: dict[str, Any], body: dict[str, Any]) -> None:
        """Keep site membership current between the clock's syncs."""
        with ctx.session_factory.begin() as session:
            membership.apply_event(
                session, ctx.config, body.get("team_id") or "-", event, datetime.now(UTC)
            )

    def after_ack(listener: Callable[..., None]) -> Callable[..., None]:
        """Run an event's work on lantern's own threads: Bolt has already answered Slack,
        and its listener threads stay free for the next request."""

        @functools.wraps(listener)
        def deferred(*args: Any, **kwargs: Any) -> None:
            ctx.work.submit(listener, *args, **kwargs)

        return deferred

    app.use(skip_duplicate_events)
    app.event("app_home_opened")(after_ack(app_home_opened))

    def later(delay: float, function: Callable[..., None], *args: Any) -> None:
        timer = threading.Timer(delay, ctx.work.submit, args=(function, *args))
        timer.daemon = True
        timer.start()

    app.event("reaction_added")(reaction_added)
    app.event("reaction_removed")(reaction_removed)
    app.event("member_joined_channel")(after_ack(membership_changed))
    app.event("member_left_channel")(after_ack(membership_changed))
