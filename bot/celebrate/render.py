"""How /celebrate answers and posts: help, refusal, the milestone list, the celebration."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from bot.celebrate.listing import Group, upcoming
from bot.celebrate.rules import LIST_DEFAULT_DAYS, LIST_MAX_DAYS
from bot.infra import slack_text
from bot.infra.config import WorkspaceConfig
from bot.infra.outbox.queue import Outgoing
from calendars.countries import flag
from calendars.occasions import day_off_labels, kind_label

LIST_LIMIT = 60  # milestone lines in one /celebrate list answer


def usage(config: WorkspaceConfig) -> str:
    """``/celebrate help``."""
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
    """What someone who is not a team lead is told."""
    return (
        "Only team leads can post with `/celebrate`. Tell your team lead what deserves "
        "celebrating and they can post it for the whole team. `/celebrate list` shows "
        "the milestones coming up at every site."
    )


def describe(group: Group) -> str:
    """One mrkdwn line: emoji, name, the sites that share it, kind, length, estimated."""
    lead = group[0]
    sites = ", ".join(f"{flag(o.site.country)} {o.site.name}" for o in group)
    extras = [kind_label(lead)]
    if lead.days > 1:
        extras.append(f"{lead.days} days")
    if any(o.estimated for o in group):
        extras.append("date estimated")
    extras += day_off_labels(group)
    emoji = lead.content.emoji + " " if lead.content else ""
    name, where = slack_text.escape(lead.name), slack_text.escape(sites)
    return f"{emoji}*{name}* — {where} ({', '.join(extras)})"


@lru_cache(maxsize=64)
def list_text(config: WorkspaceConfig, today: date, days: int) -> str:
    """``/celebrate list [days]``: the milestones from ``today`` (workspace date) for
    ``days`` days, grouped by first day, at most LIST_LIMIT lines. Cached per config, day and
    length: a burst of requests costs one computation."""
    groups = upcoming(config, today, days)
    heading = f"*Milestones at every site, next {days} day{'s' if days != 1 else ''}*"
    if not groups:
        return f"{heading}\nNothing in that window. Try `/celebrate list {LIST_MAX_DAYS}`."
    lines = [heading]
    current: date | None = None
    for group in groups[:LIST_LIMIT]:
        first_day = group[0].first_day
        if first_day != current:
            current = first_day
            when = "today" if first_day == today else f"{first_day:%a %d %b}"
            lines.append(f"\n*{when}*")
        lines.append("• " + describe(group))
    if len(groups) > LIST_LIMIT:
        lines.append(f"…and {len(groups) - LIST_LIMIT} more; ask for fewer days.")
    return "\n".join(lines)


def celebration(
    config: WorkspaceConfig,
    user_id: str,
    text: str,
    request_id: str,
    milestone: Group | None = None,
) -> Outgoing:
    """The celebrations-channel post for a lead's message (Slack's escaped text), linked to
    ``milestone`` when one was chosen; ``request_id`` keys it (``celebrate:<request_id>``).

    Args:
        user_id: the lead (U…), mentioned as the author.
        text: the message; mentions and links stay live, special mentions do not
            (:func:`slack_text.user_text`).

    Returns:
        The ``chat.postMessage`` to enqueue.
    """
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
