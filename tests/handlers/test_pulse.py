"""Pulse surveys over signed HTTP, end to end: a round opens at the site's local time, six
people answer through the modal (one changes an answer), it closes, and afterwards nothing in
the database, in what Slack was sent, or in the logs links anyone to an answer."""

from __future__ import annotations

import itertools
import json
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.models import InboxJob, PulseSurvey
from bot.pulse import store
from bot.pulse.export import pulse_rows
from bot.pulse.results import round_results
from bot.pulse.rounds import round_on
from bot.runtime.worker import clock_from, tick_once
from tests.conftest import WebApp
from tests.slack_fake import SlackFake
from tests.slack_requests import event, post, slash_command
from tests.waiting import wait_until

MANILA_PEOPLE = [f"U0MNL{i}" for i in range(1, 7)]  # six members of the Manila channel
VIEW_IDS = itertools.count(1)  # Slack's view ids name no one


def interact(web: WebApp, payload: dict[str, Any]) -> int:
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return post(web.events_url, body, "application/x-www-form-urlencoded").status


def press_answer(web: WebApp, user: str, key: str) -> None:
    assert (
        interact(
            web,
            {
                "type": "block_actions",
                "team": {"id": "T0TEST"},
                "user": {"id": user},
                "trigger_id": f"1337.{next(VIEW_IDS)}.answer",
                "channel": {"id": "C0MANILA"},
                "actions": [{"action_id": "pulse_answer", "value": key, "type": "button"}],
            },
        )
        == 200
    )


def submit(
    web: WebApp, user: str, view: dict[str, Any], scores: dict[str, int], comment: str | None
) -> None:
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        item = block["block_id"].removeprefix("q_")
        if item == "comment":
            values[block["block_id"]] = {"value": {"type": "plain_text_input", "value": comment}}
        else:
            values[block["block_id"]] = {
                "value": {"type": "radio_buttons", "selected_option": {"value": str(scores[item])}}
            }
    assert (
        interact(
            web,
            {
                "type": "view_submission",
                "team": {"id": "T0TEST"},
                "user": {"id": user},
                "view": {
                    "type": "modal",
                    "id": f"V{next(VIEW_IDS):08d}",
                    "callback_id": "pulse_modal",
                    "private_metadata": view["private_metadata"],
                    "hash": "h",
                    "state": {"values": values},
                },
            },
        )
        == 200
    )


def test_a_round_from_opening_to_close_leaves_no_link_to_anyone(
    web: WebApp,
    slack: SlackFake,
    session_factory: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    ctx = web.ctx
    slack.channel_members["C0MANILA"] = MANILA_PEOPLE
    manila = ctx.config.site("manila")
    assert manila is not None
    planned = round_on(ctx.config, manila, datetime(2026, 12, 2).date())  # a Wednesday
    assert planned.opens_at == datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # 11:00 in Manila
    key = planned.key

    def tick(at: datetime) -> list[str]:
        ctx.clock = clock_from(at)
        result = tick_once(ctx, at, team_id="T0TEST")
        ctx.deliverer.deliver_until_done(timeout=10)
        return [m.key for m in result.enqueued]

    before = tick(planned.opens_at - timedelta(minutes=1))  # also syncs the channel's members
    assert f"{key}:post" not in before
    assert f"{key}:post" in tick(planned.opens_at)
    (opened,) = [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == "C0MANILA"]
    assert "Quick pulse for Manila" in opened.params["text"]

    ctx.clock = clock_from(planned.opens_at + timedelta(hours=1))
    answers = {user: 1 + i % 5 for i, user in enumerate(MANILA_PEOPLE)}
    for n, (user, score) in enumerate(answers.items(), start=1):
        press_answer(web, user, key)
        view = slack.wait_for("views.open", count=n)[-1].json_param("view")
        assert view["callback_id"] == "pulse_modal"
        comment = "good week" if score > 3 else None
        submit(
            web, user, view, {"enps": 9, "connected": score, "respected": 4, "clear": 3}, comment
        )
        slack.wait_for("views.update", count=n)
        assert ctx.wait_idle()
    thanks = [json.dumps(c.json_param("view")) for c in slack.calls_to("views.update")]
    assert all("Thank you" in shown for shown in thanks), thanks
    # one person changes an answer: the survey shows their own answers, then replaces them
    press_answer(web, MANILA_PEOPLE[0], key)
    again = slack.wait_for("views.open", count=7)[-1].json_param("view")
    assert "You answered already" in json.dumps(again)
    changed = {"enps": 10, "connected": 5, "respected": 4, "clear": 3}
    submit(web, MANILA_PEOPLE[0], again, changed, None)
    updated = slack.wait_for("views.update", count=7)[-1].json_param("view")
    assert "Updated" in json.dumps(updated)
    assert ctx.wait_idle()

    # one reminder half-way, to the whole site, naming nobody
    assert f"{key}:remind" in tick(planned.remind_at)
    reminders = [
        c
        for c in slack.calls_to("chat.postMessage")
        if c.params["channel"] == "C0MANILA" and "is open until" in c.params["text"]
    ]
    assert len(reminders) == 1
    assert tick(planned.remind_at + timedelta(minutes=5)) == []  # once
    ctx.clock = clock_from(planned.remind_at + timedelta(minutes=6))

    # while it is open, a member's App Home offers the survey (whether they answered or not)
    home = {"type": "app_home_opened", "user": MANILA_PEOPLE[3], "channel": "D0X", "tab": "home"}
    assert event(web.events_url, home).status == 200
    published = slack.wait_for("views.publish")[-1].json_param("view")
    buttons = [e for b in published["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["value"] for b in buttons if b["action_id"] == "pulse_answer"] == [key]
    assert ctx.wait_idle()

    with session_factory() as session:  # even while open, no stored request keeps an answer
        stored = session.scalars(select(InboxJob).where(InboxJob.kind == "pulse.answer")).all()
        assert stored == []  # each deleted in the transaction that recorded it
        survey = session.scalar(select(PulseSurvey).where(PulseSurvey.key == key))
        assert survey is not None and survey.members == 6
        live = store.site_round(session, survey)
    assert live.responses == 6
    assert sorted(live.items["connected"]) == sorted([5, *list(answers.values())[1:]])

    tick(planned.closes_at)
    with session_factory() as session:
        survey = session.scalar(select(PulseSurvey).where(PulseSurvey.key == key))
        assert survey is not None and survey.closed and survey.responses == 6
        closed = store.site_round(session, survey)
    (update,) = slack.calls_to("chat.update")  # the round's post, now saying it closed
    assert update.params["channel"] == "C0MANILA"
    assert "is closed" in update.params["text"]
    assert "6 people answered" in json.dumps(update.json_param("blocks"))
    results = round_results([closed], ctx.config.pulse.min_responses)
    group = results.group("manila")
    assert group is not None and group.shown and group.responses == 6

    # a closed survey refuses an answer politely
    press_answer(web, MANILA_PEOPLE[1], key)
    late = slack.wait_for("views.open", count=8)[-1].json_param("view")
    assert "has closed" in json.dumps(late)

    # nothing links anyone to an answer: every table and column, every payload, every log
    people = set(MANILA_PEOPLE)
    secret = ctx.settings.lantern_secret or ""
    hashes = {store.respondent_key(secret, key, user) for user in people}
    with session_factory() as session:
        names = inspect(session.get_bind()).get_table_names()
        for table in names:
            for row in session.execute(text(f"SELECT * FROM {table}")).all():
                cells = json.dumps([str(cell) for cell in row])
                other_request = table == "inbox_jobs" and "pulse.answer" not in cells
                if other_request or table in ("site_members", "directory", "scheduled_runs"):
                    # who is in a channel, or opened their App Home, is not who answered
                    assert not any(h in cells for h in hashes), table
                    continue
                assert not any(p in cells for p in people), (table, cells)
                assert not any(h in cells for h in hashes), (table, cells)
    for call in slack.calls:
        if call.method in ("chat.postMessage", "chat.update", "views.open", "views.update"):
            payload = json.dumps(call.params)
            assert not any(p in payload for p in people), call.method
    for record in caplog.records:
        line = record.getMessage()
        assert not any(h in line for h in hashes)
        assert "good week" not in line

    # results (after the check above: asking for results is no answer): a manager sees the
    # site; an agent is refused
    def results_for(user: str) -> str:
        url = slack.response_url_base + user
        reply = slash_command(web.events_url, "/pulse", "results", user_id=user, response_url=url)
        assert reply.status == 200

        def answered() -> list[Any]:
            return [c for c in slack.calls_to("response_url") if c.path.endswith(user)]

        wait_until(lambda: bool(answered()))
        return str(answered()[-1].params.get("text"))

    shown = results_for("U0MGRCHI")  # a manager in the example config
    assert "*Manila* · 6 answered of 6 (100%)" in shown
    assert "Connected to other sites: " in shown and "eNPS: " not in shown  # eNPS from 10
    assert "good week" not in shown  # two comments: fewer than 3, so none shown
    assert "not one of" not in shown and "Cebu" not in shown  # no closed round there
    refused = results_for(MANILA_PEOPLE[2])
    assert "Pulse results are for managers" in refused and "Manila" not in refused

    # /pulse results, the App Home and the export say the same
    home = {"type": "app_home_opened", "user": "U0MGRCHI", "channel": "D0MGR", "tab": "home"}
    count = len(slack.calls_to("views.publish"))
    assert event(web.events_url, home).status == 200
    view = slack.wait_for("views.publish", count=count + 1)[-1].json_param("view")
    on_home = "\n".join(
        b["text"]["text"] for b in view["blocks"] if b["type"] == "section" and "text" in b
    )
    for line in shown.splitlines():
        assert line in on_home, line
    with session_factory() as session:
        rows = pulse_rows(session, ctx.config, "T0TEST", None)
    connected = next(r for r in rows if r["group"] == "manila" and r["item"] == "connected")
    assert connected["responses"] == 6 and connected["participation"] == 1.0
    assert (
        f"Connected to other sites: {connected['mean']:.1f} (95 % CI {connected['ci_low']:.1f}"
        in shown
    )


def test_an_admin_opens_an_extra_round_now_and_others_are_refused(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    def ask(user: str, words: str) -> str:
        tail = f"{user}-{next(VIEW_IDS)}"
        url = slack.response_url_base + tail
        reply = slash_command(web.events_url, "/pulse", words, user_id=user, response_url=url)
        assert reply.status == 200

        def answered() -> list[Any]:
            return [c for c in slack.calls_to("response_url") if c.path.endswith(tail)]

        wait_until(lambda: bool(answered()))
        return str(answered()[-1].params.get("text"))

    assert "is for admins" in ask("U0AGENT", "now manila")
    assert "is not a site" in ask("U0ADMIN", "now atlantis")
    assert "Opened an extra pulse round now at Manila" in ask("U0ADMIN", "now manila")
    post = slack.wait_for("chat.postMessage")[-1]
    assert post.params["channel"] == "C0MANILA" and "Quick pulse" in post.params["text"]
    with session_factory() as session:
        (survey,) = session.scalars(select(PulseSurvey)).all()
    assert survey.site_key == "manila" and ":now-" in survey.key and not survey.closed


def test_the_survey_is_in_the_sites_language_and_switches_to_english(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    """São Paulo's language is pt_BR: the survey is in Portuguese, its button switches to
    English, and the answer records the language it was given in."""
    from bot.infra.models import PulseAnswer, SiteMember

    ctx = web.ctx
    with session_factory.begin() as session:
        session.add(
            SiteMember(team_id="T0TEST", site_key="saopaulo", user_id="U0SP1", synced_at=ctx.now())
        )
        reply, _ = service_open_now(session, ctx)
    assert "São Paulo" in reply
    with session_factory() as session:
        key = session.scalars(select(PulseSurvey.key)).one()
    press_answer(web, "U0SP1", key)
    view = slack.wait_for("views.open")[-1].json_param("view")
    assert "Eu me sinto conectado(a)" in json.dumps(view, ensure_ascii=False)
    (switch,) = [
        e
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "pulse_language"
    ]
    assert switch["text"]["text"] == "English"
    assert (
        interact(
            web,
            {
                "type": "block_actions",
                "team": {"id": "T0TEST"},
                "user": {"id": "U0SP1"},
                "view": {
                    "id": "V0SWITCH",
                    "type": "modal",
                    "hash": "h1",
                    "private_metadata": view["private_metadata"],
                },
                "actions": [{"action_id": "pulse_language", "value": "en", "type": "button"}],
            },
        )
        == 200
    )
    english = slack.wait_for("views.update")[-1].json_param("view")
    assert "I feel connected to my colleagues" in json.dumps(english)
    items = [b["block_id"].removeprefix("q_") for b in english["blocks"] if b["type"] == "input"]
    scores = {item: 4 if item != "enps" else 8 for item in items if item != "comment"}
    submit(web, "U0SP1", english, scores, None)
    slack.wait_for("views.update", count=2)
    assert ctx.wait_idle()
    with session_factory() as session:
        languages = set(session.scalars(select(PulseAnswer.language)))
    assert languages == {"en"}


def service_open_now(session: Session, ctx: Any) -> tuple[str, list[str]]:
    from bot.pulse.service import open_now

    return open_now(session, ctx.config, "T0TEST", "saopaulo", ctx.now(), "t1")


def test_a_one_person_site_shows_only_fewer_than_five_and_no_total_gives_it_away(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    """Six answers at Manila, one at Cebu (both BPO): Cebu shows only "fewer than 5"; BPO and
    everyone, which would give Cebu's one answer away by subtraction, are hidden too."""
    from bot.infra.models import SiteMember
    from bot.pulse.service import open_now

    ctx = web.ctx
    people = {"manila": MANILA_PEOPLE, "cebu": ["U0CEB1"]}
    with session_factory.begin() as session:
        for site_key, users in people.items():
            for user in users:
                session.add(
                    SiteMember(
                        team_id="T0TEST", site_key=site_key, user_id=user, synced_at=ctx.now()
                    )
                )
        open_now(session, ctx.config, "T0TEST", "all", ctx.now(), "t2")
    with session_factory() as session:
        keys = {s.site_key: s.key for s in session.scalars(select(PulseSurvey))}
    opened = 0
    for site_key, users in people.items():
        for user in users:
            opened += 1
            press_answer(web, user, keys[site_key])
            view = slack.wait_for("views.open", count=opened)[-1].json_param("view")
            items = [
                b["block_id"].removeprefix("q_") for b in view["blocks"] if b["type"] == "input"
            ]
            submit(
                web,
                user,
                view,
                {i: 3 for i in items if i not in ("comment", "enps")} | {"enps": 7},
                None,
            )
            slack.wait_for("views.update", count=opened)
    assert ctx.wait_idle()
    with session_factory() as session:
        last = max(s.closes_at for s in session.scalars(select(PulseSurvey)))
    ctx.clock = clock_from(last)
    tick_once(ctx, last, team_id="T0TEST")
    url = slack.response_url_base + "mgr-small"
    slash_command(web.events_url, "/pulse", "results", user_id="U0MGRCHI", response_url=url)
    wait_until(lambda: any(c.path.endswith("mgr-small") for c in slack.calls_to("response_url")))
    shown = next(
        str(c.params.get("text"))
        for c in slack.calls_to("response_url")
        if c.path.endswith("mgr-small")
    )
    lines = shown.splitlines()
    assert "*Manila* · 6 answered of 6 (100%)" in lines
    assert "*Cebu* · fewer than 5 answers: results hidden" in lines
    assert "*BPO sites* · hidden so a smaller group cannot be worked out: results hidden" in lines
    assert "*Everyone* · hidden so a smaller group cannot be worked out: results hidden" in lines
    counts = [line for line in lines if " answered of " in line]
    assert counts == ["*Manila* · 6 answered of 6 (100%)"]  # nothing to subtract from


@pytest.mark.parametrize(
    ("site_key", "weekday", "day", "opens"),
    [
        # Cebu's night shift: post_time 21:30 in Manila is 13:30 UTC
        ("cebu", "wed", "2026-12-02", datetime(2026, 12, 2, 13, 30, tzinfo=UTC)),
        # Chicago on the day clocks go forward: 11:00 CDT is 16:00 UTC
        ("chicago", "sun", "2026-03-08", datetime(2026, 3, 8, 16, 0, tzinfo=UTC)),
    ],
)
def test_a_round_opens_at_the_sites_time_and_not_before(
    web: WebApp, slack: SlackFake, site_key: str, weekday: str, day: str, opens: datetime
) -> None:
    ctx = web.ctx
    ctx.config = replace(ctx.config, pulse=replace(ctx.config.pulse, weekday=weekday))
    key = f"pulse:{site_key}:{day}"

    def tick(at: datetime) -> list[str]:
        ctx.clock = clock_from(at)
        return [m.key for m in tick_once(ctx, at, team_id="T0TEST").enqueued]

    assert f"{key}:post" not in tick(opens - timedelta(minutes=1))
    assert f"{key}:post" in tick(opens)
    ctx.deliverer.deliver_until_done(timeout=10)
    site = ctx.config.site(site_key)
    assert site is not None
    posted = [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == site.channel]
    assert len(posted) == 1 and "Quick pulse" in posted[0].params["text"]
