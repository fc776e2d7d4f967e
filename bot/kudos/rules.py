"""The rules of giving kudos, as pure functions: what a /kudos text asks for, what is refused
and why, which company values it names, and when the daily allowance resets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.infra import slack_text

MAX_LENGTH = 1000  # characters of a kudos message
EXCERPT_LENGTH = 200  # characters quoted from a reacted-to message

USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
GROUP_MENTION = re.compile(r"<!subteam\^(S[A-Z0-9]+)(?:\|([^<>]*))?>")
LEADING_MENTIONS = re.compile(
    r"^(?:\s*(?:<@[UW][A-Z0-9]+(?:\|[^<>]*)?>|<!subteam\^S[A-Z0-9]+(?:\|[^<>]*)?>)"
    r"(?:[\s,;:]|&amp;|and\b)*)+"
)
HASHTAG = re.compile(r"(?<![\w&#])#([A-Za-z0-9][A-Za-z0-9_-]{0,39})")

NO_RECIPIENT = (
    "Mention who you are thanking, then what they did: "
    "`/kudos @ana @leads thanks for covering the late queue!`"
)
ONLY_SELF = (
    "Kudos are for others 🙂 Mention the colleagues who helped you: `/kudos @name what they did`."
)
EMPTY = (
    "Add what they did, so the feed can tell the story: "
    "`/kudos @ana thanks for covering the late queue!`"
)


@dataclass(frozen=True)
class Draft:
    """What a /kudos text or the form asks for, before anyone is looked up.

    Attributes:
        users: user ids mentioned, in order, without repeats.
        groups: (user group id, handle such as "@leads") pairs.
        message: Slack's escaped text without the leading mentions.
    """

    users: tuple[str, ...]
    groups: tuple[tuple[str, str], ...]
    message: str


@dataclass(frozen=True)
class Refusal:
    """Why kudos cannot be given; ``about`` is "recipients" or "message" (the form's field)."""

    text: str
    about: str = "recipients"


def parse(text: str) -> Draft:
    """Read a /kudos command's text (Slack's escaped form, mentions as ``<@U…>`` tokens)."""
    users: list[str] = []
    for user_id in USER_MENTION.findall(text):
        if user_id not in users:
            users.append(user_id)
    groups: list[tuple[str, str]] = []
    for group_id, handle in GROUP_MENTION.findall(text):
        if group_id not in [g for g, _ in groups]:
            groups.append((group_id, handle or group_id))
    message = LEADING_MENTIONS.sub("", text, count=1).strip()
    return Draft(tuple(users), tuple(groups), message)


def check_draft(draft: Draft, giver_id: str) -> Refusal | None:
    """Refusals that need no look-up: no recipient, only yourself, an empty or long message."""
    if not draft.users and not draft.groups:
        return Refusal(NO_RECIPIENT)
    if not draft.groups and set(draft.users) == {giver_id}:
        return Refusal(ONLY_SELF)
    return check_message(draft.message)


def check_message(message: str) -> Refusal | None:
    """An empty message, or one over MAX_LENGTH characters once unescaped, is refused."""
    plain = slack_text.unescape(message).strip()
    if not plain:
        return Refusal(EMPTY, "message")
    if len(plain) > MAX_LENGTH:
        return Refusal(
            f"That message is {len(plain)} characters; kudos are limited to {MAX_LENGTH:,}. "
            "Shorten it and send again.",
            "message",
        )
    return None


def cannot_receive(names: list[str]) -> Refusal:
    """Named recipients who are bots, deactivated or unknown to Slack."""
    who = ", ".join(names)
    verb = "is a bot or a deactivated account" if len(names) == 1 else "are bots or deactivated"
    return Refusal(
        f"{who} {verb} and can't receive kudos. Mention the people you want to thank instead."
    )


def cannot_see(names: list[str]) -> Refusal:
    """Named recipients Slack will not show lantern (``user_not_found``, ``user_not_visible``:
    someone outside the workspace, or hidden from the app)."""
    who = ", ".join(names)
    return Refusal(
        f"I can't see {who} in this workspace, so I can't send them kudos. Mention colleagues "
        "who are in it, or ask an admin to add the app to a channel you share."
    )


def empty_group(handle: str) -> Refusal:
    """A user group with nobody who can receive kudos in it."""
    return Refusal(
        f"I can't see anyone in {slack_text.escape(handle)}. Check the group, or "
        "mention the people you want to thank."
    )


def values_in(message: str, wanted: tuple[str, ...]) -> list[str]:
    """Company-value hashtags (``#teamwork``) in ``message`` that are among ``wanted`` (the
    ``[kudos] values`` of the config), lowercased, in order, without repeats."""
    found: list[str] = []
    for tag in HASHTAG.findall(slack_text.unescape(message)):
        tag = tag.lower()
        if tag in wanted and tag not in found:
            found.append(tag)
    return found


def local_midnight(now: datetime, zone: ZoneInfo) -> datetime:
    """The start of ``now``'s day in ``zone``: when a giver's allowance was last reset."""
    return datetime.combine(now.astimezone(zone).date(), time(0), zone)


def allowance_refusal(given: int, limit: int, now: datetime, zone: ZoneInfo) -> Refusal | None:
    """Refuse once ``given`` (today, in the giver's ``zone``) reaches ``limit``; the text says
    when the allowance resets, in hours and minutes."""
    if given < limit:
        return None
    reset = local_midnight(now, zone) + timedelta(days=1)
    minutes = max(1, int((reset - now).total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    left = f"{hours} h {minutes} min" if hours else f"{minutes} min"
    return Refusal(
        f"You have given your {limit} kudos for today. Your allowance resets at midnight "
        f"your time (in {left}). Until then, a thank-you in the thread still counts!",
        "message",
    )


def excerpt(text: str) -> str:
    """A short quote of a Slack message, still in Slack's own (escaped) form."""
    return slack_text.cut(" ".join(text.split()), EXCERPT_LENGTH)


def reaction_key(channel: Any, ts: Any, reactor: Any) -> str:
    """The natural key of reaction kudos: once per reactor and message."""
    return f"reaction:{channel}:{ts}:{reactor}"


def change_id(event: dict[str, Any], now: datetime) -> str:
    """What tells one edit of a feed post from another: the event's time."""
    return str(event.get("event_ts") or now.timestamp())


def is_kudos_reaction(reaction: object, emoji: str) -> bool:
    """Whether a reaction name (``clap`` or ``clap::skin-tone-2``) is the kudos ``emoji``."""
    return str(reaction or "").split("::", 1)[0] == emoji
