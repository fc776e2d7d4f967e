"""Giving kudos from a command, a modal or a reaction: look people up, apply the rules,
record, and queue the feed post. Callers own the session (and commit it)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot import kudos as rules
from bot import slack_text
from bot.config import WorkspaceConfig
from bot.membership import sites_of
from bot.models import Kudos
from bot.outbox import cancel, enqueue, revive, status_of
from bot.people import Directory
from bot.roles import Roles

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What happened, what to tell the giver, and what was queued for Slack."""

    reply: str | None
    kudos: Kudos | None = None
    queued: list[str] = field(default_factory=list)
    about: str = "recipients"  # what a refusal is about: "recipients" or "message"


class Giving:
    def __init__(
        self, config: WorkspaceConfig, client: WebClient, directory: Directory, roles: Roles
    ) -> None:
        self.config = config
        self.client = client
        self.directory = directory
        self.roles = roles

    # ---- from /kudos or the modal

    def give(
        self,
        session: Session,
        *,
        team_id: str,
        giver_id: str,
        draft: rules.Draft,
        source: str,
        source_key: str,
        now: datetime,
    ) -> Outcome:
        refusal = rules.check_draft(draft, giver_id)
        if refusal:
            return Outcome(refusal.text, about=refusal.about)
        existing = rules.by_source_key(session, team_id, source_key)
        if existing is not None:  # the same request again: answer as the first time
            return Outcome(self._thanks(existing), existing)

        unable = []
        people = {}
        for user_id in draft.users:
            if user_id == giver_id:
                continue
            person = self.directory.get(user_id)
            if person is None or not person.can_receive:
                unable.append(slack_text.mention_user(user_id))
            else:
                people[user_id] = person
        if unable:
            return Outcome(rules.cannot_receive(unable))
        members: list[str] = []
        for group_id, handle in draft.groups:
            found = self.roles.group_members(group_id)
            if not found:
                return Outcome(
                    f"I can't see anyone in {slack_text.escape(handle)}. Check the group, or "
                    "mention the people you want to thank."
                )
            members += sorted(found)
        recipient_ids = _unique([*people, *members], exclude=giver_id)
        if not recipient_ids:
            return Outcome(rules.ONLY_SELF)

        giver = self.directory.get(giver_id)
        over = self._over_allowance(session, team_id, giver_id, giver, now)
        if over:
            return Outcome(over, about="message")
        new = self._new_kudos(
            session,
            team_id=team_id,
            giver_id=giver_id,
            giver_team=giver.team_id if giver else None,
            recipient_ids=recipient_ids,
            people_teams={uid: p.team_id for uid, p in people.items()},
            source=source,
            source_key=source_key,
            message=draft.message,
            groups=list(draft.groups),
        )
        return self._record(session, new, now)

    # ---- from a reaction

    def react(
        self, session: Session, *, team_id: str, event: dict[str, Any], now: datetime
    ) -> Outcome:
        """reaction_added with the kudos emoji: kudos to the message's author, once per
        reactor and message (a retried or repeated event finds the same natural key)."""
        item = event.get("item") or {}
        channel, ts = item.get("channel"), item.get("ts")
        reactor, author = event.get("user"), event.get("item_user")
        if item.get("type") != "message" or not (channel and ts and reactor):
            return Outcome(None)
        source_key = f"reaction:{channel}:{ts}:{reactor}"
        existing = rules.by_source_key(session, team_id, source_key)
        if existing is not None:
            if existing.withdrawn_at is None:
                return Outcome(None, existing)
            return self._restore(session, team_id, existing, str(event.get("event_ts") or now), now)
        original = self._message(channel, ts)
        author = author or (original or {}).get("user")
        if not author or author == reactor:
            return Outcome(None)
        person = self.directory.get(author)
        if person is None or not person.can_receive:
            return Outcome(None)
        reactor_person = self.directory.get(reactor)
        refusal = self._over_allowance(session, team_id, reactor, reactor_person, now)
        if refusal:
            return Outcome(refusal)
        new = self._new_kudos(
            session,
            team_id=team_id,
            giver_id=reactor,
            giver_team=reactor_person.team_id if reactor_person else None,
            recipient_ids=[author],
            people_teams={author: person.team_id},
            source="reaction",
            source_key=source_key,
            message=rules.excerpt((original or {}).get("text") or ""),
            groups=[],
        )
        new.origin_channel_id, new.origin_ts = channel, ts
        new.origin_permalink = self._permalink(channel, ts)
        return self._record(session, new, now)

    def unreact(
        self, session: Session, *, team_id: str, event: dict[str, Any], now: datetime
    ) -> Outcome:
        """reaction_removed: withdraw those kudos and correct the feed post."""
        item = event.get("item") or {}
        source_key = f"reaction:{item.get('channel')}:{item.get('ts')}:{event.get('user')}"
        kudos = rules.by_source_key(session, team_id, source_key)
        if kudos is None or kudos.withdrawn_at is not None:
            return Outcome(None, kudos)
        kudos.withdrawn_at = now
        if cancel(session, team_id, rules.feed_key(kudos)):
            return Outcome(None, kudos)  # never posted, so nothing to correct
        change = rules.withdrawn_update(self.config, kudos, str(event.get("event_ts") or now))
        enqueue(session, team_id, change, now)
        return Outcome(None, kudos, [change.key])

    # ---- helpers

    def _restore(
        self, session: Session, team_id: str, kudos: Kudos, change_id: str, now: datetime
    ) -> Outcome:
        kudos.withdrawn_at = None
        key = rules.feed_key(kudos)
        if revive(session, team_id, key) or status_of(session, team_id, key) != "sent":
            return Outcome(None, kudos, [key])
        change = rules.restored_update(self.config, kudos, change_id)
        enqueue(session, team_id, change, now)
        return Outcome(None, kudos, [change.key])

    def _over_allowance(
        self, session: Session, team_id: str, giver_id: str, giver: Any, now: datetime
    ) -> str | None:
        zone = (giver.zone if giver else None) or self.config.workspace.tz
        limit = self.config.kudos.daily_limit
        if rules.given_today(session, team_id, giver_id, now, zone) >= limit:
            return rules.over_limit(limit, now, zone)
        return None

    def _new_kudos(
        self,
        session: Session,
        *,
        team_id: str,
        giver_id: str,
        giver_team: str | None,
        recipient_ids: Sequence[str],
        people_teams: dict[str, str | None],
        source: str,
        source_key: str,
        message: str,
        groups: list[tuple[str, str]],
    ) -> rules.NewKudos:
        sites = sites_of(session, team_id, [giver_id, *recipient_ids])
        order = [site.key for site in self.config.sites]

        def site_of(user_id: str) -> str | None:
            keys = [k for k in sites.get(user_id, []) if k in order]
            return min(keys, key=order.index) if keys else None

        return rules.NewKudos(
            team_id=team_id,
            source=source,
            source_key=source_key,
            giver_id=giver_id,
            giver_team_id=giver_team,
            giver_site_key=site_of(giver_id),
            message=message,
            recipients=[
                rules.Recipient(uid, people_teams.get(uid), site_of(uid)) for uid in recipient_ids
            ],
            groups=groups,
            values=rules.values_in(message, self.config),
        )

    def _record(self, session: Session, new: rules.NewKudos, now: datetime) -> Outcome:
        kudos = rules.record(session, new, now)
        if kudos is None:  # a concurrent duplicate won the race
            kudos = rules.by_source_key(session, new.team_id, new.source_key)
            return Outcome(self._thanks(kudos) if kudos else None, kudos)
        post = rules.feed_message(self.config, kudos)
        enqueue(session, new.team_id, post, now)
        return Outcome(self._thanks(kudos), kudos, [post.key])

    def _thanks(self, kudos: Kudos) -> str:
        feed = slack_text.mention_channel(self.config.workspace.feed_channel)
        if kudos.groups:
            who = ", ".join(slack_text.escape(handle) for _, handle in kudos.groups)
        else:
            who = ", ".join(slack_text.mention_user(r.user_id) for r in kudos.recipients)
        return f"👏 Your kudos to {who} are on their way to {feed}."

    def _message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The reacted-to message (top level or in a thread), or None if it cannot be read."""
        try:
            history = self.client.conversations_history(
                channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
            )
            for message in history.get("messages") or []:
                if message.get("ts") == ts:
                    return dict(message)
            replies = self.client.conversations_replies(channel=channel, ts=ts, limit=20)
            for message in replies.get("messages") or []:
                if message.get("ts") == ts:
                    return dict(message)
        except SlackApiError as exc:
            log.info("cannot read %s/%s for an excerpt: %s", channel, ts, exc.response.get("error"))
        return None

    def _permalink(self, channel: str, ts: str) -> str | None:
        try:
            return str(self.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
        except SlackApiError as exc:
            log.info("no permalink for %s/%s: %s", channel, ts, exc.response.get("error"))
            return None


def _unique(user_ids: Sequence[str], exclude: str) -> list[str]:
    seen: list[str] = []
    for user_id in user_ids:
        if user_id != exclude and user_id not in seen:
            seen.append(user_id)
    return seen
