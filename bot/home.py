"""The App Home: where everyone sees the sites they work with, and what's coming."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import slack_text
from bot.config import Site, WorkspaceConfig


def site_line(site: Site, now: datetime) -> str:
    local = now.astimezone(site.tz)
    kind = f"BPO · {site.partner}" if site.is_bpo and site.partner else site.kind.replace("_", "-")
    return (
        f"{flag(site.country)} *{slack_text.escape(site.name)}* "
        f"({slack_text.escape(kind)}) · {local:%a %H:%M} local time"
    )


def home_view(config: WorkspaceConfig, now: datetime) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        slack_text.header("Lantern: one team, many places"),
        slack_text.section("*Our sites right now*"),
    ]
    blocks += [slack_text.section(site_line(site, now)) for site in config.sites[:40]]
    blocks.append(slack_text.divider())
    celebrations = slack_text.mention_channel(config.workspace.celebrations_channel)
    feed = slack_text.mention_channel(config.workspace.feed_channel)
    blocks.append(slack_text.context(f"Celebrations go to {celebrations} · recognition to {feed}"))
    return {"type": "home", "blocks": blocks}


def flag(country: str) -> str:
    """The regional-indicator flag emoji for an ISO 3166-1 alpha-2 code."""
    if len(country) != 2 or not country.isalpha():
        return "🏳️"
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in country.upper())
