"""Migrations: up from empty, idempotent, and in step with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.infra.db import make_engine
from bot.infra.migrate import current_revision, head_revision, upgrade
from bot.infra.models import Base
from tests.conftest import Databases


def test_upgrade_from_empty_twice(databases: Databases) -> None:
    url = databases.fresh()
    upgrade(url)
    upgrade(url)
    engine = make_engine(url)
    try:
        assert current_revision(engine) == head_revision() is not None
        tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert tables == set(Base.metadata.tables)
        for table in tables:
            columns = {c["name"] for c in inspect(engine).get_columns(table)}
            assert "team_id" in columns, f"{table} has no team_id"
    finally:
        engine.dispose()


def test_models_match_migrations(databases: Databases) -> None:
    url = databases.fresh()
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_upgrade_keeps_existing_kudos(databases: Databases) -> None:
    """0002 adds NOT NULL columns: rows written under 0001 must survive the upgrade."""
    from sqlalchemy import text

    url = databases.fresh()
    upgrade(url, "0001")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO kudos (team_id, source, source_key, giver_id, message, is_team,"
                    " \"values\", created_at) VALUES ('T1', 'command', 'k1', 'U1',"
                    " 'thanks', false, '[]', CURRENT_TIMESTAMP)"
                )
            )
        upgrade(url)
        with engine.connect() as connection:
            row = connection.execute(text("SELECT groups, message FROM kudos")).one()
        assert row.message == "thanks" and row.groups in ("[]", [])
    finally:
        engine.dispose()
