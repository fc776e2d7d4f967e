"""Run the Alembic migrations that ship inside the package."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from bot.infra.db import make_engine


def alembic_config(url: str) -> Config:
    """A config built in code: no alembic.ini needed, works from any directory."""
    config = Config()
    # the installed package's folder, found by name: infrastructure does not import migrations
    config.set_main_option("script_location", str(resources.files("migrations")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Create or upgrade the schema; running it again is a no-op."""
    engine = make_engine(url)
    try:
        upgrade_engine(engine, revision)
    finally:
        engine.dispose()


MIGRATION_LOCK = 0x6C616E74  # PostgreSQL advisory lock key ("lant"): one migration at a time


def upgrade_engine(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """:func:`upgrade` on an engine the caller owns (and disposes of), in one transaction.

    Migrations of one database run one at a time (two deploys starting together): on
    PostgreSQL under a transaction-level advisory lock, on SQLite under SQLite's write lock
    taken first (``BEGIN IMMEDIATE``). The revision is read under that lock, so a second
    ``migrate`` finds the first one's work done.

    Returns:
        The revision before and after (before is None for an empty database).
    """
    from alembic.runtime.migration import MigrationContext

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        before = MigrationContext.configure(connection).get_current_revision()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        after = MigrationContext.configure(connection).get_current_revision()
    return before, after


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at; None before the first migration."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped in ``migrations``; no database needed.

    Raises:
        alembic.util.CommandError: the migrations have more than one head.
    """
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
