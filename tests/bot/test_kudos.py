"""Kudos rules with explicit times: parsing, values, the daily allowance at local midnight."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import kudos
from bot.config import WorkspaceConfig
from bot.context import AppContext
from tests.slack_fake import SlackFake

MANILA = ZoneInfo("Asia/Manila")


def test_parse_mentions_groups_and_message() -> None:
    draft = kudos.parse(
        "<@U0ANA|ana>, <@U0BEN> &amp; <!subteam^S0NIGHT|@night-shift> thanks <@U0ANA|ana> again!"
    )
    assert draft.users == ("U0ANA", "U0BEN")
    assert draft.groups == (("S0NIGHT", "@night-shift"),)
    assert draft.message == "thanks <@U0ANA|ana> again!"


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("thanks all", kudos.NO_RECIPIENT),
        ("@ana thanks", kudos.NO_RECIPIENT),  # typed, not a real mention
        ("<@U0ME> well done me", kudos.ONLY_SELF),
        ("<@U0ANA>   ", kudos.EMPTY),
    ],
)
def test_refusals_without_lookups(text: str, refusal: str) -> None:
    found = kudos.check_draft(kudos.parse(text), "U0ME")
    assert found is not None and found.text == refusal


def test_self_among_others_is_fine() -> None:
    assert kudos.check_draft(kudos.parse("<@U0ME> <@U0ANA> we did it"), "U0ME") is None


def test_only_configured_values_count(config: WorkspaceConfig) -> None:
    message = "great #Teamwork and #ownership, not #random; R&amp;D#teamwork"
    assert kudos.values_in(message, config) == ["teamwork", "ownership"]


def giver_in_manila(slack: SlackFake) -> None:
    slack.add_user("U0GIVER", "giver", tz="Asia/Manila")
    slack.add_user("U0ANA", "ana", tz="America/Chicago")


def give(ctx: AppContext, now: datetime, n: int) -> str | None:
    with ctx.session_factory.begin() as session:
        outcome = ctx.giving.give(
            session,
            team_id="T0TEST",
            giver_id="U0GIVER",
            draft=kudos.parse(f"<@U0ANA> thanks {n}"),
            source="command",
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

        from bot.models import Kudos, OutboxMessage

        assert session.scalar(select(func.count()).select_from(Kudos)) == 1
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_withdrawn_before_delivery_is_cancelled_then_revived(
    ctx: AppContext, slack: SlackFake
) -> None:
    from sqlalchemy import select

    from bot.models import OutboxMessage

    giver_in_manila(slack)
    event = {
        "user": "U0GIVER",
        "reaction": "clap",
        "item_user": "U0ANA",
        "item": {"type": "message", "channel": "C0MANILA", "ts": "1700000000.000100"},
    }
    now = datetime(2026, 6, 11, 9, 0, tzinfo=MANILA)

    def step(action: str) -> dict[str, str]:
        with ctx.session_factory.begin() as session:
            getattr(ctx.giving, action)(session, team_id="T0TEST", event=event, now=now)
        with ctx.session_factory() as session:
            return dict(session.execute(select(OutboxMessage.key, OutboxMessage.status)).all())

    assert list(step("react").values()) == ["pending"]
    assert list(step("unreact").values()) == ["cancelled"]  # nothing to correct later
    assert list(step("react").values()) == ["pending"]  # the same post, sent after all
    ctx.deliverer.deliver_until_done(timeout=5)
    assert len(slack.calls_to("chat.postMessage")) == 1
