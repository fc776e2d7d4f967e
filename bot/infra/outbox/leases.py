"""Which deliverer may send an outbox row now.

A deliverer claims due rows with a short lease (``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL, and a compare-and-set update everywhere), renews the lease just before each send,
and records the outcome only while it still holds the lease. Several processes on one
PostgreSQL database therefore never send one row twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.infra import retry
from bot.infra.leasing import take
from bot.infra.models import OutboxMessage, OutboxStatus

# how far before an expired lease's end to look for a post that was made before a crash
# (longer than any lease, so it covers the whole attempt)
ORPHAN_LOOKBACK = timedelta(minutes=15)
# how far before a send of unknown outcome began to look for it (clocks differ a little)
CLOCK_SLACK = timedelta(minutes=1)


@dataclass(frozen=True)
class Claim:
    """A row this deliverer holds the lease on.

    ``orphaned_at`` is set when an earlier send's outcome is unknown (a deliverer took the
    row and never reported back, or the answer was lost on the way back): the earliest
    moment that post may have reached Slack.
    """

    id: int
    team_id: str
    key: str
    method: str
    payload: dict[str, Any]
    attempts: int
    orphaned_at: datetime | None
    leased_until: datetime  # as claimed; renewing only when half of it is left saves a write


@dataclass(frozen=True)
class Result:
    """How one attempt ended: ``status`` SENT, PENDING (retry in ``retry_in`` seconds) or
    FAILED; ``data`` is Slack's answer for a sent call (``ts``, ``channel``); ``unknown`` when
    the outcome is unknown; ``blind`` when it was sent without the check."""

    status: OutboxStatus
    error: str | None = None
    retry_in: float = 0.0
    data: dict[str, Any] = field(default_factory=dict)
    unknown: bool = False  # Slack may have acted: check the channel before sending again
    blind: bool = False  # sent without being able to check the channel first
    paced: bool = False  # not sent: Slack's pace (bot.infra.pacing) allows it in retry_in s


class Leases:
    """Claims, renews and settles outbox rows for one ``owner``."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        owner: str,
        lease: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self.session_factory = session_factory
        self.owner = owner
        self.lease = lease
        self.clock = clock
        self.started: dict[int, datetime] = {}  # row id -> when this owner's send began

    @staticmethod
    def _due(now: datetime) -> ColumnElement[bool]:
        return and_(
            OutboxMessage.status == OutboxStatus.PENDING,
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
            or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
        )

    def claim(self, keys: Sequence[str] | None, limit: int) -> list[Claim]:
        """Take the lease on up to ``limit`` due rows (of ``keys`` if given), oldest first."""
        now = self.clock()
        query = select(OutboxMessage).where(self._due(now))
        if keys is not None:
            query = query.where(OutboxMessage.key.in_(list(keys)))
        query = query.order_by(OutboxMessage.id).limit(limit)
        claimed = []
        with self.session_factory.begin() as session:
            for row in take(
                session, OutboxMessage, query, self._due(now), self.owner, now + self.lease
            ):
                orphaned_at = None
                if row.unknown_since is not None:
                    orphaned_at = row.unknown_since  # kept as is: settle stores it back
                elif row.lease_owner is not None and row.lease_until is not None:
                    orphaned_at = row.lease_until - ORPHAN_LOOKBACK
                claimed.append(
                    Claim(
                        id=row.id,
                        team_id=row.team_id,
                        key=row.key,
                        method=row.method,
                        payload=dict(row.payload),
                        attempts=row.attempts,
                        orphaned_at=orphaned_at,
                        leased_until=now + self.lease,
                    )
                )
        return claimed

    def expire(self, keys: Sequence[str] | None) -> list[str]:
        """Fail, as ``expired``, the due rows (of ``keys``) whose expiry has passed.

        Returns:
            Their keys.
        """
        now = self.clock()
        late = and_(self._due(now), OutboxMessage.expires_at <= now)
        if keys is not None:
            late = and_(late, OutboxMessage.key.in_(list(keys)))
        with self.session_factory.begin() as session:
            found = list(session.scalars(select(OutboxMessage.key).where(late)))
            if found:
                session.execute(
                    update(OutboxMessage)
                    .where(late, OutboxMessage.key.in_(found))
                    .values(status=OutboxStatus.FAILED, last_error="expired")
                    .execution_options(synchronize_session=False)
                )
        return found

    def renew(self, claim: Claim) -> bool:
        """Make sure the lease still holds just before sending: with more than half of the
        claimed lease left nobody else can have taken the row, so nothing is written (a
        fan-out's sends cost one commit each, not two); otherwise renew it. False if it lapsed
        and another deliverer took the row meanwhile (taking it changes ``lease_owner``, so
        the compare-and-set fails)."""
        now = self.clock()
        self.started[claim.id] = now
        if claim.leased_until - now > self.lease / 2:
            return True
        with self.session_factory.begin() as session:
            result = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == claim.id,
                    OutboxMessage.lease_owner == self.owner,
                    OutboxMessage.status == OutboxStatus.PENDING,
                )
                .values(lease_until=now + self.lease)
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def release(self, claims: Sequence[Claim], seconds: float = 0.0) -> None:
        """Give back ``claims`` not attempted (a stop, or Slack's pace): no attempt is counted
        and they are due again in ``seconds``; only rows still held by this owner change."""
        if not claims:
            return
        ids = [claim.id for claim in claims]
        for claim_id in ids:
            self.started.pop(claim_id, None)
        later = self.clock() + timedelta(seconds=seconds) if seconds > 0 else None
        values = {"lease_until": None, "lease_owner": None, "next_attempt_at": later}
        mine = OutboxMessage.lease_owner == self.owner
        with self.session_factory.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), mine)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            for claim in claims:  # a post of unknown outcome stays one: checked before a send
                if claim.orphaned_at is not None:
                    session.execute(
                        update(OutboxMessage)
                        .where(
                            OutboxMessage.id == claim.id,
                            OutboxMessage.lease_owner.is_(None),
                            OutboxMessage.status == OutboxStatus.PENDING,
                            OutboxMessage.unknown_since.is_(None),
                        )
                        .values(unknown_since=claim.orphaned_at)
                        .execution_options(synchronize_session=False)
                    )

    def settle(self, claim: Claim, result: Result) -> None:
        """Record how the attempt ended and give the lease back (only if still ours)."""
        now = self.clock()
        values: dict[str, Any] = {
            "attempts": claim.attempts + 1,
            "lease_until": None,
            "lease_owner": None,
            "status": result.status,
            "last_error": result.error,
        }
        if result.unknown:  # the earliest moment a post may have been made is kept
            values["unknown_since"] = claim.orphaned_at or self.started.get(claim.id, now)
        if result.blind:
            values["blind_resends"] = OutboxMessage.blind_resends + 1
        if result.status == OutboxStatus.SENT:
            values["sent_at"] = now
            values["unknown_since"] = None
            values["slack_ts"] = result.data.get("ts") or result.data.get("message_ts")
            channel = result.data.get("channel")
            if isinstance(channel, dict):  # conversations.open: {"channel": {"id": "D…"}}
                channel = channel.get("id")
            values["slack_channel"] = channel if isinstance(channel, str) else None
        elif result.status == OutboxStatus.PENDING:
            values["next_attempt_at"] = now + timedelta(seconds=retry.jittered(result.retry_in))
        self.started.pop(claim.id, None)
        with self.session_factory.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == claim.id, OutboxMessage.lease_owner == self.owner)
                .values(**values)
            )

    def referenced(self, team_id: str, key: str) -> OutboxMessage | None:
        """The row an edit refers to with ``$ts_of``/``$channel_of``."""
        with self.session_factory() as session:
            return session.scalar(
                select(OutboxMessage).where(
                    OutboxMessage.team_id == team_id, OutboxMessage.key == key
                )
            )


def seconds_until_next(
    session_factory: sessionmaker[Session], keys: Sequence[str] | None, now: datetime
) -> float | None:
    """Seconds from ``now`` until the next pending row (of ``keys``) may be tried: 0 or less
    when one is due now; None when nothing is pending. A lease still held counts too."""
    with session_factory() as session:
        rows = session.execute(
            select(OutboxMessage.next_attempt_at, OutboxMessage.lease_until).where(_pending(keys))
        ).all()
    waits = [
        (max(t for t in (next_at, lease_until, now) if t is not None) - now).total_seconds()
        for next_at, lease_until in rows
    ]
    return min(waits) if waits else None


def pending(
    session_factory: sessionmaker[Session], keys: Sequence[str] | None
) -> list[tuple[str, str]]:
    """(key, last error) of every pending row (of ``keys``)."""
    with session_factory() as session:
        rows = session.execute(
            select(OutboxMessage.key, OutboxMessage.last_error).where(_pending(keys))
        ).all()
    return [(key, error or "") for key, error in rows]


def _pending(keys: Sequence[str] | None) -> ColumnElement[bool]:
    condition = OutboxMessage.status == OutboxStatus.PENDING
    if keys is not None:
        condition = and_(condition, OutboxMessage.key.in_(list(keys)))
    return condition
