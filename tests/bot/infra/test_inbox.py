"""The durable inbox on a real database: what is stored is run once, by whichever process
gets to it; passing failures are tried again; nothing runs after its expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.config import Settings, WorkspaceConfig
from bot.infra.inbox import HANDOFF, Inbox, Job, Retry, execute
from bot.infra.models import InboxJob, JobStatus, Kudos
from bot.infra.pacing import PacedWebClient, Pacer
from bot.runtime.worker import context_for, tick_once
from tests.slack_fake import SlackFake

NOW = datetime(2026, 6, 11, 1, 0, tzinfo=UTC)


def inbox_at(session_factory: sessionmaker[Session], moment: list[datetime]) -> Inbox:
    return Inbox(session_factory, "test-owner", lambda: moment[0])


def store(inbox: Inbox, session_factory: sessionmaker[Session], key: str = "k1") -> int:
    with session_factory.begin() as session:
        job = inbox.accept(session, "T0TEST", key, "test.kind", {"n": 1})
    assert job is not None
    return job


def row(session_factory: sessionmaker[Session], job_id: int) -> InboxJob:
    with session_factory() as session:
        found = session.get(InboxJob, job_id)
        assert found is not None
        return found


def test_a_key_is_stored_once(session_factory: sessionmaker[Session]) -> None:
    inbox = inbox_at(session_factory, [NOW])
    store(inbox, session_factory)
    with session_factory.begin() as session:
        assert inbox.accept(session, "T0TEST", "k1", "test.kind", {"n": 2}) is None


def test_the_storing_process_runs_it_at_once_others_after_the_handoff(
    session_factory: sessionmaker[Session],
) -> None:
    moment = [NOW]
    inbox = inbox_at(session_factory, moment)
    job_id = store(inbox, session_factory)
    worker = Inbox(session_factory, "worker", lambda: moment[0])
    assert worker.claim() == []  # the web process's head start
    (mine,) = inbox.claim([job_id])
    assert inbox.claim([job_id]) == [] and worker.claim() == []  # leased
    moment[0] += HANDOFF + timedelta(minutes=3)  # the web process died holding it
    (taken,) = worker.claim()
    assert taken.id == mine.id and taken.attempt == 1


def test_passing_failures_run_again_and_bugs_fail_for_good(
    session_factory: sessionmaker[Session],
) -> None:
    moment = [NOW]
    inbox = inbox_at(session_factory, moment)
    job_id = store(inbox, session_factory)

    def database_down(job: Job) -> None:
        raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))

    (job,) = inbox.claim([job_id])
    assert execute(inbox, job, database_down) == 1.0  # backs off: 1 s, then 2, 4…
    assert row(session_factory, job_id).status == JobStatus.PENDING
    (job,) = inbox.claim([job_id])
    assert job.attempt == 2

    def asks_for_later(job: Job) -> None:
        raise Retry("Slack is busy", 7.0)

    assert execute(inbox, job, asks_for_later) == 7.0
    (job,) = inbox.claim([job_id])

    def bug(job: Job) -> None:
        raise KeyError("user_id")

    assert execute(inbox, job, bug) is None
    failed = row(session_factory, job_id)
    assert failed.status == JobStatus.FAILED and "KeyError" in (failed.last_error or "")
    assert failed.attempts == 3


def test_waiting_for_slacks_pace_is_not_an_attempt(
    session_factory: sessionmaker[Session],
) -> None:
    """Found in review: runs held back by lantern's own pacing used up a person's three
    attempts, so one real failure after two of them gave up."""
    moment = [NOW]
    inbox = inbox_at(session_factory, moment)
    job_id = store(inbox, session_factory)
    refusal = PacedWebClient(pacer=Pacer(), token=None)._refusal("users.info", 5.0)

    def paced(job: Job) -> None:
        raise refusal

    def answers_a_person(job: Job) -> None:  # as handlers/replies.try_again_or does
        raise Retry("waiting for Slack's pace", 5.0, counts=False)

    for run in (paced, answers_a_person, paced):
        (job,) = inbox.claim([job_id])
        assert job.attempt == 1  # still the first real attempt
        assert execute(inbox, job, run) == pytest.approx(5.0)
    assert row(session_factory, job_id).attempts == 0


def test_nothing_runs_after_its_expiry(session_factory: sessionmaker[Session]) -> None:
    moment = [NOW]
    inbox = inbox_at(session_factory, moment)
    job_id = store(inbox, session_factory)
    (job,) = inbox.claim([job_id])
    ran: list[int] = []
    assert execute(inbox, job, lambda j: (_ for _ in ()).throw(Retry("busy", 3601.0))) is None
    assert row(session_factory, job_id).last_error == "expired: busy"
    job_id = store(inbox, session_factory, "k2")
    moment[0] += timedelta(hours=2)
    (job,) = inbox.claim([job_id])
    execute(inbox, job, lambda j: ran.append(j.id))
    assert ran == [] and row(session_factory, job_id).status == JobStatus.FAILED


def test_a_stop_gives_its_leases_back(session_factory: sessionmaker[Session]) -> None:
    moment = [NOW]
    inbox = inbox_at(session_factory, moment)
    job_id = store(inbox, session_factory)
    inbox.claim([job_id])
    assert inbox.release() == 1
    (taken,) = Inbox(session_factory, "worker", lambda: moment[0]).claim()
    assert taken.id == job_id


def test_old_finished_jobs_are_purged(session_factory: sessionmaker[Session]) -> None:
    moment = [NOW]
    inbox = inbox_at(session_factory, moment)
    for key in ("old", "new"):
        (job,) = inbox.claim([store(inbox, session_factory, key)])
        execute(inbox, job, lambda j: None)
        if key == "old":
            moment[0] += timedelta(days=3, hours=1)
    with session_factory.begin() as session:
        assert inbox.purge(session, moment[0]) == 1
    with session_factory() as session:
        assert list(session.scalars(select(InboxJob.key))) == ["new"]


@pytest.mark.usefixtures("slack")
def test_kudos_left_behind_by_a_stopped_web_process_are_given_by_the_worker(
    settings: Settings, config: WorkspaceConfig, slack: SlackFake
) -> None:
    """The web process stored /kudos and acknowledged it, then stopped: the next tick of a
    worker gives the kudos, answers the giver and posts to the feed, once."""
    slack.add_user("U0GIVER", "giver", tz="America/Chicago")
    slack.add_user("U0ANA", "ana", tz="Asia/Manila")
    command = {
        "user_id": "U0GIVER",
        "channel_id": "C0GENERAL",
        "text": "<@U0ANA|ana> thanks for the cover",
        "trigger_id": "1337.42.left",
        "response_url": slack.response_url_base + "left",
    }
    web = context_for(settings, config)
    try:
        assert web.accept("T0TEST", "command:1337.42.left", "kudos.command", {"command": command})
    finally:
        web.close()  # stopped before running it
    worker = context_for(settings, config)
    later = datetime.now(UTC) + HANDOFF + timedelta(seconds=1)
    worker.clock = lambda: later
    try:
        tick_once(worker, later, team_id="T0TEST")
        tick_once(worker, later, team_id="T0TEST")  # a second tick runs nothing again
        worker.deliverer.deliver_until_done(timeout=10)
        assert worker.wait_idle()
    finally:
        worker.close()
    (answer,) = slack.calls_to("response_url")
    assert "on their way" in answer.params["text"]
    # the ticks run at the real date: the day's reminders may go out too; the feed is counted
    feed = [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == "C0KUDOS"]
    assert len(feed) == 1
    with worker.session_factory() as session:
        assert len(list(session.scalars(select(Kudos)))) == 1
        assert session.scalars(select(InboxJob.status)).one() == JobStatus.DONE


def test_a_request_is_stored_through_a_connection_lost_since_its_last_use(ctx: Any) -> None:
    """The ack's path skips the pre-ping round trip: a pooled connection whose server process
    is gone (a database restart) fails once, is replaced, and the request is still stored."""
    if ctx.intake_engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server process to lose; its intake engine is the main one")
    assert ctx.accept("T0TEST", "event:Ev-before", "test.kind", {"n": 1})
    with ctx.intake_engine.connect() as pooled:  # the pool's one idle connection, in use
        pid = pooled.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with ctx.engine.connect() as other:
        other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
    job = ctx.accept("T0TEST", "event:Ev-after", "test.kind", {"n": 2})
    assert job is not None
    with ctx.session_factory() as session:
        keys = set(session.scalars(select(InboxJob.key)))
    assert {"event:Ev-before", "event:Ev-after"} <= keys
