"""Kudos use cases against a real database and the loopback Slack: the allowance, repeats,
withdrawal and revival."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.infra.config import WorkspaceConfig
from bot.infra.context import AppContext
from bot.infra.models import KudosSource
from bot.kudos import rules, service
from tests.slack_fake import SlackFake

MANILA = ZoneInfo("Asia/Manila")


def giver_in_manila(slack: SlackFake) -> None:
    slack.add_user("U0GIVER", "giver", tz="Asia/Manila")
    slack.add_user("U0ANA", "ana", tz="America/Chicago")


def give(ctx: AppContext, now: datetime, n: int) -> str | None:
    outcome = service.give(
        ctx,
        team_id="T0TEST",
        giver_id="U0GIVER",
        draft=rules.parse(f"<@U0ANA> thanks {n}"),
        source=KudosSource.COMMAND,
        source_key=f"command:test:{n}",
        now=now,
    )
    return None if outcome.kudos else outcome.reply


def test_allowance_resets_at_the_givers_midnight_not_utc(
    ctx: AppContext, slack: SlackFake, config: WorkspaceConfig
) -> None:
    giver_in_manila(slack)
    ctx.config = replace(config, kudos=replace(config.kudos, daily_limit=2))
    evening = datetime(2026, 6, 11, 22, 0, tzinfo=MANILA)  # 14:00 UTC
    assert give(ctx, evening, 1) is None
    assert give(ctx, evening, 2) is None
    refused = give(ctx, datetime(2026, 6, 11, 23, 59, tzinfo=MANILA), 3)
    assert refused is not None and "(in 1 min)" in refused
    # 00:01 in Manila is still 11 June in UTC: the allowance is back anyway
    after_midnight = datetime(2026, 6, 12, 0, 1, tzinfo=MANILA)
    assert after_midnight.astimezone(UTC).date().day == 11
    assert give(ctx, after_midnight, 4) is None


def test_same_request_twice_records_once(ctx: AppContext, slack: SlackFake) -> None:
    giver_in_manila(slack)
    now = datetime(2026, 6, 11, 9, 0, tzinfo=MANILA)
    assert give(ctx, now, 1) is None
    assert give(ctx, now, 1) is None  # same source key: answered, not recorded again
    with ctx.session_factory() as session:
        from sqlalchemy import func, select

        from bot.infra.models import Kudos, OutboxMessage

        assert session.scalar(select(func.count()).select_from(Kudos)) == 1
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_withdrawn_before_delivery_is_cancelled_then_revived(
    ctx: AppContext, slack: SlackFake
) -> None:
    from sqlalchemy import select

    from bot.infra.models import OutboxMessage

    giver_in_manila(slack)
    event = {
        "user": "U0GIVER",
        "reaction": "clap",
        "item_user": "U0ANA",
        "item": {"type": "message", "channel": "C0MANILA", "ts": "1700000000.000100"},
    }
    now = datetime(2026, 6, 11, 9, 0, tzinfo=MANILA)

    def step(action: str) -> dict[str, str]:
        getattr(service, action)(ctx, team_id="T0TEST", event=event, now=now)
        with ctx.session_factory() as session:
            return dict(session.execute(select(OutboxMessage.key, OutboxMessage.status)).all())

    assert list(step("react").values()) == ["pending"]
    assert list(step("unreact").values()) == ["cancelled"]  # nothing to correct later
    assert list(step("react").values()) == ["pending"]  # the same post, sent after all
    ctx.deliverer.deliver_until_done(timeout=5)
    assert len(slack.calls_to("chat.postMessage")) == 1
