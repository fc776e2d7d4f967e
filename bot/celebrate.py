"""``/celebrate``: team leads post celebrations; anyone can list the coming milestones.

- ``/celebrate <message>`` (team leads) posts to the celebrations channel;
- ``/celebrate`` alone (team leads) opens a modal to pick an upcoming milestone and write;
- ``/celebrate list [days]`` (anyone) answers privately with every site's coming milestones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from bot import slack_text
from bot.config import WorkspaceConfig
from bot.outbox import Outgoing
from bot.slack_text import flag
from calendars.occasions import Occasion, by_milestone, calendar_for, kind_label

MAX_LENGTH = 1000
LIST_DEFAULT_DAYS, LIST_MAX_DAYS = 14, 90
MODAL_DAYS = 30
MODAL_CALLBACK = "celebrate_modal"
MILESTONE_BLOCK, MILESTONE_ACTION = "milestone", "milestone_choice"
MESSAGE_BLOCK, MESSAGE_ACTION = "message", "message_text"


@dataclass(frozen=True)
class Request:
    """What the command text asks for."""

    kind: str  # help | list | modal | post
    days: int = LIST_DEFAULT_DAYS
    text: str = ""
    problem: str | None = None


def parse(text: str) -> Request:
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


def usage(config: WorkspaceConfig) -> str:
    channel = slack_text.mention_channel(config.workspace.celebrations_channel)
    return (
        f"*/celebrate* — celebrate with every site in {channel}\n"
        f"• `/celebrate <message>` posts a celebration (team leads), e.g. "
        f"`/celebrate Manila hit 95% CSAT this week!`\n"
        f"• `/celebrate` opens a form to celebrate an upcoming milestone (team leads)\n"
        f"• `/celebrate list [days]` shows every site's milestones for the next "
        f"{LIST_DEFAULT_DAYS} days, or up to {LIST_MAX_DAYS} (anyone)"
    )


def refusal() -> str:
    return (
        "Only team leads can post with `/celebrate`. Tell your team lead what deserves "
        "celebrating and they can post it for the whole team. `/celebrate list` shows "
        "the milestones coming up at every site."
    )


def check_message(text: str) -> str | None:
    """Why a celebration text cannot be posted, or None when it can."""
    if not text.strip():
        return "Write what you are celebrating after `/celebrate`."
    if len(text) > MAX_LENGTH:
        return (
            f"That message is {len(text)} characters; please keep it under {MAX_LENGTH} "
            "and post again."
        )
    return None


# --------------------------------------------------------------------------- listing


def upcoming(config: WorkspaceConfig, today: date, days: int) -> list[list[Occasion]]:
    """Milestones from ``today`` for ``days`` days, one group per milestone and first day."""
    end = today + timedelta(days=days - 1)
    return by_milestone(calendar_for(config).occasions(today, end))


def describe(group: list[Occasion]) -> str:
    lead = group[0]
    sites = ", ".join(f"{flag(o.site.country)} {o.site.name}" for o in group)
    extras = [kind_label(lead)]
    if lead.days > 1:
        extras.append(f"{lead.days} days")
    if any(o.estimated for o in group):
        extras.append("date estimated")
    emoji = lead.content.emoji + " " if lead.content else ""
    name, where = slack_text.escape(lead.name), slack_text.escape(sites)
    return f"{emoji}*{name}* — {where} ({', '.join(extras)})"


@lru_cache(maxsize=64)
def list_text(config: WorkspaceConfig, today: date, days: int) -> str:
    """Cached per config, day and length: a burst of /celebrate list costs one computation."""
    groups = upcoming(config, today, days)
    heading = f"*Milestones at every site, next {days} day{'s' if days != 1 else ''}*"
    if not groups:
        return f"{heading}\nNothing in that window. Try `/celebrate list {LIST_MAX_DAYS}`."
    lines = [heading]
    current: date | None = None
    for group in groups[:60]:
        first_day = group[0].first_day
        if first_day != current:
            current = first_day
            when = "today" if first_day == today else f"{first_day:%a %d %b}"
            lines.append(f"\n*{when}*")
        lines.append("• " + describe(group))
    if len(groups) > 60:
        lines.append(f"…and {len(groups) - 60} more; ask for fewer days.")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the modal


def option_value(group: list[Occasion]) -> str:
    return f"{group[0].first_day.isoformat()}|{group[0].slug}"


def modal(config: WorkspaceConfig, today: date) -> dict[str, Any]:
    groups = upcoming(config, today, MODAL_DAYS)[:100]
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
    blocks.append(
        {
            "type": "input",
            "block_id": MESSAGE_BLOCK,
            "label": {"type": "plain_text", "text": "What are you celebrating?"},
            "element": {
                "type": "plain_text_input",
                "action_id": MESSAGE_ACTION,
                "multiline": True,
                "max_length": MAX_LENGTH,
            },
        }
    )
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "title": {"type": "plain_text", "text": "Celebrate"},
        "submit": {"type": "plain_text", "text": "Post"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def submitted(values: dict[str, Any]) -> tuple[str, str | None]:
    """The message and chosen milestone value from a modal submission's state."""
    message = values.get(MESSAGE_BLOCK, {}).get(MESSAGE_ACTION, {}).get("value") or ""
    selected = values.get(MILESTONE_BLOCK, {}).get(MILESTONE_ACTION, {}).get("selected_option")
    return message, (selected or {}).get("value")


def find_group(config: WorkspaceConfig, value: str | None) -> list[Occasion] | None:
    if not value or "|" not in value:
        return None
    day_text, slug = value.split("|", 1)
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        return None
    for group in upcoming(config, day, 1):
        if group[0].slug == slug:
            return group
    return None


# --------------------------------------------------------------------------- the post


def celebration(
    config: WorkspaceConfig,
    user_id: str,
    text: str,
    request_id: str,
    milestone: list[Occasion] | None = None,
) -> Outgoing:
    """The celebrations-channel post for a lead's message; ``request_id`` keeps it unique."""
    body = slack_text.user_text(text.strip())
    author = slack_text.mention_user(user_id)
    headline = f":tada: *{author} is celebrating*"
    fallback = f"🎉 {author} is celebrating: {body}"
    if milestone:
        lead = milestone[0]
        sites = ", ".join(f"{flag(o.site.country)} {o.site.name}" for o in milestone)
        emoji = lead.content.emoji + " " if lead.content else ""
        name = slack_text.escape(lead.name)
        headline += f" {emoji}*{name}* · {lead.first_day:%a %d %b} · {slack_text.escape(sites)}"
        fallback = f"🎉 {author} is celebrating {name}: {body}"
    blocks = [
        slack_text.section(f"{headline}\n{body}"),
        slack_text.context("Posted with `/celebrate` · react to join in"),
    ]
    return Outgoing(
        key=f"celebrate:{request_id}",
        method="chat.postMessage",
        payload={
            "channel": config.workspace.celebrations_channel,
            "text": fallback,
            "blocks": blocks,
            "unfurl_links": False,
        },
    )


def local_today(config: WorkspaceConfig, now: datetime) -> date:
    return now.astimezone(config.workspace.tz).date()
