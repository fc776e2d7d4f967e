"""Keeping site membership current: a sync from ``conversations.members`` (paginated) once per
six-hour slot, run by the clock, and the member_joined/left_channel events in between."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.infra import retry
from bot.infra.context import AppContext
from bot.infra.db import insert_if_absent
from bot.infra.models import RunOutcome, ScheduledRun
from bot.membership.store import add_member, remove_member, replace_members, sites_for_channel

log = logging.getLogger(__name__)

SYNC_EVERY = timedelta(hours=6)
PAGE_SIZE = 200  # members per conversations.members page
PAGE_ATTEMPTS = 3  # tries of one page while Slack is busy, before the sync waits a tick
LONGEST_WAIT = 30.0  # seconds of Retry-After worth waiting for within one sync


def channel_members(client: WebClient, channel: str) -> list[str]:
    """Every member of ``channel`` (a channel id, C…) as Slack user ids, following Slack's
    cursor pagination, PAGE_SIZE at a time.

    Raises:
        SlackApiError: Slack refused (e.g. ``not_in_channel``); OSError: Slack unreachable.
    """
    members: list[str] = []
    cursor = None
    while True:
        response = _page(client, channel, cursor)
        members.extend(response.get("members") or [])
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return members


def _page(client: WebClient, channel: str, cursor: str | None) -> Any:
    """One page, tried again from the same cursor while Slack is busy (its Retry-After, up to
    LONGEST_WAIT seconds), so a rate limit on page 2 does not throw page 1 away."""
    attempt = 1
    while True:
        try:
            return client.conversations_members(channel=channel, limit=PAGE_SIZE, cursor=cursor)
        except SlackApiError as exc:
            wait = retry.classify(exc, attempt).retry_in
            if wait is None or wait > LONGEST_WAIT or attempt == PAGE_ATTEMPTS:
                raise
            time.sleep(wait)
            attempt += 1


def apply_event(ctx: AppContext, team_id: str, event: dict[str, Any], now: datetime) -> None:
    """member_joined_channel / member_left_channel for a site channel, in its own transaction.

    Args:
        team_id: the Slack team (T…) the event came from.
        event: Slack's event; ``user`` and ``channel`` are ids. Another channel is ignored.
        now: the aware moment, recorded as the join time.
    """
    user_id = event.get("user")
    sites = sites_for_channel(ctx.config, event.get("channel") or "")
    if not user_id or not sites:
        return
    with ctx.session_factory.begin() as session:
        for site in sites:
            if event.get("type") == "member_joined_channel":
                add_member(session, team_id, site.key, user_id, now)
            else:
                remove_member(session, team_id, site.key, user_id)


def sync_slot(now: datetime) -> datetime:
    """The start of the UTC-aligned SYNC_EVERY slot the aware ``now`` falls in (00:00,
    06:00, 12:00 or 18:00 UTC), as an aware UTC datetime."""
    slot = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    hours = int(SYNC_EVERY.total_seconds() // 3600)
    return slot.replace(hour=slot.hour - slot.hour % hours)


def _ran(ctx: AppContext, team_id: str, key: str) -> bool:
    """Whether the run ``key`` (a site's or the directory's, in one slot) is on record."""
    with ctx.session_factory() as session:
        found = session.scalar(
            select(ScheduledRun.id).where(ScheduledRun.team_id == team_id, ScheduledRun.key == key)
        )
    return found is not None


def sync_due(ctx: AppContext, team_id: str, now: datetime) -> list[str]:
    """Sync each site once per SYNC_EVERY slot, each in its own transaction.

    One run per site and slot is claimed in ``scheduled_runs``, so several workers do it once.
    A channel Slack refuses (e.g. ``not_in_channel``) is logged and retried in the next slot;
    an unreachable Slack on the next tick.

    Args:
        team_id: the Slack team (T…) the rows belong to.
        now: the aware moment; picks the slot.

    Returns:
        The keys of the sites synced.
    """
    slot = sync_slot(now)
    synced = []
    for site in ctx.config.sites:
        key = f"members:{site.key}:{slot.isoformat()}"
        if _ran(ctx, team_id, key):
            continue
        members: list[str] | None = None
        outcome, detail = RunOutcome.DONE, ""
        try:
            members = channel_members(ctx.client, site.channel)
        except SlackApiError as exc:
            verdict = retry.classify(exc, 1)
            if not verdict.permanent:  # still busy: the next tick tries again from the start
                log.warning("Slack busy listing members of %s: %s", site.channel, verdict.error)
                continue
            log.warning("cannot list members of %s (%s): %s", site.channel, site.key, verdict.error)
            outcome, detail = RunOutcome.SKIPPED, verdict.error
        except OSError as exc:  # Slack unreachable: try again on the next tick
            log.warning("cannot reach Slack to list members of %s: %s", site.channel, exc)
            continue
        with ctx.session_factory.begin() as session:
            claimed = insert_if_absent(
                session,
                ScheduledRun,
                {
                    "team_id": team_id,
                    "key": key,
                    "due_at": slot,
                    "ran_at": now,
                    "outcome": RunOutcome.DONE,
                },
                ["team_id", "key"],
            )
            if claimed is None:
                continue  # another worker synced this slot meanwhile
            if members is not None:
                added, removed = replace_members(session, team_id, site.key, members, now)
                outcome, detail = RunOutcome.DONE, f"{len(members)} members (+{added} −{removed})"
                synced.append(site.key)
            run = session.get(ScheduledRun, claimed)
            if run is not None:
                run.outcome, run.detail = outcome, detail
    refresh_directory(ctx, team_id, now)
    return synced


def refresh_directory(ctx: AppContext, team_id: str, now: datetime) -> int | None:
    """Read the whole workspace into the shared directory once per SYNC_EVERY slot, with the
    membership sync, so resolving a large user group asks Slack nothing. Slack busy or
    unreachable: the next tick tries again.

    Returns:
        How many people were read, or None when this slot's refresh was done already or
        could not be done now.
    """
    key = f"directory:{sync_slot(now).isoformat()}"
    if _ran(ctx, team_id, key):
        return None
    try:
        count = ctx.directory.refresh()
    except (SlackApiError, OSError) as exc:
        log.warning("cannot read the workspace's people now (next tick tries again): %s", exc)
        return None
    values = {
        "team_id": team_id,
        "key": key,
        "due_at": sync_slot(now),
        "ran_at": now,
        "outcome": RunOutcome.DONE,
        "detail": f"{count} people",
    }
    with ctx.session_factory.begin() as session:
        insert_if_absent(session, ScheduledRun, values, ["team_id", "key"])
    return count
