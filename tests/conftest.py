"""Shared fixtures: a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL), the
loopback fake Slack, settings and config, and the WSGI app served over real HTTP."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import quote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.config import Settings, WorkspaceConfig, load_workspace_config
from bot.infra.context import AppContext
from bot.infra.db import make_engine, make_session_factory
from bot.infra.migrate import upgrade
from bot.runtime.web import LanternWSGI
from tests.slack_fake import SlackFake
from tests.slack_requests import SIGNING_SECRET

# CI explores the same examples every run (a red build must be reproducible); elsewhere the
# property tests draw new ones each run, and keep what failed in .hypothesis/
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "examples" / "lantern.toml"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
BOT_TOKEN = "xoxb-test-token"
LANTERN_SECRET = "test-lantern-secret-0123456789"
# the fake Slack answers at once: lantern keeps to 20 times Slack's pace (bot/infra/pacing.py)
TEST_SLACK_PACE = 20.0


class Databases:
    """Makes empty databases: a SQLite file each, or a PostgreSQL schema each."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.schemas: list[str] = []

    @property
    def backend(self) -> str:
        return "postgresql" if TEST_DATABASE_URL else "sqlite"

    def fresh(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        if not TEST_DATABASE_URL:
            return f"sqlite:///{self.tmp / (name + '.db')}"
        engine = make_engine(TEST_DATABASE_URL)
        try:
            with engine.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{name}"'))
        finally:
            engine.dispose()
        self.schemas.append(name)
        separator = "&" if "?" in TEST_DATABASE_URL else "?"
        return f"{TEST_DATABASE_URL}{separator}options={quote('-csearch_path=' + name)}"

    def drop_all(self) -> None:
        if not self.schemas:
            return
        engine = make_engine(TEST_DATABASE_URL)
        try:
            with engine.begin() as connection:
                for name in self.schemas:
                    connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    if TEST_DATABASE_URL:
        engine = make_engine(TEST_DATABASE_URL)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # fail loudly: a PostgreSQL run must not pass on SQLite
            pytest.exit(f"TEST_DATABASE_URL is set but unreachable: {exc}", returncode=3)
        finally:
            engine.dispose()
    databases = Databases(tmp_path_factory.mktemp("db"))
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def migrated_url(databases: Databases) -> str:
    url = databases.fresh()
    upgrade(url)
    return url


@pytest.fixture
def db_url(migrated_url: str) -> Iterator[str]:
    """A migrated database, emptied after each test."""
    yield migrated_url
    engine = make_engine(migrated_url)
    try:
        tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                names = ", ".join(f'"{t}"' for t in tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(text(f'DELETE FROM "{table}"'))
    finally:
        engine.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def slack() -> Iterator[SlackFake]:
    with SlackFake(team_id="T0TEST") as fake:
        fake.usergroups["S0LEADS"] = ["U0LEADMNL", "U0LEADBOG"]
        yield fake
    # every test runs against Slack's Block Kit limits: nothing lantern sent was refused
    assert fake.refused == [], f"Slack would refuse these payloads: {fake.refused}"


@pytest.fixture(scope="session")
def config() -> WorkspaceConfig:
    return load_workspace_config(EXAMPLE_CONFIG)


@pytest.fixture
def settings(db_url: str, slack: SlackFake) -> Settings:
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url,
        database_url=db_url,
        config_path=str(EXAMPLE_CONFIG),
        lantern_secret=LANTERN_SECRET,
        slack_pace=TEST_SLACK_PACE,
    )


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment a lantern subprocess gets for ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LANTERN_"))}
    env.update(
        SLACK_BOT_TOKEN=settings.slack_bot_token or "",
        SLACK_SIGNING_SECRET=settings.slack_signing_secret or "",
        SLACK_API_URL=settings.slack_api_url,
        DATABASE_URL=settings.database_url,
        LANTERN_CONFIG=settings.config_path,
        LANTERN_SECRET=settings.lantern_secret or "",
        LANTERN_SLACK_PACE=f"{settings.slack_pace:g}",
    )
    env.update(extra)
    return env


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class WebApp:
    """The app under test, served over loopback HTTP: its URLs and its AppContext."""

    def __init__(self, url: str, application: LanternWSGI) -> None:
        self.url = url
        self.events_url = url + "/slack/events"
        self.application = application

    @property
    def ctx(self) -> AppContext:
        return self.application.context


@pytest.fixture
def web(settings: Settings, config: WorkspaceConfig) -> Iterator[WebApp]:
    """The real WSGI app (Bolt and all) on a loopback port, reached over HTTP."""
    from bot.runtime.web import create_wsgi_app

    application = create_wsgi_app(settings, config)
    server = make_server(
        "127.0.0.1",
        0,
        application,
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield WebApp(f"http://127.0.0.1:{server.server_address[1]}", application)
    finally:
        server.shutdown()
        server.server_close()
        application.context.close()


def with_leads(config: WorkspaceConfig, *leads: str) -> WorkspaceConfig:
    return replace(config, workspace=replace(config.workspace, team_leads=tuple(leads)))


@pytest.fixture
def ctx(settings: Settings, config: WorkspaceConfig) -> Iterator[Any]:
    """The shared context a worker or tick uses, talking to the fake Slack."""
    from bot.infra.context import AppContext

    context = AppContext.create(settings, config)
    context.deliverer.max_backoff = 0.2  # keep 5xx back-off short in tests
    yield context
    context.close()
