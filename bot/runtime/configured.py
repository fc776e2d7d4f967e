"""The workspace configuration as every process loads it: ``lantern.toml`` read and checked
by :mod:`bot.infra.config`, then checked against what the capabilities ship (the pulse item
bank), so a mistake stops every command the same way."""

from __future__ import annotations

import os

from bot.infra.config import ConfigError, WorkspaceConfig, load_workspace_config
from bot.pulse.items import item_problems


def load_config(path: str | os.PathLike[str]) -> WorkspaceConfig:
    """Read, parse and check ``path``.

    Raises:
        ConfigError: every problem, the file's and the shipped data's.
    """
    config = load_workspace_config(path)
    problems = item_problems(config)
    if problems:
        raise ConfigError(problems)
    return config
