"""The kudos use cases: give (from /kudos or the form), react and unreact. Each looks people
up in Slack first, then records in one transaction of its own, and returns an
:class:`Outcome` for the caller to answer the giver and deliver what was queued."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ParamSpec

from sqlalchemy.orm import Session

from bot.infra import slack_text
from bot.infra.context import AppContext
from bot.infra.models import Kudos, KudosSource
from bot.infra.outbox.queue import cancel, cancel_pending_updates, enqueue, revive
from bot.infra.people import Person
from bot.infra.retry import PASSING
from bot.infra.slack_text import SORRY
from bot.kudos import lookups, render, rules, store
from bot.membership.store import sites_of

log = logging.getLogger(__name__)
P = ParamSpec("P")


@dataclass
class Outcome:
    """What happened: what to tell the giver (None: nothing), the kudos concerned, the outbox
    keys queued for Slack, and what a refusal is about ("recipients" or "message")."""

    reply: str | None
    kudos: Kudos | None = None
    queued: list[str] = field(default_factory=list)
    about: str = "recipients"

    @classmethod
    def refused(cls, refusal: rules.Refusal, kudos: Kudos | None = None) -> Outcome:
        """The Outcome that tells the giver ``refusal``'s text, nothing queued."""
        return cls(refusal.text, kudos, about=refusal.about)


def apologising(function: Callable[P, Outcome]) -> Callable[P, Outcome]:
    """An unexpected failure of ``function`` (a bug) is logged and becomes an apology (SORRY)
    with nothing stored, never an exception: the person always hears back. Passing failures
    (``retry.PASSING``: the database or Slack unreachable or busy) are raised, for the caller
    to try again."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Outcome:
        try:
            return function(*args, **kwargs)
        except PASSING:
            raise
        except Exception:
            log.exception("%s failed", function.__name__)
            return Outcome(SORRY)

    return wrapper


@apologising
def give(
    ctx: AppContext,
    *,
    team_id: str,
    giver_id: str,
    draft: rules.Draft,
    source: KudosSource,
    source_key: str,
    now: datetime,
) -> Outcome:
    """Give the kudos ``draft`` asks for, once per ``source_key``.

    Args:
        team_id: the Slack team the request came from.
        giver_id: who gives (a Slack user id).
        draft: recipients and message, as parsed from the command or the form.
        source: where it came from (command or shortcut).
        source_key: the request's natural key; the same key again answers as the first time.
        now: the aware moment of giving (the daily allowance counts from the giver's midnight).

    Returns:
        The Outcome; an unexpected failure becomes an apology (see :func:`apologising`).

    Raises:
        SQLAlchemyError, OSError, SlackApiError: a passing failure; nothing was stored.
    """
    refusal = rules.check_draft(draft, giver_id)
    if refusal:
        return Outcome.refused(refusal)
    with ctx.session_factory() as session:
        existing = store.by_source_key(session, team_id, source_key)
        if existing is not None:  # the same request again: answer as the first time
            return Outcome(render.thanks(ctx.config, existing), existing)
    recipients = _recipients(ctx, draft, giver_id)
    if isinstance(recipients, rules.Refusal):
        return Outcome.refused(recipients)
    giver = ctx.directory.get(giver_id)
    new = store.NewKudos(
        team_id=team_id,
        source=source,
        source_key=source_key,
        giver_id=giver_id,
        giver_team_id=giver.team_id if giver else None,
        giver_site_key=None,
        message=draft.message,
        recipients=recipients,
        groups=list(draft.groups),
        values=rules.values_in(draft.message, ctx.config.kudos.values),
    )
    with ctx.session_factory.begin() as session:
        return _record(ctx, session, new, giver, now)


def _recipients(
    ctx: AppContext, draft: rules.Draft, giver_id: str
) -> list[store.Recipient] | rules.Refusal:
    """Everyone the draft thanks, looked up in Slack; a refusal names who cannot receive."""
    recipients: dict[str, store.Recipient] = {}
    unable, unseen = [], []
    ctx.directory.prefetch(draft.users)  # many named at once: one users.list, not one call each
    for user_id in draft.users:
        if user_id == giver_id:
            continue
        person = ctx.directory.get(user_id)
        if person is None:
            unseen.append(slack_text.mention_user(user_id))
        elif not person.can_receive:
            unable.append(slack_text.mention_user(user_id))
        else:
            recipients[user_id] = store.Recipient(user_id, person.team_id, None)
    if unseen:
        return rules.cannot_see(unseen)
    if unable:
        return rules.cannot_receive(unable)
    for group_id, handle in draft.groups:
        found = 0
        members = sorted(ctx.roles.group_members(group_id) or ())
        ctx.directory.prefetch(members)  # a large team: one users.list, not one call each
        for user_id in members:
            person = ctx.directory.get(user_id)
            if person is None or not person.can_receive:
                continue  # bots and deactivated members of a group are left out quietly
            found += 1
            if user_id != giver_id and user_id not in recipients:
                recipients[user_id] = store.Recipient(user_id, person.team_id, None, group_id)
        if not found:
            return rules.empty_group(handle)
    return list(recipients.values()) or rules.Refusal(rules.ONLY_SELF)


def react(ctx: AppContext, *, team_id: str, event: dict[str, Any], now: datetime) -> Outcome:
    """``reaction_added`` with the kudos emoji: kudos to the message's author, once per reactor
    and message. Slack's word on the reaction *now* decides, so a late, repeated or
    out-of-order event cannot bring back kudos that were taken back.

    Raises:
        SlackApiError, OSError: Slack could not say who someone is; the caller retries.
    """
    item = event.get("item") or {}
    channel, ts = item.get("channel"), item.get("ts")
    reactor, author = event.get("user"), event.get("item_user")
    if item.get("type") != "message" or not (channel and ts and reactor):
        return Outcome(None)
    emoji = ctx.config.workspace.kudos_emoji
    if lookups.reacted(ctx.client, emoji, channel, ts, reactor) is False:
        return Outcome(None)  # already taken back
    source_key = rules.reaction_key(channel, ts, reactor)
    with ctx.session_factory() as session:
        existing = store.by_source_key(session, team_id, source_key)
    if existing is not None:
        if existing.withdrawn_at is None:
            return Outcome(None, existing)
        giver = ctx.directory.get(existing.giver_id)
        return _restore(ctx, team_id, existing.id, giver, rules.change_id(event, now), now)
    public = lookups.is_public(ctx.client, channel)
    original = lookups.message(ctx.client, channel, ts) if public else None
    author = author or (original or {}).get("user")
    if not author or author == reactor:
        return Outcome(None)
    person = ctx.directory.get(author)
    if person is None or not person.can_receive:
        return Outcome(None)
    reactor_person = ctx.directory.get(reactor)
    if reactor_person is not None and reactor_person.is_bot:
        return Outcome(None)  # a bot's reaction is not recognition
    new = store.NewKudos(
        team_id=team_id,
        source=KudosSource.REACTION,
        source_key=source_key,
        giver_id=reactor,
        giver_team_id=reactor_person.team_id if reactor_person else None,
        giver_site_key=None,
        # a private conversation stays private: no quote, no link
        message=rules.excerpt((original or {}).get("text") or "") if public else "",
        recipients=[store.Recipient(author, person.team_id, None)],
        origin_channel_id=channel,
        origin_ts=ts,
        origin_permalink=lookups.permalink(ctx.client, channel, ts) if public else None,
    )
    with ctx.session_factory.begin() as session:
        return _record(ctx, session, new, reactor_person, now)


def unreact(ctx: AppContext, *, team_id: str, event: dict[str, Any], now: datetime) -> Outcome:
    """``reaction_removed``: withdraw those kudos and correct the feed post."""
    item = event.get("item") or {}
    channel, ts, reactor = item.get("channel"), item.get("ts"), event.get("user")
    source_key = rules.reaction_key(channel, ts, reactor)
    with ctx.session_factory() as session:
        kudos = store.by_source_key(session, team_id, source_key)
    if kudos is None or kudos.withdrawn_at is not None:
        return Outcome(None, kudos)
    emoji = ctx.config.workspace.kudos_emoji
    if channel and ts and reactor and lookups.reacted(ctx.client, emoji, channel, ts, reactor):
        return Outcome(None, kudos)  # a stale removal: the reaction is there again
    with ctx.session_factory.begin() as session:
        kudos = store.by_source_key(session, team_id, source_key)
        if kudos is None or kudos.withdrawn_at is not None:  # withdrawn meanwhile
            return Outcome(None, kudos)
        kudos.withdrawn_at = now
        key = render.feed_key(kudos)
        cancel_pending_updates(session, team_id, key + ":")
        if cancel(session, team_id, key):
            return Outcome(None, kudos)  # never posted, so nothing to correct
        change = render.withdrawn_update(kudos, rules.change_id(event, now))
        enqueue(session, team_id, change, now)
        return Outcome(None, kudos, [change.key])


def _restore(
    ctx: AppContext, team_id: str, kudos_id: int, giver: Person | None, change: str, now: datetime
) -> Outcome:
    """Withdrawn reaction kudos given again: within the allowance, the feed post comes back."""
    with ctx.session_factory.begin() as session:
        kudos = session.get(Kudos, kudos_id)
        if kudos is None or kudos.withdrawn_at is None:
            return Outcome(None, kudos)
        refusal = _over_allowance(ctx, session, team_id, kudos.giver_id, giver, now)
        if refusal:
            return Outcome.refused(refusal, kudos)
        kudos.withdrawn_at = None
        key = render.feed_key(kudos)
        cancel_pending_updates(session, team_id, key + ":")
        if revive(session, team_id, key):
            return Outcome(None, kudos, [key])
        # posted, or still on its way: the restored text waits for the post ($ts_of)
        update = render.restored_update(ctx.config, kudos, change)
        enqueue(session, team_id, update, now)
        return Outcome(None, kudos, [key, update.key])


def _over_allowance(
    ctx: AppContext,
    session: Session,
    team_id: str,
    giver_id: str,
    giver: Person | None,
    now: datetime,
) -> rules.Refusal | None:
    """Refuse when the giver has used today's allowance (counted in their own timezone)."""
    zone = (giver.zone if giver else None) or ctx.config.workspace.tz
    given = store.given_today(session, team_id, giver_id, now, zone)
    return rules.allowance_refusal(given, ctx.config.kudos.daily_limit, now, zone)


def _record(
    ctx: AppContext, session: Session, new: store.NewKudos, giver: Person | None, now: datetime
) -> Outcome:
    """Check the allowance, place everyone at their site, store, and queue the feed post."""
    refusal = _over_allowance(ctx, session, new.team_id, new.giver_id, giver, now)
    if refusal:
        return Outcome.refused(refusal)
    people = [new.giver_id, *(r.user_id for r in new.recipients)]
    site_of = _site_finder(ctx, session, new.team_id, people)
    new.giver_site_key = site_of(new.giver_id)
    new.recipients = [
        store.Recipient(r.user_id, r.team_id, site_of(r.user_id), r.via_group)
        for r in new.recipients
    ]
    kudos = store.record(session, new, now)
    if kudos is None:  # a concurrent duplicate won the race
        kudos = store.by_source_key(session, new.team_id, new.source_key)
        return Outcome(render.thanks(ctx.config, kudos) if kudos else None, kudos)
    post = render.feed_message(ctx.config, kudos)
    enqueue(session, new.team_id, post, now)
    return Outcome(render.thanks(ctx.config, kudos), kudos, [post.key])


def _site_finder(
    ctx: AppContext, session: Session, team_id: str, user_ids: Sequence[str]
) -> Callable[[str], str | None]:
    """user id -> the first configured site whose channel they are in (None if none)."""
    sites = sites_of(session, team_id, user_ids)
    order = [site.key for site in ctx.config.sites]

    def site_of(user_id: str) -> str | None:
        keys = [k for k in sites.get(user_id, []) if k in order]
        return min(keys, key=order.index) if keys else None

    return site_of
