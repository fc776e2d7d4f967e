"""The weekly digest end to end: the clock is due on Monday 08:00 in the workspace's
timezone, the worker expands the managers' user group, and each manager gets one DM with the
digest and the chart (alt text included) on the fake Slack, once a week however often it
ticks; the App Home of a manager shows the latest digest."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

import handlers
from bot.digest import service
from bot.home.render import home_view
from bot.home.service import figures
from bot.infra.context import AppContext
from bot.infra.inbox import Job
from bot.infra.models import Digest, OutboxMessage
from bot.runtime.worker import clock_from, tick_once
from tests.bot.digest.seeding import TEAM
from tests.bot.digest.test_compose import AT, seed_week
from tests.slack_fake import UPLOAD_METHOD, SlackFake

MANAGERS = ("U0MGRCHI", "S0MGRS")  # one named, one user group


@pytest.fixture
def digest_ctx(ctx: AppContext, slack: SlackFake) -> Iterator[AppContext]:
    slack.usergroups["S0MGRS"] = ["U0MGRMNL", "U0MGRCHI"]  # U0MGRCHI is named twice
    workspace = replace(ctx.config.workspace, managers=MANAGERS)
    ctx.config = replace(ctx.config, workspace=workspace)
    ctx.roles.config = ctx.config
    ctx.job_runners = handlers.job_runners()
    with ctx.session_factory.begin() as session:
        seed_week(session)
    yield ctx


def tick(ctx: AppContext, at: datetime) -> list[str]:
    ctx.clock = clock_from(at)
    result = tick_once(ctx, at, team_id=TEAM)
    ctx.deliverer.deliver_until_done(timeout=10)
    return [m.key for m in result.enqueued]


def digest_calls(slack: SlackFake) -> dict[str, list[Any]]:
    return {
        "open": slack.calls_to("conversations.open"),
        "post": [c for c in slack.calls_to("chat.postMessage") if c.params["channel"][0] == "D"],
        "url": slack.calls_to("files.getUploadURLExternal"),
        "bytes": slack.calls_to(UPLOAD_METHOD),
        "complete": slack.calls_to("files.completeUploadExternal"),
    }


def test_each_manager_gets_one_dm_with_the_chart_once_a_week(
    digest_ctx: AppContext, slack: SlackFake
) -> None:
    ctx = digest_ctx
    assert datetime(2026, 11, 30, 14, 0, tzinfo=UTC) == AT  # Mon 08:00 in Chicago
    tick(ctx, AT - timedelta(minutes=1))
    assert digest_calls(slack)["open"] == []
    tick(ctx, AT)
    calls = digest_calls(slack)
    assert sorted(c.params["users"] for c in calls["open"]) == ["U0MGRCHI", "U0MGRMNL"]
    assert sorted(c.params["channel"] for c in calls["post"]) == ["D0MGRCHI", "D0MGRMNL"]
    post = calls["post"][0]
    blocks = post.json_param("blocks")
    assert blocks[0]["type"] == "header"
    assert blocks[0]["text"]["text"] == "Weekly digest · the 7 days to Mon 30 Nov 2026"
    text = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert "No kudos for two weeks to anyone at *Bogotá*, *São Paulo*" in text
    assert "→ _Thank someone there" in text  # each highlight with its action
    assert "In-house → BPO (across the boundary): 3 (average 0.1)" in text
    assert "*Cebu* · fewer than 5 answers: results hidden" in text
    # the chart: one upload per manager, into that manager's DM, with its alt text
    assert len(calls["url"]) == len(calls["bytes"]) == len(calls["complete"]) == 2
    assert {c.params["channel_id"] for c in calls["complete"]} == {"D0MGRCHI", "D0MGRMNL"}
    alt = calls["url"][0].params["alt_txt"]
    assert alt.startswith("Chart of the 8 weeks") and "Cebu" not in alt
    assert "Manila 4.0 (3.3 to 4.7)" in alt
    assert all(c.body.startswith(b"\x89PNG") for c in calls["bytes"])

    # later ticks the same week, and the job run again, send nothing more
    tick(ctx, AT + timedelta(minutes=1))
    tick(ctx, AT + timedelta(days=3))
    payload = {"week": "2026-W49", "at": AT.isoformat()}
    job = Job(0, TEAM, "digest:2026-W49", service.SEND_JOB, payload, 2, AT + timedelta(days=6))
    handlers.job_runners()[service.SEND_JOB](ctx, job)
    ctx.deliverer.deliver_until_done(timeout=10)
    again = digest_calls(slack)
    assert {k: len(v) for k, v in again.items()} == {k: len(v) for k, v in calls.items()}
    with ctx.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Digest)) == 1
        assert (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.key.like("digest:%"))
            )
            == 6
        )
    # next week's comes next Monday
    tick(ctx, AT + timedelta(days=7))
    assert len(digest_calls(slack)["post"]) == 4


def test_a_managers_home_shows_the_latest_digest(digest_ctx: AppContext, slack: SlackFake) -> None:
    ctx = digest_ctx
    now = AT + timedelta(hours=2)
    before = figures(ctx, TEAM, "U0MGRMNL", now, is_admin=False, sees_results="manager")
    assert before.digest is not None and "No digest yet" in before.digest
    tick(ctx, AT)
    shown = figures(ctx, TEAM, "U0MGRMNL", now, is_admin=False, sees_results="manager")
    assert shown.digest is not None and "the 7 days to Mon 30 Nov 2026" in shown.digest
    assert "No kudos for two weeks" in shown.digest and "3 (average 0.1)" in shown.digest
    view = home_view(ctx.config, shown, now)
    texts = [b.get("text", {}).get("text", "") for b in view["blocks"]]
    assert any("the 7 days to Mon 30 Nov 2026" in t for t in texts)
    agent = figures(ctx, TEAM, "U0AGENT", now, is_admin=False)
    assert agent.digest is None


def test_a_lost_answer_does_not_give_a_manager_the_week_twice(
    digest_ctx: AppContext, slack: SlackFake
) -> None:
    """The digest is posted but Slack's answer is lost: the DM (named through the
    conversations.open it was opened by) is searched for it before any new post."""
    ctx = digest_ctx
    tick(ctx, AT - timedelta(minutes=1))  # the day's other posts go out first
    slack.ts_from(AT.timestamp())  # Slack's clock is the app's
    slack.lose_next("chat.postMessage")
    tick(ctx, AT)
    ctx.clock = clock_from(AT + timedelta(minutes=10))
    ctx.deliverer.deliver_until_done(timeout=10)
    posts = digest_calls(slack)["post"]
    assert sorted(c.params["channel"] for c in posts) == ["D0MGRCHI", "D0MGRMNL"]
    checked = slack.calls_to("conversations.history")
    assert checked and {c.params["channel"] for c in checked} <= {"D0MGRCHI", "D0MGRMNL"}


def test_the_chart_comes_below_the_digest_even_when_the_post_is_held_back(
    digest_ctx: AppContext, slack: SlackFake
) -> None:
    """Slack answers the digest's post with a 503 and then a 429: the chart waits for the
    post rather than arriving first in the DM."""
    ctx = digest_ctx
    tick(ctx, AT - timedelta(minutes=1))  # the day's other posts go out first
    slack.fail_next("chat.postMessage", status=503)
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    tick(ctx, AT)
    calls = digest_calls(slack)
    posted = [c for c in calls["post"] if c.status == 200]
    assert len(posted) == 2 and len(calls["post"]) == 4 and len(calls["complete"]) == 2
    for complete in calls["complete"]:
        (post,) = [c for c in posted if c.params["channel"] == complete.params["channel_id"]]
        assert post.at < complete.at
