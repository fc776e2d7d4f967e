"""Work that happens after Slack has its answer, on a few threads of lantern's own.

Bolt's listener threads then only parse and acknowledge, so a burst of requests is answered
at once even while earlier requests are still being looked up, recorded and delivered. Every
pool shares one :class:`InFlight` count, so a caller (a graceful stop, a test) can wait until
everything handed over so far has run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)


class Activity:
    """Whether this process is answering Slack requests, or has been a moment ago.

    Args:
        quiet: seconds without a request that count as a gap.
    """

    def __init__(self, quiet: float = 0.03) -> None:
        self.quiet = quiet
        self._count = 0
        self._last = 0.0
        self._changed = threading.Condition()

    def __enter__(self) -> Activity:
        with self._changed:
            self._count += 1
            self._last = time.monotonic()
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._changed:
            self._count -= 1
            self._last = time.monotonic()
            if self._count <= 0:
                self._changed.notify_all()

    def wait_for_gap(self, patience: float) -> None:
        """Sleep until no request is being answered and none was for ``quiet`` seconds, or
        at most ``patience`` seconds. Woken by the
        last request in flight ending, never by polling (a poll would take the CPU the
        requests need)."""
        deadline = time.monotonic() + patience
        with self._changed:
            while True:
                now = time.monotonic()
                if now >= deadline:
                    return
                if self._count > 0:
                    self._changed.wait(deadline - now)
                    continue
                still = self.quiet - (now - self._last)
                if still <= 0:
                    return
                self._changed.wait(min(still, deadline - now))


class InFlight:
    """How many tasks have been handed to lantern's pools and not finished yet."""

    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    def started(self) -> None:
        """Count one more task, at its hand-over."""
        with self._changed:
            self._count += 1

    def finished(self) -> None:
        """Count one task done (or never queued) and wake :meth:`wait_idle`."""
        with self._changed:
            self._count -= 1
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until nothing is in flight; True if that happened.
        A task counts from its hand-over, so work a task hands on keeps the count up."""
        with self._changed:
            return self._changed.wait_for(lambda: self._count == 0, timeout)


class TrackedExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks count in an :class:`InFlight` (Bolt's listener pool is one)."""

    def __init__(self, in_flight: InFlight, max_workers: int, thread_name_prefix: str) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self.in_flight = in_flight

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """ThreadPoolExecutor.submit, counted in ``in_flight`` from now until the task ends.

        Raises:
            RuntimeError: the pool is shut down (the count is given back first).
        """
        self.in_flight.started()
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self.in_flight.finished()
            raise
        future.add_done_callback(lambda _: self.in_flight.finished())
        return future


class Jobs:
    """A small pool for post-ack work. With an ``activity`` it lets requests go first: a job
    waits (up to ``patience`` seconds) for a quiet moment between requests, so a burst is
    acknowledged at full speed and its follow-up work fills the gaps after it."""

    def __init__(
        self,
        name: str,
        workers: int = 1,
        activity: Activity | None = None,
        patience: float = 1.0,
        in_flight: InFlight | None = None,
    ) -> None:
        self.name = name
        self.activity = activity
        self.patience = patience
        self._pool = TrackedExecutor(in_flight or InFlight(), workers, f"lantern-{name}")

    def submit(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[None]:
        """Run ``function(*args, **kwargs)`` on the pool; an exception is logged, never raised.
        At shutdown the job is dropped (the worker's next tick picks up what it left)."""
        try:
            return self._pool.submit(self._run, function, args, kwargs)
        except RuntimeError:
            log.info("%s job %s dropped at shutdown", self.name, getattr(function, "__name__", "?"))
            future: Future[None] = Future()
            future.cancel()
            return future

    def _run(self, function: Callable[..., Any], args: Any, kwargs: Any) -> None:
        if self.activity is not None:
            self.activity.wait_for_gap(self.patience)
        try:
            function(*args, **kwargs)
        except Exception:  # logged; a job never takes its thread down
            log.exception("%s job %s failed", self.name, getattr(function, "__name__", function))

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """Stop taking jobs; with ``wait``, finish the running ones first; with
        ``cancel_futures``, drop the queued ones (stored jobs are run by another process)."""
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)
