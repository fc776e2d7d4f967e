"""The process side of the inbox: store a request before the ack, run it right after, and run
what other processes left (see :mod:`bot.infra.inbox` for the rules)."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.inbox import JOB_TTL, Inbox, Job, execute

log = logging.getLogger(__name__)

AUTOCOMMIT = "AUTOCOMMIT"  # SQLAlchemy's isolation level for statements committed one by one
CLAIM_ATTEMPTS = 5  # claims of a request this process stored, while the database is away


class StoredRequests:
    """The part of :class:`bot.infra.context.AppContext` that stores and runs inbox jobs;
    ``job_runners`` maps a job's kind to what runs it (set from ``handlers``)."""

    intake_engine: Engine
    session_factory: sessionmaker[Session]
    inbox: Inbox
    job_runners: Mapping[str, Callable[[Any, Job], None]]
    _lock: threading.Lock
    _stored: set[int]  # jobs stored by this process and not yet claimed

    # from PostAck
    after_ack: Callable[..., None]
    _later: Callable[..., None]

    def accept(
        self,
        team_id: str,
        key: str,
        kind: str,
        payload: dict[str, Any],
        ttl: timedelta = JOB_TTL,
    ) -> int | None:
        """Store a job for after the ack: one INSERT, committed by itself (autocommit), so
        the ack waits for a single round trip to the database. A pooled connection found
        lost (a database restart since it was last used) is replaced and the INSERT tried
        once more; the key makes that safe.

        Returns:
            Its id, or None if ``key`` was stored before (a retried delivery: do nothing).

        Raises:
            SQLAlchemyError: the database is unreachable; the caller apologises (commands,
                forms) or answers non-2xx so Slack retries (events).
        """
        for attempt in (1, 2):
            try:
                with self.intake_engine.connect().execution_options(
                    isolation_level=AUTOCOMMIT
                ) as connection:
                    job = self.inbox.accept(connection, team_id, key, kind, payload, ttl)
                break
            except DBAPIError as exc:
                if attempt == 2 or not exc.connection_invalidated:
                    raise
        if job is not None:
            with self._lock:
                self._stored.add(job)
        return job

    def run_soon(self, job_id: int | None) -> None:
        """Run a job this process just stored, after the ack (if it was new)."""
        if job_id is not None:
            self.after_ack(self.run_jobs, [job_id])

    def run_jobs(self, ids: list[int] | None = None, limit: int = 50, attempt: int = 1) -> int:
        """Claim and run the jobs ``ids``, or (None) up to ``limit`` due jobs (the worker);
        one that asks to run again is run again by this process when due. If the database
        cannot be reached to claim ``ids``, this process tries again after 2, 4, 8 and 16 s
        (a restart), then leaves them to a worker.

        Returns:
            How many were run.

        Raises:
            SQLAlchemyError: the database cannot be reached to claim due jobs (``ids`` None).
        """
        try:
            jobs = self.inbox.claim(ids, limit)
        except SQLAlchemyError as exc:
            if ids is None:
                raise
            if attempt < CLAIM_ATTEMPTS:
                log.warning("cannot claim stored requests yet (%s); trying again", exc)
                self._later(2.0**attempt, "work", self.run_jobs, ids, limit, attempt + 1)
            return 0
        with self._lock:
            self._stored.difference_update(job.id for job in jobs)
        for job in jobs:
            wait = execute(self.inbox, job, self._runner)
            if wait is not None:
                self._later(max(wait, 0.05), "work", self.run_jobs, [job.id])
        return len(jobs)

    def _runner(self, job: Job) -> None:
        runner = self.job_runners.get(job.kind)
        if runner is None:  # a job stored by a newer version, or a typo: fails, logged
            raise LookupError(f"no runner for jobs of kind {job.kind!r}")
        runner(self, job)

    def _hand_back(self) -> None:
        """A stop: hand every job this process holds, or stored and never started, back to
        the inbox so another process runs them at once (during an outage, leases expire)."""
        with self._lock:
            stored, self._stored = list(self._stored), set()
        with contextlib.suppress(SQLAlchemyError):
            self.inbox.release(stored)
