"""Work that happens after Slack has its answer, on a few threads of lantern's own.

Bolt's listener threads then only parse and acknowledge, so a burst of requests is answered
at once even while earlier requests are still being looked up, recorded and delivered.
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
    """Whether this process is answering Slack requests, or has been a moment ago."""

    def __init__(self, quiet: float = 0.03) -> None:
        self.quiet = quiet  # seconds without a request that count as a gap
        self._count = 0
        self._last = 0.0
        self._lock = threading.Lock()

    def __enter__(self) -> Activity:
        with self._lock:
            self._count += 1
            self._last = time.monotonic()
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self._count -= 1
            self._last = time.monotonic()

    def idle(self) -> bool:
        with self._lock:
            return self._count <= 0 and time.monotonic() - self._last >= self.quiet


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
    ) -> None:
        self.name = name
        self.activity = activity
        self.patience = patience
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"lantern-{name}")

    def submit(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[None]:
        try:
            return self._pool.submit(self._run, function, args, kwargs)
        except RuntimeError:  # shutting down: the worker's next tick picks up what is left
            log.info("%s job %s dropped at shutdown", self.name, getattr(function, "__name__", "?"))
            future: Future[None] = Future()
            future.cancel()
            return future

    def _wait_for_a_gap(self) -> None:
        if self.activity is None:
            return
        deadline = time.monotonic() + self.patience
        while not self.activity.idle() and time.monotonic() < deadline:
            time.sleep(0.005)

    def _run(self, function: Callable[..., Any], args: Any, kwargs: Any) -> None:
        self._wait_for_a_gap()
        try:
            function(*args, **kwargs)
        except Exception:  # logged; a job never takes its thread down
            log.exception("%s job %s failed", self.name, getattr(function, "__name__", function))

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait)
