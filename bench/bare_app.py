"""A bare Bolt app that acks every command with constant text: the latency floor that
bench/ack_latency.py compares lantern against, under the same gunicorn settings."""

from __future__ import annotations

import os
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def create() -> Any:
    app = App(
        client=WebClient(token="xoxb-bench", base_url=os.environ["SLACK_API_URL"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token_verification_enabled=False,
        process_before_response=False,
    )

    def answer(ack: Ack) -> None:
        ack("ok")

    app.command("/kudos")(answer)
    app.command("/celebrate")(answer)
    return SlackRequestHandler(app)
