"""What a ``/celebrate`` text asks for, and which texts are refused (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LENGTH = 1000  # characters of a celebration message
LIST_DEFAULT_DAYS, LIST_MAX_DAYS = 14, 90


@dataclass(frozen=True)
class Request:
    """What the command text asks for.

    Attributes:
        kind: "help", "list", "modal" (no text: open the form) or "post".
        days: for "list", how many days ahead (1 to LIST_MAX_DAYS).
        text: for "post", the message (Slack's escaped text).
        problem: why the request cannot be done, to answer privately; None when it can.
    """

    kind: str
    days: int = LIST_DEFAULT_DAYS
    text: str = ""
    problem: str | None = None


def parse(text: str) -> Request:
    """Read ``/celebrate [message | list [days] | help]``."""
    text = text.strip()
    if text.lower() in ("help", "?"):
        return Request("help")
    if not text:
        return Request("modal")
    first, _, rest = text.partition(" ")
    if first.lower() == "list":
        rest = rest.strip()
        if not rest:
            return Request("list")
        if re.fullmatch(r"\d{1,3}", rest) and 1 <= int(rest) <= LIST_MAX_DAYS:
            return Request("list", days=int(rest))
        return Request(
            "list",
            problem=f"`/celebrate list [days]`: days must be a number from 1 to {LIST_MAX_DAYS}, "
            f"e.g. `/celebrate list 30`.",
        )
    return Request("post", text=text, problem=check_message(text))


def check_message(text: str) -> str | None:
    """Why a celebration text cannot be posted (empty, or over MAX_LENGTH), or None."""
    if not text.strip():
        return "Write what you are celebrating after `/celebrate`."
    if len(text) > MAX_LENGTH:
        return (
            f"That message is {len(text)} characters; please keep it under {MAX_LENGTH} "
            "and post again."
        )
    return None
