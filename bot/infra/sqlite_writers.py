"""One writer at a time on a SQLite file, queued rather than polled.

SQLite lets one connection write at a time; a second writer is put to sleep by its busy
handler in growing steps (1, 2, 5 … 100 ms) however soon the first one commits. Under a
burst of requests that each store a job before the ack, those sleeps became the ack's tail
(a p99 four times a bare Bolt app's). So every lantern connection to a SQLite file takes a
write turn before its first INSERT/UPDATE/DELETE and gives it back right after its commit or
rollback: threads of one process queue on a lock and are woken the moment it is free;
processes take an ``flock`` on a file beside the database (``<database>.writers``, created
like SQLite's own ``-wal`` file), polled every millisecond by at most one thread per process;
if that file cannot be opened, other processes are left to SQLite's own locking. Waiting
stops after the same 30 s as SQLite's own busy timeout, with the same "database is locked"
error.

Python's sqlite3 begins a transaction right before the first data-changing statement, so the
turn spans exactly the time SQLite's own write lock is held.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import sqlite3
import threading
import time
from typing import Any
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

WAIT = 30.0  # seconds, as the busy timeout set on every connection
POLL = 0.001  # seconds between tries of another process's file lock

_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class WriteTurns:
    """Write turns on one database, for every thread of this process.

    Args:
        lock_path: the file other processes lock too; None for a private (in-memory) database.
    """

    def __init__(self, lock_path: str | None) -> None:
        self.lock_path = lock_path
        self._threads = threading.Lock()
        self._fd: int | None = None

    def take(self) -> None:
        """Wait for this database's write turn.

        Raises:
            sqlite3.OperationalError: "database is locked", after :data:`WAIT` seconds.
        """
        deadline = time.monotonic() + WAIT
        if not self._threads.acquire(timeout=WAIT):
            raise sqlite3.OperationalError("database is locked")
        try:
            if self.lock_path is not None:
                self._lock_file(deadline)
        except BaseException:
            self._threads.release()
            raise

    def give_back(self) -> None:
        """End this process's turn (the caller has committed or rolled back)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def _lock_file(self, deadline: float) -> None:
        if self._fd is None:
            try:  # 0o666 less the umask, as SQLite creates its -wal and -shm files
                self._fd = os.open(self.lock_path or "", os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as exc:  # not ours to open (another user made it, a read-only dir)
                log.warning(
                    "cannot open %s (%s): writers from other processes are left to SQLite's "
                    "own locking",
                    self.lock_path,
                    exc,
                )
                self.lock_path = None
                return
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(POLL)


_turns: dict[str, WriteTurns] = {}
_turns_lock = threading.Lock()


def turns_for(database: str | None) -> WriteTurns:
    """The process's one :class:`WriteTurns` for the SQLite file ``database`` (a path or a
    ``file:`` URI; None, ``:memory:`` or an in-memory URI for a private database, which gets
    turns of its own)."""
    if database and database.startswith("file:"):  # sqlite:///file:/path/x.db?uri=true
        parsed = urlsplit(database)
        if parsed.path in ("", ":memory:") or "mode=memory" in parsed.query:
            return WriteTurns(None)
        database = unquote(parsed.path)
    if not database or database == ":memory:":
        return WriteTurns(None)
    path = os.path.abspath(database)
    with _turns_lock:
        if path not in _turns:
            _turns[path] = WriteTurns(path + ".writers")
        return _turns[path]


class _TurnCursor(sqlite3.Cursor):
    connection: TurnTakingConnection

    def execute(self, sql: str, parameters: Any = (), /) -> _TurnCursor:
        with self.connection.turn_for(sql):
            return super().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> _TurnCursor:
        with self.connection.turn_for(sql):
            return super().executemany(sql, seq_of_parameters)


class TurnTakingConnection(sqlite3.Connection):
    """A sqlite3 connection that takes its database's write turn before a transaction's first
    write and gives it back after commit, rollback or close. Made per database by
    :func:`connection_class`."""

    turns: WriteTurns
    _holding = False

    def cursor(self, factory: Any = None) -> Any:
        """A cursor that takes the write turn when it writes (``factory`` is ignored)."""
        return super().cursor(_TurnCursor)

    @contextlib.contextmanager
    def turn_for(self, sql: str) -> Any:
        """Hold the write turn around ``sql`` if it writes outside a transaction; keep it if
        a transaction began."""
        if self._holding or self.in_transaction or not _WRITES.match(sql):
            yield
            return
        self.turns.take()
        self._holding = True
        try:
            yield
        finally:
            if not self.in_transaction:  # the write failed, or ran in autocommit
                self._give_back()

    def commit(self) -> None:
        """Commit, then give the write turn back."""
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self._give_back()

    def rollback(self) -> None:
        """Roll back, then give the write turn back."""
        try:
            super().rollback()
        finally:
            self._give_back()

    def close(self) -> None:
        """Close (an open transaction is rolled back), then give the write turn back."""
        try:
            super().close()
        finally:
            self._give_back()

    def _give_back(self) -> None:
        if self._holding:
            self._holding = False
            self.turns.give_back()


def connection_class(database: str | None) -> type[TurnTakingConnection]:
    """A :class:`TurnTakingConnection` subclass bound to ``database``'s turns, for
    ``sqlite3.connect(factory=…)``."""
    return type("TurnTakingConnection", (TurnTakingConnection,), {"turns": turns_for(database)})
