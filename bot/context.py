"""Everything a running lantern process shares: settings, config, database, Slack client."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings, WorkspaceConfig
from bot.db import make_engine, make_session_factory
from bot.giving import Giving
from bot.outbox import BackgroundDelivery, Deliverer
from bot.people import Directory
from bot.roles import Roles

SLACK_TIMEOUT_SECONDS = 10


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
    _background: BackgroundDelivery | None = None

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
    def background(self) -> BackgroundDelivery:
        with self._lock:
            if self._background is None:
                self._background = BackgroundDelivery(self.deliverer)
            return self._background

    def close(self) -> None:
        if self._background is not None:
            self._background.shutdown(wait=False)
        self.engine.dispose()
