"""The "Give kudos" form (message shortcut): the modal, reading its answers, the result view."""

from __future__ import annotations

from typing import Any

from bot.infra import slack_text
from bot.kudos.rules import MAX_LENGTH, Draft

MODAL_CALLBACK = "kudos_modal"
RECIPIENTS_BLOCK, RECIPIENTS_ACTION = "recipients", "recipients_choice"
MESSAGE_BLOCK, MESSAGE_ACTION = "message", "message_text"


def modal(author_id: str | None) -> dict[str, Any]:
    """The form, with the message's author (``author_id``) already chosen when known."""
    people: dict[str, Any] = {
        "type": "multi_users_select",
        "action_id": RECIPIENTS_ACTION,
        "placeholder": {"type": "plain_text", "text": "Who are you thanking?"},
        "max_selected_items": 20,
    }
    if author_id:
        people["initial_users"] = [author_id]
    recipients = {
        "type": "input",
        "block_id": RECIPIENTS_BLOCK,
        "label": {"type": "plain_text", "text": "To"},
        "element": people,
    }
    message = slack_text.multiline_input(
        MESSAGE_BLOCK, MESSAGE_ACTION, "What did they do?", MAX_LENGTH
    )
    return slack_text.modal(MODAL_CALLBACK, "Give kudos", "Send", [recipients, message])


def draft_from_modal(values: dict[str, Any]) -> Draft:
    """The form's answers (``view.state.values``) as a Draft."""
    users = values.get(RECIPIENTS_BLOCK, {}).get(RECIPIENTS_ACTION, {}).get("selected_users") or []
    message = values.get(MESSAGE_BLOCK, {}).get(MESSAGE_ACTION, {}).get("value") or ""
    # typed into a plain-text field, so it is raw text: escape it like Slack escapes messages
    return Draft(tuple(dict.fromkeys(users)), (), slack_text.escape(message.strip()))


def field_for(about: str) -> str:
    """The block a refusal belongs under: the message field or the recipients field."""
    return MESSAGE_BLOCK if about == "message" else RECIPIENTS_BLOCK


def sent_view(reply: str) -> dict[str, Any]:
    """The form replaced by its outcome (sent, or why not)."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Give kudos"},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": [slack_text.section(reply)],
    }
