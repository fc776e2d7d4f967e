"""What operators see of the outbox: ``lantern outbox`` and the App Home's delivery health."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.infra.models import OutboxMessage, OutboxStatus


def outbox_counts(session: Session, team_id: str | None = None) -> dict[str, int]:
    """Messages per status (``{"pending": 3, "sent": 120, …}``), of one team or all."""
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if team_id is not None:
        query = query.where(OutboxMessage.team_id == team_id)
    return {str(status): int(count) for status, count in session.execute(query).all()}


def blind_resends(session: Session, team_id: str | None = None) -> int:
    """How many sends were made without the channel check a send of unknown outcome needs
    (the bot could not read the channel): each may have posted twice."""
    query = select(func.coalesce(func.sum(OutboxMessage.blind_resends), 0))
    if team_id is not None:
        query = query.where(OutboxMessage.team_id == team_id)
    return int(session.scalar(query) or 0)


def undelivered(
    session: Session, *, failed: bool, team_id: str | None = None, newest: int | None = None
) -> list[OutboxMessage]:
    """Messages still pending, or (``failed``) given up with Slack's reason.

    Args:
        failed: list failed messages instead of pending ones.
        team_id: only this team's; all teams when None.
        newest: only the newest this many, newest first; all, oldest first, when None.
    """
    status = OutboxStatus.FAILED if failed else OutboxStatus.PENDING
    query = select(OutboxMessage).where(OutboxMessage.status == status)
    if team_id is not None:
        query = query.where(OutboxMessage.team_id == team_id)
    if newest is None:
        return list(session.scalars(query.order_by(OutboxMessage.id)))
    return list(session.scalars(query.order_by(OutboxMessage.id.desc()).limit(newest)))


def row_line(row: OutboxMessage, *, failed: bool) -> str:
    """One tab-separated line of ``lantern outbox``: id, key, method, channel, attempts,
    next attempt (pending only) and the reason."""
    channel = row.payload.get("channel") or row.payload.get("user_id") or "-"
    if isinstance(channel, dict):  # an edit of an earlier post: its channel comes from it
        channel = "→" + str(next(iter(channel.values())))
    when = (row.next_attempt_at or row.created_at).isoformat(timespec="seconds")
    reason = row.last_error or ("not tried yet" if row.attempts == 0 else "")
    if row.unknown_since is not None and not failed:
        reason += f" (an earlier send's outcome is unknown since {row.unknown_since:%H:%M:%S}Z)"
    if row.blind_resends:
        reason += f" (sent {row.blind_resends}× without a channel check)"
    return (
        f"{row.id}\t{row.key}\t{row.method}\t{channel}\t"
        f"attempts={row.attempts}\t{'next=' + when if not failed else ''}\t{reason}"
    )
