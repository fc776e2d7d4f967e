"""A deploy stops ``lantern serve`` (SIGTERM) while /kudos arrive: every acknowledged kudos is
given and answered once, by the stopping server or by the next ``lantern tick``."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.config import Settings
from bot.infra.models import InboxJob, JobStatus, Kudos, OutboxMessage
from tests.processes import fault_line, operator_tick, serving
from tests.slack_fake import SlackFake
from tests.slack_requests import Reply, slash_command
from tests.waiting import wait_until

GIVERS = [f"U0G{n:03d}" for n in range(48)]


@pytest.fixture
def server(settings: Settings) -> Iterator[tuple[subprocess.Popen[str], str]]:
    with serving(settings) as started:
        yield started


def send(url: str, giver: str, slack: SlackFake) -> Reply | None:
    try:
        return slash_command(
            url + "/slack/events",
            "/kudos",
            "<@U0ANA|ana> thanks for covering the queue",
            user_id=giver,
            response_url=slack.response_url_base + giver,
            timeout=30,
        )
    except OSError:  # refused once the server stopped listening: never acknowledged
        return None


def feed_rows(session_factory: sessionmaker[Session]) -> int:
    """Outbox rows of kudos feed posts (keys ``kudos:<id>``)."""
    with session_factory() as session:
        query = select(func.count()).where(OutboxMessage.key.like("kudos:%"))
        return int(session.scalar(query) or 0)


def test_sigterm_under_load_loses_and_doubles_nothing(
    server: tuple[subprocess.Popen[str], str],
    settings: Settings,
    slack: SlackFake,
    session_factory: sessionmaker[Session],
) -> None:
    process, url = server
    slack.add_user("U0ANA", "ana", tz="Asia/Manila")
    for giver in GIVERS:
        slack.add_user(giver, giver.lower(), tz="America/Chicago")
    with ThreadPoolExecutor(16) as pool:
        replies: list[Future[Reply | None]] = [
            pool.submit(send, url, giver, slack) for giver in GIVERS
        ]
        wait_until(lambda: sum(f.done() for f in replies) >= 12, 30, "a dozen acks")
        process.send_signal(signal.SIGTERM)  # a deploy, mid-burst
        wait(replies, timeout=60)
    process.wait(60)
    acked = [
        giver
        for giver, future in zip(GIVERS, replies, strict=True)
        if (reply := future.result()) is not None and reply.status == 200 and not reply.text
    ]
    assert len(acked) >= 12
    # the next process picks up what the stopped one handed back
    now = datetime.now(UTC).isoformat()
    tick = operator_tick(settings, now, timeout=120)
    assert tick.returncode == 0, tick.stderr
    with session_factory() as session:
        pending = session.scalar(select(func.count()).where(InboxJob.status != JobStatus.DONE))
        givers = sorted(session.scalars(select(Kudos.giver_id)))
    assert pending == 0
    assert givers == sorted(acked), "an acknowledged kudos was lost, or one was given twice"
    answered = [c.path.rsplit("/", 1)[-1] for c in slack.calls_to("response_url")]
    assert sorted(answered) == sorted(acked), "each giver is answered exactly once"
    feed = [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == "C0KUDOS"]
    # (the tick may also post the day's reminders: only the feed is counted)
    assert len(feed) == len(acked) == feed_rows(session_factory)
    print(fault_line("SIGTERM serve under /kudos", len(acked), len(givers), len(givers), 0))
