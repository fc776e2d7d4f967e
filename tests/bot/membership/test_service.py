"""Site membership from channel members: paginated sync, once per slot, resilient."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.config import WorkspaceConfig
from bot.infra.context import AppContext
from bot.infra.models import ScheduledRun, SiteMember
from bot.membership.service import sync_due
from bot.membership.store import sites_of
from tests.slack_fake import SlackFake

NOW = datetime(2026, 6, 11, 7, 30, tzinfo=UTC)


def members(session_factory: sessionmaker[Session]) -> set[tuple[str, str]]:
    with session_factory() as session:
        return {(m.site_key, m.user_id) for m in session.scalars(select(SiteMember))}


def test_sync_reads_every_page_and_applies_changes(
    ctx: AppContext, slack: SlackFake, config: WorkspaceConfig
) -> None:
    manila = [f"U0M{i:03d}" for i in range(450)]  # three pages of 200
    slack.channel_members["C0MANILA"] = manila
    slack.channel_members["C0BOGOTA"] = ["U0B001"]
    synced = sync_due(ctx, "T0TEST", NOW)
    assert "manila" in synced and "bogota" in synced
    assert len(slack.calls_to("conversations.members")) >= 3 + 1
    found = members(ctx.session_factory)
    assert {u for s, u in found if s == "manila"} == set(manila)
    # the same slot does not sync again; the next slot applies joins and leaves
    assert sync_due(ctx, "T0TEST", NOW) == []
    slack.channel_members["C0BOGOTA"] = ["U0B002"]
    later = NOW.replace(hour=13)
    sync_due(ctx, "T0TEST", later)
    assert {u for s, u in members(ctx.session_factory) if s == "bogota"} == {"U0B002"}
    with ctx.session_factory() as session:
        assert sites_of(session, "T0TEST", ["U0B002", "U0M000"]) == {
            "U0B002": ["bogota"],
            "U0M000": ["manila"],
        }


def test_a_refused_channel_is_logged_and_others_still_sync(
    ctx: AppContext, slack: SlackFake, config: WorkspaceConfig
) -> None:
    slack.channel_members["C0BOGOTA"] = ["U0B001"]  # every other site channel is unknown
    synced = sync_due(ctx, "T0TEST", NOW)
    assert synced == ["bogota"]
    with ctx.session_factory() as session:
        runs = {
            r.key.split(":")[1]: (r.outcome, r.detail)
            for r in session.scalars(select(ScheduledRun))
        }
    assert runs["manila"] == ("skipped", "channel_not_found")
    assert runs["bogota"][0] == "done"


def test_a_rate_limit_on_page_two_resumes_from_page_two(
    ctx: AppContext, slack: SlackFake, config: WorkspaceConfig
) -> None:
    """Slack answers 429 for the second page: the sync waits its Retry-After and goes on from
    that page, instead of throwing page one away and skipping the site for six hours."""
    manila = [f"U0M{i:03d}" for i in range(450)]
    slack.channel_members["C0MANILA"] = manila
    # Chicago's channel is asked first, then Manila's page one; its page two is refused
    slack.fail_next("conversations.members", status=429, retry_after=1, skip=2)
    synced = sync_due(ctx, "T0TEST", NOW)
    assert "manila" in synced
    assert {u for s, u in members(ctx.session_factory) if s == "manila"} == set(manila)
    cursors = [
        c.params.get("cursor")
        for c in slack.calls_to("conversations.members")
        if c.params.get("channel") == "C0MANILA"
    ]
    assert len(cursors) == 4 and cursors[1] == cursors[2]  # page two asked twice


def test_still_busy_waits_for_the_next_tick_not_six_hours(
    ctx: AppContext, slack: SlackFake, config: WorkspaceConfig
) -> None:
    slack.channel_members["C0MANILA"] = ["U0M001"]
    slack.fail_next("conversations.members", status=429, retry_after=1, times=3, skip=1)
    assert "manila" not in sync_due(ctx, "T0TEST", NOW)
    assert "manila" in sync_due(ctx, "T0TEST", NOW + timedelta(minutes=1))  # same slot
