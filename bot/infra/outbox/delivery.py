"""The deliverer: sends claimed outbox rows through one WebClient and records the outcome.

``sent`` keeps Slack's ``ts``; a 429 waits ``Retry-After``; 5xx and connection errors back
off exponentially; a permanent error (``channel_not_found``…) is ``failed`` with Slack's reason
(see :mod:`bot.infra.retry`).

A crash after Slack accepted a post but before ``sent`` was committed leaves an expired lease
behind. Posts carry their key as Slack message metadata, so the deliverer that takes over such
a row first looks for the key in the channel's recent history and records the post it finds
instead of posting again.
"""

from __future__ import annotations

import base64
import logging
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy.orm import Session, sessionmaker

from bot.infra import retry
from bot.infra.inbox import lease_owner
from bot.infra.models import OutboxStatus
from bot.infra.outbox.history import CANNOT_CHECK, METADATA_EVENT, find_post
from bot.infra.outbox.leases import Claim, Leases, Result, pending, seconds_until_next
from bot.infra.outbox.queue import REFERENCES, UPLOAD
from bot.infra.pacing import paced_wait

log = logging.getLogger(__name__)


def never_arrived(exc: BaseException) -> bool:
    """Whether a failed request certainly never reached Slack: the connection was refused
    or the name did not resolve. Anything else (a timeout, a reset, a dropped answer) may
    have reached it."""
    reason = getattr(exc, "reason", exc)
    return isinstance(reason, ConnectionRefusedError | socket.gaierror)


# rows claimed at a time: small, so several deliverers share a fan-out and a crash strands
# few of them until their lease runs out
CLAIM_BATCH = 10
SENT, PENDING, FAILED = OutboxStatus.SENT, OutboxStatus.PENDING, OutboxStatus.FAILED


def _lane(claim: Claim) -> tuple[str, str]:
    """What Slack paces a row by: its method and channel (posts to one channel keep order)."""
    return claim.method, str(claim.payload.get("channel", ""))


def utcnow() -> datetime:
    """The current time, aware and in UTC (the deliverer's default clock)."""
    return datetime.now(UTC)


@dataclass
class DeliveryReport:
    """Keys sent, (key, reason) failed for good, and (key, reason) still waiting to retry."""

    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    retrying: list[tuple[str, str]] = field(default_factory=list)
    paced_for: float = 0.0  # seconds until the first channel held by Slack's pace may go on

    def merge(self, other: DeliveryReport) -> None:
        """Add ``other``'s sent and failed keys; take its ``retrying`` as is (what is pending
        is a snapshot, not a history)."""
        self.sent += other.sent
        self.failed += other.failed
        self.retrying = other.retrying


class Deliverer:
    """Claims due outbox rows and sends them through one WebClient.

    Args:
        session_factory: where the outbox lives.
        client: the Slack client (it must not retry by itself: the outbox owns retries).
        lease: how long a claim holds a row before another deliverer may take it over.
        max_backoff: the longest wait after a 5xx or connection error, in seconds.
        clock: the current aware datetime (tests pass their own).
        sleep: how to wait, in seconds (tests pass their own); by default a wait that
            :meth:`stop` cuts short.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        client: WebClient,
        *,
        lease: timedelta = timedelta(minutes=2),
        max_backoff: float = 600.0,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.client = client
        self.max_backoff = max_backoff
        self.stopping = threading.Event()
        self.sleep = sleep or self.stopping.wait
        self.leases = Leases(session_factory, lease_owner(), lease, clock)

    def deliver_due(
        self, keys: Sequence[str] | None = None, limit: int = CLAIM_BATCH
    ) -> DeliveryReport:
        """Send every due row (of ``keys`` if given) once, without waiting for retries.

        Returns:
            What happened to each row tried.
        """
        report = DeliveryReport()
        for key in self.leases.expire(keys):
            log.warning("outbox %s expired before it could be sent", key)
            report.failed.append((key, "expired"))
        claims = self.leases.claim(keys, limit)
        waiting: dict[tuple[str, str], float] = {}  # lanes Slack's pace holds: seconds
        held: list[tuple[Claim, float]] = []  # given back after the pass, no attempt counted
        for index, claim in enumerate(claims):
            if self.stopping.is_set():  # a graceful stop: what is not sent goes back at once
                held += [(rest, 0.0) for rest in claims[index:]]
                break
            lane = _lane(claim)
            if lane in waiting:  # after the post ahead of it in its channel, in order
                held.append((claim, waiting[lane]))
                continue
            if not self.leases.renew(claim):
                continue  # the lease ran out while earlier rows were sent: another took it
            resolved = self._resolve(claim)  # a DM's channel, say, before it is looked in
            if isinstance(resolved, Result):
                result = resolved
            else:
                claim = replace(claim, payload=resolved)
                checked = find_post(self.client, claim, self.max_backoff)
                if checked is CANNOT_CHECK:
                    result = replace(self._send(claim), blind=True)
                else:
                    result = checked or self._send(claim)
            if result.paced:  # its channel's turn has not come: other channels go on
                waiting[lane] = result.retry_in
                held.append((claim, result.retry_in))
                continue
            self.leases.settle(claim, result)
            if result.status == SENT:
                report.sent.append(claim.key)
            elif result.status == FAILED:
                log.warning("outbox %s failed for good: %s", claim.key, result.error)
                report.failed.append((claim.key, result.error or "unknown"))
            else:
                log.info(
                    "outbox %s will retry in %.0fs: %s", claim.key, result.retry_in, result.error
                )
        for seconds in sorted({wait for _, wait in held}):
            self.leases.release([claim for claim, wait in held if wait == seconds], seconds)
        report.paced_for = min(waiting.values(), default=0.0)
        return report

    def deliver_until_done(
        self, keys: Sequence[str] | None = None, timeout: float = 60.0
    ) -> DeliveryReport:
        """Deliver, waiting out retries, until nothing (of ``keys``) is pending.

        Args:
            keys: only these messages; every due message when None.
            timeout: seconds to keep waiting for retries; what is still pending then is left
                for the next pass (reported in ``retrying``).
        """
        deadline = time.monotonic() + timeout
        report = DeliveryReport()
        while True:
            this_pass = self.deliver_due(keys)
            report.merge(this_pass)
            if keys is not None and set(keys) <= set(report.sent):
                report.retrying = []
                return report  # the common case: everything went out on the first try
            wait = self.seconds_until_next(keys)
            if wait is None:
                report.retrying = []
                return report
            if wait > deadline - time.monotonic() or self.stopping.is_set():
                report.retrying = pending(self.leases.session_factory, keys)
                return report
            if wait > 0 or not (this_pass.sent or this_pass.failed):
                self.sleep(max(wait, 0.05))  # due now after a full batch: straight on

    def stop(self) -> None:
        """Stop delivering soon: the send under way ends and is recorded, the rest of the
        batch is given back, and a wait for the next retry ends at once."""
        self.stopping.set()

    def seconds_until_next(self, keys: Sequence[str] | None) -> float | None:
        """Seconds until the next pending row (of ``keys``) may be tried, or None if none is.

        Both a row's next attempt (Retry-After or back-off) and a lease another deliverer still
        holds count; 0 means one is due now (the value is never negative).

        Args:
            keys: outbox keys to look at; every pending row when None.
        """
        return seconds_until_next(self.leases.session_factory, keys, self.leases.clock())

    def _resolve(self, claim: Claim) -> dict[str, Any] | Result:
        """Fill ``{"$ts_of": key}`` / ``{"$channel_of": key}`` from an earlier message, so an
        update can be enqueued before the post it edits has been delivered."""
        payload = dict(claim.payload)
        for name, value in claim.payload.items():
            if not (
                isinstance(value, dict) and len(value) == 1 and next(iter(value)) in REFERENCES
            ):
                continue
            kind, key = next(iter(value.items()))
            row = self.leases.referenced(claim.team_id, key)
            if row is None or row.status in (FAILED, OutboxStatus.CANCELLED):
                return Result(FAILED, error=f"reference_failed: {key}")
            if row.status != SENT:
                return Result(PENDING, error=f"waiting for {key}", retry_in=2.0)
            payload[name] = row.slack_ts if kind == "$ts_of" else row.slack_channel
        return payload

    def _call(self, method: str, payload: dict[str, Any]) -> SlackResponse:
        """One Web API call; :data:`UPLOAD` is slack_sdk's ``files_upload_v2`` (get an upload
        URL, send the bytes, complete the upload into the channel)."""
        if method != UPLOAD:
            return self.client.api_call(method, json=payload)
        arguments = {k: v for k, v in payload.items() if k not in ("content_base64", "after")}
        content = base64.b64decode(payload["content_base64"])
        return self.client.files_upload_v2(content=content, **arguments)

    def _send(self, claim: Claim) -> Result:
        """Make the call of ``claim``, whose references are resolved already."""
        payload = claim.payload
        if claim.method == "chat.postMessage" and "metadata" not in payload:
            metadata = {"event_type": METADATA_EVENT, "event_payload": {"key": claim.key}}
            payload = {**payload, "metadata": metadata}
        attempt = claim.attempts + 1
        try:
            response = self._call(claim.method, payload)
        except SlackApiError as exc:
            turn = paced_wait(exc)
            if turn is not None:
                return Result(PENDING, error="paced", retry_in=turn, paced=True)
            verdict = retry.classify(exc, attempt, self.max_backoff)
            if verdict.retry_in is None:
                return Result(FAILED, error=verdict.error)
            return Result(PENDING, error=verdict.error, retry_in=verdict.retry_in)
        except (URLError, OSError, TimeoutError) as exc:
            wait = retry.backoff(attempt, self.max_backoff)
            if never_arrived(exc):
                return Result(PENDING, error=f"connection: {exc}", retry_in=wait)
            # the request may have reached Slack and the answer been lost: check, never resend
            unknown = claim.method == "chat.postMessage"
            return Result(PENDING, error=f"no answer: {exc}", retry_in=wait, unknown=unknown)
        except ValueError as exc:  # a body Slack's gateway sent that is not JSON
            wait = retry.backoff(attempt, self.max_backoff)
            return Result(PENDING, error=f"bad response: {exc}", retry_in=wait)
        return Result(SENT, data=dict(response.data) if isinstance(response.data, dict) else {})
