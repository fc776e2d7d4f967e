"""``lantern socket``: the Bolt app over Socket Mode, for running without a public URL.

The first connection URL is asked for here (``apps.connections.open`` with SLACK_APP_TOKEN),
so a bad token or an unreachable Slack stops the start with one line that names the
variable; reconnections later go through slack_sdk's handler as usual.
"""

from __future__ import annotations

import logging

from bot.infra.config import Settings, SettingsError, WorkspaceConfig

log = logging.getLogger(__name__)


class SocketModeError(Exception):
    """Socket Mode could not start; the message is one line for the operator."""


SOCKET_OPEN_TIMEOUT_SECONDS = 10
# apps.connections.open errors that mean the app-level token itself is at fault
_APP_TOKEN_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
        "missing_scope",
    }
)


def socket_url(settings: Settings, app_token: str) -> str:
    """Ask Slack for a Socket Mode URL with the app-level token, turning every failure into
    one line for the operator (the SDK would log it twice and never name the variable)."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    quiet = logging.getLogger("lantern.socket.open")
    quiet.propagate = False
    if not quiet.handlers:
        quiet.addHandler(logging.NullHandler())
    client = WebClient(
        base_url=settings.slack_api_url,
        timeout=SOCKET_OPEN_TIMEOUT_SECONDS,
        retry_handlers=[],
        logger=quiet,
    )
    try:
        response = client.apps_connections_open(app_token=app_token)
    except SlackApiError as exc:
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        error = str(data.get("error") or f"HTTP {exc.response.status_code}")
        if error in _APP_TOKEN_ERRORS:
            raise SettingsError(
                f"SLACK_APP_TOKEN was refused by Slack ({error}); use this app's app-level "
                "token (Basic Information → App-Level Tokens, scope connections:write) and "
                "check that Socket Mode is enabled for the app"
            ) from None
        raise SocketModeError(
            f"Slack did not open a Socket Mode connection for SLACK_APP_TOKEN ({error}); "
            "check that Socket Mode is enabled for the app, or try again later"
        ) from None
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections
        reason = getattr(exc, "reason", None) or exc
        raise SocketModeError(
            f"could not reach Slack at {settings.slack_api_url} to open the Socket Mode "
            f"connection ({reason}); check the network and SLACK_API_URL"
        ) from None
    url = response.get("url")
    if not isinstance(url, str) or not url:
        raise SocketModeError(
            "Slack answered apps.connections.open without a URL; check SLACK_API_URL"
        )
    return url


def run_socket_mode(settings: Settings, config: WorkspaceConfig) -> int:
    """Connect and serve until stopped.

    Returns:
        0 when stopped.

    Raises:
        SettingsError: Slack refused SLACK_APP_TOKEN.
        SocketModeError: Slack could not be reached or would not open a connection.
    """
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.runtime.app import build

    app_token = settings.slack_app_token or ""
    app, _ = build(settings, config=config, socket_mode=True)
    url = socket_url(settings, app_token)
    handler = SocketModeHandler(app, app_token)
    handler.client.wss_uri = url
    log.debug("connecting to Slack in Socket Mode")
    handler.start()  # type: ignore[no-untyped-call]  # connects to ``url``, then blocks
    return 0
