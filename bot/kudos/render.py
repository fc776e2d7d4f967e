"""How kudos look in Slack: the feed post, its corrections, and the giver's confirmation.

Every piece of user text goes through :mod:`bot.infra.slack_text`, so nobody can make the
feed ping ``@channel`` or a user group; groups are named, never pinged.
"""

from __future__ import annotations

from typing import Any

from bot.infra import slack_text
from bot.infra.config import WorkspaceConfig
from bot.infra.models import Kudos, KudosSource
from bot.infra.outbox.queue import Outgoing
from calendars.countries import flag

SECTION_LIMIT = 2900  # characters of one quoted section (Slack caps a section at 3,000)


def feed_key(kudos: Kudos) -> str:
    """The outbox key of a kudos' feed post: ``kudos:<id>``."""
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
    """True when a recipient is at another (known) site than the giver."""
    sites = {r.site_key for r in kudos.recipients if r.site_key}
    return bool(kudos.giver_site_key and sites and sites != {kudos.giver_site_key})


def _person(config: WorkspaceConfig, user_id: str, site_key: str | None) -> str:
    site = config.site(site_key) if site_key else None
    where = f" ({flag(site.country)} {slack_text.escape(site.name)})" if site else ""
    return f"{slack_text.mention_user(user_id)}{where}"


def recipient_items(config: WorkspaceConfig | None, kudos: Kudos) -> list[str]:
    """Who is thanked, one item each: groups as 'the @night-shift team (8 people)' (named,
    never pinged), then people named themselves (with their site when ``config`` is given)."""
    parts = []
    for group_id, handle in kudos.groups:
        count = sum(1 for r in kudos.recipients if r.via_group == group_id)
        people = "person" if count == 1 else "people"
        parts.append(f"the {slack_text.escape(handle)} team ({count} {people})")
    for r in kudos.recipients:
        if not r.via_group:
            named = _person(config, r.user_id, r.site_key) if config else None
            parts.append(named or slack_text.mention_user(r.user_id))
    return parts


def recipients_text(kudos: Kudos) -> str:
    """'the @night-shift team (8 people) and <@U0BEN>' — groups named, never pinged."""
    parts = recipient_items(None, kudos)
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)


def thanks(config: WorkspaceConfig, kudos: Kudos) -> str:
    """The giver's private confirmation."""
    feed = slack_text.mention_channel(config.workspace.feed_channel)
    return f"👏 Your kudos to {recipients_text(kudos)} are on their way to {feed}."


def _body_sections(body: str, limit: int = SECTION_LIMIT) -> list[dict[str, Any]]:
    """The quoted message in as many sections as it needs."""
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
    """The ``chat.postMessage`` arguments of the feed post (channel, text, blocks)."""
    giver = _person(config, kudos.giver_id, kudos.giver_site_key)
    if kudos.groups:
        prefix, items = f"🙌 *Team kudos* from {giver} to ", [recipients_text(kudos)]
    else:
        prefix, items = f"👏 *Kudos* from {giver} to ", recipient_items(config, kudos)
    suffix = ""
    if kudos.origin_permalink:
        suffix = f" for <{kudos.origin_permalink}|this message>"
    elif kudos.source == KudosSource.REACTION:
        suffix = " for a message in a private conversation"
    headline = prefix + ", ".join(items) + suffix
    named: list[dict[str, Any]] = []
    if len(headline) > SECTION_LIMIT:  # many people: every one named, a section at a time
        everyone = recipient_items(config, kudos)
        headline = f"{prefix}{len(kudos.recipients)} people{suffix}:"
        named = [slack_text.section(text) for text in slack_text.pack(everyone, SECTION_LIMIT)]
    notes = []
    if crosses_kinds(config, kudos):
        notes.append("🤝 Across in-house and BPO")
    elif crosses_sites(kudos):
        notes.append("🌏 Across sites")
    if kudos.values:
        notes.append(" ".join(f"#{value}" for value in kudos.values))
    blocks = [slack_text.section(headline), *named]
    if kudos.message.strip():
        blocks += _body_sections(slack_text.user_text(kudos.message))
    if notes:
        blocks.append(slack_text.context(" · ".join(notes)))
    short = slack_text.user_text(slack_text.cut(kudos.message, 200))
    return {
        "channel": config.workspace.feed_channel,
        "text": f"Kudos from <@{kudos.giver_id}>: {short}",
        "blocks": blocks,
        "unfurl_links": False,
    }


def feed_message(config: WorkspaceConfig, kudos: Kudos) -> Outgoing:
    """The feed post as an outbox message under :func:`feed_key`."""
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
    """Put the feed post back as it was once withdrawn kudos are given again."""
    payload = feed_post(config, kudos)
    payload.pop("unfurl_links", None)
    payload["channel"] = {"$channel_of": feed_key(kudos)}
    payload["ts"] = {"$ts_of": feed_key(kudos)}
    return Outgoing(f"{feed_key(kudos)}:restored:{change_id}", "chat.update", payload)
