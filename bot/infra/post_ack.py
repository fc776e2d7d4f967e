"""Work after the ack, in a running process: lantern's own threads, shared by listeners,
stored requests and deliveries, with one count of what is in flight."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from bot.infra.jobs import Activity, InFlight, Jobs, TrackedExecutor
from bot.infra.outbox.delivery import Deliverer

DELIVERY_WAIT = 120.0  # seconds the web process waits out retries before leaving them to the worker


class PostAck:
    """The part of :class:`bot.infra.context.AppContext` that runs work after Slack has
    its answer. Two threads of its own: "work" (look-ups, records, replies) and "delivery"
    (the outbox), each letting requests go first (see :class:`Jobs`)."""

    activity: Activity
    in_flight: InFlight
    deliverer: Deliverer
    _lock: threading.Lock
    _pools: dict[str, Jobs]

    def after_ack(self, function: Callable[..., Any], *args: Any, delay: float = 0.0) -> None:
        """Run ``function(*args)`` after Slack has its answer, on the work thread (Bolt's
        listener threads stay free for the next request); with ``delay`` (seconds), not
        before then. Failures are logged, never raised; a task handed over while the process
        stops is dropped (a stored request is then run by another process)."""
        if delay <= 0:
            self._pool("work").submit(function, *args)
            return
        self._later(delay, "work", function, *args)

    def deliver_soon(self, keys: list[str]) -> None:
        """Deliver the outbox rows ``keys`` (as a use case's Outcome lists them; none: nothing
        to do) right after the ack, on the delivery thread. A retry is not waited out on that
        thread (other posts would queue behind it): it is handed back to the thread when due,
        for up to DELIVERY_WAIT seconds; then the worker delivers the rest."""
        if keys:
            self._pool("delivery").submit(
                self._deliver, list(keys), time.monotonic() + DELIVERY_WAIT
            )

    def listener_pool(self, workers: int) -> TrackedExecutor:
        """The pool Bolt runs listeners on (its default of 5 threads would make an ack wait
        for a free thread under a burst); its tasks count in ``in_flight``."""
        return TrackedExecutor(self.in_flight, workers, "lantern-listener")

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every listener and every task handed to :meth:`after_ack` or
        :meth:`deliver_soon` so far has run, delayed ones (retries) included.

        Returns:
            True if that happened within ``timeout`` seconds.
        """
        return self.in_flight.wait_idle(timeout)

    def _later(self, delay: float, pool: str, function: Callable[..., Any], *args: Any) -> None:
        """Hand ``function(*args)`` to ``pool`` after ``delay`` seconds. The wait counts as
        work in flight, so :meth:`wait_idle` also waits for delayed tasks."""
        self.in_flight.started()

        def hand_over() -> None:
            try:
                self._pool(pool).submit(function, *args)
            finally:
                self.in_flight.finished()  # after the submit has counted the task itself

        timer = threading.Timer(delay, hand_over)
        timer.daemon = True
        timer.start()

    def _pool(self, name: str) -> Jobs:
        with self._lock:
            if name not in self._pools:
                self._pools[name] = Jobs(
                    name, workers=1, activity=self.activity, in_flight=self.in_flight
                )
            return self._pools[name]

    def _deliver(self, keys: list[str], deadline: float) -> None:
        report = self.deliverer.deliver_due(keys)
        if set(keys) <= set(report.sent) or time.monotonic() >= deadline:
            return
        wait = self.deliverer.seconds_until_next(keys)
        if wait is None or time.monotonic() + wait > deadline:
            return
        self._later(max(wait, 0.05), "delivery", self._deliver, keys, deadline)

    def _stop_threads(self) -> None:
        """Finish the work task running now (short: Slack calls time out in 10 s) so it is
        not run twice, and drop every queued task."""
        with self._lock:
            pools = list(self._pools.values())
        for jobs in pools:
            jobs.shutdown(wait=jobs.name == "work", cancel_futures=True)
