"""Building the Bolt app: what each mode needs from the environment."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.infra.config import Settings, SettingsError, WorkspaceConfig
from bot.runtime.app import build


def test_http_mode_needs_the_signing_secret(settings: Settings, config: WorkspaceConfig) -> None:
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        build(replace(settings, slack_signing_secret=None), config=config)


def test_socket_mode_needs_no_signing_secret(settings: Settings, config: WorkspaceConfig) -> None:
    _app, ctx = build(replace(settings, slack_signing_secret=None), config=config, socket_mode=True)
    try:
        assert ctx.config is config
        assert ctx.client.base_url == settings.slack_api_url
    finally:
        ctx.close()


def test_lantern_secret_is_required(settings: Settings, config: WorkspaceConfig) -> None:
    with pytest.raises(SettingsError, match="LANTERN_SECRET"):
        build(replace(settings, lantern_secret=None), config=config)
