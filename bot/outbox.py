"""Store-then-send delivery of everything lantern says in Slack.

Every outgoing Web API call is first stored under a natural idempotency key (UNIQUE per
team), so enqueueing twice stores it once. Deliverers claim due rows with a short lease
(``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, a compare-and-set update everywhere),
send them, and record the outcome: ``sent`` with Slack's ``ts``, a retry time (429 honours
``Retry-After``; 5xx and connection errors back off exponentially), or ``failed`` with
Slack's reason for permanent errors such as ``channel_not_found``.

A crash after Slack accepted a post but before the ``sent`` row committed leaves an expired
lease behind. Posts carry their key as Slack message metadata, so the deliverer that takes
over such a row first looks for the key in the channel's recent history and records the
post it finds instead of posting again.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db import insert_if_absent, is_postgres
from bot.models import OutboxMessage

log = logging.getLogger(__name__)

PENDING, SENT, FAILED, CANCELLED = "pending", "sent", "failed", "cancelled"

# Slack errors (HTTP 200, ok=false) worth trying again; any other error is permanent.
RETRYABLE_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
    }
)
DEFAULT_RETRY_AFTER = 30
REFERENCES = ("$ts_of", "$channel_of")  # payload values filled from an earlier message
METADATA_EVENT = "lantern_outbox"
# how far before an expired lease's end to look for a post that was made before a crash
# (longer than any lease, so it covers the whole attempt)
ORPHAN_LOOKBACK = timedelta(minutes=15)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Outgoing:
    """A Web API call to make once: ``key`` names it, e.g. ``digest:U0MGR:2026-W24``."""

    key: str
    method: str
    payload: dict[str, Any]

    def describe(self) -> str:
        channel = self.payload.get("channel") or self.payload.get("user_id") or "-"
        text = self.payload.get("text") or ""
        return f"{self.method} → {channel} [{self.key}] {text}"


def enqueue(session: Session, team_id: str, message: Outgoing, now: datetime) -> bool:
    """Store ``message`` unless its key exists; True if it was new. The caller commits."""
    values = {
        "team_id": team_id,
        "key": message.key,
        "method": message.method,
        "payload": message.payload,
        "status": PENDING,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": None,
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


_UNTAKEN = (OutboxMessage.status == PENDING, OutboxMessage.lease_owner.is_(None))


def cancel(session: Session, team_id: str, key: str) -> bool:
    """Stop a message that no deliverer has taken yet; True if it will never be sent."""
    where = (OutboxMessage.key == key, OutboxMessage.attempts == 0, *_UNTAKEN)
    return _change(session, team_id, *where, status=CANCELLED, last_error="cancelled") == 1


def cancel_pending_updates(session: Session, team_id: str, prefix: str) -> int:
    """Cancel queued, untaken messages whose key starts with ``prefix`` (older edits of a
    post that a newer edit replaces), so edits cannot land out of order."""
    where = (OutboxMessage.key.startswith(prefix, autoescape=True), *_UNTAKEN)
    return _change(
        session, team_id, *where, status=CANCELLED, last_error="replaced by a newer edit"
    )


def revive(session: Session, team_id: str, key: str) -> bool:
    """Send a cancelled message after all; True if it was cancelled."""
    where = (OutboxMessage.key == key, OutboxMessage.status == CANCELLED)
    values = {"status": PENDING, "last_error": None, "next_attempt_at": None}
    return _change(session, team_id, *where, **values) == 1


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    retrying: list[tuple[str, str]] = field(default_factory=list)

    def merge(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.retrying = other.retrying


@dataclass(frozen=True)
class _Claim:
    id: int
    team_id: str
    key: str
    method: str
    payload: dict[str, Any]
    attempts: int
    # when an earlier deliverer took this row and never reported back (crash or hang)
    orphaned_at: datetime | None


class _Outcome:
    """What one send attempt resolved to."""

    def __init__(
        self,
        status: str,
        *,
        error: str | None = None,
        retry_in: float = 0.0,
        data: dict[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.error = error
        self.retry_in = retry_in
        self.data = data or {}


class Deliverer:
    """Claims due outbox rows and sends them through one WebClient."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        client: WebClient,
        *,
        lease: timedelta = timedelta(minutes=2),
        max_backoff: float = 600.0,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session_factory = session_factory
        self.client = client
        self.lease = lease
        self.max_backoff = max_backoff
        self.clock = clock
        self.sleep = sleep
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    # ---- one pass

    def deliver_due(self, keys: Sequence[str] | None = None, limit: int = 100) -> DeliveryReport:
        """Send every due row (of ``keys`` if given) once; return what happened."""
        report = DeliveryReport()
        for claim in self._claim(keys, limit):
            if not self._still_ours(claim):
                continue  # the lease ran out while earlier rows were sent: another took it
            outcome = self._already_posted(claim) or self._send(claim)
            self._record(claim.id, outcome, claim.attempts + 1)
            if outcome.status == SENT:
                report.sent.append(claim.key)
            elif outcome.status == FAILED:
                log.warning("outbox %s failed for good: %s", claim.key, outcome.error)
                report.failed.append((claim.key, outcome.error or "unknown"))
            else:
                log.info(
                    "outbox %s will retry in %.0fs: %s", claim.key, outcome.retry_in, outcome.error
                )
        return report

    def deliver_until_done(
        self, keys: Sequence[str] | None = None, timeout: float = 60.0
    ) -> DeliveryReport:
        """Deliver, waiting out retries, until nothing (of ``keys``) is pending or time is up."""
        deadline = time.monotonic() + timeout
        report = DeliveryReport()
        while True:
            report.merge(self.deliver_due(keys))
            if keys is not None and set(keys) <= set(report.sent):
                report.retrying = []
                return report  # the common case: everything went out on the first try
            wait = self.seconds_until_next(keys)
            remaining = deadline - time.monotonic()
            if wait is None:
                report.retrying = []
                return report
            if wait > remaining:
                report.retrying = self._pending(keys)
                return report
            self.sleep(max(wait, 0.05))

    # ---- claiming

    def _due(self, now: datetime) -> Any:
        return and_(
            OutboxMessage.status == PENDING,
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
            or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
        )

    def _claim(self, keys: Sequence[str] | None, limit: int) -> list[_Claim]:
        now = self.clock()
        claimed = []
        with self.session_factory.begin() as session:
            query: Select[Any] = select(OutboxMessage).where(self._due(now))
            if keys is not None:
                query = query.where(OutboxMessage.key.in_(list(keys)))
            query = query.order_by(OutboxMessage.id).limit(limit)
            if is_postgres(session):
                query = query.with_for_update(skip_locked=True)
            for row in session.scalars(query).all():
                orphaned_at = None
                if row.lease_owner is not None and row.lease_until is not None:
                    orphaned_at = row.lease_until - ORPHAN_LOOKBACK
                # compare-and-set: only one deliverer can take the lease
                result = session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row.id, self._due(now))
                    .values(lease_until=now + self.lease, lease_owner=self.owner)
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(
                        _Claim(
                            row.id,
                            row.team_id,
                            row.key,
                            row.method,
                            dict(row.payload),
                            row.attempts,
                            orphaned_at,
                        )
                    )
        return claimed

    def _still_ours(self, claim: _Claim) -> bool:
        """Renew the lease just before sending; False if it lapsed and another deliverer took
        the row meanwhile (taking it changes ``lease_owner``, so this compare-and-set fails)."""
        now = self.clock()
        with self.session_factory.begin() as session:
            result = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == claim.id,
                    OutboxMessage.lease_owner == self.owner,
                    OutboxMessage.status == PENDING,
                )
                .values(lease_until=now + self.lease)
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1  # type: ignore[attr-defined]

    # ---- sending

    def _already_posted(self, claim: _Claim) -> _Outcome | None:
        """After a crash mid-send, find the post if Slack did accept it (by its metadata)."""
        if claim.orphaned_at is None or claim.method != "chat.postMessage":
            return None
        channel = str(claim.payload.get("channel") or "")
        oldest = claim.orphaned_at.timestamp()
        try:
            response = self.client.conversations_history(
                channel=channel, oldest=f"{oldest:.6f}", include_all_metadata=True, limit=200
            )
        except (SlackApiError, URLError, OSError, ValueError) as exc:
            log.warning("cannot check %s for an earlier post of %s: %s", channel, claim.key, exc)
            return None
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_EVENT and payload.get("key") == claim.key:
                log.info("outbox %s was posted before a crash; not posting again", claim.key)
                return _Outcome(SENT, data={"ts": message.get("ts"), "channel": channel})
        return None

    def _resolve(self, claim: _Claim) -> dict[str, Any] | _Outcome:
        """Fill ``{"$ts_of": key}`` / ``{"$channel_of": key}`` from an earlier message, so an
        update can be enqueued before the post it edits has been delivered."""
        wanted = {
            name: value
            for name, value in claim.payload.items()
            if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in REFERENCES
        }
        if not wanted:
            return claim.payload
        payload = dict(claim.payload)
        with self.session_factory() as session:
            for name, reference in wanted.items():
                kind, key = next(iter(reference.items()))
                row = session.scalar(
                    select(OutboxMessage).where(
                        OutboxMessage.team_id == claim.team_id, OutboxMessage.key == key
                    )
                )
                if row is None or row.status in (FAILED, CANCELLED):
                    return _Outcome(FAILED, error=f"reference_failed: {key}")
                if row.status != SENT:
                    return _Outcome(PENDING, error=f"waiting for {key}", retry_in=2.0)
                payload[name] = row.slack_ts if kind == "$ts_of" else row.slack_channel
        return payload

    def _send(self, claim: _Claim) -> _Outcome:
        resolved = self._resolve(claim)
        if isinstance(resolved, _Outcome):
            return resolved
        payload = resolved
        if claim.method == "chat.postMessage" and "metadata" not in payload:
            payload = {
                **payload,
                "metadata": {"event_type": METADATA_EVENT, "event_payload": {"key": claim.key}},
            }
        attempt = claim.attempts + 1
        try:
            response = self.client.api_call(claim.method, json=payload)
            return _Outcome(
                SENT, data=dict(response.data) if isinstance(response.data, dict) else {}
            )
        except SlackApiError as exc:
            return self._classify(exc, attempt)
        except (URLError, OSError, TimeoutError) as exc:
            return _Outcome(PENDING, error=f"connection: {exc}", retry_in=self._backoff(attempt))
        except ValueError as exc:  # a body Slack's gateway sent that is not JSON
            return _Outcome(PENDING, error=f"bad response: {exc}", retry_in=self._backoff(attempt))

    def _classify(self, exc: SlackApiError, attempt: int) -> _Outcome:
        response = exc.response
        status = getattr(response, "status_code", 200)
        data = response.data if isinstance(response.data, dict) else {}
        error = str(data.get("error") or f"http_{status}")
        if status == 429 or error in ("ratelimited", "rate_limited"):
            headers = {k.lower(): v for k, v in (response.headers or {}).items()}
            value = headers.get("retry-after")
            if isinstance(value, list):
                value = value[0] if value else None
            try:
                retry_after = float(value) if value is not None else DEFAULT_RETRY_AFTER
            except ValueError:
                retry_after = DEFAULT_RETRY_AFTER
            return _Outcome(PENDING, error="ratelimited", retry_in=max(retry_after, 0.0))
        if status >= 500 or error in RETRYABLE_ERRORS:
            return _Outcome(PENDING, error=error, retry_in=self._backoff(attempt))
        return _Outcome(FAILED, error=error)

    def _backoff(self, attempt: int) -> float:
        return float(min(self.max_backoff, 2 ** max(attempt - 1, 0)))

    def _record(self, row_id: int, outcome: _Outcome, attempts: int) -> None:
        now = self.clock()
        values: dict[str, Any] = {
            "attempts": attempts,
            "lease_until": None,
            "lease_owner": None,
            "status": outcome.status,
            "last_error": outcome.error,
        }
        if outcome.status == SENT:
            values["sent_at"] = now
            values["slack_ts"] = outcome.data.get("ts") or outcome.data.get("message_ts")
            channel = outcome.data.get("channel")
            values["slack_channel"] = channel if isinstance(channel, str) else None
        elif outcome.status == PENDING:
            values["next_attempt_at"] = now + timedelta(seconds=outcome.retry_in)
        with self.session_factory.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.lease_owner == self.owner)
                .values(**values)
            )

    # ---- waiting

    def _pending_query(self, keys: Sequence[str] | None) -> Any:
        condition = OutboxMessage.status == PENDING
        if keys is not None:
            condition = and_(condition, OutboxMessage.key.in_(list(keys)))
        return condition

    def seconds_until_next(self, keys: Sequence[str] | None) -> float | None:
        now = self.clock()
        with self.session_factory() as session:
            rows = session.execute(
                select(OutboxMessage.next_attempt_at, OutboxMessage.lease_until).where(
                    self._pending_query(keys)
                )
            ).all()
        if not rows:
            return None
        waits = []
        for next_at, lease_until in rows:
            ready = max(t for t in (next_at, lease_until, now) if t is not None)
            waits.append((ready - now).total_seconds())
        return min(waits)

    def _pending(self, keys: Sequence[str] | None) -> list[tuple[str, str]]:
        with self.session_factory() as session:
            rows = session.execute(
                select(OutboxMessage.key, OutboxMessage.last_error).where(self._pending_query(keys))
            ).all()
        return [(key, error or "") for key, error in rows]


def outbox_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    return {status: count for status, count in rows}


def undelivered(session: Session, *, failed: bool) -> list[OutboxMessage]:
    """Rows for ``lantern outbox``: still pending, or (``failed``) given up with a reason."""
    status = FAILED if failed else PENDING
    return list(
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == status).order_by(OutboxMessage.id)
        )
    )
