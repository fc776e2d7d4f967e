"""lantern's own processes, started as an operator starts them, for tests that stop them."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.infra.config import Settings
from tests.conftest import EXAMPLE_CONFIG, env_for
from tests.slack_requests import get
from tests.waiting import wait_until


def lantern(
    *args: str, env: dict[str, str], cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` to its end, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def operator_tick(
    settings: Settings, now: str, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """``lantern tick --now NOW`` as an operator runs it after an incident."""
    return lantern(
        "tick",
        "--now",
        now,
        env=env_for(settings, LANTERN_CONFIG=str(EXAMPLE_CONFIG)),
        timeout=timeout,
    )


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(settings: Settings, workers: int = 2) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``lantern serve`` on a free port, answering /healthz: (process, base URL). Stopped
    (SIGTERM, then SIGKILL after 20 s) when the block ends, if still running."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port), "--workers", str(workers)],
        env=env_for(settings, LANTERN_CONFIG=str(EXAMPLE_CONFIG)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"serve exited: {process.stderr.read() if process.stderr else ''}")
        try:
            return get(url + "/healthz", timeout=1).status == 200
        except OSError:
            return False

    try:
        wait_until(healthy, 30, "serve answers /healthz")
        yield process, url
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate(timeout=10)


def worker(settings: Settings, interval: int = 1) -> subprocess.Popen[str]:
    """``lantern worker`` ticking every ``interval`` seconds, as an operator starts it."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "worker", "--interval", str(interval)],
        env=env_for(settings, LANTERN_CONFIG=str(EXAMPLE_CONFIG)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def fault_line(scenario: str, expected: int, delivered: int, distinct: int, refused: int) -> str:
    """One row of the fault suite's table (printed with ``pytest -s``): expected, delivered,
    duplicates, lost, and requests answered 5xx (or not at all)."""
    duplicates, lost = delivered - distinct, expected - distinct
    return (
        f"\nFAULT | {scenario} | expected {expected} | delivered {delivered} | "
        f"duplicates {duplicates} | lost {lost} | 5xx {refused}"
    )
