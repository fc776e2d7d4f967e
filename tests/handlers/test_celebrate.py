"""Slash commands through signed HTTP requests into the real WSGI app."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.models import OutboxMessage
from tests.conftest import WebApp
from tests.slack_fake import SlackFake
from tests.slack_requests import post, slash_command
from tests.waiting import wait_until


def stored(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


def sent_row(session_factory: sessionmaker[Session]) -> OutboxMessage | None:
    with session_factory() as session:
        row = session.scalars(select(OutboxMessage)).first()
        return row if row is not None and row.status == "sent" else None


def wait_sent(session_factory: sessionmaker[Session], timeout: float = 5.0) -> OutboxMessage:
    wait_until(lambda: sent_row(session_factory), timeout, "the outbox row is marked sent")
    row = sent_row(session_factory)
    assert row is not None
    return row


def test_team_lead_celebration_is_posted_escaped(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    reply = slash_command(
        web.events_url,
        "/celebrate",
        "Manila hit 95% CSAT <!channel> <!here> <!everyone> R&amp;D thanks <@U0ANA|ana>",
        user_id="U0LEADCHI",
    )
    assert reply.status == 200
    assert "Posted to <#C0CELEBRATE>" in reply.text
    call = slack.wait_for("chat.postMessage")[0]
    assert call.params["channel"] == "C0CELEBRATE"
    assert "link_names" not in call.params
    text = call.params["text"] + str(call.json_param("blocks"))
    for raw in ("<!channel>", "<!here>", "<!everyone>"):
        assert raw not in text
    assert "&lt;!channel&gt;" in call.params["text"]
    assert "R&amp;D" in call.params["text"]
    assert "<@U0ANA|ana>" in call.params["text"]
    assert "<@U0LEADCHI>" in call.params["text"]
    row = wait_sent(session_factory)
    assert row.slack_ts and row.slack_channel == "C0CELEBRATE"
    assert row.key.startswith("celebrate:")


def test_lead_through_user_group_is_resolved_and_cached(web: WebApp, slack: SlackFake) -> None:
    for text in ("Bogotá launched the new IVR!", "And a second win"):
        reply = slash_command(web.events_url, "/celebrate", text, user_id="U0LEADBOG")
        assert "Posted" in reply.text
    slack.wait_for("chat.postMessage", count=2)
    assert len(slack.calls_to("usergroups.users.list")) == 1


def test_non_lead_is_refused_and_nothing_is_stored(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    reply = slash_command(web.events_url, "/celebrate", "I want to post", user_id="U0AGENT")
    assert reply.status == 200
    assert "Only team leads" in reply.text and "your team lead" in reply.text
    assert web.ctx.wait_idle()
    assert slack.calls_to("chat.postMessage") == []
    assert stored(session_factory) == 0


def test_usage_and_too_long_messages_change_nothing(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    usage = slash_command(web.events_url, "/celebrate", "help", user_id="U0AGENT")
    assert "`/celebrate <message>`" in usage.text and "`/celebrate list [days]`" in usage.text
    long = slash_command(web.events_url, "/celebrate", "x" * 1001, user_id="U0LEADCHI")
    assert "1001 characters" in long.text
    assert stored(session_factory) == 0
    assert slack.calls_to("chat.postMessage") == []


def test_rate_limited_post_is_retried_once_after_the_ack(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    reply = slash_command(web.events_url, "/celebrate", "Team win!", user_id="U0LEADCHI")
    assert reply.status == 200 and time.monotonic() - started < 1.0  # ack did not wait
    calls = slack.wait_for("chat.postMessage", count=2, timeout=6)
    wait_sent(session_factory)
    assert len(calls) == 2
    assert web.ctx.wait_idle()
    assert len(slack.calls_to("chat.postMessage")) == 2


def test_pulse_alone_is_help(web: WebApp) -> None:
    for words in ("", "what is this"):
        reply = slash_command(web.events_url, "/pulse", words)
        assert (
            reply.status == 200 and "Pulse surveys" in reply.text and "/pulse privacy" in reply.text
        )


def test_give_kudos_shortcut_answers_with_a_modal(web: WebApp, slack: SlackFake) -> None:
    payload = {
        "type": "message_action",
        "callback_id": "give_kudos",
        "trigger_id": "1337.42.shortcut",
        "team": {"id": "T0TEST"},
        "user": {"id": "U0AGENT"},
        "channel": {"id": "C0MANILA"},
        "message": {"ts": "1700000000.000100", "user": "U0ANA", "text": "fixed it"},
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    assert post(web.events_url, body, "application/x-www-form-urlencoded").status == 200
    call = slack.wait_for("views.open")[0]
    assert call.params["trigger_id"] == "1337.42.shortcut"
    assert call.json_param("view")["type"] == "modal"


def test_list_answers_anyone_privately_and_posts_nothing(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    reply = slash_command(web.events_url, "/celebrate", "list 90", user_id="U0AGENT")
    assert reply.status == 200
    assert "next 90 days" in reply.text
    assert "in_channel" not in reply.text  # a plain-text ack is shown only to the user
    bad = slash_command(web.events_url, "/celebrate", "list forever", user_id="U0AGENT")
    assert "days must be a number from 1 to 90" in bad.text
    assert web.ctx.wait_idle()
    assert slack.calls_to("chat.postMessage") == [] and stored(session_factory) == 0


def test_lead_without_text_gets_the_modal_others_a_refusal(web: WebApp, slack: SlackFake) -> None:
    """The form opens before anyone asks Slack who the leads are (trigger_id lasts 3 s and a
    user-group look-up can take 2); a non-lead then sees it turn into the refusal."""
    opened = slash_command(web.events_url, "/celebrate", "", user_id="U0LEADCHI")
    assert opened.status == 200
    view = slack.wait_for("views.open")[0].json_param("view")
    assert view["callback_id"] == "celebrate_modal"
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"][-1] == "message"
    assert web.ctx.wait_idle()
    assert slack.calls_to("views.update") == []  # a lead keeps the form
    refused = slash_command(web.events_url, "/celebrate", "", user_id="U0AGENT")
    assert refused.status == 200 and not refused.text
    (update,) = slack.wait_for("views.update")
    text = json.dumps(update.json_param("view"))
    assert "Only team leads" in text and "/celebrate list" in text
    methods = [c.method for c in slack.calls if c.method in ("views.open", "usergroups.users.list")]
    assert methods.index("views.open") < methods.index("usergroups.users.list")


def submit_celebration(web: WebApp, user: str, message: str, choice: str | None) -> Any:
    values: dict[str, Any] = {
        "message": {"message_text": {"type": "plain_text_input", "value": message}}
    }
    if choice:
        values["milestone"] = {
            "milestone_choice": {"type": "static_select", "selected_option": {"value": choice}}
        }
    payload = {
        "type": "view_submission",
        "team": {"id": "T0TEST"},
        "user": {"id": user},
        "view": {
            "id": "V0CELEBRATE1",
            "type": "modal",
            "team_id": "T0TEST",
            "callback_id": "celebrate_modal",
            "state": {"values": values},
        },
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return post(web.events_url, body, "application/x-www-form-urlencoded")


def test_modal_submission_posts_the_milestone_celebration(
    web: WebApp, slack: SlackFake, config: Any
) -> None:
    from datetime import date

    from bot.celebrate.listing import option_value, upcoming

    group = upcoming(config, date(2026, 10, 5), 1)[0]
    assert group[0].name == "Cultural Connection Week"
    reply = submit_celebration(web, "U0LEADCHI", "Thank you all <!here>", option_value(group))
    assert reply.status == 200
    call = slack.wait_for("chat.postMessage")[0]
    assert call.params["channel"] == "C0CELEBRATE"
    assert "Cultural Connection Week" in call.params["text"]
    assert "<!here>" not in call.params["text"] and "&lt;!here&gt;" in call.params["text"]


def test_modal_submission_errors_stay_in_the_modal(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    unknown = submit_celebration(web, "U0LEADCHI", "Yay", "2026-01-01|no-such-day")
    assert unknown.json()["response_action"] == "errors"
    assert "milestone" in unknown.json()["errors"]
    not_lead = submit_celebration(web, "U0AGENT", "Yay", None)
    assert "Only team leads" in not_lead.json()["errors"]["message"]
    assert web.ctx.wait_idle()
    assert stored(session_factory) == 0 and slack.calls_to("chat.postMessage") == []


def test_role_check_failure_says_so_instead_of_refusing(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    slack.fail_next("usergroups.users.list", status=500)
    reply = slash_command(web.events_url, "/celebrate", "We did it!", user_id="U0LEADBOG")
    assert "couldn't check with Slack" in reply.text and "Only team leads" not in reply.text
    assert stored(session_factory) == 0
    again = slash_command(web.events_url, "/celebrate", "We did it!", user_id="U0LEADBOG")
    assert "Posted" in again.text


def test_a_lead_named_through_a_slow_user_group_still_gets_the_form(
    web: WebApp, slack: SlackFake
) -> None:
    """usergroups.users.list takes longer than the role check waits (2 s): the form is open
    within Slack's 3-second trigger window anyway, and stays open."""
    slack.slow("usergroups.users.list", 2.5)
    reply = slash_command(web.events_url, "/celebrate", "", user_id="U0LEADMNL")  # via S0LEADS
    assert reply.status == 200
    (opened,) = slack.wait_for("views.open")
    lookups = slack.wait_for("usergroups.users.list")
    assert opened.at <= lookups[0].at  # the form did not wait for the slow look-up
    assert web.ctx.wait_idle(timeout=15)
    assert slack.calls_to("views.update") == []  # not refused for Slack's slowness
