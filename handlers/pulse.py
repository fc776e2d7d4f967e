"""``/pulse``: pulse surveys are not in this version yet; the command says so helpfully."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

NOT_YET = (
    "`{command}` is not available in this version of lantern yet. "
    "Try `/kudos @name what they did` or `/celebrate list`."
)


def pulse_command(ack: Ack, command: dict[str, Any]) -> None:
    """/pulse — not yet available."""
    ack(NOT_YET.format(command=command.get("command", "This command")))


def register(app: App) -> None:
    """Attach this module's listeners to ``app``."""
    app.command("/pulse")(pulse_command)
