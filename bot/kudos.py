"""Kudos: the rules of giving recognition, the records, and the feed post.

Pure rules here (they take ``session``, ``now`` and plain data); the Slack look-ups they
need (who a user is, who is in a user group) happen in ``bot/giving.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import slack_text
from bot.config import Site, WorkspaceConfig
from bot.db import insert_if_absent
from bot.models import Kudos, KudosRecipient
from bot.outbox import Outgoing
from bot.slack_text import flag

MAX_LENGTH = 1000
EXCERPT_LENGTH = 200

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
    """What a /kudos text asks for, before anyone is looked up."""

    users: tuple[str, ...]
    groups: tuple[tuple[str, str], ...]  # (id, handle such as "@leads")
    message: str  # Slack text without the leading mentions


def parse(text: str) -> Draft:
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


def too_long(message: str) -> str:
    return (
        f"That message is {len(message)} characters; kudos are limited to {MAX_LENGTH:,}. "
        "Shorten it and send again."
    )


@dataclass(frozen=True)
class Refusal:
    """Why kudos cannot be given, and whether it is about the recipients or the message."""

    text: str
    about: str = "recipients"


def check_draft(draft: Draft, giver_id: str) -> Refusal | None:
    """Refusals that need no look-up: no recipient, only yourself, empty or long message."""
    if not draft.users and not draft.groups:
        return Refusal(NO_RECIPIENT)
    if not draft.groups and set(draft.users) == {giver_id}:
        return Refusal(ONLY_SELF)
    return check_message(draft.message)


def check_message(message: str) -> Refusal | None:
    plain = slack_text.unescape(message).strip()
    if not plain:
        return Refusal(EMPTY, "message")
    if len(plain) > MAX_LENGTH:
        return Refusal(too_long(plain), "message")
    return None


def cannot_receive(names: list[str]) -> str:
    who = ", ".join(names)
    verb = "is a bot or a deactivated account" if len(names) == 1 else "are bots or deactivated"
    return f"{who} {verb} and can't receive kudos. Mention the people you want to thank instead."


def values_in(message: str, config: WorkspaceConfig) -> list[str]:
    """Company-value hashtags (``#teamwork``) in the message, as configured in [kudos]."""
    wanted = set(config.kudos.values)
    found: list[str] = []
    for tag in HASHTAG.findall(slack_text.unescape(message)):
        tag = tag.lower()
        if tag in wanted and tag not in found:
            found.append(tag)
    return found


# --------------------------------------------------------------------------- the allowance


def local_midnight(now: datetime, zone: ZoneInfo) -> datetime:
    return datetime.combine(now.astimezone(zone).date(), time(0), zone)


def given_today(
    session: Session, team_id: str, giver_id: str, now: datetime, zone: ZoneInfo
) -> int:
    """Kudos the giver gave since midnight *in their own timezone* (withdrawn ones free up)."""
    since = local_midnight(now, zone)
    return int(
        session.scalar(
            select(func.count(Kudos.id)).where(
                Kudos.team_id == team_id,
                Kudos.giver_id == giver_id,
                Kudos.created_at >= since,
                Kudos.withdrawn_at.is_(None),
            )
        )
        or 0
    )


def over_limit(limit: int, now: datetime, zone: ZoneInfo) -> str:
    reset = local_midnight(now, zone) + timedelta(days=1)
    minutes = max(1, int((reset - now).total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    left = f"{hours} h {minutes} min" if hours else f"{minutes} min"
    return (
        f"You have given your {limit} kudos for today. Your allowance resets at midnight "
        f"your time (in {left}). Until then, a thank-you in the thread still counts!"
    )


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Recipient:
    user_id: str
    team_id: str | None
    site_key: str | None
    via_group: str | None = None  # the user group they were thanked through


@dataclass
class NewKudos:
    team_id: str
    source: str  # command | reaction | shortcut
    source_key: str
    giver_id: str
    giver_team_id: str | None
    giver_site_key: str | None
    message: str
    recipients: list[Recipient]
    groups: list[tuple[str, str]] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    origin_channel_id: str | None = None
    origin_ts: str | None = None
    origin_permalink: str | None = None


def record(session: Session, new: NewKudos, now: datetime) -> Kudos | None:
    """Store the kudos and its recipients; None if ``source_key`` was already recorded."""
    kudos_id = insert_if_absent(
        session,
        Kudos,
        {
            "team_id": new.team_id,
            "source": new.source,
            "source_key": new.source_key,
            "giver_id": new.giver_id,
            "giver_team_id": new.giver_team_id,
            "giver_site_key": new.giver_site_key,
            "message": new.message,
            "is_team": bool(new.groups),
            "values": new.values,
            "groups": [list(g) for g in new.groups],
            "origin_channel_id": new.origin_channel_id,
            "origin_ts": new.origin_ts,
            "origin_permalink": new.origin_permalink,
            "created_at": now,
        },
        ["team_id", "source_key"],
    )
    if kudos_id is None:
        return None
    for recipient in new.recipients:
        session.add(
            KudosRecipient(
                team_id=new.team_id,
                kudos_id=kudos_id,
                user_id=recipient.user_id,
                user_team_id=recipient.team_id,
                site_key=recipient.site_key,
                via_group=recipient.via_group,
            )
        )
    session.flush()
    return session.get(Kudos, kudos_id)


def by_source_key(session: Session, team_id: str, source_key: str) -> Kudos | None:
    return session.scalar(
        select(Kudos).where(Kudos.team_id == team_id, Kudos.source_key == source_key)
    )


# --------------------------------------------------------------------------- the feed post


def feed_key(kudos: Kudos) -> str:
    return f"kudos:{kudos.id}"


def crosses_kinds(config: WorkspaceConfig, kudos: Kudos) -> bool:
    """True when kudos go between an in-house site and a BPO site."""
    kinds = set()
    for key in [kudos.giver_site_key, *(r.site_key for r in kudos.recipients)]:
        site = config.site(key) if key else None
        if site:
            kinds.add(site.kind)
    return len(kinds) > 1


def crosses_sites(kudos: Kudos) -> bool:
    sites = {r.site_key for r in kudos.recipients if r.site_key}
    return bool(kudos.giver_site_key and sites and sites != {kudos.giver_site_key})


def _person(config: WorkspaceConfig, user_id: str, site_key: str | None) -> str:
    site: Site | None = config.site(site_key) if site_key else None
    where = f" ({flag(site.country)} {slack_text.escape(site.name)})" if site else ""
    return f"{slack_text.mention_user(user_id)}{where}"


def recipients_text(kudos: Kudos) -> str:
    """'the @night-shift team (8 people) and <@U0BEN>' — groups named, never pinged."""
    parts = []
    for group_id, handle in kudos.groups:
        count = sum(1 for r in kudos.recipients if r.via_group == group_id)
        people = "person" if count == 1 else "people"
        parts.append(f"the {slack_text.escape(handle)} team ({count} {people})")
    parts += [slack_text.mention_user(r.user_id) for r in kudos.recipients if not r.via_group]
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)


def _body_sections(body: str, limit: int = 2900) -> list[dict[str, Any]]:
    """The quoted message in as many sections as it needs (Slack caps one at 3,000)."""
    quoted = "\n".join("> " + line for line in body.splitlines() or [""])
    sections = []
    while quoted:
        piece = quoted if len(quoted) <= limit else slack_text.cut(quoted, limit).removesuffix("…")
        if not piece:  # a single token longer than the limit: split it anyway
            piece = quoted[:limit]
        sections.append(slack_text.section(piece))
        quoted = quoted[len(piece) :].lstrip("\n")
        if quoted and not quoted.startswith(">"):
            quoted = "> " + quoted
    return sections


def feed_post(config: WorkspaceConfig, kudos: Kudos) -> dict[str, Any]:
    giver = _person(config, kudos.giver_id, kudos.giver_site_key)
    if kudos.groups:
        headline = f"🙌 *Team kudos* from {giver} to {recipients_text(kudos)}"
    else:
        to = ", ".join(_person(config, r.user_id, r.site_key) for r in kudos.recipients)
        headline = f"👏 *Kudos* from {giver} to {to}"
    if kudos.origin_permalink:
        headline += f" for <{kudos.origin_permalink}|this message>"
    elif kudos.source == "reaction":
        headline += " for a message in a private conversation"
    notes = []
    if crosses_kinds(config, kudos):
        notes.append("🤝 Across in-house and BPO")
    elif crosses_sites(kudos):
        notes.append("🌏 Across sites")
    if kudos.values:
        notes.append(" ".join(f"#{value}" for value in kudos.values))
    blocks = [slack_text.section(headline)]
    if kudos.message.strip():
        blocks += _body_sections(slack_text.user_text(kudos.message))
    if notes:
        blocks.append(slack_text.context(" · ".join(notes)))
    short = slack_text.user_text(slack_text.cut(kudos.message, 200))
    fallback = f"Kudos from <@{kudos.giver_id}>: {short}"
    return {
        "channel": config.workspace.feed_channel,
        "text": fallback,
        "blocks": blocks,
        "unfurl_links": False,
    }


def feed_message(config: WorkspaceConfig, kudos: Kudos) -> Outgoing:
    return Outgoing(feed_key(kudos), "chat.postMessage", feed_post(config, kudos))


def withdrawn_update(kudos: Kudos, change_id: str) -> Outgoing:
    """Rewrite the feed post once its kudos are withdrawn, so the feed is never left wrong."""
    text = f"Kudos from <@{kudos.giver_id}> were withdrawn."
    return Outgoing(
        f"{feed_key(kudos)}:withdrawn:{change_id}",
        "chat.update",
        {
            "channel": {"$channel_of": feed_key(kudos)},
            "ts": {"$ts_of": feed_key(kudos)},
            "text": text,
            "blocks": [slack_text.context(f"~Kudos~ {text}")],
        },
    )


def restored_update(config: WorkspaceConfig, kudos: Kudos, change_id: str) -> Outgoing:
    payload = feed_post(config, kudos)
    payload.pop("unfurl_links", None)
    payload["channel"] = {"$channel_of": feed_key(kudos)}
    payload["ts"] = {"$ts_of": feed_key(kudos)}
    return Outgoing(f"{feed_key(kudos)}:restored:{change_id}", "chat.update", payload)


def excerpt(text: str) -> str:
    """A short quote of a Slack message, still in Slack's own (escaped) form."""
    return slack_text.cut(" ".join(text.split()), EXCERPT_LENGTH)


# --------------------------------------------------------------------------- the modal

MODAL_CALLBACK = "kudos_modal"
RECIPIENTS_BLOCK, RECIPIENTS_ACTION = "recipients", "recipients_choice"
MESSAGE_BLOCK, MESSAGE_ACTION = "message", "message_text"


def modal(author_id: str | None) -> dict[str, Any]:
    """The "Give kudos" form, with the message's author already chosen."""
    people: dict[str, Any] = {
        "type": "multi_users_select",
        "action_id": RECIPIENTS_ACTION,
        "placeholder": {"type": "plain_text", "text": "Who are you thanking?"},
        "max_selected_items": 20,
    }
    if author_id:
        people["initial_users"] = [author_id]
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "title": {"type": "plain_text", "text": "Give kudos"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": RECIPIENTS_BLOCK,
                "label": {"type": "plain_text", "text": "To"},
                "element": people,
            },
            {
                "type": "input",
                "block_id": MESSAGE_BLOCK,
                "label": {"type": "plain_text", "text": "What did they do?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": MESSAGE_ACTION,
                    "multiline": True,
                    "max_length": MAX_LENGTH,
                },
            },
        ],
    }


def draft_from_modal(values: dict[str, Any]) -> Draft:
    users = values.get(RECIPIENTS_BLOCK, {}).get(RECIPIENTS_ACTION, {}).get("selected_users") or []
    message = values.get(MESSAGE_BLOCK, {}).get(MESSAGE_ACTION, {}).get("value") or ""
    # typed into a plain-text field, so it is raw text: escape it like Slack escapes messages
    return Draft(tuple(dict.fromkeys(users)), (), slack_text.escape(message.strip()))


def sent_view(reply: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Give kudos"},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": [slack_text.section(reply)],
    }
