"""Kudos through signed HTTP requests: the command, reactions, the form and the App Home."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.models import Kudos, KudosRecipient, KudosSource, OutboxMessage, SiteMember
from bot.kudos import rules as kudos_rules
from tests.conftest import WebApp
from tests.slack_fake import Call, SlackFake
from tests.slack_requests import event, post, slash_command
from tests.waiting import wait_until

GIVER = "U0GIVER"  # an agent in Chicago (in-house)
ANA = "U0ANA"  # an agent in Manila (BPO)
BEN = "U0BEN"  # an agent in Manila (BPO)


@pytest.fixture
def people(slack: SlackFake, session_factory: sessionmaker[Session]) -> Iterator[None]:
    slack.add_user(GIVER, "giver", tz="America/Chicago")
    slack.add_user(ANA, "ana", tz="Asia/Manila")
    slack.add_user(BEN, "ben", tz="Asia/Manila")
    slack.add_user("U0ROBOT", "robot", is_bot=True)
    slack.add_user("U0GONE", "gone", deleted=True)
    slack.add_user("U0PARTNER", "partner", team_id="T0PARTNER", tz="America/Bogota")
    slack.usergroups["S0NIGHT"] = [ANA, BEN, GIVER]
    with session_factory.begin() as session:
        for user, site in ((GIVER, "chicago"), (ANA, "manila"), (BEN, "manila")):
            session.add(
                SiteMember(
                    team_id="T0TEST",
                    site_key=site,
                    user_id=user,
                    synced_at=datetime.now(UTC),
                )
            )
    yield


def count(session_factory: sessionmaker[Session], model: type) -> int:
    with session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def kudos(web: WebApp, slack: SlackFake, text: str, user: str = GIVER) -> Any:
    return slash_command(
        web.events_url,
        "/kudos",
        text,
        user_id=user,
        channel_id="C0GENERAL",
        response_url=slack.response_url_base + "kudos",
    )


def private_reply(slack: SlackFake, reply: Any, index: int = 0) -> str:
    """What the giver saw: the ack text, or the response_url answer that followed it."""
    if reply.text:
        return str(reply.text)
    calls = slack.wait_for("response_url", count=index + 1)
    return str(calls[index].params.get("text"))


def blocks_json(call: Call) -> str:
    return json.dumps(call.json_param("blocks"), ensure_ascii=False)


def feed_posts(slack: SlackFake) -> list[Call]:
    return [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == "C0KUDOS"]


@pytest.mark.usefixtures("people")
def test_kudos_reach_the_feed_escaped(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    reply = kudos(
        web,
        slack,
        f"<@{ANA}|ana> <@{BEN}|ben> you saved the night <!channel> <!here> <!everyone> "
        "R&amp;D #teamwork",
    )
    assert reply.status == 200
    assert "on their way" in private_reply(slack, reply)
    (call,) = slack.wait_for("chat.postMessage")
    assert call.params["channel"] == "C0KUDOS"
    assert "link_names" not in call.params
    everything = json.dumps(call.params, ensure_ascii=False)
    for raw in ("<!channel>", "<!here>", "<!everyone>"):
        assert raw not in everything
    blocks = json.dumps(call.json_param("blocks"), ensure_ascii=False)
    assert "&lt;!channel&gt;" in blocks and "R&amp;D" in blocks and "R&amp;amp;D" not in blocks
    assert f"<@{GIVER}> (🇺🇸 Chicago HQ)" in blocks
    assert f"<@{ANA}> (🇵🇭 Manila)" in blocks
    assert "Across in-house and BPO" in blocks and "#teamwork" in blocks
    with session_factory() as session:
        (row,) = session.scalars(select(Kudos)).all()
        assert row.values == ["teamwork"] and row.giver_site_key == "chicago"
        assert sorted(r.user_id for r in row.recipients) == [ANA, BEN]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thanks for everything", "Mention who you are thanking"),
        (f"<@{GIVER}|me> I did great", "Kudos are for others"),
        ("<@U0ROBOT|robot> beep", "is a bot or a deactivated account"),
        ("<@U0GONE|gone> miss you", "is a bot or a deactivated account"),
        (f"<@{ANA}|ana>", "Add what they did"),
        (f"<@{ANA}|ana> " + "x" * 1001, "limited to 1,000"),
        ("<!subteam^S0NOPE|@nope> thanks", "can't see anyone in @nope"),
    ],
)
@pytest.mark.usefixtures("people")
def test_refusals_answer_the_giver_and_store_nothing(
    web: WebApp,
    slack: SlackFake,
    session_factory: sessionmaker[Session],
    text: str,
    expected: str,
) -> None:
    reply = kudos(web, slack, text)
    assert reply.status == 200
    assert expected in private_reply(slack, reply)
    drain(web)
    assert count(session_factory, Kudos) == 0 and count(session_factory, OutboxMessage) == 0
    assert slack.calls_to("chat.postMessage") == []


@pytest.mark.usefixtures("people")
def test_daily_allowance_refuses_the_next_one(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    web.ctx.config = replace(web.ctx.config, kudos=replace(web.ctx.config.kudos, daily_limit=2))
    for index in range(2):
        reply = kudos(web, slack, f"<@{ANA}|ana> thanks #{index}")
        assert "on their way" in private_reply(slack, reply, index)
    refused = kudos(web, slack, f"<@{ANA}|ana> one more")
    answer = private_reply(slack, refused, 2)
    assert "You have given your 2 kudos for today" in answer and "midnight your time" in answer
    assert count(session_factory, Kudos) == 2


@pytest.mark.usefixtures("people")
def test_team_kudos_through_a_user_group(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    reply = kudos(web, slack, "<!subteam^S0NIGHT|@night-shift> best week ever")
    assert "@night-shift" in private_reply(slack, reply)
    (call,) = slack.wait_for("chat.postMessage")
    blocks = json.dumps(call.json_param("blocks"), ensure_ascii=False)
    assert "Team kudos" in blocks and "@night-shift team (2 people)" in blocks
    assert "<!subteam" not in json.dumps(call.params)  # the group is named, never pinged
    with session_factory() as session:
        row = session.scalars(select(Kudos)).one()
        assert row.is_team and sorted(r.user_id for r in row.recipients) == [ANA, BEN]


@pytest.mark.usefixtures("people")
def test_slack_connect_recipient_keeps_their_team(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    kudos(web, slack, "<@U0PARTNER|partner> thanks for the handover")
    slack.wait_for("chat.postMessage")
    with session_factory() as session:
        recipient = session.scalars(select(KudosRecipient)).one()
    assert (recipient.user_id, recipient.user_team_id) == ("U0PARTNER", "T0PARTNER")


@pytest.mark.usefixtures("people")
def test_rate_limited_then_failing_feed_post_lands_once(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    web.ctx.deliverer.max_backoff = 0.2
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    slack.fail_next("chat.postMessage", status=500)
    kudos(web, slack, f"<@{ANA}|ana> thank you")
    slack.wait_for("chat.postMessage", count=3, timeout=8)
    wait_until(lambda: feed_status(session_factory) == "sent", what="the feed post is sent")
    assert web.ctx.wait_idle()
    assert len(slack.calls_to("chat.postMessage")) == 3  # 429, 500, the one post
    with session_factory() as session:
        assert session.scalars(select(OutboxMessage.status)).one() == "sent"


# --------------------------------------------------------------------------- reactions


def reaction(kind: str, reactor: str = GIVER, emoji: str = "clap") -> dict[str, Any]:
    return {
        "type": kind,
        "user": reactor,
        "reaction": emoji,
        "item_user": ANA,
        "item": {"type": "message", "channel": "C0MANILA", "ts": "1700000000.000100"},
        "event_ts": f"{time.time():.6f}",
    }


@pytest.fixture
def original(slack: SlackFake) -> None:
    slack.history["C0MANILA"] = [
        {
            "type": "message",
            "user": ANA,
            "ts": "1700000000.000100",
            "text": "Fixed the IVR <!here> & more",
        }
    ]


@pytest.mark.usefixtures("people", "original")
def test_one_reaction_delivered_four_ways_gives_one_kudos(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    added = reaction("reaction_added")
    for retry in (None, 1, 2):
        assert event(web.events_url, added, event_id="Ev0CLAP", retry_num=retry).status == 200
    assert event(web.events_url, added, event_id="Ev0CLAP2").status == 200  # same act, new id
    (call,) = slack.wait_for("chat.postMessage")
    drain(web)
    assert len(feed_posts(slack)) == 1
    assert count(session_factory, Kudos) == 1
    assert count(session_factory, OutboxMessage) == 1  # nothing else queued to post later
    blocks = json.dumps(call.json_param("blocks"), ensure_ascii=False)
    assert "https://fake.slack.com/archives/C0MANILA/p1700000000000100" in blocks
    assert "Fixed the IVR" in blocks and "<!here>" not in blocks and "&lt;!here&gt;" in blocks


@pytest.mark.usefixtures("people", "original")
def test_removing_the_reaction_withdraws_and_corrects_the_feed(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    event(web.events_url, reaction("reaction_added"))
    posted = slack.wait_for("chat.postMessage")[0]
    wait_until(lambda: feed_status(session_factory) == "sent", what="the post's ts is recorded")
    event(web.events_url, reaction("reaction_removed"))
    (update,) = slack.wait_for("chat.update")
    assert update.params["channel"] == "C0KUDOS"
    assert update.params["ts"] == slack.history["C0KUDOS"][0]["ts"]
    assert "withdrawn" in update.params["text"]
    with session_factory() as session:
        assert session.scalars(select(Kudos)).one().withdrawn_at is not None
    assert posted.params["channel"] == "C0KUDOS"


@pytest.mark.usefixtures("people", "original")
def test_other_emoji_and_own_messages_give_nothing(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    event(web.events_url, reaction("reaction_added", emoji="tada"))
    event(web.events_url, reaction("reaction_added", reactor=ANA))
    drain(web)
    assert count(session_factory, Kudos) == 0 and slack.calls_to("chat.postMessage") == []


# --------------------------------------------------------------------------- the form and home


@pytest.mark.usefixtures("people")
def test_give_kudos_shortcut_prefills_the_author(web: WebApp, slack: SlackFake) -> None:
    payload = {
        "type": "message_action",
        "callback_id": "give_kudos",
        "trigger_id": "1337.42.shortcut",
        "team": {"id": "T0TEST"},
        "user": {"id": GIVER},
        "channel": {"id": "C0MANILA"},
        "message": {"ts": "1700000000.000100", "user": ANA, "text": "fixed it"},
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    assert post(web.events_url, body, "application/x-www-form-urlencoded").status == 200
    view = slack.wait_for("views.open")[0].json_param("view")
    assert view["callback_id"] == "kudos_modal"
    assert view["blocks"][0]["element"]["initial_users"] == [ANA]


def submit_form(web: WebApp, users: list[str], message: str, view_id: str = "V0KUDOS1") -> Any:
    payload = {
        "type": "view_submission",
        "team": {"id": "T0TEST"},
        "user": {"id": GIVER},
        "view": {
            "id": view_id,
            "type": "modal",
            "team_id": "T0TEST",
            "callback_id": "kudos_modal",
            "state": {
                "values": {
                    "recipients": {"recipients_choice": {"selected_users": users}},
                    "message": {"message_text": {"value": message}},
                }
            },
        },
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return post(web.events_url, body, "application/x-www-form-urlencoded")


@pytest.mark.usefixtures("people")
def test_form_submission_posts_or_explains(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    refused = submit_form(web, ["U0ROBOT"], "beep", "V0KUDOS0")
    assert refused.json()["response_action"] == "update"  # "Sending…", then the answer
    answer = slack.wait_for("views.update")[0]
    assert answer.params["view_id"] == "V0KUDOS0"
    assert "bot" in json.dumps(answer.json_param("view"))
    sent = submit_form(web, [ANA], "Thanks for <covering> & more")
    assert sent.json()["response_action"] == "update"
    assert "on their way" in json.dumps(
        slack.wait_for("views.update", count=2)[1].json_param("view")
    )
    call = slack.wait_for("chat.postMessage")[0]
    blocks = json.dumps(call.json_param("blocks"), ensure_ascii=False)
    assert "&lt;covering&gt; &amp; more" in blocks
    assert count(session_factory, Kudos) == 1


@pytest.mark.usefixtures("people")
def test_app_home_shows_milestones_and_kudos(web: WebApp, slack: SlackFake) -> None:
    kudos(web, slack, f"<@{ANA}|ana> thank you")
    slack.wait_for("chat.postMessage")
    home = {"type": "app_home_opened", "user": ANA, "channel": "D0ANA", "tab": "home"}
    assert event(web.events_url, home).status == 200
    view = slack.wait_for("views.publish")[0].json_param("view")
    text = json.dumps(view, ensure_ascii=False)
    assert view["type"] == "home"
    assert "Coming up at our sites" in text
    assert "received *1*" in text
    latest = text[text.index("Latest recognition across sites") :]
    assert "thank you" in latest.split("Our sites right now")[0]
    assert "Delivery health" not in text  # Ana is not an admin


def test_membership_events_keep_sites_current(
    web: WebApp, session_factory: sessionmaker[Session]
) -> None:
    joined = {"type": "member_joined_channel", "user": "U0NEW", "channel": "C0BOGOTA"}
    event(web.events_url, joined)
    event(web.events_url, {**joined, "channel": "C0RANDOM"})
    assert web.ctx.wait_idle()
    with session_factory() as session:
        assert [(m.site_key, m.user_id) for m in session.scalars(select(SiteMember))] == [
            ("bogota", "U0NEW")
        ]
    event(web.events_url, {**joined, "type": "member_left_channel"})
    assert web.ctx.wait_idle()
    assert count(session_factory, SiteMember) == 0


@pytest.mark.usefixtures("people")
def test_form_refusals_point_at_the_right_field(web: WebApp, slack: SlackFake) -> None:
    empty = submit_form(web, [ANA], "   ", "V0KUDOS7")
    assert empty.json()["errors"] == {"message": kudos_rules.EMPTY}
    only_me = submit_form(web, [GIVER], "great work, me", "V0KUDOS8")
    assert only_me.json()["errors"] == {"recipients": kudos_rules.ONLY_SELF}


# --------------------------------------------------------------------------- edge cases


def drain(web: WebApp) -> None:
    """Wait until every listener and the post-ack work they handed on so far has run."""
    assert web.ctx.wait_idle(), "post-ack work did not finish"


def feed_status(session_factory: sessionmaker[Session]) -> str | None:
    """The status of the first outbox row (the feed post)."""
    with session_factory() as session:
        status = session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)).first()
        return None if status is None else str(status)


KEY = ("C0MANILA", "1700000000.000100")


@pytest.mark.usefixtures("people", "original")
def test_withdrawn_while_the_post_retries_is_corrected_after_it_lands(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=30)  # the post waits
    event(web.events_url, reaction("reaction_added"))
    slack.wait_for("chat.postMessage")
    slack.reactions[KEY] = {"clap": []}
    event(web.events_url, reaction("reaction_removed"))

    def withdrawn() -> bool:
        with session_factory() as session:
            return session.scalars(select(Kudos)).one().withdrawn_at is not None

    wait_until(withdrawn)
    with session_factory() as session:
        statuses = dict(session.execute(select(OutboxMessage.key, OutboxMessage.status)).all())
    # the post is still retrying, so it is corrected after it lands, never left wrong
    assert any(k.endswith(":withdrawn:" + k.split(":")[-1]) for k in statuses)


@pytest.mark.usefixtures("people", "original")
def test_remove_then_add_again_restores_the_post(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    slack.reactions[KEY] = {"clap": [GIVER]}
    event(web.events_url, reaction("reaction_added"))
    slack.wait_for("chat.postMessage")
    wait_until(lambda: feed_status(session_factory) == "sent", what="the post's ts is recorded")
    slack.reactions[KEY] = {"clap": []}
    event(web.events_url, reaction("reaction_removed"))
    slack.wait_for("chat.update")
    slack.reactions[KEY] = {"clap": [GIVER]}
    event(web.events_url, reaction("reaction_added"))
    updates = slack.wait_for("chat.update", count=2)
    assert "withdrawn" in updates[0].params["text"]
    assert "withdrawn" not in updates[1].params["text"]
    with session_factory() as session:
        assert session.scalars(select(Kudos)).one().withdrawn_at is None


@pytest.mark.usefixtures("people", "original")
def test_late_or_out_of_order_events_follow_slacks_current_state(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    slack.reactions[KEY] = {"clap": []}  # already taken back when the events arrive
    event(web.events_url, reaction("reaction_removed"))
    event(web.events_url, reaction("reaction_added"))
    drain(web)
    assert count(session_factory, Kudos) == 0 and slack.calls_to("chat.postMessage") == []


@pytest.mark.usefixtures("people", "original")
def test_private_channels_are_neither_quoted_nor_linked(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    slack.private_channels.add("C0MANILA")
    event(web.events_url, reaction("reaction_added"))
    call = slack.wait_for("chat.postMessage")[0]
    blocks = json.dumps(call.json_param("blocks"), ensure_ascii=False)
    assert "Fixed the IVR" not in blocks and "archives" not in blocks
    assert "private conversation" in blocks
    assert slack.calls_to("chat.getPermalink") == []


@pytest.mark.usefixtures("people")
def test_mixed_kudos_name_people_and_groups(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    slack.usergroups["S0NIGHT"] = [ANA, "U0ROBOT", "U0PARTNER"]
    kudos(web, slack, f"<@{BEN}|ben> &amp; <!subteam^S0NIGHT|@night> you carried the week")
    call = slack.wait_for("chat.postMessage")[0]
    blocks = json.dumps(call.json_param("blocks"), ensure_ascii=False)
    assert f"the @night team (2 people) and <@{BEN}>" in blocks
    assert "amp;" not in blocks.replace("&amp;", "")
    with session_factory() as session:
        teams = {r.user_id: r.user_team_id for r in session.scalars(select(KudosRecipient))}
    assert teams == {BEN: "T0TEST", ANA: "T0TEST", "U0PARTNER": "T0PARTNER"}  # no bot


@pytest.mark.usefixtures("people")
def test_a_long_kudos_is_posted_whole(web: WebApp, slack: SlackFake) -> None:
    kudos(web, slack, f"<@{ANA}|ana> " + "&lt;" * 990 + " END")
    call = slack.wait_for("chat.postMessage")[0]
    sections = [b["text"]["text"] for b in call.json_param("blocks") if b["type"] == "section"]
    assert all(len(text) <= 3000 for text in sections)
    assert "END" in sections[-1] and "…" not in "".join(sections[1:])


@pytest.mark.usefixtures("people", "original")
def test_reaction_kudos_wait_out_a_busy_slack(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    slack.fail_next("conversations.info", status=429, retry_after=1)
    event(web.events_url, reaction("reaction_added"))
    slack.wait_for("chat.postMessage", timeout=8)
    assert count(session_factory, Kudos) == 1


@pytest.mark.usefixtures("people")
def test_ignored_events_are_not_recorded(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    from bot.infra.models import InboxJob

    event(web.events_url, reaction("reaction_added", emoji="tada"))
    event(web.events_url, {"type": "member_joined_channel", "user": ANA, "channel": "C0RANDOM"})
    drain(web)
    assert count(session_factory, InboxJob) == 0


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("zone", "now", "given", "refused"),
    [
        # 10:00 on 11 June in Manila; earlier kudos at 04:00 there: the giver's today, UTC's
        # yesterday. They count.
        ("Asia/Manila", at("2026-06-11T02:00:00Z"), at("2026-06-10T20:00:00Z"), True),
        # 04:00 on 12 June in Manila; earlier kudos at 18:00 on the 11th there: the giver's
        # yesterday, UTC's today. They do not count.
        ("Asia/Manila", at("2026-06-11T20:00:00Z"), at("2026-06-11T10:00:00Z"), False),
        # 22:00 on 10 June in Chicago (CDT); earlier kudos at 01:00 there: the giver's today,
        # UTC's yesterday. They count.
        ("America/Chicago", at("2026-06-11T03:00:00Z"), at("2026-06-10T06:00:00Z"), True),
        # 18:00 on 11 June in Chicago; earlier kudos at 21:00 on the 10th there: the giver's
        # yesterday, UTC's today. They do not count.
        ("America/Chicago", at("2026-06-11T23:00:00Z"), at("2026-06-11T02:00:00Z"), False),
    ],
)
def test_allowance_counts_from_the_givers_midnight_over_http(
    web: WebApp,
    slack: SlackFake,
    session_factory: sessionmaker[Session],
    zone: str,
    now: datetime,
    given: datetime,
    refused: bool,
) -> None:
    """Kudos given between the giver's midnight and UTC midnight decide the answer: they
    count when they fall on the giver's today, and not when they fall on their yesterday."""
    from bot.kudos.store import NewKudos, Recipient, record

    slack.add_user(GIVER, "giver", tz=zone)
    slack.add_user(ANA, "ana", tz="Asia/Manila")
    web.ctx.clock = lambda: now
    with session_factory.begin() as session:
        for index in range(web.ctx.config.kudos.daily_limit):
            new = NewKudos(
                team_id="T0TEST",
                source=KudosSource.COMMAND,
                source_key=f"seed:{index}",
                giver_id=GIVER,
                giver_team_id="T0TEST",
                giver_site_key=None,
                message="earlier",
                recipients=[Recipient(ANA, "T0TEST", None)],
            )
            record(session, new, given)
    answer = private_reply(slack, kudos(web, slack, f"<@{ANA}|ana> one more"))
    expected = "You have given your" if refused else "on their way"
    assert expected in answer, answer


@pytest.mark.usefixtures("people", "original")
def test_a_reaction_while_slack_is_busy_is_retried_after_retry_after(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    """users.info answers 429 twice: the reaction kudos are tried a third time, after Slack's
    Retry-After each time, and land once."""
    slack.fail_next("users.info", status=429, retry_after=1, times=2)
    event(web.events_url, reaction("reaction_added"))
    slack.wait_for("chat.postMessage", timeout=10)
    lookups = slack.calls_to("users.info")
    assert len(lookups) >= 3
    assert lookups[1].at - lookups[0].at >= 0.9  # waited Retry-After, not at once
    assert lookups[2].at - lookups[1].at >= 0.9
    drain(web)
    assert count(session_factory, Kudos) == 1 and len(feed_posts(slack)) == 1
    (told,) = slack.calls_to("chat.postEphemeral")  # the usual thanks, not an apology
    assert "on their way" in told.params["text"]


@pytest.mark.usefixtures("people", "original")
def test_a_reaction_slack_never_answers_for_tells_the_reactor(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    """Three busy answers in a row: nothing is recorded and the reactor is told privately, in
    the channel of the message, to try again."""
    slack.fail_next("users.info", status=429, retry_after=1, times=3)
    event(web.events_url, reaction("reaction_added"))
    (told,) = slack.wait_for("chat.postEphemeral", timeout=10)
    assert (told.params["channel"], told.params["user"]) == ("C0MANILA", GIVER)
    assert "couldn't record your kudos" in told.params["text"]
    drain(web)
    assert count(session_factory, Kudos) == 0 and feed_posts(slack) == []


@pytest.mark.usefixtures("people")
def test_an_expired_response_url_falls_back_to_an_ephemeral_message(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    """A refusal found after the ack goes to response_url; when that fails (500), the giver
    still hears it, through chat.postEphemeral in the channel they typed in."""
    slack.fail_next("response_url", status=500)
    reply = kudos(web, slack, "<@U0ROBOT|robot> beep")
    assert reply.status == 200 and not reply.text  # the ack itself said nothing
    (told,) = slack.wait_for("chat.postEphemeral")
    assert (told.params["channel"], told.params["user"]) == ("C0GENERAL", GIVER)
    assert "is a bot or a deactivated account" in told.params["text"]
    assert len(slack.calls_to("response_url")) == 1
    drain(web)
    assert count(session_factory, Kudos) == 0


# --------------------------------------------------------------------------- which team


def envelope(payload: dict[str, Any], team_id: str, authorizations: list[dict[str, Any]]) -> bytes:
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": team_id,
            "api_app_id": "A0LANTERN",
            "event": payload,
            "type": "event_callback",
            "event_id": f"Ev{time.monotonic_ns()}",
            "event_time": int(time.time()),
            "authorizations": authorizations,
        }
    ).encode()


FORM = "application/x-www-form-urlencoded"


def recorded_under(
    web: WebApp,
    slack: SlackFake,
    session_factory: sessionmaker[Session],
    body: bytes,
    content_type: str,
) -> list[str]:
    """Send a signed request that gives kudos; the teams the kudos are recorded under."""
    assert post(web.events_url, body, content_type).status == 200
    slack.wait_for("chat.postMessage")
    drain(web)
    with session_factory() as session:
        return list(session.scalars(select(Kudos.team_id)))


@pytest.mark.usefixtures("people", "original")
def test_shared_channel_reaction_is_recorded_under_the_envelope_team(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    """Slack Connect: the envelope names the workspace the event happened in."""
    body = envelope(
        reaction("reaction_added"),
        team_id="T0PARTNER",
        authorizations=[{"team_id": "T0TEST", "user_id": "U0BOT", "is_bot": True}],
    )
    assert recorded_under(web, slack, session_factory, body, "application/json") == ["T0PARTNER"]


@pytest.mark.usefixtures("people", "original")
def test_org_wide_install_reaction_keeps_the_workspace_team(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    """An org-wide installation's authorization names no team; the envelope still does."""
    authorization = {
        "enterprise_id": "E0ORG",
        "team_id": None,
        "user_id": "U0BOT",
        "is_bot": True,
        "is_enterprise_install": True,
    }
    body = envelope(reaction("reaction_added"), team_id="T0TEST", authorizations=[authorization])
    assert recorded_under(web, slack, session_factory, body, "application/json") == ["T0TEST"]


@pytest.mark.usefixtures("people")
def test_form_from_a_slack_connect_user_is_recorded_under_its_team(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    payload = {
        "type": "view_submission",
        "team": {"id": "T0PARTNER"},
        "user": {"id": GIVER, "team_id": "T0PARTNER"},
        "view": {
            "id": "V0SC",
            "type": "modal",
            "team_id": "T0PARTNER",
            "app_installed_team_id": "T0TEST",
            "callback_id": "kudos_modal",
            "state": {
                "values": {
                    "recipients": {"recipients_choice": {"selected_users": [ANA]}},
                    "message": {"message_text": {"value": "thanks"}},
                }
            },
        },
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    assert recorded_under(web, slack, session_factory, body, FORM) == ["T0PARTNER"]


# --------------------------------------------------------------------------- Slack's limits


@pytest.mark.usefixtures("people", "original")
def test_rate_limited_look_ups_are_tried_again_not_guessed_private(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    """conversations.info and chat.getPermalink answer 429 at first: the kudos still quote and
    link the public message once Slack answers, instead of calling it private."""
    slack.fail_next("conversations.info", status=429, retry_after=1)
    slack.fail_next("chat.getPermalink", status=429, retry_after=1)
    event(web.events_url, reaction("reaction_added"))
    (call,) = slack.wait_for("chat.postMessage", timeout=15)
    blocks = blocks_json(call)
    assert "private conversation" not in blocks
    assert "https://fake.slack.com/archives/C0MANILA/p1700000000000100" in blocks
    assert "Fixed the IVR" in blocks
    drain(web)
    assert count(session_factory, Kudos) == 1 and len(feed_posts(slack)) == 1


@pytest.mark.usefixtures("people", "original")
def test_a_bots_reaction_gives_nothing(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    slack.add_user("U0BOTTY", "botty", is_bot=True)
    event(web.events_url, reaction("reaction_added", reactor="U0BOTTY"))
    drain(web)
    assert count(session_factory, Kudos) == 0 and feed_posts(slack) == []


@pytest.mark.usefixtures("people")
def test_someone_slack_will_not_show_is_a_refusal_naming_them(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    slack.error_for("users.info", "user_not_visible", when={"user": "U0HIDDEN"})
    reply = kudos(web, slack, "<@U0HIDDEN|hidden> thanks!")
    answer = private_reply(slack, reply)
    assert "<@U0HIDDEN>" in answer and "can't see" in answer
    drain(web)
    assert count(session_factory, Kudos) == 0


@pytest.mark.usefixtures("people")
def test_kudos_to_three_hundred_people_name_every_one(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    """No recipient is lost to Slack's 3,000-character section: the headline counts them and
    every one is named, a whole mention at a time, across as many sections as it takes."""
    slack.rate_limit("users.info", 100)  # Slack's Tier 4: 300 look-ups one by one would fail
    crowd = [f"U0C{n:04d}" for n in range(300)]
    for user in crowd:
        slack.add_user(user, user.lower(), tz="Asia/Manila")
    mentions = " ".join(f"<@{user}>" for user in crowd)
    reply = kudos(web, slack, f"{mentions} thank you all for the launch")
    assert "on their way" in private_reply(slack, reply)
    (call,) = slack.wait_for("chat.postMessage", timeout=15)
    sections = [b["text"]["text"] for b in call.json_param("blocks") if b["type"] == "section"]
    assert "300 people" in sections[0]
    assert all(len(text) <= 3000 for text in sections)
    named = re.findall(r"<@(U0C\d{4})>", " ".join(sections))
    assert sorted(named) == crowd  # each once, none cut in half
    assert all(text.count("<@") == len(re.findall(r"<@U\w+>", text)) for text in sections)
    assert "thank you all for the launch" in sections[-1]
    drain(web)
    assert count(session_factory, KudosRecipient) == 300


def test_team_kudos_to_a_group_of_150_at_slacks_real_rate_limits(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    """users.info is Tier 4 (about 100 a minute): a group of 150 is looked up with users.list
    (200 a page) instead, so the kudos go through at once, to every member."""
    slack.rate_limit("users.info", 100)
    slack.rate_limit("users.list", 20)
    slack.add_user(GIVER, "giver", tz="America/Chicago")
    crowd = [f"U0T{n:03d}" for n in range(150)]
    for user in crowd:
        slack.add_user(user, user.lower(), tz="Asia/Manila")
    slack.usergroups["S0BIG"] = crowd
    reply = kudos(web, slack, "<!subteam^S0BIG|@big-team> what a launch")
    assert "@big-team team (150 people)" in private_reply(slack, reply)
    slack.wait_for("chat.postMessage", timeout=15)
    drain(web)
    assert count(session_factory, KudosRecipient) == 150
    assert len(slack.calls_to("users.info")) < 20
    assert all(c.header("Retry-After") is None for c in slack.calls)
