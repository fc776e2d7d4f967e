"""Everything a running lantern process shares: settings, config, database, Slack client."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings, WorkspaceConfig
from bot.db import make_engine, make_session_factory
from bot.giving import Giving
from bot.jobs import Activity, Jobs
from bot.outbox import Deliverer
from bot.people import Directory
from bot.roles import Roles

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
    settings: Settings
    config: WorkspaceConfig
    engine: Engine
    session_factory: sessionmaker[Session]
    client: WebClient
    deliverer: Deliverer
    roles: Roles
    directory: Directory
    _team_id: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    activity: Activity = field(default_factory=Activity)
    _work: Jobs | None = None
    _delivery: Jobs | None = None

    @classmethod
    def create(
        cls, settings: Settings, config: WorkspaceConfig, client: WebClient | None = None
    ) -> AppContext:
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

    @property
    def giving(self) -> Giving:
        return Giving(self.config, self.client, self.directory, self.roles)

    def team_id(self) -> str:
        """The workspace's team id, asked of Slack once (auth.test) and kept."""
        with self._lock:
            if self._team_id is None:
                self._team_id = str(self.client.auth_test()["team_id"])
            return self._team_id

    @property
    def work(self) -> Jobs:
        """Post-ack work: look-ups, records, App Home views."""
        with self._lock:
            if self._work is None:
                self._work = Jobs("work", workers=1, activity=self.activity)
            return self._work

    def deliver_soon(self, keys: list[str]) -> None:
        """Deliver right after the ack, on a delivery thread of its own. A retry is not waited
        out on that thread (other posts would queue behind it): it is handed back to the
        thread when due, for up to DELIVERY_WAIT; then the worker delivers what is left."""
        if keys:
            self._delivery_jobs().submit(
                self._deliver, list(keys), time.monotonic() + DELIVERY_WAIT
            )

    def _delivery_jobs(self) -> Jobs:
        with self._lock:
            if self._delivery is None:
                self._delivery = Jobs("delivery", workers=1, activity=self.activity)
            return self._delivery

    def _deliver(self, keys: list[str], deadline: float) -> None:
        report = self.deliverer.deliver_due(keys)
        if set(keys) <= set(report.sent) or time.monotonic() >= deadline:
            return
        wait = self.deliverer.seconds_until_next(keys)
        if wait is None or time.monotonic() + wait > deadline:
            return
        timer = threading.Timer(
            max(wait, 0.05), self._delivery_jobs().submit, args=(self._deliver, keys, deadline)
        )
        timer.daemon = True
        timer.start()

    def close(self) -> None:
        for jobs in (self._work, self._delivery):
            if jobs is not None:
                jobs.shutdown(wait=False)
        self.engine.dispose()
