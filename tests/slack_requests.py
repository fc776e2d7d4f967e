"""Signed HTTP requests to the app, made the way Slack makes them."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def post(
    url: str,
    body: bytes,
    content_type: str,
    *,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    sign: bool = True,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> Reply:
    """POST ``body`` signed with ``secret`` at ``timestamp`` (default: now)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    all_headers = {"Content-Type": content_type, **(headers or {})}
    if sign:
        all_headers["X-Slack-Request-Timestamp"] = str(timestamp)
        all_headers["X-Slack-Signature"] = signature(secret, timestamp, body)
    request = urllib.request.Request(url, data=body, headers=all_headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, exc.read(), dict(exc.headers))


def get(url: str, timeout: float = 10.0) -> Reply:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return Reply(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, exc.read(), dict(exc.headers))


_ids = itertools.count(1)  # next() on a count is atomic: client threads never share an id
_PROCESS = uuid.uuid4().hex[:8]  # and two client processes never do either


def _next(prefix: str) -> str:
    return f"{prefix}{next(_ids):06d}.{_PROCESS}"


def slash_command(
    url: str,
    command: str,
    text: str,
    *,
    user_id: str = "U0LEAD",
    team_id: str = "T0TEST",
    channel_id: str = "C0GENERAL",
    response_url: str = "http://127.0.0.1:9/response/none",
    **kwargs: Any,
) -> Reply:
    form = {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "team_domain": "fake",
        "channel_id": channel_id,
        "channel_name": "general",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0LANTERN",
        "response_url": response_url,
        "trigger_id": _next("1337.42.trigger"),
    }
    body = urlencode(form).encode()
    return post(url, body, "application/x-www-form-urlencoded", **kwargs)


def event(
    url: str,
    payload: dict[str, Any],
    *,
    event_id: str | None = None,
    team_id: str = "T0TEST",
    retry_num: int | None = None,
    **kwargs: Any,
) -> Reply:
    envelope = {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "api_app_id": "A0LANTERN",
        "event": payload,
        "type": "event_callback",
        "event_id": event_id or _next("Ev"),
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team_id, "user_id": "U0BOT", "is_bot": True}],
    }
    headers = dict(kwargs.pop("headers", {}) or {})
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return post(url, json.dumps(envelope).encode(), "application/json", headers=headers, **kwargs)
