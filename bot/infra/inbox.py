"""The durable inbox: a request whose work goes on after the ack is stored first.

A listener stores the job (``accept``) before it acknowledges Slack, under a natural key
(``event:<event_id>``, ``command:<trigger_id>``, ``view:<view id>``), so Slack's retried
deliveries store it once. The web process then runs it at once; whatever is not finished (a
SIGTERM, a SIGKILL, a database outage) is claimed with a lease by the next ``serve`` or
``worker``, like the outbox. A job that fails for a passing reason is tried again later, until
it expires.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import ColumnElement, Connection, and_, delete, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.infra import retry
from bot.infra.db import insert_if_absent
from bot.infra.leasing import take
from bot.infra.models import InboxJob, JobStatus
from bot.infra.pacing import paced_wait

log = logging.getLogger(__name__)

HANDOFF = timedelta(seconds=30)  # the web process's own head start before a worker may run it
JOB_TTL = timedelta(hours=1)  # an answer to a person is worthless after this
KEEP_DONE = timedelta(days=3)  # done jobs are kept this long: Slack re-sends within minutes


def lease_owner() -> str:
    """A name for this process's leases (on inbox jobs and outbox rows): host, pid, random."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def job_counts(session: Session) -> dict[str, int]:
    """Stored requests per status (``{"pending": 2, "done": 40, "failed": 1}``), all teams."""
    rows = session.execute(select(InboxJob.status, func.count()).group_by(InboxJob.status))
    return {str(status): int(count) for status, count in rows.all()}


class Retry(Exception):
    """Raised by a job to be run again later.

    Args:
        reason: why, recorded as the job's ``last_error``.
        seconds: when to try again; None backs off by attempt (1, 2, 4… s, at most 10 min).
        counts: whether this run counts as an attempt (False: it only waited for its turn
            at Slack, see :mod:`bot.infra.pacing`).
    """

    def __init__(self, reason: str, seconds: float | None = None, *, counts: bool = True) -> None:
        super().__init__(reason)
        self.seconds = seconds
        self.counts = counts


@dataclass(frozen=True)
class Job:
    """A claimed job: what its runner gets.

    Attributes:
        attempt: this run's number (1 for the first).
        expires_at: after this (aware UTC) the job is given up as ``expired``.
    """

    id: int
    team_id: str
    key: str
    kind: str
    payload: dict[str, Any]
    attempt: int
    expires_at: datetime


def store_job(
    executor: Session | Connection,
    team_id: str,
    key: str,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    ttl: timedelta = JOB_TTL,
    handoff: timedelta = timedelta(0),
) -> int | None:
    """Store a job unless ``key`` is stored already (the caller commits a Session).

    Args:
        now: the aware moment it is stored; it expires at ``now + ttl``.
        handoff: how long no other process may take it (a web process runs its own first).

    Returns:
        The new job's id, or None when ``key`` was already stored.
    """
    values = {
        "team_id": team_id,
        "key": key,
        "kind": kind,
        "payload": payload,
        "status": JobStatus.PENDING,
        "attempts": 0,
        "created_at": now,
        "expires_at": now + ttl,
        "next_attempt_at": now + handoff,
    }
    return insert_if_absent(executor, InboxJob, values, ["team_id", "key"])


class Inbox:
    """Stores, claims and settles inbox jobs for one ``owner`` (a process and its threads).

    Args:
        session_factory: where the jobs live.
        owner: who holds the leases it takes (host, pid and a random part).
        clock: the current aware datetime.
        lease: how long a claim holds a job before another process may take it over.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        owner: str,
        clock: Callable[[], datetime],
        lease: timedelta = timedelta(minutes=2),
    ) -> None:
        self.session_factory = session_factory
        self.owner = owner
        self.clock = clock
        self.lease = lease

    def accept(
        self,
        executor: Session | Connection,
        team_id: str,
        key: str,
        kind: str,
        payload: dict[str, Any],
        ttl: timedelta = JOB_TTL,
    ) -> int | None:
        """Store a job: in the caller's transaction (a Session), or as one statement (an
        autocommit Connection, the ack's path: one round trip).

        Returns:
            The new job's id, or None when ``key`` was already stored (a retried delivery).
        """
        return store_job(executor, team_id, key, kind, payload, self.clock(), ttl, HANDOFF)

    def _claimable(self, now: datetime, ids: Sequence[int] | None) -> ColumnElement[bool]:
        free = or_(InboxJob.lease_until.is_(None), InboxJob.lease_until < now)
        if ids is not None:  # the process that stored them runs them at once
            return and_(InboxJob.status == JobStatus.PENDING, free, InboxJob.id.in_(list(ids)))
        due = or_(InboxJob.next_attempt_at.is_(None), InboxJob.next_attempt_at <= now)
        return and_(InboxJob.status == JobStatus.PENDING, free, due)

    def claim(self, ids: Sequence[int] | None = None, limit: int = 50) -> list[Job]:
        """Take the lease on the jobs ``ids`` (or on up to ``limit`` due jobs), oldest first."""
        now = self.clock()
        free = self._claimable(now, ids)
        query = select(InboxJob).where(free).order_by(InboxJob.id)
        with self.session_factory.begin() as session:
            rows = take(session, InboxJob, query.limit(limit), free, self.owner, now + self.lease)
            return [
                Job(
                    id=row.id,
                    team_id=row.team_id,
                    key=row.key,
                    kind=row.kind,
                    payload=dict(row.payload),
                    attempt=row.attempts + 1,
                    expires_at=row.expires_at,
                )
                for row in rows
            ]

    def _settle(self, job: Job, **values: Any) -> None:
        values = {"attempts": job.attempt, "lease_until": None, "lease_owner": None} | values
        with self.session_factory.begin() as session:
            session.execute(
                update(InboxJob)
                .where(InboxJob.id == job.id, InboxJob.lease_owner == self.owner)
                .values(**values)
            )

    def done(self, job: Job) -> None:
        """The job ran to the end."""
        self._settle(job, status=JobStatus.DONE, finished_at=self.clock(), last_error=None)

    def failed(self, job: Job, reason: str) -> None:
        """Give the job up for good, with ``reason``."""
        self._settle(job, status=JobStatus.FAILED, finished_at=self.clock(), last_error=reason)

    def later(self, job: Job, seconds: float, reason: str, *, counts: bool = True) -> bool:
        """Run the job again in ``seconds``; if that is past its expiry it fails as ``expired``.

        Args:
            counts: whether the run just ended counts as an attempt (False when it only
                waited for Slack's pace).

        Returns:
            True if it will run again.
        """
        when = self.clock() + timedelta(seconds=retry.jittered(seconds))
        if when > job.expires_at:
            self.failed(job, f"expired: {reason}")
            return False
        attempts = job.attempt if counts else job.attempt - 1
        self._settle(job, next_attempt_at=when, last_error=reason, attempts=attempts)
        return True

    def release(self, stored: Sequence[int] = ()) -> int:
        """A graceful stop: give back every lease this owner holds, and the head start of the
        jobs it ``stored`` but never started, so another process runs them all now.

        Returns:
            How many jobs were handed over.
        """
        mine = InboxJob.lease_owner == self.owner
        if stored:
            mine = or_(mine, and_(InboxJob.lease_owner.is_(None), InboxJob.id.in_(list(stored))))
        with self.session_factory.begin() as session:
            result = session.execute(
                update(InboxJob)
                .where(mine, InboxJob.status == JobStatus.PENDING)
                .values(lease_until=None, lease_owner=None, next_attempt_at=None)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def purge(self, session: Session, now: datetime) -> int:
        """Delete jobs done or failed more than KEEP_DONE ago. Returns how many."""
        result = session.execute(
            delete(InboxJob).where(
                InboxJob.status != JobStatus.PENDING, InboxJob.finished_at < now - KEEP_DONE
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def execute(inbox: Inbox, job: Job, run: Callable[[Job], None]) -> float | None:
    """Run a job ``inbox`` claimed and settle it by how it ended.

    ``Retry`` runs it again when it asks; a database error, an unreachable Slack or a
    passing Slack error (429 with its Retry-After, 5xx) backs off and runs it again; a
    permanent Slack error or a bug fails it for good (logged with its traceback). A job
    past its expiry fails as ``expired`` without running.

    Returns:
        Seconds until it should run again, or None when it is settled for good.
    """
    if inbox.clock() > job.expires_at:
        inbox.failed(job, "expired before it could run")
        return None
    wait: float | None = None
    reason, counts = "", True
    try:
        run(job)
    except Retry as again:
        wait = again.seconds if again.seconds is not None else retry.backoff(job.attempt)
        reason, counts = str(again), again.counts
    except SlackApiError as exc:
        turn = paced_wait(exc)
        if turn is not None:  # Slack's pace, kept here: a turn to wait for, not an attempt
            return (
                turn if inbox.later(job, turn, "waiting for Slack's pace", counts=False) else None
            )
        verdict = retry.classify(exc, job.attempt)
        if verdict.retry_in is None:
            log.warning("job %s failed for good: %s", job.key, verdict.error)
            inbox.failed(job, verdict.error)
            return None
        wait, reason = verdict.retry_in, verdict.error
    except (SQLAlchemyError, OSError) as exc:  # the database or Slack is unreachable
        log.warning("job %s will be tried again: %s", job.key, exc)
        wait, reason = retry.backoff(job.attempt), f"{type(exc).__name__}: {exc}"[:500]
    except Exception as exc:
        log.exception("job %s failed", job.key)
        inbox.failed(job, f"{type(exc).__name__}: {exc}"[:500])
        return None
    else:
        inbox.done(job)
        return None
    return wait if inbox.later(job, wait, reason, counts=counts) else None
