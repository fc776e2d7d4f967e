"""The App Home's blocks, from figures already looked up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.celebrate.listing import Group
from bot.celebrate.render import describe
from bot.home.queries import DeliveryHealth
from bot.infra import slack_text
from bot.infra.config import Site, WorkspaceConfig
from bot.infra.models import Kudos
from bot.pulse.render import answer_button
from calendars.countries import flag

HOME_DAYS = 14  # how far ahead "Coming up" looks
LATEST = 5  # cross-site kudos shown
BLOCK_LIMIT = 100  # Slack's cap on a view's blocks (https://api.slack.com/reference/surfaces/views)


@dataclass(frozen=True)
class HomeFigures:
    """What one person's Home shows: the coming milestones, their kudos this month, the
    latest cross-site kudos, and delivery health (admins only, else None)."""

    upcoming: list[Group]
    received: int
    given: int
    mine: list[Kudos]
    latest: list[Kudos]
    health: DeliveryHealth | None
    calendar_warnings: tuple[str, ...] = ()  # admins only: sites whose holiday data runs out
    open_surveys: tuple[tuple[str, str], ...] = ()  # (round key, "Manila, until Sat 5 Dec 11:00")
    pulse_results: str | None = None  # managers and team leads: /pulse results' text
    digest: str | None = None  # managers: the latest weekly digest's highlights and kudos


def site_line(site: Site, now: datetime) -> str:
    """'🇵🇭 *Manila* (BPO · Acme) · Tue 21:30 local time'."""
    local = now.astimezone(site.tz)
    kind = f"BPO · {site.partner}" if site.is_bpo and site.partner else site.kind.replace("_", "-")
    return (
        f"{flag(site.country)} *{slack_text.escape(site.name)}* "
        f"({slack_text.escape(kind)}) · {local:%a %H:%M} local time"
    )


def _kudos_line(kudos: Kudos) -> str:
    to = ", ".join(slack_text.mention_user(r.user_id) for r in kudos.recipients[:5])
    text = slack_text.user_text(slack_text.cut(kudos.message, 120)) or "a message"
    return f"{slack_text.mention_user(kudos.giver_id)} → {to}: {text}"


def _health_lines(health: DeliveryHealth) -> str:
    status = "✅ all delivered" if not health.failed else f"⚠️ {health.failed} failed for good"
    lines = [f"*Delivery health* (admins): {status} · {health.pending} pending"]
    lines += [
        f"• `{slack_text.escape(f.key)}`: {slack_text.escape(f.last_error or '?')}"
        for f in health.failures
    ]
    if health.failed:
        lines.append("Run `lantern outbox --failed` for the full list.")
    return "\n".join(lines)


def home_view(config: WorkspaceConfig, figures: HomeFigures, now: datetime) -> dict[str, Any]:
    """The ``views.publish`` view of type "home"."""
    blocks: list[dict[str, Any]] = [slack_text.header("Lantern: one team, many places")]
    blocks.append(slack_text.section(f"*Coming up at our sites (next {HOME_DAYS} days)*"))
    lines = [f"*{g[0].first_day:%a %d %b}* · {describe(g)}" for g in figures.upcoming[:10]]
    blocks.append(slack_text.section("\n".join(lines) or "Nothing in the next two weeks."))
    for key, label in figures.open_surveys:
        blocks.append(
            slack_text.section(f"📊 *A pulse survey is open:* {slack_text.escape(label)}")
        )
        blocks.append({"type": "actions", "elements": [answer_button(key)]})
    if figures.digest is not None:
        blocks.append(slack_text.divider())
        lines = figures.digest.split("\n")
        blocks += [slack_text.section(text) for text in slack_text.pack(lines, 2900, "\n")]
    if figures.pulse_results is not None:
        blocks.append(slack_text.divider())
        lines = figures.pulse_results.split("\n")
        blocks += [slack_text.section(text) for text in slack_text.pack(lines, 2900, "\n")]
    blocks += [
        slack_text.divider(),
        slack_text.section(
            f"*Your kudos this month*\n👏 received *{figures.received}* · given *{figures.given}*"
            f" · `/kudos @name what they did` to recognise someone"
        ),
    ]
    if figures.mine:
        blocks.append(slack_text.context(*(_kudos_line(k) for k in figures.mine)))
    blocks += [slack_text.divider(), slack_text.section("*Latest recognition across sites*")]
    blocks.append(
        slack_text.section("\n".join(_kudos_line(k) for k in figures.latest))
        if figures.latest
        else slack_text.context("No cross-site kudos yet. Be the first!")
    )
    blocks += [slack_text.divider(), slack_text.section("*Our sites right now*")]
    lines = [site_line(site, now) for site in config.sites]  # every site, however many
    blocks += [slack_text.section(text) for text in slack_text.pack(lines, 2900, "\n")]
    if figures.health is not None:
        blocks += [slack_text.divider(), slack_text.section(_health_lines(figures.health))]
    if figures.calendar_warnings:
        lines = ["*Calendar data* (admins)"]
        lines += [f"⚠️ {slack_text.escape(w)}" for w in figures.calendar_warnings]
        blocks += [slack_text.section(text) for text in slack_text.pack(lines, 2900, "\n")]
    celebrations = slack_text.mention_channel(config.workspace.celebrations_channel)
    feed = slack_text.mention_channel(config.workspace.feed_channel)
    blocks.append(slack_text.context(f"Celebrations go to {celebrations} · recognition to {feed}"))
    return {"type": "home", "blocks": blocks[:BLOCK_LIMIT]}
