"""The directory of people: memory, then the table every process shares, then Slack. The
membership sync refreshes the table, so a large user group is resolved without asking Slack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from bot.infra.context import AppContext
from bot.infra.models import DirectoryEntry
from bot.infra.people import DIRECTORY_AGE, Directory
from bot.membership.service import sync_due
from tests.slack_fake import SlackFake

NOW = datetime(2026, 6, 11, 7, 30, tzinfo=UTC)


def another_process(ctx: AppContext, slack: SlackFake) -> Directory:
    """A directory with an empty memory on the same database, as a second process has."""
    return Directory(ctx.client, session_factory=ctx.session_factory, now=lambda: NOW)


def slack_reads(slack: SlackFake) -> int:
    return len(slack.calls_to("users.info")) + len(slack.calls_to("users.list"))


def test_the_sync_fills_the_directory_and_another_process_asks_slack_nothing(
    ctx: AppContext, slack: SlackFake
) -> None:
    team = [f"U0T{i:03d}" for i in range(450)]  # three users.list pages
    for user_id in team:
        slack.add_user(user_id, user_id.lower(), tz="Asia/Manila")
    slack.add_user("U0BOT", "robot", is_bot=True)
    ctx.clock = lambda: NOW
    sync_due(ctx, "T0TEST", NOW)
    assert len(slack.calls_to("users.list")) >= 3
    with ctx.session_factory() as session:
        assert (session.scalar(select(func.count()).select_from(DirectoryEntry)) or 0) >= 451
    before = slack_reads(slack)
    web = another_process(ctx, slack)
    web.prefetch(team)
    people = [web.get(user_id) for user_id in team]
    robot = web.get("U0BOT")
    assert slack_reads(slack) == before  # all from the shared table
    assert all(p is not None and p.tz == "Asia/Manila" and p.can_receive for p in people)
    assert robot is not None and robot.is_bot and not robot.can_receive


def test_the_directory_is_refreshed_once_per_sync_slot(ctx: AppContext, slack: SlackFake) -> None:
    slack.add_user("U0ANA", "ana", tz="Asia/Manila")
    sync_due(ctx, "T0TEST", NOW)
    pages = len(slack.calls_to("users.list"))
    assert pages >= 1
    sync_due(ctx, "T0TEST", NOW + timedelta(minutes=5))  # the same slot
    assert len(slack.calls_to("users.list")) == pages
    sync_due(ctx, "T0TEST", NOW + timedelta(hours=6))  # the next slot
    assert len(slack.calls_to("users.list")) > pages


def test_a_busy_slack_leaves_the_refresh_to_the_next_tick(
    ctx: AppContext, slack: SlackFake
) -> None:
    slack.add_user("U0ANA", "ana", tz="Asia/Manila")
    slack.fail_next("users.list", status=429, retry_after=1)
    sync_due(ctx, "T0TEST", NOW)
    with ctx.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(DirectoryEntry)) == 0
    sync_due(ctx, "T0TEST", NOW + timedelta(minutes=1))  # the next tick, same slot
    assert another_process(ctx, slack).get("U0ANA") is not None
    with ctx.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(DirectoryEntry)) == 1


def test_an_old_entry_is_asked_of_slack_again_and_rewritten(
    ctx: AppContext, slack: SlackFake
) -> None:
    slack.add_user("U0ANA", "ana", tz="Asia/Manila")
    first = another_process(ctx, slack)
    assert first.get("U0ANA") is not None  # users.info, written to the table
    assert len(slack.calls_to("users.info")) == 1
    with ctx.session_factory.begin() as session:
        session.execute(
            update(DirectoryEntry).values(seen_at=NOW - DIRECTORY_AGE - timedelta(minutes=1))
        )
    slack.add_user("U0ANA", "ana", tz="America/Bogota")  # moved meanwhile
    person = another_process(ctx, slack).get("U0ANA")
    assert len(slack.calls_to("users.info")) == 2
    assert person is not None and person.tz == "America/Bogota"
    assert another_process(ctx, slack).get("U0ANA") == person  # fresh again: from the table
    assert len(slack.calls_to("users.info")) == 2
