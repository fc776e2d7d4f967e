"""Answers Slack gave a moment ago, kept for a few minutes so a burst of requests costs one
call. Older answers are kept too: when Slack cannot be asked, the last known one can serve."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class Answer(Generic[V]):
    """A value and when it was learned (in the clock's seconds)."""

    value: V
    at: float


class Recent(Generic[K, V]):
    """A thread-safe map of answers that count as fresh for ``ttl`` seconds.

    Args:
        ttl: seconds an answer stays fresh.
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(self, ttl: float, clock: Callable[[], float]) -> None:
        self.ttl = ttl
        self.clock = clock
        self._answers: dict[K, Answer[V]] = {}
        self._lock = threading.Lock()

    def last(self, key: K) -> Answer[V] | None:
        """The last answer for ``key``, however old; None if there never was one."""
        with self._lock:
            return self._answers.get(key)

    def fresh(self, key: K) -> Answer[V] | None:
        """The answer for ``key`` if it is younger than ``ttl``."""
        answer = self.last(key)
        return answer if answer is not None and self.clock() - answer.at < self.ttl else None

    def keep(self, key: K, value: V) -> V:
        """Remember ``value`` for ``key`` as of now; returns it."""
        with self._lock:
            self._answers[key] = Answer(value, self.clock())
        return value
