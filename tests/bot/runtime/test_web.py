"""The WSGI app's own routes: health, 404s, and a database that is down."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any
from wsgiref.simple_server import make_server

from bot.infra.config import Settings, WorkspaceConfig
from bot.runtime.web import create_wsgi_app
from tests.conftest import WebApp, _QuietHandler
from tests.slack_requests import get, post


def test_healthz_checks_the_database(web: WebApp) -> None:
    reply = get(web.url + "/healthz")
    assert reply.status == 200 and reply.json() == {"ok": True, "db": "up"}


def test_unknown_paths_and_methods(web: WebApp) -> None:
    assert get(web.url + "/nope").status == 404
    assert get(web.events_url).status == 405
    assert post(web.url + "/healthz", b"", "text/plain").status == 404


def test_healthz_is_503_when_the_database_is_unreachable(
    settings: Settings, config: WorkspaceConfig, tmp_path: Any
) -> None:
    broken = replace(settings, database_url=f"sqlite:///{tmp_path}/missing/dir/x.db")
    application = create_wsgi_app(broken, config)
    server = make_server("127.0.0.1", 0, application, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    try:
        reply = get(f"http://127.0.0.1:{server.server_address[1]}/healthz")
    finally:
        thread.join(5)
        server.server_close()
        application.context.close()
    assert reply.status == 503 and reply.json()["db"] == "down"


def test_calendar_feed_needs_the_token(web: WebApp, settings: Settings) -> None:
    from calendars.ics import feed_token

    assert get(web.url + "/calendar.ics").status == 403
    assert get(web.url + "/calendar.ics?token=wrong").status == 403
    reply = get(web.url + "/calendar.ics?token=" + feed_token(settings.lantern_secret or ""))
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/calendar")
    assert reply.text.startswith("BEGIN:VCALENDAR\r\n") and "BEGIN:VEVENT" in reply.text


def test_calendar_feed_rejects_odd_tokens_without_error(web: WebApp) -> None:
    assert get(web.url + "/calendar.ics?token=%C3%A9").status == 403
