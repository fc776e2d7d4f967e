"""The one bounded polling helper, for conditions the code under test cannot signal (a row in
another process's database, a server coming up). Everything else waits on a barrier the code
exposes: ``AppContext.wait_idle`` or ``SlackFake.wait_for``."""

from __future__ import annotations

import time
from collections.abc import Callable

POLL_SECONDS = 0.02


def wait_until(check: Callable[[], object], timeout: float = 8.0, what: str = "") -> None:
    """Return as soon as ``check()`` is truthy; AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout}s: {what or check}")
        time.sleep(POLL_SECONDS)


def pause(seconds: float) -> None:
    """Time a simulated party takes on purpose — Slack pausing before it re-sends an event,
    the fake Slack answering slowly — never a wait for the code under test."""
    time.sleep(seconds)
