"""Engine and session factories. The caller owns the session; helpers never commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, bindparam, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.infra import sqlite_writers


def normalize_url(url: str) -> str:
    """Accept Heroku-style ``postgres://`` and pick the psycopg 3 driver for PostgreSQL."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def is_postgres(executor: Session | Connection) -> bool:
    """PostgreSQL gets its own SQL in a few places (SKIP LOCKED, advisory locks, upserts)."""
    bind = executor if isinstance(executor, Connection) else executor.get_bind()
    return bind.dialect.name == "postgresql"


INTAKE_POOL = 16  # connections kept for the ack's path: lantern serve's threads (8) and more


def make_engine(url: str, *, pre_ping: bool = True, pool_size: int = 5) -> Engine:
    """An engine with settings that suit several threads and processes on one database.

    Args:
        pre_ping: test a pooled PostgreSQL connection (one round trip) before each use, so
            one lost to a database restart is replaced unseen. The ack's path turns it off
            and retries a lost connection itself (see :func:`make_intake_engine`).
        pool_size: PostgreSQL connections kept open (as many again may be opened for a
            moment, then closed).
    """
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connect_args = {
            "timeout": sqlite_writers.WAIT,
            "check_same_thread": False,
            "factory": sqlite_writers.connection_class(parsed.database),
        }
        engine = create_engine(url, connect_args=connect_args)

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
    return create_engine(url, pool_pre_ping=pre_ping, pool_size=pool_size, max_overflow=pool_size)


def make_intake_engine(url: str, engine: Engine) -> Engine:
    """The engine that stores requests before the ack: ``engine`` itself on SQLite; on
    PostgreSQL one of its own without pre-ping, so a store is a single round trip (the
    caller retries once when a connection turns out to be lost), and with a connection kept
    for each of a web process's request threads (opening one costs the ack a new server
    process)."""
    if engine.dialect.name != "postgresql":
        return engine
    return make_engine(url, pre_ping=False, pool_size=INTAKE_POOL)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine`` whose objects stay readable after commit (no expiry), so a use
    case can return rows it wrote."""
    return sessionmaker(engine, expire_on_commit=False)


def insert_if_absent(
    executor: Session | Connection, model: type[Any], values: dict[str, Any], unique: list[str]
) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING on the ``unique`` columns, in the caller's transaction
    (a Session) or as one statement (a Connection); the new row's id, or None when the row
    was already there.

    The database decides, so two processes racing on one key still store it once.
    """
    insert = _insert_for(executor)
    shape = (insert.__module__, model.__tablename__, tuple(sorted(values)), tuple(unique))
    statement = _STATEMENTS.get(shape)
    if statement is None:  # built once per shape: building costs more CPU than the INSERT
        statement = _STATEMENTS[shape] = (
            insert(model)
            .values({column: bindparam(column) for column in values})
            .on_conflict_do_nothing(index_elements=unique)
            .returning(model.id)
        )
    row = executor.execute(statement, values).first()
    return None if row is None else int(row[0])


def upsert(
    session: Session, model: type[Any], rows: list[dict[str, Any]], unique: list[str]
) -> None:
    """INSERT … ON CONFLICT (``unique``) DO UPDATE every other given column, for many rows
    in one statement batch (all rows give the same columns)."""
    if not rows:
        return
    statement = _insert_for(session)(model)
    changed = {name: statement.excluded[name] for name in rows[0] if name not in unique}
    session.execute(statement.on_conflict_do_update(index_elements=unique, set_=changed), rows)


def _insert_for(executor: Session | Connection) -> Any:
    """The dialect's ``insert`` (the one with ON CONFLICT) for ``executor``'s database."""
    return postgresql.insert if is_postgres(executor) else sqlite.insert


_STATEMENTS: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], Any] = {}
