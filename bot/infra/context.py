"""Everything a running lantern process shares: settings, config, database, Slack client,
the role and people look-ups, its clock, work after the ack and stored requests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.config import Settings, WorkspaceConfig
from bot.infra.db import make_engine, make_intake_engine, make_session_factory
from bot.infra.inbox import Inbox, Job, lease_owner
from bot.infra.jobs import Activity, InFlight, Jobs
from bot.infra.outbox.delivery import Deliverer, utcnow
from bot.infra.pacing import PacedWebClient, Pacer
from bot.infra.people import Directory
from bot.infra.post_ack import PostAck
from bot.infra.roles import Roles
from bot.infra.stored_requests import StoredRequests

SLACK_TIMEOUT_SECONDS = 10


def make_client(settings: Settings) -> PacedWebClient:
    """A WebClient on SLACK_API_URL, paced by Slack's rate tiers (LANTERN_SLACK_PACE scales
    them; see :mod:`bot.infra.pacing`). It does not retry by itself: the outbox owns retries,
    so a 429 is waited out on the outbox's schedule, never inside a request thread."""
    return PacedWebClient(
        pacer=Pacer(settings.slack_pace),
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT_SECONDS,
        retry_handlers=[],
    )


@dataclass
class AppContext(PostAck, StoredRequests):
    """What listeners, services and the clock share in one process (built once at start):
    work after the ack comes from :class:`PostAck`, stored requests from
    :class:`StoredRequests`."""

    settings: Settings
    config: WorkspaceConfig
    engine: Engine
    session_factory: sessionmaker[Session]
    intake_engine: Engine  # stores requests before the ack (see make_intake_engine)
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
            intake_engine=make_intake_engine(settings.database_url, engine),
            client=client,
            deliverer=Deliverer(session_factory, client),
            roles=Roles(client, config),
            directory=Directory(client, session_factory=session_factory),
        )

    def __post_init__(self) -> None:
        self.inbox = Inbox(self.session_factory, lease_owner(), self.now)
        self.deliverer.leases.clock = self.now  # one time source for the whole process
        self.directory.now = self.now

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

    def close(self) -> None:
        """A graceful stop: finish the job running now, drop the queued ones and hand every
        stored job this process holds or has not started back to the inbox (another process
        runs them at once), then close the database pool."""
        self.deliverer.stop()
        self._stop_threads()
        self._hand_back()
        self.intake_engine.dispose()
        self.engine.dispose()
