"""Events and request verification through signed HTTP requests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode
from wsgiref.simple_server import make_server

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.config import Settings, WorkspaceConfig
from bot.infra.models import InboxJob, OutboxMessage
from bot.infra.slack_text import SORRY
from bot.runtime.web import create_wsgi_app
from tests.conftest import WebApp, _QuietHandler, _ThreadingWSGIServer
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
    assert count(session_factory, InboxJob) == 2


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
    assert count(session_factory, InboxJob) == 0
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


@pytest.fixture
def down(settings: Settings, config: WorkspaceConfig, tmp_path: Path) -> Iterator[str]:
    """The app served over HTTP with a database that cannot be reached."""
    broken = replace(settings, database_url=f"sqlite:///{tmp_path}/missing/dir/x.db")
    application = create_wsgi_app(broken, config)
    server = make_server(
        "127.0.0.1", 0, application, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    finally:
        server.shutdown()
        server.server_close()
        application.context.close()


def test_with_the_database_down_events_ask_slack_to_send_again(down: str, slack: SlackFake) -> None:
    clap = {
        "type": "reaction_added",
        "user": "U0GIVER",
        "reaction": "clap",
        "item_user": "U0ANA",
        "item": {"type": "message", "channel": "C0MANILA", "ts": "1700000000.000100"},
    }
    reply = event(down, clap)
    assert reply.status == 503 and b"Traceback" not in reply.body
    assert slack.calls_to("chat.postMessage") == []


def test_with_the_database_down_commands_and_forms_apologise_at_once(
    down: str, slack: SlackFake
) -> None:
    kudos = slash_command(down, "/kudos", "<@U0ANA|ana> thanks", user_id="U0GIVER")
    assert kudos.status == 200 and kudos.text == SORRY
    celebrate = slash_command(down, "/celebrate", "We did it!", user_id="U0LEADMNL")
    assert celebrate.status == 200 and celebrate.text == SORRY
    view = {
        "id": "V0DOWN",
        "type": "modal",
        "callback_id": "kudos_modal",
        "state": {
            "values": {
                "recipients": {"recipients_choice": {"selected_users": ["U0ANA"]}},
                "message": {"message_text": {"value": "thanks"}},
            }
        },
    }
    payload = {"type": "view_submission", "team": {"id": "T0TEST"}, "user": {"id": "U0GIVER"}}
    body = urlencode({"payload": json.dumps({**payload, "view": view})}).encode()
    form = post(down, body, "application/x-www-form-urlencoded")
    assert form.status == 200
    assert form.json() == {"response_action": "errors", "errors": {"message": SORRY}}
    assert slack.calls_to("chat.postMessage") == []
