"""PostgreSQL restarts while reaction kudos arrive at a real ``lantern serve``. Slack re-sends
what was not answered 2xx, as it does; nothing acknowledged is lost and nothing is doubled.

The test starts a PostgreSQL cluster of its own (``initdb`` and ``pg_ctl``, as the postgres
user, on a free port in a temporary directory), so the shared server is never touched."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.infra.config import Settings
from bot.infra.db import make_engine, make_session_factory
from bot.infra.migrate import upgrade
from bot.infra.models import InboxJob, JobStatus, Kudos
from tests.processes import fault_line, free_port, operator_tick, serving
from tests.slack_fake import SlackFake
from tests.slack_requests import event
from tests.waiting import pause, wait_until

REACTIONS = 100
SLACK_RETRIES = 3  # Slack re-sends an event up to three times


def postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    assert found[-1], f"{name} is needed for this test (PostgreSQL's server package)"
    return found[-1]


def as_postgres(*command: str) -> list[str]:
    """Run as the postgres user when root (initdb refuses root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


@pytest.fixture
def own_postgres() -> Iterator[tuple[str, list[str]]]:
    """(URL, the pg_ctl command to append an action to) of a cluster of this test's own."""
    folder = Path(tempfile.mkdtemp(prefix="lantern-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = free_port()
    subprocess.run(
        as_postgres(postgres_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = as_postgres(postgres_bin("pg_ctl"), "-D", str(data), "-l", str(folder / "log"))
    subprocess.run([*pg_ctl, "-o", options, "-w", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres", [*pg_ctl, "-o", options]
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def reaction(n: int) -> dict[str, object]:
    return {
        "type": "reaction_added",
        "user": f"U0R{n:03d}",
        "reaction": "clap",
        "item_user": "U0ANA",
        "item": {"type": "message", "channel": "C0MANILA", "ts": f"1700000000.{n:06d}"},
        "event_ts": f"{time.time():.6f}",
    }


def unfinished_jobs(url: str) -> int:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return (
                session.scalar(select(func.count()).where(InboxJob.status != JobStatus.DONE)) or 0
            )
    finally:
        engine.dispose()


def test_a_database_restart_loses_and_doubles_no_reaction_kudos(
    own_postgres: tuple[str, list[str]], settings: Settings, slack: SlackFake
) -> None:
    url, pg_ctl = own_postgres
    upgrade(url)
    slack.add_user("U0ANA", "ana", tz="Asia/Manila")
    for n in range(REACTIONS):
        slack.add_user(f"U0R{n:03d}", f"reactor{n}", tz="America/Chicago")
    statuses: list[int] = []

    def deliver(events_url: str, n: int) -> bool:
        """Slack's delivery of one event: re-sent (same event_id) after a non-2xx answer."""
        event_id = f"EvRestart{n:03d}"
        for retry in range(SLACK_RETRIES + 1):
            try:
                reply = event(
                    events_url, reaction(n), event_id=event_id, retry_num=retry or None, timeout=15
                )
                statuses.append(reply.status)
                if reply.status == 200:
                    return True
            except OSError:
                statuses.append(0)
            pause(1.0)  # Slack's own pause before it re-sends
        return False

    ours = replace(settings, database_url=url)
    with serving(ours) as (_, base), ThreadPoolExecutor(8) as pool:
        events_url = base + "/slack/events"
        futures = [pool.submit(deliver, events_url, n) for n in range(REACTIONS)]
        wait_until(lambda: sum(f.done() for f in futures) >= REACTIONS // 3, 60, "a third sent")
        subprocess.run([*pg_ctl, "-m", "fast", "-w", "restart"], check=True, capture_output=True)
        acked = sum(f.result(timeout=120) for f in futures)
        # look-ups beyond Slack's pace (Tier 3) wait their turn as retries: serve runs them
        wait_until(lambda: unfinished_jobs(url) == 0, 120, "serve finished every stored job")
    assert acked == REACTIONS, "Slack gave up on some events"
    tick = operator_tick(ours, time.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert tick.returncode == 0, tick.stderr
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            reactors = sorted(session.scalars(select(Kudos.giver_id)))
            unfinished = session.scalar(
                select(func.count()).where(InboxJob.status != JobStatus.DONE)
            )
    finally:
        engine.dispose()
    assert reactors == sorted(f"U0R{n:03d}" for n in range(REACTIONS)), "lost or doubled"
    assert unfinished == 0
    feed = [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == "C0KUDOS"]
    assert len(feed) == REACTIONS
    server_errors = [s for s in statuses if s >= 500 or s == 0]
    assert len(statuses) == REACTIONS + len(server_errors)  # each refusal was re-sent once more
    name = "PostgreSQL restart under reactions"
    print(fault_line(name, REACTIONS, len(reactors), len(set(reactors)), len(server_errors)))
