"""`lantern socket` start-up, run as a real subprocess against the loopback fake Slack."""

from __future__ import annotations

import socket
import subprocess
import sys

from bot.infra.config import Settings
from tests.conftest import env_for
from tests.processes import lantern
from tests.slack_fake import SlackFake

APP_TOKEN = "xapp-bogus"
UNUSED_WARNING = "will be unused"


def socket_start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return lantern("socket", env=env, timeout=60)


def test_refused_app_token_is_one_line_naming_it(settings: Settings, slack: SlackFake) -> None:
    slack.error_for("apps.connections.open", "invalid_auth")
    env = env_for(settings, SLACK_API_URL=slack.api_url, SLACK_APP_TOKEN=APP_TOKEN)

    result = socket_start(env)

    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("lantern: SLACK_APP_TOKEN was refused by Slack (invalid_auth)")
    assert UNUSED_WARNING not in result.stderr
    (call,) = slack.calls_to("apps.connections.open")
    assert call.header("Authorization") == f"Bearer {APP_TOKEN}"


def test_unreachable_slack_is_one_line_naming_the_url(settings: Settings) -> None:
    with socket.socket() as sock:  # a port nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    api_url = f"http://127.0.0.1:{port}/api/"
    env = env_for(settings, SLACK_API_URL=api_url, SLACK_APP_TOKEN=APP_TOKEN)

    result = socket_start(env)

    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert api_url in lines[0] and "SLACK_API_URL" in lines[0]
    assert UNUSED_WARNING not in result.stderr


def test_accepted_token_connects_to_the_url_slack_gave(
    settings: Settings, slack: SlackFake
) -> None:
    """The URL asked for up front is the one the socket connects to, asked for once."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(30)
        port = listener.getsockname()[1]
        slack.set_response("apps.connections.open", {"url": f"ws://127.0.0.1:{port}/link"})
        env = env_for(settings, SLACK_API_URL=slack.api_url, SLACK_APP_TOKEN=APP_TOKEN)
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "socket"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            connection, _ = listener.accept()  # blocks until the handshake arrives
            with connection:
                connection.settimeout(30)
                request_line = connection.makefile("rb").readline().decode("latin-1")
            assert request_line.startswith("GET /link"), request_line
            assert process.poll() is None
        finally:
            process.terminate()
            _, stderr = process.communicate(timeout=30)
    assert len(slack.calls_to("apps.connections.open")) == 1
    assert UNUSED_WARNING not in stderr
    assert "Traceback" not in stderr
