"""The WSGI app gunicorn serves: Bolt at POST /slack/events, plus GET /healthz."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs
from wsgiref.types import StartResponse, WSGIEnvironment

from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot.infra.calendar import calendar_for
from bot.infra.config import (
    ConfigError,
    Settings,
    SettingsError,
    WorkspaceConfig,
    load_settings,
)
from bot.infra.context import AppContext
from bot.runtime import slack_gate
from bot.runtime.app import build
from bot.runtime.configured import load_config
from calendars.ics import feed_range, render_ics, token_matches

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
GUNICORN_BOOT_ERROR = 3  # gunicorn's WORKER_BOOT_ERROR: the arbiter stops instead of respawning


def _reply(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def _settings_or_exit() -> Settings:
    """Under gunicorn directly, a bad environment or config is one line, then a halt."""
    try:
        settings = load_settings()
        settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "LANTERN_SECRET")
        load_config(settings.config_path)
    except (SettingsError, ConfigError) as exc:
        print(f"lantern: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(GUNICORN_BOOT_ERROR) from None
    return settings


class LanternWSGI:
    """The WSGI application: Bolt at ``POST /slack/events``, ``GET /healthz`` and
    ``GET /calendar.ics?token=…``; anything else is a JSON 404.

    Attributes:
        context: the process's AppContext (closed by whoever serves the app).
    """

    def __init__(self, settings: Settings, context: AppContext, slack: SlackRequestHandler):
        self.settings = settings
        self.context = context
        self.slack = slack

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == SLACK_PATH:
            if method != "POST":
                return _reply(start_response, "405 Method Not Allowed", {"error": "POST only"})
            with self.context.activity:  # post-ack work waits for a gap between requests
                return self.slack_events(environ, start_response)
        if path == "/healthz" and method in ("GET", "HEAD"):
            return self.healthz(start_response)
        if path == "/calendar.ics" and method in ("GET", "HEAD"):
            return self.calendar_feed(environ, start_response)
        return _reply(start_response, "404 Not Found", {"error": "not found"})

    def slack_events(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        """Bolt, once :mod:`bot.runtime.slack_gate` has let the request through."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= slack_gate.MAX_BODY:
            return _reply(start_response, "413 Content Too Large", {"error": "body too large"})
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        headers["content-type"] = str(environ.get("CONTENT_TYPE") or "")
        refusal = slack_gate.check(headers, body, self.settings.slack_signing_secret or "")
        if refusal is not None:
            return _reply(start_response, refusal.status, {"error": refusal.reason})
        environ["wsgi.input"] = io.BytesIO(body)  # Bolt reads the body again
        return self.slack(environ, start_response)

    def healthz(self, start_response: StartResponse) -> list[bytes]:
        """200 when the database answers ``SELECT 1``, else 503; never a traceback."""
        try:
            with self.context.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # any failure means "not healthy"
            log.warning("health check failed: %s", exc)
            return _reply(start_response, "503 Service Unavailable", {"ok": False, "db": "down"})
        return _reply(start_response, "200 OK", {"ok": True, "db": "up"})

    def calendar_feed(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        """The iCalendar feed; the token keeps a private calendar private (403 without it)."""
        token = parse_qs(environ.get("QUERY_STRING", "")).get("token", [None])[0]
        if not token_matches(self.settings.lantern_secret or "", token):
            return _reply(start_response, "403 Forbidden", {"error": "a valid token is required"})
        config = self.context.config
        now = self.context.now()
        start, end = feed_range(now.astimezone(config.workspace.tz).date())
        data = render_ics(calendar_for(config), start, end, now).encode()
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/calendar; charset=utf-8"),
                ("Content-Length", str(len(data))),
                ("Content-Disposition", 'inline; filename="lantern.ics"'),
            ],
        )
        return [data]


def create_wsgi_app(
    settings: Settings | None = None, config: WorkspaceConfig | None = None
) -> LanternWSGI:
    """The app, built once per process. Also a gunicorn entry point:
    ``gunicorn 'bot.runtime.web:create_wsgi_app()'`` (settings then come from the
    environment; a bad one stops the worker with one line)."""
    if settings is None:
        settings = _settings_or_exit()
    app, ctx = build(settings, config=config)
    return LanternWSGI(settings, ctx, SlackRequestHandler(app))
