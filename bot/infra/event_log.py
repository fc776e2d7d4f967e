"""Slack event ids already handled, so a retried delivery does nothing twice; kept a few
days (Slack retries within minutes), then purged by the clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.infra.db import insert_if_absent
from bot.infra.models import ProcessedEvent

KEEP = timedelta(days=3)


def first_delivery(
    session: Session, team_id: str, event_id: str, event_type: str, now: datetime
) -> bool:
    """Record the event id; False if it was already recorded (a retry or a repeat)."""
    values = {
        "team_id": team_id,
        "event_id": event_id,
        "event_type": event_type[:64],
        "received_at": now,
    }
    return insert_if_absent(session, ProcessedEvent, values, ["team_id", "event_id"]) is not None


def purge(session: Session, now: datetime) -> int:
    """Delete ids received more than KEEP (3 days) before the aware ``now``; the number
    deleted. The worker calls it on every tick."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < now - KEEP))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
