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
    """How many Slack requests this process is answering right now."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()

    def __enter__(self) -> Activity:
        with self._lock:
            self._count += 1
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self._count -= 1

    def idle(self) -> bool:
        return self._count <= 0


class Jobs:
    """A small pool for post-ack work. With an ``activity`` it lets requests go first: a job
    waits (up to ``patience`` seconds) for a moment when no request is being answered, so a
    burst is acknowledged at full speed and its follow-up work fills the gaps."""

    def __init__(
        self,
        name: str,
        workers: int = 1,
        activity: Activity | None = None,
        patience: float = 0.25,
    ) -> None:
        self.name = name
        self.activity = activity
        self.patience = patience
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"lantern-{name}")

    def submit(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[None]:
        return self._pool.submit(self._run, function, args, kwargs)

    def _wait_for_a_gap(self) -> None:
        if self.activity is None:
            return
        deadline = time.monotonic() + self.patience
        while not self.activity.idle() and time.monotonic() < deadline:
            time.sleep(0.002)

    def _run(self, function: Callable[..., Any], args: Any, kwargs: Any) -> None:
        self._wait_for_a_gap()
        try:
            function(*args, **kwargs)
        except Exception:  # logged; a job never takes its thread down
            log.exception("%s job %s failed", self.name, getattr(function, "__name__", function))

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait)
