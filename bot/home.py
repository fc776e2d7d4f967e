"""The App Home: what is coming up at every site, your kudos, and the latest recognition
that crossed sites; admins also see whether deliveries are failing."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from bot import slack_text
from bot.config import Site, WorkspaceConfig
from bot.models import Kudos, KudosRecipient, OutboxMessage
from bot.slack_text import flag

HOME_DAYS = 14
LATEST = 5


def site_line(site: Site, now: datetime) -> str:
    local = now.astimezone(site.tz)
    kind = f"BPO · {site.partner}" if site.is_bpo and site.partner else site.kind.replace("_", "-")
    return (
        f"{flag(site.country)} *{slack_text.escape(site.name)}* "
        f"({slack_text.escape(kind)}) · {local:%a %H:%M} local time"
    )


def month_start(now: datetime, zone: ZoneInfo) -> datetime:
    """The first moment of this month on the person's own calendar."""
    local = now.astimezone(zone)
    return datetime.combine(local.date().replace(day=1), time(0), zone)


def kudos_counts(session: Session, team_id: str, user_id: str, since: datetime) -> tuple[int, int]:
    """(received, given) since ``since``, withdrawn kudos not counted."""
    active = (Kudos.team_id == team_id, Kudos.created_at >= since, Kudos.withdrawn_at.is_(None))
    received = session.scalar(
        select(func.count(KudosRecipient.id))
        .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
        .where(*active, KudosRecipient.user_id == user_id)
    )
    given = session.scalar(select(func.count(Kudos.id)).where(*active, Kudos.giver_id == user_id))
    return int(received or 0), int(given or 0)


def recent_received(session: Session, team_id: str, user_id: str, limit: int) -> list[Kudos]:
    return list(
        session.scalars(
            select(Kudos)
            .join(KudosRecipient, Kudos.id == KudosRecipient.kudos_id)
            .where(
                Kudos.team_id == team_id,
                KudosRecipient.user_id == user_id,
                Kudos.withdrawn_at.is_(None),
            )
            .order_by(Kudos.created_at.desc(), Kudos.id.desc())
            .limit(limit)
        )
    )


def latest_across_sites(session: Session, team_id: str, limit: int) -> list[Kudos]:
    """The newest kudos whose giver and a recipient are at different (known) sites."""
    candidates = session.scalars(
        select(Kudos)
        .options(selectinload(Kudos.recipients))
        .where(
            Kudos.team_id == team_id,
            Kudos.withdrawn_at.is_(None),
            Kudos.giver_site_key.is_not(None),
        )
        .order_by(Kudos.created_at.desc(), Kudos.id.desc())
        .limit(limit * 10)
    )
    found = []
    for kudos in candidates:
        if any(r.site_key and r.site_key != kudos.giver_site_key for r in kudos.recipients):
            found.append(kudos)
        if len(found) == limit:
            break
    return found


def delivery_health(session: Session, team_id: str) -> tuple[int, int, list[OutboxMessage]]:
    counts = dict(
        session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.team_id == team_id)
            .group_by(OutboxMessage.status)
        ).all()
    )
    failures = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.team_id == team_id, OutboxMessage.status == "failed")
            .order_by(OutboxMessage.id.desc())
            .limit(3)
        )
    )
    return int(counts.get("pending", 0)), int(counts.get("failed", 0)), failures


def _kudos_line(kudos: Kudos) -> str:
    to = ", ".join(slack_text.mention_user(r.user_id) for r in kudos.recipients[:5])
    text = slack_text.user_text(slack_text.cut(kudos.message, 120)) or "a message"
    return f"{slack_text.mention_user(kudos.giver_id)} → {to}: {text}"


def home_view(
    config: WorkspaceConfig,
    session: Session,
    team_id: str,
    user_id: str,
    now: datetime,
    *,
    is_admin: bool = False,
    zone: ZoneInfo | None = None,
) -> dict[str, Any]:
    """``zone`` is the person's timezone (users.info); the workspace's when unknown."""
    from bot.celebrate import describe, upcoming

    today = now.astimezone(config.workspace.tz).date()
    blocks: list[dict[str, Any]] = [slack_text.header("Lantern: one team, many places")]

    blocks.append(slack_text.section(f"*Coming up at our sites (next {HOME_DAYS} days)*"))
    groups = upcoming(config, today, HOME_DAYS)
    lines = [f"*{g[0].first_day:%a %d %b}* · {describe(g)}" for g in groups[:10]]
    blocks.append(slack_text.section("\n".join(lines) or "Nothing in the next two weeks."))

    since = month_start(now, zone or config.workspace.tz)
    received, given = kudos_counts(session, team_id, user_id, since)
    blocks += [
        slack_text.divider(),
        slack_text.section(
            f"*Your kudos this month*\n👏 received *{received}* · given *{given}*"
            f" · `/kudos @name what they did` to recognise someone"
        ),
    ]
    mine = recent_received(session, team_id, user_id, 3)
    if mine:
        blocks.append(slack_text.context(*(_kudos_line(k) for k in mine)))

    latest = latest_across_sites(session, team_id, LATEST)
    blocks += [slack_text.divider(), slack_text.section("*Latest recognition across sites*")]
    blocks.append(
        slack_text.section("\n".join(_kudos_line(k) for k in latest))
        if latest
        else slack_text.context("No cross-site kudos yet. Be the first!")
    )

    blocks += [slack_text.divider(), slack_text.section("*Our sites right now*")]
    blocks.append(slack_text.section("\n".join(site_line(s, now) for s in config.sites[:25])))

    if is_admin:
        pending, failed, failures = delivery_health(session, team_id)
        status = "✅ all delivered" if not failed else f"⚠️ {failed} failed for good"
        lines = [f"*Delivery health* (admins): {status} · {pending} pending"]
        lines += [
            f"• `{slack_text.escape(f.key)}`: {slack_text.escape(f.last_error or '?')}"
            for f in failures
        ]
        if failed:
            lines.append("Run `lantern outbox --failed` for the full list.")
        blocks += [slack_text.divider(), slack_text.section("\n".join(lines))]

    celebrations = slack_text.mention_channel(config.workspace.celebrations_channel)
    feed = slack_text.mention_channel(config.workspace.feed_channel)
    blocks.append(slack_text.context(f"Celebrations go to {celebrations} · recognition to {feed}"))
    return {"type": "home", "blocks": blocks[:100]}
