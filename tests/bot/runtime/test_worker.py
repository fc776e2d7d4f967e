"""`lantern worker` and `lantern tick` step back for the web process's requests."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.config import Settings
from bot.infra.models import OutboxMessage, OutboxStatus
from bot.infra.outbox.queue import Outgoing, enqueue
from tests.processes import operator_tick, worker
from tests.slack_fake import SlackFake
from tests.waiting import wait_until

NOW = datetime(2026, 6, 11, 1, 0, tzinfo=UTC)

NICENESS_GAINED = (
    "import os\n"
    "from bot.runtime.worker import BACKGROUND_NICENESS, yield_cpu_to_requests\n"
    "before = os.nice(0)\n"
    "yield_cpu_to_requests()\n"
    "print(os.nice(0) - before, BACKGROUND_NICENESS)\n"
)


def test_a_worker_lowers_its_own_cpu_priority() -> None:
    mine = subprocess.run(
        [sys.executable, "-c", "import os; print(os.nice(0))"], capture_output=True, text=True
    )
    done = subprocess.run(
        [sys.executable, "-c", NICENESS_GAINED], capture_output=True, text=True, check=True
    )
    gained, expected = (int(part) for part in done.stdout.split())
    start = int(mine.stdout)
    assert gained == min(expected, 19 - start) > 0  # nice values stop at 19


def test_sigterm_stops_a_worker_mid_fan_out_and_gives_its_batch_back(
    settings: Settings, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    """A deploy's SIGTERM while a worker waits for Slack's pace in a fan-out: it stops at
    once instead of after its tick's delivery time, and what it held is due again at once,
    with no attempt counted."""
    keys = [f"fan-out:{n:03d}" for n in range(200)]
    with session_factory.begin() as session:
        for n, key in enumerate(keys):  # direct messages, as a reminder fan-out sends
            payload = {"channel": f"D0FAN{n:03d}", "text": key}
            enqueue(session, "T0TEST", Outgoing(key, "chat.postMessage", payload), NOW)
    # Slack's pace, one post every 0.2 s: 200 take 40 s; deployed, a tick delivers for 45 s
    running = worker(replace(settings, slack_pace=1.0), interval=60)
    try:
        wait_until(lambda: len(slack.calls_to("chat.postMessage")) >= 10, 60, "10 posts made")
        running.terminate()
        assert running.wait(15) == 0  # before: its delivery went on until the fan-out's end
    finally:
        if running.poll() is None:
            running.kill()
    with session_factory() as session:
        left = session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
        ).all()
    assert left, "the fan-out was not still under way"
    assert all(row.lease_owner is None for row in left)  # nothing held for 2 minutes
    assert all(row.attempts == 0 for row in left)  # waiting for a turn is not an attempt
    tick = operator_tick(settings, datetime.now(UTC).isoformat())
    assert tick.returncode == 0, tick.stderr
    posted = [c.params["text"] for c in slack.calls_to("chat.postMessage")]
    assert sorted(text for text in posted if text.startswith("fan-out:")) == keys  # each once
