"""An iCalendar (RFC 5545) feed of every site's milestones, for Google Calendar or Outlook.

One all-day event per milestone and first day, naming every site that shares it, with the
curated explainer in the description. UIDs are stable, so subscribers see updates, not copies.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta

from bot.config import WorkspaceConfig
from bot.slack_text import flag
from calendars.occasions import COMPANY, Occasion, by_milestone, calendar_for

PRODID = "-//lantern//cultural calendar//EN"
FEED_DAYS_BACK, FEED_DAYS_AHEAD = 30, 365


def feed_token(secret: str) -> str:
    """The calendar feed's access token, derived from LANTERN_SECRET (never stored)."""
    return hmac.new(secret.encode(), b"lantern-calendar-feed", hashlib.sha256).hexdigest()[:32]


def token_matches(secret: str, candidate: str | None) -> bool:
    if not candidate:
        return False
    return hmac.compare_digest(feed_token(secret).encode(), candidate.encode())


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line to at most 75 octets, never splitting a UTF-8 character."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current, limit = [], b"", 75
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > limit:
            parts.append(current.decode())
            current, limit = b"", 74  # continuation lines start with a space
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


def describe(group: list[Occasion]) -> str:
    lead = group[0]
    lines = []
    contents = list(
        {(o.content.country, o.content.holiday): o.content for o in group if o.content}.values()
    )
    for content in contents:
        lines += [
            content.what,
            f"Greet colleagues: {content.greeting_local} ({content.greeting_language}) · "
            f"{content.greeting_en}",
            f"How to join in: {content.join_in}",
        ]
    if not contents and lead.kind == COMPANY:
        lines.append("A company milestone.")
    for occasion in group:
        if occasion.is_public_holiday:
            lines.append(f"{occasion.site.name} site public holiday: expect reduced coverage.")
    if any(o.estimated for o in group):
        lines.append("Date estimated: it follows the lunar calendar and may move by a day.")
    lines += [f"Source: {content.source}" for content in contents]
    return "\n".join(lines)


def render_ics(config: WorkspaceConfig, start: date, end: date, now: datetime) -> str:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Lantern: milestones at every site",
        "X-PUBLISHED-TTL:PT12H",
    ]
    for group in by_milestone(calendar_for(config).occasions(start, end)):
        lead = group[0]
        first_day, slug = lead.first_day, lead.slug
        sites = ", ".join(f"{flag(o.site.country)} {o.site.name}" for o in group)
        category = "Company milestone" if lead.kind == COMPANY else "Holiday"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{first_day:%Y%m%d}-{slug}@lantern",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{first_day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{lead.last_day + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{escape_text(f'{lead.name} — {sites}')}",
            f"DESCRIPTION:{escape_text(describe(group))}",
            f"CATEGORIES:{escape_text(category)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"


def feed_range(today: date) -> tuple[date, date]:
    return today - timedelta(days=FEED_DAYS_BACK), today + timedelta(days=FEED_DAYS_AHEAD)
