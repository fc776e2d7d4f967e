"""The outbox as capabilities see it: every outgoing Web API call is stored under a natural
idempotency key (UNIQUE per team) before anything is sent, so enqueueing twice stores it once.

Keys name the work, e.g. ``kudos:42``, ``reminder:2026-06-12:independence-day:1``. An edit of
a post can be queued before the post is delivered: its payload names the post with
``{"$ts_of": key}`` / ``{"$channel_of": key}`` and the deliverer fills them in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.infra.db import insert_if_absent
from bot.infra.models import OutboxMessage, OutboxStatus

REFERENCES = ("$ts_of", "$channel_of")  # payload values filled from an earlier message
UPLOAD = "files_upload_v2"
"""The method of a file upload: slack_sdk's three-call upload (``files.getUploadURLExternal``,
the bytes, ``files.completeUploadExternal``); its payload holds ``content_base64`` (the file),
``filename``, ``title``, ``alt_txt`` and ``channel``, and may hold ``after``: a reference
(``{"$ts_of": key}``) to a post it must follow, so it waits until that post is sent. An upload
whose answer is lost is tried again (Slack offers no key to check it by), so the file can then
appear twice."""


@dataclass(frozen=True)
class Outgoing:
    """A Web API call to make once.

    Attributes:
        key: names the call for good, e.g. ``digest:U0MGR:2026-W24`` (at most 255 characters).
        method: the Web API method, e.g. ``chat.postMessage``.
        payload: its arguments, JSON-serialisable.
        expires_at: when the message stops being worth sending (a day-of reminder: the end
            of that day); None: never.
    """

    key: str
    method: str
    payload: dict[str, Any]
    expires_at: datetime | None = None  # aware; not sent after it (failed "expired")

    def describe(self) -> str:
        """One line for logs and previews: method, channel, key and fallback text."""
        channel = self.payload.get("channel") or self.payload.get("user_id") or "-"
        text = self.payload.get("text") or ""
        return f"{self.method} → {channel} [{self.key}] {text}"


def enqueue(session: Session, team_id: str, message: Outgoing, now: datetime) -> bool:
    """Store ``message`` unless its key exists for ``team_id``. The caller commits.

    Returns:
        True if it was new, False if the key was already stored (nothing changes then).
    """
    values = {
        "team_id": team_id,
        "key": message.key,
        "method": message.method,
        "payload": message.payload,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": None,
        "expires_at": message.expires_at,
    }
    return insert_if_absent(session, OutboxMessage, values, ["team_id", "key"]) is not None


def _change(session: Session, team_id: str, *where: Any, **values: Any) -> int:
    """Update this team's rows matching ``where``; how many changed (a compare-and-set)."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.team_id == team_id, *where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


_UNTAKEN = (OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.lease_owner.is_(None))


def cancel(session: Session, team_id: str, key: str) -> bool:
    """Stop a message that no deliverer has taken yet.

    Returns:
        True if it will never be sent; False if it was sent, is being sent, or is unknown.
    """
    where = (OutboxMessage.key == key, OutboxMessage.attempts == 0, *_UNTAKEN)
    values = {"status": OutboxStatus.CANCELLED, "last_error": "cancelled"}
    return _change(session, team_id, *where, **values) == 1


def cancel_pending_updates(session: Session, team_id: str, prefix: str) -> int:
    """Cancel queued, untaken messages whose key starts with ``prefix`` (older edits of a
    post that a newer edit replaces), so edits cannot land out of order.

    Returns:
        How many were cancelled.
    """
    where = (OutboxMessage.key.startswith(prefix, autoescape=True), *_UNTAKEN)
    values = {"status": OutboxStatus.CANCELLED, "last_error": "replaced by a newer edit"}
    return _change(session, team_id, *where, **values)


def revive(session: Session, team_id: str, key: str) -> bool:
    """Send a cancelled message after all.

    Returns:
        True if it was cancelled and is pending again.
    """
    where = (OutboxMessage.key == key, OutboxMessage.status == OutboxStatus.CANCELLED)
    values = {"status": OutboxStatus.PENDING, "last_error": None, "next_attempt_at": None}
    return _change(session, team_id, *where, **values) == 1
