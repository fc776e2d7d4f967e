"""The clock: due work enqueued once, late work skipped and logged, dry runs write nothing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.clock import Planned, PlanWindow, plan, tick
from bot.infra.config import WorkspaceConfig
from bot.infra.models import OutboxMessage, ScheduledRun, Site
from bot.infra.outbox.queue import Outgoing

TEAM = "T0TEST"
MANILA = ZoneInfo("Asia/Manila")


def daily_at_nine_manila(window: PlanWindow) -> Iterable[Planned]:
    """A stand-in planner: one post every day at 09:00 Manila time."""
    day = window.start.astimezone(MANILA).date() - timedelta(days=1)
    while day <= window.end.astimezone(MANILA).date():
        due = datetime.combine(day, time(9, 0), MANILA)
        key = f"test:{day.isoformat()}"
        message = Outgoing(key, "chat.postMessage", {"channel": "C0MANILA", "text": key})
        yield Planned(key, due, (message,), summary=f"daily post {day}")
        day += timedelta(days=1)


def count(session_factory: sessionmaker[Session], model: type) -> int:
    with session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def run(
    session_factory: sessionmaker[Session],
    config: WorkspaceConfig,
    now: datetime,
    dry_run: bool = False,
) -> list[str]:
    with session_factory.begin() as session:
        result = tick(session, config, TEAM, now, [daily_at_nine_manila], dry_run=dry_run)
    messages = [m for p in result.due for m in p.messages] if dry_run else result.enqueued
    return [m.key for m in messages]


def test_due_at_local_time_not_before(
    session_factory: sessionmaker[Session], config: WorkspaceConfig
) -> None:
    # 08:59 Manila: today's post is not due yet and yesterday's is 23h59 late
    before = datetime(2026, 6, 11, 8, 59, tzinfo=MANILA)
    assert run(session_factory, config, before) == []
    at = datetime(2026, 6, 11, 9, 0, tzinfo=MANILA)
    assert run(session_factory, config, at) == ["test:2026-06-11"]


def test_second_tick_sends_nothing_twice(
    session_factory: sessionmaker[Session], config: WorkspaceConfig
) -> None:
    at = datetime(2026, 6, 11, 1, 5, tzinfo=UTC)  # 09:05 Manila
    assert run(session_factory, config, at) == ["test:2026-06-11"]
    assert run(session_factory, config, at) == []
    assert run(session_factory, config, at + timedelta(hours=3)) == []
    assert count(session_factory, OutboxMessage) == 1


def test_missed_work_within_12_hours_is_sent_older_is_skipped(
    session_factory: sessionmaker[Session], config: WorkspaceConfig
) -> None:
    # 11h59 after 09:00 on the 11th, and 35h59 after the 10th's: only the 11th is sent
    at = datetime(2026, 6, 11, 20, 59, tzinfo=MANILA)
    assert run(session_factory, config, at) == ["test:2026-06-11"]
    with session_factory() as session:
        runs = {r.key: r.outcome for r in session.scalars(select(ScheduledRun))}
    assert runs["test:2026-06-11"] == "done"
    assert runs["test:2026-06-10"] == "skipped"
    assert runs["test:2026-06-09"] == "skipped"
    assert count(session_factory, OutboxMessage) == 1


def test_dry_run_stores_nothing(
    session_factory: sessionmaker[Session], config: WorkspaceConfig
) -> None:
    at = datetime(2026, 6, 11, 9, 30, tzinfo=MANILA)
    assert run(session_factory, config, at, dry_run=True) == ["test:2026-06-11"]
    assert count(session_factory, OutboxMessage) == 0
    assert count(session_factory, ScheduledRun) == 0
    assert count(session_factory, Site) == 0
    assert run(session_factory, config, at) == ["test:2026-06-11"]


def test_tick_mirrors_sites(
    session_factory: sessionmaker[Session], config: WorkspaceConfig
) -> None:
    run(session_factory, config, datetime(2026, 6, 11, tzinfo=UTC))
    run(session_factory, config, datetime(2026, 6, 12, tzinfo=UTC))
    with session_factory() as session:
        sites = {s.key: s for s in session.scalars(select(Site))}
    assert sorted(sites) == sorted(s.key for s in config.sites)
    assert sites["manila"].team_id == TEAM and sites["manila"].kind == "bpo"


def test_naive_now_is_refused(config: WorkspaceConfig) -> None:
    with pytest.raises(ValueError, match="aware"):
        plan(None, config, TEAM, datetime(2026, 6, 11), datetime(2026, 6, 12), [])


def test_a_stopped_clock_is_reported_once_it_runs_again(
    session_factory: sessionmaker[Session],
    config: WorkspaceConfig,
    caplog: pytest.LogCaptureFixture,
) -> None:
    run(session_factory, config, datetime(2026, 6, 1, tzinfo=UTC))
    run(session_factory, config, datetime(2026, 6, 5, tzinfo=UTC))
    assert "the clock last ran" not in caplog.text  # quiet days are not a stopped clock
    run(session_factory, config, datetime(2026, 6, 20, tzinfo=UTC))
    assert "the clock last ran at 2026-06-05" in caplog.text
