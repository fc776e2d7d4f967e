"""Writers to one SQLite file take turns: a waiting writer goes on as soon as the turn is
given back (by a thread or by another process), never fails while waiting less than the busy
timeout, and every way a transaction ends gives the turn back.

These run on SQLite files of their own whatever TEST_DATABASE_URL says: the turns exist only
for SQLite."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.infra import sqlite_writers
from bot.infra.db import make_engine
from tests.waiting import wait_until


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    return engine


def rows(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as connection:
        return [(int(r[0]), str(r[1])) for r in connection.execute(text("SELECT id, who FROM t"))]


def test_a_second_writer_waits_for_the_first_and_then_writes(sqlite_engine: Engine) -> None:
    order: list[str] = []
    first = sqlite_engine.connect()
    first.execute(text("INSERT INTO t (who) VALUES ('first')"))  # holds the turn, uncommitted
    second_done = threading.Event()

    def second() -> None:
        with sqlite_engine.begin() as connection:
            connection.execute(text("INSERT INTO t (who) VALUES ('second')"))
        order.append("second")
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not second_done.wait(0.3)  # waiting for its turn, not failing
    order.append("first")
    first.commit()
    first.close()
    assert second_done.wait(10)
    thread.join()
    assert order == ["first", "second"]
    assert sorted(who for _, who in rows(sqlite_engine)) == ["first", "second"]


@pytest.mark.parametrize("ending", ["rollback", "close", "failed statement"])
def test_every_end_of_a_transaction_gives_the_turn_back(sqlite_engine: Engine, ending: str) -> None:
    with sqlite_engine.begin() as connection:
        connection.execute(text("INSERT INTO t (id, who) VALUES (1, 'seed')"))
    holder = sqlite_engine.connect()
    if ending == "failed statement":
        with pytest.raises(IntegrityError):  # a duplicate key: no transaction is left open
            holder.execute(text("INSERT INTO t (id, who) VALUES (1, 'again')"))
        holder.rollback()
    else:
        holder.execute(text("INSERT INTO t (who) VALUES ('undone')"))
        if ending == "rollback":
            holder.rollback()
        else:
            holder.close()
    done = threading.Event()

    def write() -> None:
        with sqlite_engine.begin() as connection:
            connection.execute(text("INSERT INTO t (who) VALUES ('next')"))
        done.set()

    threading.Thread(target=write, daemon=True).start()
    assert done.wait(10)
    assert sorted(who for _, who in rows(sqlite_engine)) == ["next", "seed"]
    holder.close()


def test_a_writer_in_another_process_is_waited_for(sqlite_engine: Engine) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from sqlalchemy import text\n"
            "from bot.infra.db import make_engine\n"
            "engine = make_engine(sys.argv[1])\n"
            "with engine.begin() as c:\n"
            "    c.execute(text(\"INSERT INTO t (who) VALUES ('other process')\"))\n"
            "    print('holding', flush=True)\n"
            "    sys.stdin.readline()  # commits when told\n",
            str(sqlite_engine.url),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdin is not None and holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        done = threading.Event()

        def write() -> None:
            with sqlite_engine.begin() as connection:
                connection.execute(text("INSERT INTO t (who) VALUES ('this process')"))
            done.set()

        threading.Thread(target=write, daemon=True).start()
        assert not done.wait(0.3)
        holder.stdin.write("commit\n")
        holder.stdin.flush()
        assert done.wait(10)
        assert holder.wait(10) == 0
    finally:
        holder.kill()
    assert sorted(who for _, who in rows(sqlite_engine)) == ["other process", "this process"]


def test_waiting_longer_than_the_busy_timeout_is_database_is_locked(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_writers, "WAIT", 0.2)
    holder = sqlite_engine.connect()
    holder.execute(text("INSERT INTO t (who) VALUES ('holder')"))
    failure: list[BaseException] = []

    def write() -> None:
        try:
            with sqlite_engine.begin() as connection:
                connection.execute(text("INSERT INTO t (who) VALUES ('late')"))
        except OperationalError as exc:
            failure.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(10)
    holder.commit()
    holder.close()
    assert failure and "database is locked" in str(failure[0])
    assert [who for _, who in rows(sqlite_engine)] == ["holder"]


def test_readers_never_wait_for_a_writer(sqlite_engine: Engine) -> None:
    writer = sqlite_engine.connect()
    writer.execute(text("INSERT INTO t (who) VALUES ('uncommitted')"))
    seen: list[list[tuple[int, str]]] = []
    reader = threading.Thread(target=lambda: seen.append(rows(sqlite_engine)))
    reader.start()
    wait_until(lambda: bool(seen), timeout=5, what="a read while a write is open")
    assert seen == [[]]  # WAL: the reader sees the last commit, at once
    writer.rollback()
    writer.close()


def test_a_lock_file_that_cannot_be_opened_leaves_writes_to_sqlite(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Another user's (or a read-only) ``.writers`` file must not stop lantern writing: a
    directory in its place stands for any file this process cannot open."""
    (tmp_path / "blocked.db.writers").mkdir()
    engine = make_engine(f"sqlite:///{tmp_path / 'blocked.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
        connection.execute(text("INSERT INTO t (who) VALUES ('still written')"))
    assert rows(engine) == [(1, "still written")]
    assert "left to SQLite's own locking" in caplog.text


def test_a_file_uri_database_takes_turns_on_its_own_path(tmp_path: Path) -> None:
    database = tmp_path / "uri.db"
    engine = make_engine(f"sqlite:///file:{database}?uri=true")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
        connection.execute(text("INSERT INTO t (who) VALUES ('by uri')"))
    assert rows(engine) == [(1, "by uri")]
    assert (tmp_path / "uri.db.writers").exists()
    assert (
        sqlite_writers.turns_for(f"file:{database}?uri=true").lock_path
        == str(database) + ".writers"
    )
    assert sqlite_writers.turns_for("file::memory:?cache=shared").lock_path is None
