"""Slack's documented Block Kit limits, checked by the fake Slack on every payload it is sent,
so a message or view Slack would refuse fails in the tests the way it would in production:
``{"ok": false, "error": "invalid_blocks"}``.

Sources: https://api.slack.com/reference/block-kit/blocks (50 blocks in a message, 100 in a
view; section text 3,000 characters; context up to 10 elements; header 150 characters; an
input's label 2,000), https://api.slack.com/reference/block-kit/composition-objects (option
text 75 characters), https://api.slack.com/reference/block-kit/block-elements (static select
up to 100 options), https://api.slack.com/reference/surfaces/views (title and buttons 24).
"""

from __future__ import annotations

from typing import Any

MESSAGE_BLOCKS, VIEW_BLOCKS = 50, 100


def problems(blocks: object, *, view: bool) -> list[str]:
    """What Slack would refuse in ``blocks`` (a message's or a view's); empty when fine."""
    if not isinstance(blocks, list):
        return ["blocks must be a list"]
    found: list[str] = []
    limit = VIEW_BLOCKS if view else MESSAGE_BLOCKS
    if len(blocks) > limit:
        found.append(f"{len(blocks)} blocks, more than {limit}")
    for index, block in enumerate(blocks):
        found += [f"blocks[{index}]: {why}" for why in _block(block)]
    return found


def view_problems(view: object) -> list[str]:
    """What Slack would refuse in a view (its title, buttons and blocks)."""
    if not isinstance(view, dict):
        return ["view must be an object"]
    found = problems(view.get("blocks") or [], view=True)
    for name in ("title", "submit", "close"):
        text = _text(view.get(name))
        if text is not None and len(text) > 24:
            found.append(f"{name} is {len(text)} characters, more than 24")
    return found


def _text(obj: object) -> str | None:
    return obj.get("text") if isinstance(obj, dict) and isinstance(obj.get("text"), str) else None


def _block(block: Any) -> list[str]:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return ["a block must be an object with a type"]
    kind = block["type"]
    found = []
    if kind == "section":
        text = _text(block.get("text"))
        if text is not None and len(text) > 3000:
            found.append(f"section text is {len(text)} characters, more than 3000")
    elif kind == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 10:
            found.append(f"context has {len(elements)} elements, not 1 to 10")
    elif kind == "header":
        text = _text(block.get("text")) or ""
        if len(text) > 150:
            found.append(f"header is {len(text)} characters, more than 150")
    elif kind == "input":
        label = _text(block.get("label")) or ""
        if len(label) > 2000:
            found.append("input label over 2000 characters")
        element = block.get("element") or {}
        options = element.get("options") or []
        if len(options) > 100:
            found.append(f"{len(options)} options, more than 100")
        for option in options:
            text = _text(option.get("text")) if isinstance(option, dict) else None
            if text is None or len(text) > 75:
                found.append("an option's text is missing or over 75 characters")
    return found
