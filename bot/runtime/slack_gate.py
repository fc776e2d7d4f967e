"""What a request to ``POST /slack/events`` must be before Bolt sees it.

Slack signs every request (https://api.slack.com/authentication/verifying-requests-from-slack):
a numeric ``X-Slack-Request-Timestamp`` within 5 minutes and ``X-Slack-Signature``, an HMAC of
the raw body. Slack sends JSON (events) or a form (commands; interactions as a JSON
``payload`` field), in UTF-8, a few kilobytes long. Anything else is answered here, in one log
line without the body, and changes nothing: 401 for a bad signature, 413 for an oversized
body, 400 for a malformed one.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # bytes; Slack's payloads are far smaller
DIGITS = re.compile(r"[0-9]{1,12}")  # ASCII only: "²".isdigit() is True, int("²") fails
CONTENT_TYPES = ("application/json", "application/x-www-form-urlencoded")


@dataclass(frozen=True)
class Refusal:
    """An HTTP status line and the short reason given in the JSON body."""

    status: str
    reason: str


def check(headers: dict[str, str], body: bytes, secret: str) -> Refusal | None:
    """Why the request must not reach Bolt, or None when it may.

    Args:
        headers: the request headers, names lower-cased.
        body: the raw body (at most MAX_BODY bytes were read).
        secret: SLACK_SIGNING_SECRET.
    """
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not (DIGITS.fullmatch(timestamp) and signature.startswith("v0=")):
        return _refuse("401 Unauthorized", "missing or malformed signature", len(body))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _refuse("400 Bad Request", "body is not UTF-8", len(body))
    if not SignatureVerifier(secret).is_valid(body, timestamp, signature):
        return _refuse("401 Unauthorized", "invalid or stale signature", len(body))
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in CONTENT_TYPES:
        return _refuse("400 Bad Request", "unsupported content type", len(body))
    problem = _shape_problem(text, media_type)
    return _refuse("400 Bad Request", problem, len(body)) if problem else None


def _refuse(status: str, reason: str, size: int) -> Refusal:
    log.warning("refused a request to /slack/events (%d bytes): %s", size, reason)
    return Refusal(status, reason)


def _shape_problem(text: str, media_type: str) -> str | None:
    """What is wrong with a signed body's shape, for the parts Bolt reads before lantern."""
    if media_type == "application/json":
        data = _json_object(text)
        if data is None:
            return "body is not a JSON object"
        if data.get("type") == "event_callback" and not isinstance(data.get("event"), dict):
            return "event_callback without an event object"
        return None
    form = parse_qs(text, keep_blank_values=True)
    if "payload" in form:
        payload = _json_object(form["payload"][0])
        if payload is None or not isinstance(payload.get("type"), str):
            return "payload is not a JSON object with a type"
        view = payload.get("view")
        if "view" in payload and not (isinstance(view, dict) and isinstance(view.get("type"), str)):
            return "payload view without a type"
        user = payload.get("user")
        if not (isinstance(user, dict) and isinstance(user.get("id"), str)):
            return "payload without a user"
        return None
    if "command" in form and not all(form.get(name, [""])[0] for name in ("user_id", "team_id")):
        return "command without user_id or team_id"
    return None


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
