"""Engine and session factories. The caller owns the session; helpers never commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def normalize_url(url: str) -> str:
    """Accept Heroku-style ``postgres://`` and pick the psycopg 3 driver for PostgreSQL."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def is_postgres(session: Session) -> bool:
    """PostgreSQL gets its own SQL in a few places (SKIP LOCKED, advisory locks, upserts)."""
    return session.get_bind().dialect.name == "postgresql"


def make_engine(url: str) -> Engine:
    """An engine with settings that suit several threads and processes on one database."""
    url = normalize_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if ":memory:" not in url and "mode=memory" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine`` whose objects stay readable after commit (no expiry), so a use
    case can return rows it wrote."""
    return sessionmaker(engine, expire_on_commit=False)


def insert_if_absent(
    session: Session, model: type[Any], values: dict[str, Any], unique: list[str]
) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING on the ``unique`` columns; the new row's id, or None
    when the row was already there.

    The database decides, so two processes racing on one key still store it once.
    """
    insert = postgresql.insert if is_postgres(session) else sqlite.insert
    statement = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=unique)
        .returning(model.id)
    )
    row = session.execute(statement).first()
    return None if row is None else int(row[0])
