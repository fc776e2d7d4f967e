"""The /celebrate modal: pick an upcoming milestone (optional) and write the message."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.celebrate.listing import option_value, upcoming
from bot.celebrate.rules import MAX_LENGTH
from bot.infra import slack_text
from bot.infra.config import WorkspaceConfig

MODAL_DAYS = 30  # how far ahead the milestone menu reaches
# Slack's cap on a static_select's options (and 75 characters per option text, below):
# https://api.slack.com/reference/block-kit/block-elements#static_select
MENU_LIMIT = 100
MODAL_CALLBACK = "celebrate_modal"
MILESTONE_BLOCK, MILESTONE_ACTION = "milestone", "milestone_choice"
MESSAGE_BLOCK, MESSAGE_ACTION = "message", "message_text"


def modal(config: WorkspaceConfig, today: date) -> dict[str, Any]:
    """The form, with the milestones of the next MODAL_DAYS days from ``today`` (a date in the
    workspace timezone) to pick from: at most MENU_LIMIT options, each label cut to Slack's
    75 characters; the message field takes up to MAX_LENGTH characters.

    Returns:
        The ``views.open`` view (callback MODAL_CALLBACK).
    """
    groups = upcoming(config, today, MODAL_DAYS)[:MENU_LIMIT]
    blocks: list[dict[str, Any]] = []
    if groups:
        options = []
        for group in groups:
            lead = group[0]
            sites = ", ".join(o.site.name for o in group)
            label = f"{lead.first_day:%d %b} · {lead.name} · {sites}"
            options.append(
                {
                    "text": {"type": "plain_text", "text": slack_text.truncate(label, 75)},
                    "value": option_value(group),
                }
            )
        blocks.append(
            {
                "type": "input",
                "block_id": MILESTONE_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Milestone (optional)"},
                "element": {
                    "type": "static_select",
                    "action_id": MILESTONE_ACTION,
                    "placeholder": {"type": "plain_text", "text": "Pick an upcoming milestone"},
                    "options": options,
                },
            }
        )
    else:
        blocks.append(slack_text.context(f"No milestones in the next {MODAL_DAYS} days."))
    label = "What are you celebrating?"
    blocks.append(slack_text.multiline_input(MESSAGE_BLOCK, MESSAGE_ACTION, label, MAX_LENGTH))
    return slack_text.modal(MODAL_CALLBACK, "Celebrate", "Post", blocks)


def refusal_view(reason: str) -> dict[str, Any]:
    """The form replaced by why it cannot be used (``reason``, mrkdwn)."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Celebrate"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [slack_text.section(reason)],
    }


def submitted(values: dict[str, Any]) -> tuple[str, str | None]:
    """The raw message ("" if empty) and the chosen milestone's option value (None if none)
    from ``view.state.values``. The message is as typed, not escaped."""
    message = values.get(MESSAGE_BLOCK, {}).get(MESSAGE_ACTION, {}).get("value") or ""
    selected = values.get(MILESTONE_BLOCK, {}).get(MILESTONE_ACTION, {}).get("selected_option")
    return message, (selected or {}).get("value")
