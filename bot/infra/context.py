"""Everything a running lantern process shares: settings, config, database, Slack client,
the role and people look-ups, and the one way to run work after Slack has its answer."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.config import Settings, WorkspaceConfig
from bot.infra.db import make_engine, make_session_factory
from bot.infra.inbox import JOB_TTL, Inbox, Job, lease_owner
from bot.infra.jobs import Activity, InFlight, Jobs, TrackedExecutor
from bot.infra.outbox.delivery import Deliverer, utcnow
from bot.infra.people import Directory
from bot.infra.roles import Roles

SLACK_TIMEOUT_SECONDS = 10
DELIVERY_WAIT = 120.0  # seconds the web process waits out retries before leaving them to the worker


def make_client(settings: Settings) -> WebClient:
    """A WebClient on SLACK_API_URL. It does not retry by itself: the outbox owns retries,
    so a 429 is waited out on the outbox's schedule, never inside a request thread."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT_SECONDS,
        retry_handlers=[],
    )


@dataclass
class AppContext:
    """What listeners, services and the clock share in one process (built once at start)."""

    settings: Settings
    config: WorkspaceConfig
    engine: Engine
    session_factory: sessionmaker[Session]
    client: WebClient
    deliverer: Deliverer
    roles: Roles
    directory: Directory
    activity: Activity = field(default_factory=Activity)
    clock: Callable[[], datetime] = utcnow  # the one place request handling reads the time
    in_flight: InFlight = field(default_factory=InFlight)
    # kind -> what runs a stored job of that kind (set by bot/runtime from handlers)
    job_runners: Mapping[str, Callable[[AppContext, Job], None]] = field(default_factory=dict)
    inbox: Inbox = field(init=False)
    _team_id: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pools: dict[str, Jobs] = field(default_factory=dict)
    _stored: set[int] = field(default_factory=set)  # jobs accepted here and not yet claimed

    @classmethod
    def create(
        cls, settings: Settings, config: WorkspaceConfig, client: WebClient | None = None
    ) -> AppContext:
        """Connect to the database (no query yet) and build the Slack client and look-ups.

        Args:
            client: a ready WebClient (tests, the fake Slack); None builds one from
                ``settings`` with :func:`make_client`.
        """
        engine = make_engine(settings.database_url)
        session_factory = make_session_factory(engine)
        client = client or make_client(settings)
        return cls(
            settings=settings,
            config=config,
            engine=engine,
            session_factory=session_factory,
            client=client,
            deliverer=Deliverer(session_factory, client),
            roles=Roles(client, config),
            directory=Directory(client),
        )

    def __post_init__(self) -> None:
        self.inbox = Inbox(self.session_factory, lease_owner(), self.now)
        self.deliverer.leases.clock = self.now  # one time source for the whole process

    def accept(
        self,
        team_id: str,
        key: str,
        kind: str,
        payload: dict[str, Any],
        ttl: timedelta = JOB_TTL,
    ) -> int | None:
        """Store a job for after the ack, in a transaction of its own (see :mod:`.inbox`).

        Returns:
            Its id, or None if ``key`` was stored before (a retried delivery: do nothing).

        Raises:
            SQLAlchemyError: the database is unreachable; the caller apologises (commands,
                forms) or answers non-2xx so Slack retries (events).
        """
        with self.session_factory.begin() as session:
            job = self.inbox.accept(session, team_id, key, kind, payload, ttl)
        if job is not None:
            with self._lock:
                self._stored.add(job)
        return job

    def run_soon(self, job_id: int | None) -> None:
        """Run a job this process just stored, after the ack (if it was new)."""
        if job_id is not None:
            self.after_ack(self.run_jobs, [job_id])

    def run_jobs(self, ids: list[int] | None = None, limit: int = 50) -> int:
        """Claim and run the jobs ``ids``, or (None) up to ``limit`` due jobs (the worker).

        Returns:
            How many were run.
        """
        jobs = self.inbox.claim(ids, limit)
        with self._lock:
            self._stored.difference_update(job.id for job in jobs)
        for job in jobs:
            wait = self.inbox.execute(job, self._runner(job))
            if wait is not None:  # this process tries again when due (any process may)
                self._later(max(wait, 0.05), "work", self.run_jobs, [job.id])
        return len(jobs)

    def _runner(self, job: Job) -> Callable[[Job], None]:
        def run(claimed: Job) -> None:
            runner = self.job_runners.get(claimed.kind)
            if runner is None:  # a job stored by a newer version, or a typo: fails, logged
                raise LookupError(f"no runner for jobs of kind {claimed.kind!r}")
            runner(self, claimed)

        return run

    def now(self) -> datetime:
        """The current aware moment (UTC) as this process sees it; tests set ``clock``."""
        return self.clock()

    def team_id(self) -> str:
        """The workspace's team id (T…), asked of Slack once (auth.test) and kept.

        Raises:
            SlackApiError: Slack refused (a bad token, say); OSError: no answer. Nothing is
                kept then, so the next call asks again.
        """
        with self._lock:
            if self._team_id is None:
                self._team_id = str(self.client.auth_test()["team_id"])
            return self._team_id

    def after_ack(self, function: Callable[..., Any], *args: Any, delay: float = 0.0) -> None:
        """Run ``function(*args)`` after Slack has its answer, on lantern's own work thread
        (Bolt's listener threads stay free for the next request); with ``delay`` (seconds),
        not before then. Failures are logged, never raised.

        One thread runs these tasks in turn, letting requests go first (see :class:`Jobs`); a
        task handed over during :meth:`close` is dropped.
        """
        if delay <= 0:
            self._pool("work").submit(function, *args)
            return
        self._later(delay, "work", function, *args)

    def listener_pool(self, workers: int) -> TrackedExecutor:
        """The pool Bolt runs listeners on (its default of 5 threads would make an ack wait
        for a free thread under a burst); its tasks count in ``in_flight``."""
        return TrackedExecutor(self.in_flight, workers, "lantern-listener")

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every listener and every task handed to ``after_ack`` or
        ``deliver_soon`` so far has run (a delayed task counts once its delay is over).

        Returns:
            True if that happened within ``timeout`` seconds.
        """
        return self.in_flight.wait_idle(timeout)

    def deliver_soon(self, keys: list[str]) -> None:
        """Deliver the outbox rows ``keys`` (as a use case's Outcome lists them; none: nothing
        to do) right after the ack, on a delivery thread of its own. A retry is not waited
        out on that thread (other posts would queue behind it): it is handed back to the
        thread when due, for up to DELIVERY_WAIT seconds; then the worker delivers the rest."""
        if keys:
            self._pool("delivery").submit(
                self._deliver, list(keys), time.monotonic() + DELIVERY_WAIT
            )

    def _later(self, delay: float, pool: str, function: Callable[..., Any], *args: Any) -> None:
        """Hand ``function(*args)`` to ``pool`` after ``delay`` seconds. The wait counts as
        work in flight, so :meth:`wait_idle` also waits for delayed tasks."""
        self.in_flight.started()

        def hand_over() -> None:
            try:
                self._pool(pool).submit(function, *args)
            finally:
                self.in_flight.finished()  # after the submit has counted the task itself

        timer = threading.Timer(delay, hand_over)
        timer.daemon = True
        timer.start()

    def _pool(self, name: str) -> Jobs:
        with self._lock:
            if name not in self._pools:
                self._pools[name] = Jobs(
                    name, workers=1, activity=self.activity, in_flight=self.in_flight
                )
            return self._pools[name]

    def _deliver(self, keys: list[str], deadline: float) -> None:
        report = self.deliverer.deliver_due(keys)
        if set(keys) <= set(report.sent) or time.monotonic() >= deadline:
            return
        wait = self.deliverer.seconds_until_next(keys)
        if wait is None or time.monotonic() + wait > deadline:
            return
        self._later(max(wait, 0.05), "delivery", self._deliver, keys, deadline)

    def close(self) -> None:
        """A graceful stop: finish the job running now, drop the queued ones and hand every
        stored job this process holds or has not started back to the inbox (another process
        runs them at once), then close the database pool."""
        with self._lock:
            pools = list(self._pools.values())
        for jobs in pools:
            # the job running now finishes (short: Slack calls time out in 10 s) so it is not
            # run twice; queued ones are dropped here and handed over below
            jobs.shutdown(wait=jobs.name == "work", cancel_futures=True)
        with self._lock:
            stored, self._stored = list(self._stored), set()
        with contextlib.suppress(SQLAlchemyError):  # a stop during an outage: leases expire
            self.inbox.release(stored)
        self.engine.dispose()
