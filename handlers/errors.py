"""When a listener fails before it acknowledged Slack: one log line (the traceback only with
``-v``), and the person gets the apology, never a trace or a silent failure."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltResponse

from bot.infra.slack_text import SORRY

log = logging.getLogger(__name__)


def on_listener_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
    """Bolt's error handler. A command is answered with the apology (shown to its user); an
    interaction gets an empty 200 (Slack closes the form); an event gets 500, so Slack sends
    it again later."""
    what = body.get("command") or body.get("type") or "request"
    log.warning("%s failed: %s: %s", what, type(error).__name__, error)
    log.debug("the failure in full", exc_info=error)
    if body.get("command"):
        return BoltResponse(status=200, body=SORRY)
    if body.get("type") == "event_callback":
        return BoltResponse(status=500, body="")
    return BoltResponse(status=200, body="")
