"""``lantern serve`` and two ``lantern worker``s on one database, as in production: a 100-post
fan-out to ten channels and a burst of /kudos at the same time; one worker is SIGKILLed
midway. Every post and every acknowledged kudos happens exactly once."""

from __future__ import annotations

import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.config import Settings
from bot.infra.models import Kudos
from bot.infra.outbox.queue import Outgoing, enqueue
from tests.processes import fault_line, operator_tick, serving, worker
from tests.slack_fake import SlackFake
from tests.slack_requests import slash_command
from tests.waiting import wait_until

CHANNELS = [f"C0FAN{n}" for n in range(10)]
FAN_OUT = [f"fan-out:{channel}:{n}" for channel in CHANNELS for n in range(10)]
GIVERS = [f"U0K{n:03d}" for n in range(30)]


def test_serve_and_two_workers_with_a_worker_killed(
    settings: Settings, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    slack.add_user("U0ANA", "ana", tz="Asia/Manila")
    for giver in GIVERS:
        slack.add_user(giver, giver.lower(), tz="America/Chicago")
    with session_factory.begin() as session:
        for key in FAN_OUT:
            payload = {"channel": key.split(":")[1], "text": key}
            enqueue(
                session, "T0TEST", Outgoing(key, "chat.postMessage", payload), datetime.now(UTC)
            )
    slack.slow("chat.postMessage", 0.03)
    with serving(settings) as (_, base):
        workers = [worker(settings), worker(settings)]
        try:
            with ThreadPoolExecutor(8) as pool:
                replies = list(
                    pool.map(
                        lambda g: slash_command(
                            base + "/slack/events",
                            "/kudos",
                            "<@U0ANA|ana> thanks!",
                            user_id=g,
                            response_url=slack.response_url_base + g,
                        ),
                        GIVERS,
                    )
                )
                wait_until(lambda: len(slack.calls_to("chat.postMessage")) >= 25, 60, "posts")
                workers[0].send_signal(signal.SIGKILL)
                workers[0].wait(10)
        finally:
            workers[1].terminate()
            workers[1].wait(30)
    assert all(r.status == 200 and not r.text for r in replies)
    later = (datetime.now(UTC) + timedelta(minutes=3)).isoformat()
    tick = operator_tick(settings, later)
    assert tick.returncode == 0, tick.stderr
    posted = [c.params["text"] for c in slack.calls_to("chat.postMessage")]
    fan_out = [text for text in posted if text.startswith("fan-out:")]
    assert sorted(set(fan_out)) == sorted(FAN_OUT) and len(fan_out) == len(FAN_OUT)
    with session_factory() as session:
        givers = sorted(session.scalars(select(Kudos.giver_id)))
    assert givers == GIVERS
    answered = sorted(c.path.rsplit("/", 1)[-1] for c in slack.calls_to("response_url"))
    assert answered == GIVERS
    feed = [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == "C0KUDOS"]
    assert len(feed) == len(GIVERS)
    print(
        fault_line(
            "serve + 2 workers, one killed", len(FAN_OUT), len(fan_out), len(set(fan_out)), 0
        )
    )
    print(fault_line("  and the /kudos burst", len(GIVERS), len(feed), len(set(givers)), 0))
