"""Two ``lantern worker`` processes deliver a fan-out of 120 posts on one database; one is
killed (SIGKILL) midway. Every post is made exactly once: the survivor sends what it holds,
and the killed worker's leased posts are checked against the channel and finished by the next
``lantern tick`` once their lease has run out."""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.config import Settings
from bot.infra.models import OutboxMessage, OutboxStatus
from bot.infra.outbox.queue import Outgoing, enqueue
from tests.processes import fault_line, operator_tick, worker
from tests.slack_fake import SlackFake
from tests.waiting import wait_until

FAN_OUT = 120


def test_a_worker_killed_mid_fan_out_loses_and_doubles_nothing(
    settings: Settings, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    now = datetime.now(UTC)
    keys = [f"fan-out:{n:03d}" for n in range(FAN_OUT)]
    with session_factory.begin() as session:
        for key in keys:
            payload = {"channel": "C0KUDOS", "text": key}
            enqueue(session, "T0TEST", Outgoing(key, "chat.postMessage", payload), now)
    slack.slow("chat.postMessage", 0.05)  # each post takes a moment, as in Slack
    workers = [worker(settings), worker(settings)]
    try:
        wait_until(lambda: len(slack.calls_to("chat.postMessage")) >= 30, 60, "30 posts made")
        workers[0].send_signal(signal.SIGKILL)  # mid-send, holding leases
        workers[0].wait(10)
        wait_until(lambda: len(slack.calls_to("chat.postMessage")) >= 60, 60, "the other goes on")
    finally:
        workers[1].terminate()
        workers[1].wait(30)
    # past the killed worker's leases (2 minutes), as an operator's next tick would be
    later = (datetime.now(UTC) + timedelta(minutes=3)).isoformat()
    tick = operator_tick(settings, later)
    assert tick.returncode == 0, tick.stderr
    posted = [c.params["text"] for c in slack.calls_to("chat.postMessage")]
    fan_out = [text for text in posted if text.startswith("fan-out:")]
    assert sorted(set(fan_out)) == keys, "a post was lost"
    assert len(fan_out) == FAN_OUT, f"{len(fan_out) - FAN_OUT} posted twice"
    with session_factory() as session:
        sent = session.scalar(
            select(func.count()).where(
                OutboxMessage.key.startswith("fan-out:"),
                OutboxMessage.status == OutboxStatus.SENT,
            )
        )
    assert sent == FAN_OUT
    print(fault_line("SIGKILL a worker mid fan-out", FAN_OUT, len(fan_out), len(set(fan_out)), 0))
