"""Milestone reminders end to end: tick at explicit instants, deliver to the fake Slack."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.infra.config import WorkspaceConfig
from bot.infra.context import AppContext
from bot.infra.models import OutboxMessage
from bot.infra.outbox.delivery import DeliveryReport
from bot.reminders.planner import daily_post_time, post_time_at
from bot.runtime.worker import clock_from, tick_once
from calendars.company import Milestone
from tests.slack_fake import Call, SlackFake

MANILA = ZoneInfo("Asia/Manila")
KOLKATA = ZoneInfo("Asia/Kolkata")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
CHICAGO = ZoneInfo("America/Chicago")


def run(ctx: AppContext, now: datetime) -> tuple[list[str], DeliveryReport]:
    ctx.clock = clock_from(now)  # deliver as at ``now``: reminders expire at the day's end
    result = tick_once(ctx, now, team_id="T0TEST")
    report = ctx.deliverer.deliver_until_done(timeout=10)
    return [m.key for m in result.enqueued], report


def posts(slack: SlackFake, channel: str | None = None) -> list[Call]:
    calls = slack.calls_to("chat.postMessage")
    return [c for c in calls if channel is None or c.params["channel"] == channel]


def blocks_text(call: Call) -> str:
    return str(call.params["text"]) + "\n" + str(call.json_param("blocks"))


def test_independence_day_heads_up_at_nine_manila_not_before(
    ctx: AppContext, slack: SlackFake
) -> None:
    early, _ = run(ctx, datetime(2026, 6, 11, 8, 30, tzinfo=MANILA))
    assert "celebrations:2026-06-11" not in early
    on_time, report = run(ctx, datetime(2026, 6, 11, 9, 0, tzinfo=MANILA))
    assert on_time == ["celebrations:2026-06-11"]
    assert report.sent == on_time
    (call,) = [c for c in posts(slack) if "Independence Day" in c.params["text"]]
    assert call.params["channel"] == "C0CELEBRATE"
    text = blocks_text(call)
    assert "tomorrow" in text and "Manila" in text and "Cebu" in text  # one post, both sites
    assert "Public holiday at 🇵🇭 Manila, 🇵🇭 Cebu: expect reduced coverage." in text


def test_day_of_posts_in_both_channels_once(ctx: AppContext, slack: SlackFake) -> None:
    nine = datetime(2026, 6, 12, 9, 0, tzinfo=MANILA)
    keys, _ = run(ctx, nine)
    assert "celebrations:2026-06-12" in keys
    assert "reminder:manila:2026-06-12:independence-day:0" in keys
    assert "reminder:cebu:2026-06-12:independence-day:0" not in keys  # Cebu posts at 21:30
    assert len(posts(slack, "C0CELEBRATE")) == 1
    assert len(posts(slack, "C0MANILA")) == 1
    again, report = run(ctx, nine)
    later, _ = run(ctx, datetime(2026, 6, 12, 10, 0, tzinfo=MANILA))
    assert again == [] and later == [] and report.sent == []
    assert len(posts(slack, "C0CELEBRATE")) == 1 and len(posts(slack, "C0MANILA")) == 1
    night, _ = run(ctx, datetime(2026, 6, 12, 21, 30, tzinfo=MANILA))
    assert night == ["reminder:cebu:2026-06-12:independence-day:0"]
    assert "Today: Independence Day" in posts(slack, "C0CEBU")[0].params["text"]


def test_a_today_post_held_up_past_midnight_is_never_sent(
    ctx: AppContext, slack: SlackFake
) -> None:
    """Due at 09:00 in Manila, planned, then Slack was out until after midnight there: the
    "Today: Independence Day" posts expire instead of going out on the wrong day."""
    nine = datetime(2026, 6, 12, 9, 0, tzinfo=MANILA)
    ctx.clock = clock_from(datetime(2026, 6, 13, 0, 5, tzinfo=MANILA))  # delivery resumes
    result = tick_once(ctx, nine, team_id="T0TEST")
    report = ctx.deliverer.deliver_until_done(timeout=10)
    day_of = {m.key for m in result.enqueued if ":independence-day" in m.key and m.key[-2:] == ":0"}
    day_of |= {m.key for m in result.enqueued if m.key == "celebrations:2026-06-12"}
    assert {"celebrations:2026-06-12", "reminder:manila:2026-06-12:independence-day:0"} <= day_of
    assert {key for key, reason in report.failed if reason == "expired"} >= day_of
    assert posts(slack) == []


def test_diwali_for_the_mumbai_site(ctx: AppContext, slack: SlackFake) -> None:
    keys, _ = run(ctx, datetime(2026, 11, 8, 9, 0, tzinfo=KOLKATA))
    assert "celebrations:2026-11-08" in keys
    assert "reminder:mumbai:2026-11-08:diwali:0" in keys
    (shared,) = posts(slack, "C0CELEBRATE")
    assert "Today: Diwali" in blocks_text(shared)
    (call,) = posts(slack, "C0MUMBAI")
    assert "Diwali" in call.params["text"] and "Mumbai" in blocks_text(call)


def test_carnival_for_sao_paulo_with_the_optional_category(
    ctx: AppContext, slack: SlackFake, config: WorkspaceConfig
) -> None:
    # the day's post goes out at 09:00 in Manila, the evening before in São Paulo
    keys, _ = run(ctx, datetime(2026, 2, 9, 9, 0, tzinfo=MANILA))
    assert "celebrations:2026-02-09" in keys
    call = next(c for c in posts(slack) if "Carnival" in c.params["text"])
    text = blocks_text(call)
    assert "2 days" in text and "Carnaval" in text and "optional holiday" in text
    # without the optional category there is no Carnival at all
    public_only = replace(
        config,
        sites=tuple(
            replace(s, categories=("public",)) if s.key == "saopaulo" else s for s in config.sites
        ),
    )
    ctx.config = public_only
    keys, _ = run(ctx, datetime(2027, 2, 1, 9, 0, tzinfo=SAO_PAULO))
    assert not any("carnival" in k for k in keys)


def test_chicago_posts_at_nine_local_across_dst(
    ctx: AppContext, slack: SlackFake, config: WorkspaceConfig
) -> None:
    """A Chicago milestone on Sunday 8 March 2026, DST's first day: its day-of post in the
    Chicago channel is at 09:00 CDT (14:00 UTC). The celebrations post keeps standard time,
    so it stays at 15:00 UTC every day (10:00 CDT in summer): posts exactly 24 hours apart."""
    milestone = Milestone("Spring kickoff", 3, 8, 2026, 1, ("chicago",))
    ctx.config = replace(config, milestones=(milestone,))
    assert post_time_at(ctx.config.sites[0], ctx.config, datetime(2026, 3, 8).date()) == (
        datetime(2026, 3, 8, 14, 0, tzinfo=UTC)
    )
    before, _ = run(ctx, datetime(2026, 3, 8, 13, 59, tzinfo=UTC))  # 08:59 CDT
    assert "reminder:chicago:2026-03-08:company-spring-kickoff:0" not in before
    at, _ = run(ctx, datetime(2026, 3, 8, 9, 0, tzinfo=CHICAGO))
    assert at == ["reminder:chicago:2026-03-08:company-spring-kickoff:0"]
    chicago_only = replace(ctx.config, sites=ctx.config.sites[:1])
    assert daily_post_time(chicago_only, datetime(2026, 3, 8).date()) == (
        datetime(2026, 3, 8, 15, 0, tzinfo=UTC)
    )
    assert daily_post_time(chicago_only, datetime(2026, 3, 1).date()) == (
        datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    )


def test_spring_forward_gap_time_still_posts_once() -> None:
    from bot.infra.config import parse_workspace_config

    config = parse_workspace_config(
        """
[workspace]
timezone = "America/Chicago"
celebrations_channel = "C0CELEBRATE"
feed_channel = "C0KUDOS"
[reminders]
time = "02:30"
[[sites]]
key = "chicago"
name = "Chicago"
country = "US"
timezone = "America/Chicago"
kind = "in_house"
channel = "C0CHICAGO"
"""
    )
    due = post_time_at(config.sites[0], config, datetime(2026, 3, 8).date())
    # 02:30 does not exist that morning; it is taken as 03:30 CDT, once
    assert due == datetime(2026, 3, 8, 8, 30, tzinfo=UTC)
    assert due.astimezone(CHICAGO).time() == time(3, 30)


def test_company_milestone_is_one_post_for_all_sites(ctx: AppContext, slack: SlackFake) -> None:
    # Cultural Connection Week, 5 October, every year, all sites; heads-up 7 days before at
    # the earliest site time: 09:00 in Manila on 28 September
    keys, _ = run(ctx, datetime(2026, 9, 28, 9, 0, tzinfo=MANILA))
    assert "celebrations:2026-09-28" in keys
    call = next(c for c in posts(slack) if "Cultural Connection Week" in c.params["text"])
    assert call.params["channel"] == "C0CELEBRATE"
    assert "all sites" in call.params["text"] and "5 days" in blocks_text(call)


def test_429_then_two_500s_still_one_post(ctx: AppContext, slack: SlackFake) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    slack.fail_next("chat.postMessage", status=500, times=2)
    # the day's pulse rounds are out of this test's way: sent before the faults
    ctx.config = replace(ctx.config, pulse=replace(ctx.config.pulse, weekday="sun"))
    keys, report = run(ctx, datetime(2026, 6, 11, 9, 0, tzinfo=MANILA))
    assert keys == ["celebrations:2026-06-11"]
    assert report.sent == keys and not report.failed
    assert len(posts(slack)) == 4  # three refused attempts, one post
    with ctx.session_factory() as session:
        row = session.scalars(select(OutboxMessage)).one()
    assert (row.status, row.attempts) == ("sent", 4)


def test_missing_channel_is_recorded_and_other_sites_still_post(
    ctx: AppContext, slack: SlackFake
) -> None:
    slack.error_for("chat.postMessage", "channel_not_found", when={"channel": "C0MANILA"})
    keys, report = run(ctx, datetime(2026, 6, 12, 9, 0, tzinfo=MANILA))
    assert "reminder:manila:2026-06-12:independence-day:0" in keys
    assert report.failed == [("reminder:manila:2026-06-12:independence-day:0", "channel_not_found")]
    assert "celebrations:2026-06-12" in report.sent
    _, night_report = run(ctx, datetime(2026, 6, 12, 21, 30, tzinfo=MANILA))
    assert night_report.sent == ["reminder:cebu:2026-06-12:independence-day:0"]
    with ctx.session_factory() as session:
        failed = session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == "failed")
        ).all()
    assert [(r.key, r.last_error) for r in failed] == [
        ("reminder:manila:2026-06-12:independence-day:0", "channel_not_found")
    ]


def test_config_supplied_names_are_escaped_everywhere(config: WorkspaceConfig) -> None:
    """A milestone or site name from lantern.toml cannot ping anyone either."""
    import json

    from bot.celebrate.render import list_text
    from bot.infra.calendar import calendar_for
    from bot.reminders.render import reminder_message

    hostile = replace(
        config,
        milestones=(Milestone("<!channel> party & <@U0BOSS>", 7, 1, None, 1, ("all",)),),
        sites=tuple(
            replace(s, name="<!here> Manila", partner="<!everyone> BPO") if s.key == "manila" else s
            for s in config.sites
        ),
    )
    day = datetime(2026, 7, 1).date()
    group = [o for o in calendar_for(hostile).occasions(day, day) if o.kind == "company"]
    rendered = json.dumps(reminder_message(hostile, group, 1, "C0CELEBRATE"), ensure_ascii=False)
    listed = list_text(hostile, day, 1)
    for text in (rendered, listed):
        for raw in ("<!channel>", "<!here>", "<!everyone>", "<@U0BOSS>"):
            assert raw not in text
    assert "&lt;!channel&gt; party &amp;" in rendered


def test_chicago_posts_at_nine_local_when_dst_ends(
    ctx: AppContext, slack: SlackFake, config: WorkspaceConfig
) -> None:
    # DST ends on Sunday 1 November 2026; a post that day is at 09:00 CST = 15:00 UTC
    milestone = Milestone("Autumn kickoff", 11, 1, 2026, 1, ("chicago",))
    ctx.config = replace(config, milestones=(milestone,))
    early, _ = run(ctx, datetime(2026, 11, 1, 14, 0, tzinfo=UTC))  # 09:00 CDT would be this
    assert "reminder:chicago:2026-11-01:company-autumn-kickoff:0" not in early
    at, _ = run(ctx, datetime(2026, 11, 1, 15, 0, tzinfo=UTC))
    assert at == ["reminder:chicago:2026-11-01:company-autumn-kickoff:0"]


def test_two_ticks_at_once_enqueue_everything_once(
    settings: Any, config: WorkspaceConfig, slack: SlackFake
) -> None:
    """Two workers on one database tick at the same instant: every post is stored once."""
    import threading

    contexts = [AppContext.create(settings, config) for _ in range(4)]
    now = datetime(2026, 6, 12, 9, 0, tzinfo=MANILA)
    barrier = threading.Barrier(len(contexts))
    errors: list[BaseException] = []

    def tick(context: AppContext) -> None:
        barrier.wait()
        try:
            tick_once(context, now, team_id="T0TEST")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=tick, args=(c,)) for c in contexts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with contexts[0].session_factory() as session:
        keys = list(session.scalars(select(OutboxMessage.key)))
    assert len(keys) == len(set(keys)) and "celebrations:2026-06-12" in keys
    for context in contexts:
        context.close()


def test_shared_post_says_today_or_tomorrow_for_each_sites_calendar(
    config: WorkspaceConfig,
) -> None:
    """09:00 in Manila on Christmas Day is still Christmas Eve in Chicago."""
    from bot.infra.calendar import calendar_for
    from bot.reminders.render import reminder_message
    from calendars.occasions import by_milestone

    day = datetime(2026, 12, 25).date()
    (christmas,) = [
        g
        for g in by_milestone(calendar_for(config).occasions(day, day))
        if g[0].slug == "christmas-day"
    ]
    at = datetime(2026, 12, 25, 9, 0, tzinfo=MANILA)
    text = reminder_message(config, christmas, 0, "C0CELEBRATE", at=at)["text"]
    # Mumbai's "Christmas" is the same festival: one post (issue 10), on Mumbai's 25 December
    assert "Christmas Day: today at Manila, Cebu, Mumbai · tomorrow at Chicago HQ" in text
    manila_only = [o for o in christmas if o.site.key == "manila"]
    assert (
        "Today: Christmas Day"
        in reminder_message(config, manila_only, 0, "C0MANILA", at=at)["text"]
    )
