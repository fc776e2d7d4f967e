"""Text that goes to Slack: escaping, mentions and shared Block Kit pieces.

Every renderer builds its text through :func:`escape` or :func:`user_text`, so nothing a
user typed can make the bot ping ``@channel``/``@here``/``@everyone`` or a user group.
We never send ``link_names``.
"""

from __future__ import annotations

import re
from typing import Any

# the one apology a person gets when lantern fails them and nothing was recorded
SORRY = "Something went wrong on our side and nothing was recorded. Please try again in a minute."

_SLACK_TOKEN = re.compile(r"<([^<>]*)>")
# What may stay a live token from user text: a person, a channel, or a plain link.
_SAFE_TOKEN = re.compile(
    r"^(@[UW][A-Z0-9]+(\|[^|<>]*)?"
    r"|#[CG][A-Z0-9]+(\|[^|<>]*)?"
    r"|(https?|mailto):[^\s|<>]+(\|[^<>]*)?)$"
)


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo Slack's own escaping of incoming text, so escaping again does not double it."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_LOOSE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")


def _settle(text: str) -> str:
    """Escape what Slack would have: a stray ``&``, ``<`` or ``>`` outside entities and tokens."""
    return _LOOSE_AMPERSAND.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")


def user_text(text: str) -> str:
    """Make text from Slack (a message, a command's text) safe to post as mrkdwn.

    Slack delivers what a person typed already escaped (``&lt;``…), and its own tokens as
    ``<…>``. Only real tokens can be live: user and channel mentions and links stay; a special
    mention (``<!channel>``, ``<!here>``, ``<!everyone>``, ``<!subteam^…|@group>``) shows as
    its label or as typed, and notifies nobody. Typed brackets stay text, so nobody can forge
    a link. Raw text (a form field) must go through :func:`escape` first.
    """
    out: list[str] = []
    position = 0
    for match in _SLACK_TOKEN.finditer(text):
        out.append(_settle(text[position : match.start()]))
        inner = match.group(1)
        if _SAFE_TOKEN.match(inner):
            out.append("<" + _LOOSE_AMPERSAND.sub("&amp;", inner) + ">")
        else:
            _, bar, label = inner.partition("|")
            shown = label if bar and label.strip() else "<" + inner + ">"
            out.append(escape(unescape(shown)))
        position = match.end()
    out.append(_settle(text[position:]))
    return "".join(out)


def cut(text: str, limit: int) -> str:
    """Shorten Slack text without splitting a ``<…>`` token or an ``&…;`` entity."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    opened = head.rfind("<")
    if opened > head.rfind(">"):
        head = head[:opened]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]
    return head.rstrip() + "…"


def pack(items: list[str], limit: int, separator: str = ", ") -> list[str]:
    """Join ``items`` with ``separator`` into as few texts of at most ``limit`` characters as
    it takes, never splitting an item (an item longer than ``limit`` is cut with :func:`cut`)."""
    texts: list[str] = []
    current = ""
    for item in items:
        item = item if len(item) <= limit else cut(item, limit)
        joined = f"{current}{separator}{item}" if current else item
        if len(joined) <= limit:
            current = joined
            continue
        texts.append(current)
        current = item
    if current:
        texts.append(current)
    return texts


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut. Blind to
    ``<…>`` tokens and ``&…;`` entities; use :func:`cut` for escaped mrkdwn."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def mention_user(user_id: str) -> str:
    """A mention of a Slack user id (U…): it notifies them when posted."""
    return f"<@{user_id}>"


def mention_channel(channel_id: str) -> str:
    """A link to a channel by its Slack id (C… or G…)."""
    return f"<#{channel_id}>"


def section(text: str) -> dict[str, Any]:
    """A mrkdwn section block; ``text`` (already escaped) is cut to Slack's 3,000 characters
    (https://api.slack.com/reference/block-kit/blocks#section)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}


def context(*texts: str) -> dict[str, Any]:
    """A context block of mrkdwn elements: the first 10 texts (Slack's limit per block,
    https://api.slack.com/reference/block-kit/blocks#context), each cut to 3,000 characters."""
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate(t, 3000)} for t in texts[:10]],
    }


def modal(
    callback_id: str, title: str, submit: str, blocks: list[dict[str, Any]]
) -> dict[str, Any]:
    """A modal view with a Cancel button: ``title`` and ``submit`` are plain text (Slack caps
    both at 24 characters, https://api.slack.com/reference/surfaces/views)."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def multiline_input(block_id: str, action_id: str, label: str, max_length: int) -> dict[str, Any]:
    """A required multi-line plain-text input block of a modal, at most ``max_length``
    characters (Slack enforces it in the form)."""
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": {
            "type": "plain_text_input",
            "action_id": action_id,
            "multiline": True,
            "max_length": max_length,
        },
    }


def header(text: str) -> dict[str, Any]:
    """A header block; plain text, cut to Slack's 150 characters
    (https://api.slack.com/reference/block-kit/blocks#header)."""
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, 150)}}


def divider() -> dict[str, Any]:
    """A divider block (a horizontal rule)."""
    return {"type": "divider"}


def blocks_as_text(blocks: list[dict[str, Any]]) -> str:
    """A plain reading of Block Kit blocks, for previews and logs."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in ("section", "header"):
            lines.append(str(block.get("text", {}).get("text", "")))
        elif kind == "context":
            lines.append(" · ".join(str(e.get("text", "")) for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("—")
    return unescape("\n".join(lines))
