"""Kudos records: storing kudos with their recipients, finding them again, and counting a
giver's kudos today. Helpers never commit: the caller owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bot.infra.db import insert_if_absent, is_postgres
from bot.infra.models import Kudos, KudosRecipient, KudosSource
from bot.kudos.rules import local_midnight


@dataclass(frozen=True)
class Recipient:
    """One person to thank: Slack user id, their own team (Slack Connect), the site they are
    at, and the user group they were thanked through (None when named themselves)."""

    user_id: str
    team_id: str | None
    site_key: str | None
    via_group: str | None = None


@dataclass
class NewKudos:
    """Everything a kudos record holds, before it is stored."""

    team_id: str
    source: KudosSource
    source_key: str
    giver_id: str
    giver_team_id: str | None
    giver_site_key: str | None
    message: str
    recipients: list[Recipient]
    groups: list[tuple[str, str]] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    origin_channel_id: str | None = None
    origin_ts: str | None = None
    origin_permalink: str | None = None


def record(session: Session, new: NewKudos, now: datetime) -> Kudos | None:
    """Store the kudos and its recipients.

    Returns:
        The stored row, or None if ``new.source_key`` was already recorded for the team.
    """
    kudos_id = insert_if_absent(
        session,
        Kudos,
        {
            "team_id": new.team_id,
            "source": new.source,
            "source_key": new.source_key,
            "giver_id": new.giver_id,
            "giver_team_id": new.giver_team_id,
            "giver_site_key": new.giver_site_key,
            "message": new.message,
            "is_team": bool(new.groups),
            "values": new.values,
            "groups": [list(g) for g in new.groups],
            "origin_channel_id": new.origin_channel_id,
            "origin_ts": new.origin_ts,
            "origin_permalink": new.origin_permalink,
            "created_at": now,
        },
        ["team_id", "source_key"],
    )
    if kudos_id is None:
        return None
    for recipient in new.recipients:
        session.add(
            KudosRecipient(
                team_id=new.team_id,
                kudos_id=kudos_id,
                user_id=recipient.user_id,
                user_team_id=recipient.team_id,
                site_key=recipient.site_key,
                via_group=recipient.via_group,
            )
        )
    session.flush()
    return session.get(Kudos, kudos_id)


def by_source_key(session: Session, team_id: str, source_key: str) -> Kudos | None:
    """The kudos recorded under ``source_key`` (a request id or a reaction key), if any."""
    return session.scalar(
        select(Kudos).where(Kudos.team_id == team_id, Kudos.source_key == source_key)
    )


def given_today(
    session: Session, team_id: str, giver_id: str, now: datetime, zone: ZoneInfo
) -> int:
    """Kudos the giver gave since midnight *in their own timezone* (withdrawn ones free up).

    On PostgreSQL it first takes a transaction-scoped advisory lock per giver, so one giver's
    kudos are counted and recorded one at a time across processes."""
    if is_postgres(session):
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"kudos-allowance:{team_id}:{giver_id}"},
        )
    since = local_midnight(now, zone)
    count = session.scalar(
        select(func.count(Kudos.id)).where(
            Kudos.team_id == team_id,
            Kudos.giver_id == giver_id,
            Kudos.created_at >= since,
            Kudos.withdrawn_at.is_(None),
        )
    )
    return int(count or 0)
