"""Build the Bolt app: verified requests in, listeners from ``handlers``, one Slack client."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient

import handlers
from bot.infra.config import Settings, WorkspaceConfig
from bot.infra.context import AppContext
from bot.runtime.configured import load_config

log = logging.getLogger(__name__)

LISTENER_THREADS = 32


class DropBoltTokenWarning(logging.Filter):
    """Bolt warns that ``SLACK_BOT_TOKEN`` "will be unused" whenever the environment has it and
    the app is given a client; lantern's client carries that very token, so the warning is
    noise on every start (HTTP and Socket Mode alike)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """False (drop) for that one warning; every other record passes."""
        from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

        return record.getMessage() != warning_client_prioritized_and_token_skipped()


BOLT_LOG = logging.getLogger("lantern.bolt")
BOLT_LOG.addFilter(DropBoltTokenWarning())


def build(
    settings: Settings,
    client: WebClient | None = None,
    config: WorkspaceConfig | None = None,
    *,
    socket_mode: bool = False,
) -> tuple[App, AppContext]:
    """The Bolt app and the context its listeners share. Over HTTP every request must carry
    a valid signature; in Socket Mode requests come over the authenticated socket instead."""
    needed = ["SLACK_BOT_TOKEN", "LANTERN_SECRET"]
    if not socket_mode:
        needed.append("SLACK_SIGNING_SECRET")
    settings.require(*needed)
    config = config or load_config(settings.config_path)
    ctx = AppContext.create(settings, config, client)
    app = App(
        client=ctx.client,
        signing_secret=settings.slack_signing_secret or "",
        request_verification_enabled=not socket_mode,
        # listeners run after the ack on Bolt's own threads; Slack gets its answer at once
        process_before_response=False,
        # auth.test is asked lazily: a start must not depend on Slack being reachable
        token_verification_enabled=False,
        logger=BOLT_LOG,
        # listeners only parse and ack; their work goes on through AppContext.after_ack
        listener_executor=ctx.listener_pool(LISTENER_THREADS),
    )
    handlers.register(app, ctx)
    return app, ctx
