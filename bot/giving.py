"""Giving kudos from a command, a form or a reaction: look people up, apply the rules,
record, and queue the feed post. Callers own the session (and commit it)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import text
from sqlalchemy.orm import Session

from bot import kudos as rules
from bot import slack_text
from bot.config import WorkspaceConfig
from bot.db import is_postgres
from bot.membership import sites_of
from bot.models import Kudos
from bot.outbox import cancel, cancel_pending_updates, enqueue, revive
from bot.people import Directory, Person
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

    # ---- from /kudos or the form

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

        recipients: dict[str, rules.Recipient] = {}
        unable = []
        for user_id in draft.users:
            if user_id == giver_id:
                continue
            person = self.directory.get(user_id)
            if person is None or not person.can_receive:
                unable.append(slack_text.mention_user(user_id))
            else:
                recipients[user_id] = rules.Recipient(user_id, person.team_id, None)
        if unable:
            return Outcome(rules.cannot_receive(unable))
        for group_id, handle in draft.groups:
            members = self.roles.group_members(group_id)
            found = 0
            for user_id in sorted(members or ()):
                person = self.directory.get(user_id)
                if person is None or not person.can_receive:
                    continue  # bots and deactivated members of a group are left out quietly
                found += 1
                if user_id != giver_id and user_id not in recipients:
                    recipients[user_id] = rules.Recipient(user_id, person.team_id, None, group_id)
            if not found:
                return Outcome(
                    f"I can't see anyone in {slack_text.escape(handle)}. Check the group, or "
                    "mention the people you want to thank."
                )
        if not recipients:
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
            recipients=list(recipients.values()),
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
        reactor and message. Slack's word on the reaction *now* decides, so a late, repeated
        or out-of-order event cannot bring back kudos that were taken back."""
        item = event.get("item") or {}
        channel, ts = item.get("channel"), item.get("ts")
        reactor, author = event.get("user"), event.get("item_user")
        if item.get("type") != "message" or not (channel and ts and reactor):
            return Outcome(None)
        if self._reacted(channel, ts, reactor) is False:
            return Outcome(None)  # already taken back
        source_key = reaction_key(channel, ts, reactor)
        existing = rules.by_source_key(session, team_id, source_key)
        if existing is not None:
            if existing.withdrawn_at is None:
                return Outcome(None, existing)
            return self._restore(session, team_id, existing, event, now)
        public = self._is_public(channel)
        original = self._message(channel, ts) if public else None
        author = author or (original or {}).get("user")
        if not author or author == reactor:
            return Outcome(None)
        person = self.directory.get(author)
        if person is None or not person.can_receive:
            return Outcome(None)
        reactor_person = self.directory.get(reactor)
        over = self._over_allowance(session, team_id, reactor, reactor_person, now)
        if over:
            return Outcome(over)
        new = self._new_kudos(
            session,
            team_id=team_id,
            giver_id=reactor,
            giver_team=reactor_person.team_id if reactor_person else None,
            recipients=[rules.Recipient(author, person.team_id, None)],
            source="reaction",
            source_key=source_key,
            # a private conversation stays private: no quote, no link
            message=rules.excerpt((original or {}).get("text") or "") if public else "",
            groups=[],
        )
        new.origin_channel_id, new.origin_ts = channel, ts
        new.origin_permalink = self._permalink(channel, ts) if public else None
        return self._record(session, new, now)

    def unreact(
        self, session: Session, *, team_id: str, event: dict[str, Any], now: datetime
    ) -> Outcome:
        """reaction_removed: withdraw those kudos and correct the feed post."""
        item = event.get("item") or {}
        channel, ts, reactor = item.get("channel"), item.get("ts"), event.get("user")
        kudos = rules.by_source_key(session, team_id, reaction_key(channel, ts, reactor))
        if kudos is None or kudos.withdrawn_at is not None:
            return Outcome(None, kudos)
        if channel and ts and reactor and self._reacted(channel, ts, reactor) is True:
            return Outcome(None, kudos)  # a stale removal: the reaction is there again
        kudos.withdrawn_at = now
        key = rules.feed_key(kudos)
        cancel_pending_updates(session, team_id, key + ":")
        if cancel(session, team_id, key):
            return Outcome(None, kudos)  # never posted, so nothing to correct
        change = rules.withdrawn_update(kudos, change_id(event, now))
        enqueue(session, team_id, change, now)
        return Outcome(None, kudos, [change.key])

    # ---- helpers

    def _restore(
        self,
        session: Session,
        team_id: str,
        kudos: Kudos,
        event: dict[str, Any],
        now: datetime,
    ) -> Outcome:
        zone_person = self.directory.get(kudos.giver_id)
        over = self._over_allowance(session, team_id, kudos.giver_id, zone_person, now)
        if over:
            return Outcome(over, kudos)
        kudos.withdrawn_at = None
        key = rules.feed_key(kudos)
        cancel_pending_updates(session, team_id, key + ":")
        if revive(session, team_id, key):
            return Outcome(None, kudos, [key])
        # posted, or still on its way: the restored text waits for the post ($ts_of)
        change = rules.restored_update(self.config, kudos, change_id(event, now))
        enqueue(session, team_id, change, now)
        return Outcome(None, kudos, [key, change.key])

    def _over_allowance(
        self,
        session: Session,
        team_id: str,
        giver_id: str,
        giver: Person | None,
        now: datetime,
    ) -> str | None:
        if is_postgres(session):
            # one giver's kudos are counted and recorded one at a time, across processes
            session.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": f"kudos-allowance:{team_id}:{giver_id}"},
            )
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
        recipients: Sequence[rules.Recipient],
        source: str,
        source_key: str,
        message: str,
        groups: list[tuple[str, str]],
    ) -> rules.NewKudos:
        sites = sites_of(session, team_id, [giver_id, *(r.user_id for r in recipients)])
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
                rules.Recipient(r.user_id, r.team_id, site_of(r.user_id), r.via_group)
                for r in recipients
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
        return f"👏 Your kudos to {rules.recipients_text(kudos)} are on their way to {feed}."

    def _reacted(self, channel: str, ts: str, reactor: str) -> bool | None:
        """Whether ``reactor`` has the kudos emoji on the message right now; None if Slack
        cannot say (then the event itself is trusted)."""
        try:
            response = self.client.reactions_get(channel=channel, timestamp=ts, full=True)
        except (SlackApiError, OSError) as exc:
            log.info("reactions.get failed for %s/%s: %s", channel, ts, exc)
            return None
        message = response.get("message")
        if not isinstance(message, dict):
            return None
        for reaction in message.get("reactions") or []:
            name = str(reaction.get("name") or "").split("::", 1)[0]
            if name == self.config.workspace.kudos_emoji and reactor in (
                reaction.get("users") or []
            ):
                return True
        return False

    def _is_public(self, channel: str) -> bool:
        """Only a public channel's messages are quoted or linked in the public feed."""
        try:
            info = self.client.conversations_info(channel=channel).get("channel")
        except (SlackApiError, OSError) as exc:
            log.info("conversations.info failed for %s: %s; treating it as private", channel, exc)
            return False
        if not isinstance(info, dict):
            return False
        return not (info.get("is_private") or info.get("is_im") or info.get("is_mpim"))

    def _message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The reacted-to message (top level or in a thread), or None if it cannot be read."""
        try:
            history = self.client.conversations_history(
                channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
            )
            for message in history.get("messages") or []:
                if message.get("ts") == ts:
                    return dict(message)
            replies = self.client.conversations_replies(
                channel=channel, ts=ts, latest=ts, oldest=ts, inclusive=True, limit=1
            )
            for message in replies.get("messages") or []:
                if message.get("ts") == ts:
                    return dict(message)
        except (SlackApiError, OSError) as exc:
            log.info("cannot read %s/%s for an excerpt: %s", channel, ts, exc)
        return None

    def _permalink(self, channel: str, ts: str) -> str | None:
        try:
            return str(self.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
        except (SlackApiError, OSError) as exc:
            log.info("no permalink for %s/%s: %s", channel, ts, exc)
            return None


def reaction_key(channel: Any, ts: Any, reactor: Any) -> str:
    return f"reaction:{channel}:{ts}:{reactor}"


def change_id(event: dict[str, Any], now: datetime) -> str:
    return str(event.get("event_ts") or now.timestamp())
