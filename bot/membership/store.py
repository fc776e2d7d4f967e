"""Stored site membership. Helpers never commit: the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.infra.config import Site, WorkspaceConfig
from bot.infra.db import insert_if_absent
from bot.infra.models import SiteMember


def replace_members(
    session: Session, team_id: str, site_key: str, user_ids: Iterable[str], now: datetime
) -> tuple[int, int]:
    """Make the stored members of a site exactly ``user_ids``.

    Returns:
        (added, removed) counts.
    """
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
    """Record ``user_id`` at the site; False if they were already recorded."""
    values = {"team_id": team_id, "site_key": site_key, "user_id": user_id, "synced_at": now}
    unique = ["team_id", "site_key", "user_id"]
    return insert_if_absent(session, SiteMember, values, unique) is not None


def remove_member(session: Session, team_id: str, site_key: str, user_id: str) -> None:
    """Forget ``user_id`` at the site (nothing happens if they were not recorded)."""
    session.execute(
        delete(SiteMember).where(
            SiteMember.team_id == team_id,
            SiteMember.site_key == site_key,
            SiteMember.user_id == user_id,
        )
    )


def sites_for_channel(config: WorkspaceConfig, channel: str) -> list[Site]:
    """The configured sites whose channel is ``channel`` (usually one, or none)."""
    return [site for site in config.sites if site.channel == channel]


def sites_of(session: Session, team_id: str, user_ids: Iterable[str]) -> dict[str, list[str]]:
    """user id -> the keys of the sites whose channel they are in (absent: none)."""
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
