"""Site membership: a site's people are the members of its channel.

Synced from ``conversations.members`` (paginated) by the clock every few hours, and kept
current between syncs by member_joined_channel / member_left_channel events.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.config import Site, WorkspaceConfig
from bot.db import insert_if_absent
from bot.models import ScheduledRun, SiteMember

log = logging.getLogger(__name__)

SYNC_EVERY = timedelta(hours=6)
PAGE_SIZE = 200


def channel_members(client: WebClient, channel: str) -> list[str]:
    members: list[str] = []
    cursor = None
    while True:
        response = client.conversations_members(channel=channel, limit=PAGE_SIZE, cursor=cursor)
        members.extend(response.get("members") or [])
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return members


def replace_members(
    session: Session, team_id: str, site_key: str, user_ids: Iterable[str], now: datetime
) -> tuple[int, int]:
    """Make the stored members of a site exactly ``user_ids``; returns (added, removed)."""
    wanted = set(user_ids)
    stored = set(
        session.scalars(
            select(SiteMember.user_id).where(
                SiteMember.team_id == team_id, SiteMember.site_key == site_key
            )
        )
    )
    gone = stored - wanted
    if gone:
        session.execute(
            delete(SiteMember).where(
                SiteMember.team_id == team_id,
                SiteMember.site_key == site_key,
                SiteMember.user_id.in_(gone),
            )
        )
    for user_id in wanted - stored:
        add_member(session, team_id, site_key, user_id, now)
    return len(wanted - stored), len(gone)


def add_member(session: Session, team_id: str, site_key: str, user_id: str, now: datetime) -> bool:
    values = {"team_id": team_id, "site_key": site_key, "user_id": user_id, "synced_at": now}
    return (
        insert_if_absent(session, SiteMember, values, ["team_id", "site_key", "user_id"])
        is not None
    )


def remove_member(session: Session, team_id: str, site_key: str, user_id: str) -> None:
    session.execute(
        delete(SiteMember).where(
            SiteMember.team_id == team_id,
            SiteMember.site_key == site_key,
            SiteMember.user_id == user_id,
        )
    )


def apply_event(
    session: Session, config: WorkspaceConfig, team_id: str, event: dict[str, Any], now: datetime
) -> None:
    """member_joined_channel / member_left_channel for a site channel."""
    user_id = event.get("user")
    if not user_id:
        return
    for site in sites_for_channel(config, event.get("channel") or ""):
        if event.get("type") == "member_joined_channel":
            add_member(session, team_id, site.key, user_id, now)
        else:
            remove_member(session, team_id, site.key, user_id)


def sites_for_channel(config: WorkspaceConfig, channel: str) -> list[Site]:
    return [site for site in config.sites if site.channel == channel]


def sync_due(
    session: Session, client: WebClient, config: WorkspaceConfig, team_id: str, now: datetime
) -> list[str]:
    """Sync each site once per SYNC_EVERY slot (UTC-aligned); returns the synced keys.

    One run per site and slot, claimed in ``scheduled_runs``, so several workers
    do it once. A channel Slack refuses (e.g. ``not_in_channel``) is logged and retried
    in the next slot."""
    slot = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    hours = int(SYNC_EVERY.total_seconds() // 3600)
    slot = slot.replace(hour=slot.hour - slot.hour % hours)
    synced = []
    for site in config.sites:
        key = f"members:{site.key}:{slot.isoformat()}"
        already = session.scalar(
            select(ScheduledRun.id).where(ScheduledRun.team_id == team_id, ScheduledRun.key == key)
        )
        if already:
            continue
        try:
            members = channel_members(client, site.channel)
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            log.warning("cannot list members of %s (%s): %s", site.channel, site.key, error)
            outcome, detail = "skipped", error
        except OSError as exc:  # Slack unreachable: try again on the next tick
            log.warning("cannot reach Slack to list members of %s: %s", site.channel, exc)
            continue
        else:
            added, removed = replace_members(session, team_id, site.key, members, now)
            outcome, detail = "done", f"{len(members)} members (+{added} −{removed})"
            synced.append(site.key)
        insert_if_absent(
            session,
            ScheduledRun,
            {
                "team_id": team_id,
                "key": key,
                "due_at": slot,
                "ran_at": now,
                "outcome": outcome,
                "detail": detail,
            },
            ["team_id", "key"],
        )
    return synced


def sites_of(session: Session, team_id: str, user_ids: Iterable[str]) -> dict[str, list[str]]:
    """user id -> the keys of the sites whose channel they are in."""
    ids = list(set(user_ids))
    found: dict[str, list[str]] = {}
    if not ids:
        return found
    rows = session.execute(
        select(SiteMember.user_id, SiteMember.site_key).where(
            SiteMember.team_id == team_id, SiteMember.user_id.in_(ids)
        )
    ).all()
    for user_id, site_key in rows:
        found.setdefault(user_id, []).append(site_key)
    return found
