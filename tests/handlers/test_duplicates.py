"""Events and request verification through signed HTTP requests."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.models import OutboxMessage, ProcessedEvent
from tests.conftest import WebApp
from tests.slack_fake import SlackFake
from tests.slack_requests import event, post, slash_command


def count(session_factory: sessionmaker[Session], model: type) -> int:
    with session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


HOME = {"type": "app_home_opened", "user": "U0AGENT", "channel": "D0AGENT", "tab": "home"}


def test_app_home_opened_publishes_a_view(web: WebApp, slack: SlackFake) -> None:
    assert event(web.events_url, HOME).status == 200
    call = slack.wait_for("views.publish")[0]
    assert call.params["user_id"] == "U0AGENT"
    view = call.json_param("view")
    assert view["type"] == "home"
    assert any("Manila" in json.dumps(block, ensure_ascii=False) for block in view["blocks"])


def test_retried_deliveries_are_handled_once(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    for retry in (None, 1, 2):
        assert event(web.events_url, HOME, event_id="Ev0SAME", retry_num=retry).status == 200
    assert event(web.events_url, HOME, event_id="Ev0OTHER").status == 200
    slack.wait_for("views.publish", count=2)
    assert web.ctx.wait_idle()
    assert len(slack.calls_to("views.publish")) == 2
    assert count(session_factory, ProcessedEvent) == 2


def test_first_delivery_carrying_a_retry_header_is_not_dropped(
    web: WebApp, slack: SlackFake
) -> None:
    assert event(web.events_url, HOME, event_id="Ev0LATE", retry_num=3).status == 200
    slack.wait_for("views.publish")


def test_bad_stale_or_missing_signatures_are_rejected(
    web: WebApp, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    stale = int(time.time()) - 6 * 60
    replies = [
        event(web.events_url, HOME, secret="wrong-secret"),
        event(web.events_url, HOME, timestamp=stale),
        event(web.events_url, HOME, sign=False),
        slash_command(web.events_url, "/celebrate", "hi", user_id="U0LEADCHI", secret="nope"),
        slash_command(web.events_url, "/celebrate", "hi", user_id="U0LEADCHI", timestamp=stale),
    ]
    assert [r.status for r in replies] == [401] * 5
    assert web.ctx.wait_idle()
    assert slack.calls == []
    assert count(session_factory, ProcessedEvent) == 0
    assert count(session_factory, OutboxMessage) == 0


def test_tampered_body_is_rejected(web: WebApp, session_factory: sessionmaker[Session]) -> None:
    body = json.dumps({"type": "event_callback", "event_id": "Ev1", "event": HOME}).encode()
    good = post(web.events_url, body, "application/json")
    assert good.status == 200
    ts = int(time.time())
    from tests.slack_requests import SIGNING_SECRET, signature

    tampered = post(
        web.events_url,
        body.replace(b"U0AGENT", b"U0EVIL0"),
        "application/json",
        sign=False,
        headers={
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": signature(SIGNING_SECRET, ts, body),
        },
    )
    assert tampered.status == 401


def test_url_verification_challenge(web: WebApp) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "t"}).encode()
    reply = post(web.events_url, body, "application/json")
    assert reply.status == 200 and "abc123" in reply.text
