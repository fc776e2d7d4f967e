"""The App Home's figures, each one query over indexed columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from bot.infra.models import Kudos, KudosRecipient, OutboxMessage
from bot.infra.outbox.report import outbox_counts, undelivered


def month_start(now: datetime, zone: ZoneInfo) -> datetime:
    """The first moment of this month on the person's own calendar (``zone``), as an aware
    datetime in ``zone``; ``now`` is aware."""
    local = now.astimezone(zone)
    return datetime.combine(local.date().replace(day=1), time(0), zone)


def kudos_counts(session: Session, team_id: str, user_id: str, since: datetime) -> tuple[int, int]:
    """(received, given) by ``user_id`` (U…) since the aware ``since``, included; withdrawn
    kudos are not counted. Team kudos count once for each recipient."""
    active = (Kudos.team_id == team_id, Kudos.created_at >= since, Kudos.withdrawn_at.is_(None))
    received = session.scalar(
        select(func.count(KudosRecipient.id))
        .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
        .where(*active, KudosRecipient.user_id == user_id)
    )
    given = session.scalar(select(func.count(Kudos.id)).where(*active, Kudos.giver_id == user_id))
    return int(received or 0), int(given or 0)


def recent_received(session: Session, team_id: str, user_id: str, limit: int) -> list[Kudos]:
    """The newest ``limit`` kudos ``user_id`` (U…) received and still standing, newest
    first, recipients loaded."""
    return list(
        session.scalars(
            select(Kudos)
            .options(selectinload(Kudos.recipients))
            .join(KudosRecipient, Kudos.id == KudosRecipient.kudos_id)
            .where(
                Kudos.team_id == team_id,
                KudosRecipient.user_id == user_id,
                Kudos.withdrawn_at.is_(None),
            )
            .order_by(Kudos.created_at.desc(), Kudos.id.desc())
            .limit(limit)
        )
    )


def latest_across_sites(session: Session, team_id: str, limit: int) -> list[Kudos]:
    """The newest ``limit`` kudos whose giver and a recipient are at different known sites,
    newest first; withdrawn ones left out.

    Only the newest ``10 * limit`` kudos with a known giver site are looked at, so fewer than
    ``limit`` may come back when most recent kudos stay within one site.
    """
    candidates = session.scalars(
        select(Kudos)
        .options(selectinload(Kudos.recipients))
        .where(
            Kudos.team_id == team_id,
            Kudos.withdrawn_at.is_(None),
            Kudos.giver_site_key.is_not(None),
        )
        .order_by(Kudos.created_at.desc(), Kudos.id.desc())
        .limit(limit * 10)
    )
    found = []
    for kudos in candidates:
        if any(r.site_key and r.site_key != kudos.giver_site_key for r in kudos.recipients):
            found.append(kudos)
        if len(found) == limit:
            break
    return found


@dataclass(frozen=True)
class DeliveryHealth:
    """Pending and failed outbox counts, and the newest failures (for admins)."""

    pending: int
    failed: int
    failures: list[OutboxMessage]


def delivery_health(session: Session, team_id: str) -> DeliveryHealth:
    """This team's outbox (``team_id``, T…): how many rows are pending, how many failed for
    good, and the three newest failures."""
    counts = outbox_counts(session, team_id)
    failures = undelivered(session, failed=True, team_id=team_id, newest=3)
    return DeliveryHealth(counts.get("pending", 0), counts.get("failed", 0), failures)
