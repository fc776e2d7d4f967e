"""Migrations: up from empty, idempotent, and in step with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.db import make_engine
from bot.migrate import current_revision, head_revision, upgrade
from bot.models import Base
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
