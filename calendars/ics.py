"""An iCalendar (RFC 5545) feed of every site's milestones, for Google Calendar or Outlook.

One all-day event per milestone and first day, naming every site that shares it, with the
curated explainer in the description; and one per day off in lieu away from its holiday's own
days, naming its site. UIDs are stable, so subscribers see updates, not copies.
The text is written by the ``icalendar`` library (escaping, CRLF, folding to 75 octets).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta

import icalendar

from calendars.countries import flag
from calendars.languages import spoken_language
from calendars.occasions import (
    COMPANY,
    Calendar,
    Occasion,
    S,
    by_milestone,
    coverage_note,
    day_off_reason,
    own_spans,
    short_day,
)

PRODID = "-//lantern//cultural calendar//EN"
FEED_DAYS_BACK, FEED_DAYS_AHEAD = 30, 365


def feed_token(secret: str) -> str:
    """The calendar feed's access token (32 hex characters), an HMAC-SHA256 of
    LANTERN_SECRET: derived, never stored."""
    return hmac.new(secret.encode(), b"lantern-calendar-feed", hashlib.sha256).hexdigest()[:32]


def token_matches(secret: str, candidate: str | None) -> bool:
    """Whether ``candidate`` is the feed token of ``secret`` (compared in constant time)."""
    if not candidate:
        return False
    return hmac.compare_digest(feed_token(secret).encode(), candidate.encode())


def describe(group: list[Occasion[S]]) -> str:
    """An event's description (plain text, lines joined by newlines): each curated explainer
    once, greetings, a coverage line per site whose public holiday it is, a note when the
    holidays package estimates the date, and the explainers' sources."""
    lead = group[0]
    lines = [f"Dates: {span}" for span in own_spans(group)]
    contents = list(
        {(o.content.country, o.content.holiday): o.content for o in group if o.content}.values()
    )
    for content in contents:
        greeting = content.greeting(
            spoken_language(o.site) for o in group if o.site.country == content.country
        )
        lines.append(content.what)
        if greeting:
            lines.append(f"Greet colleagues: {greeting}")
        lines.append(f"How to join in: {content.join_in}")
    if not contents and lead.kind == COMPANY:
        lines.append("A company milestone.")
    for occasion in group:
        note = coverage_note(occasion, occasion.site.name)
        if note is not None:
            lines.append(note)
    if any(o.estimated for o in group):
        lines.append("Date estimated: it follows the lunar calendar and may move by a day.")
    lines += [f"Source: {content.source}" for content in contents]
    return "\n".join(lines)


def event(group: list[Occasion[S]], stamp: datetime) -> icalendar.Event:
    """The all-day VEVENT of one milestone shared by ``group``'s sites (one
    :func:`by_milestone` group: from their first day to the last day of the longest, each
    site's own dates in the description when they differ).

    The UID is ``<first day>-<festival>@lantern``, stable across feeds so a calendar updates the
    event in place. DTEND is the day after the last day: an all-day end is exclusive
    (RFC 5545, 3.6.1). ``stamp`` is the aware UTC DTSTAMP. TRANSP is TRANSPARENT: the day does
    not show the subscriber as busy.
    """
    lead = group[0]
    sites = ", ".join(f"{flag(o.site.country)} {o.site.name}" for o in group)
    item = icalendar.Event()
    item.add("uid", f"{lead.first_day:%Y%m%d}-{lead.identity}@lantern")
    item.add("dtstamp", stamp)
    item.add("dtstart", lead.first_day)
    last = max(o.last_day for o in group)  # the longest site's span; each site's in DESCRIPTION
    item.add("dtend", last + timedelta(days=1))  # all-day: the end is exclusive
    item.add("summary", f"{lead.name} — {sites}")
    item.add("description", describe(group))
    item.add("categories", ["Company milestone" if lead.kind == COMPANY else "Holiday"])
    item.add("transp", "TRANSPARENT")
    return item


def day_off_event(occasion: Occasion[S], day: date, stamp: datetime) -> icalendar.Event:
    """The all-day VEVENT of a day off in lieu away from the holiday's own days (Chicago off
    Monday 5 July for Sunday 4 July): UID ``<day>-<slug>-off-<site key>@lantern``."""
    item = icalendar.Event()
    item.add("uid", f"{day:%Y%m%d}-{occasion.slug}-off-{occasion.site.key}@lantern")
    item.add("dtstamp", stamp)
    item.add("dtstart", day)
    item.add("dtend", day + timedelta(days=1))
    where = f"{flag(occasion.site.country)} {occasion.site.name}"
    reason = day_off_reason(occasion, day)
    item.add("summary", f"{where} off: {occasion.name} ({reason.removeprefix('as ')})")
    item.add(
        "description",
        f"{occasion.site.name} is off today {reason} for {occasion.name} "
        f"({short_day(occasion.first_day)}): expect reduced coverage.",
    )
    item.add("categories", ["Day off"])
    item.add("transp", "TRANSPARENT")
    return item


def render_ics(calendar: Calendar[S], start: date, end: date, now: datetime) -> str:
    """The feed of ``calendar``'s milestones from ``start`` to ``end`` (inclusive), stamped
    ``now`` (aware), as RFC 5545 text with CRLF line ends.

    ``start`` and ``end`` are dates; an occasion overlapping them is included whole. The feed
    asks clients to refresh every 12 hours (X-PUBLISHED-TTL, a widely read extension).
    """
    feed = icalendar.Calendar()
    feed.add("version", "2.0")
    feed.add("prodid", PRODID)
    feed.add("calscale", "GREGORIAN")
    feed.add("method", "PUBLISH")
    feed.add("x-wr-calname", "Lantern: milestones at every site")
    feed.add("x-published-ttl", icalendar.vDuration(timedelta(hours=12)))
    stamp = now.astimezone(UTC).replace(microsecond=0)
    occasions = calendar.occasions(start, end)
    for group in by_milestone(o for o in occasions if o.first_day <= end and o.last_day >= start):
        feed.add_component(event(group, stamp))
    for occasion in occasions:  # days off in lieu, each on its own date with its site
        for day in occasion.days_off_elsewhere:
            if start <= day <= end:
                feed.add_component(day_off_event(occasion, day, stamp))
    return bytes(feed.to_ical()).decode()


def feed_range(today: date) -> tuple[date, date]:
    """The days the served feed covers, as (first, last), both included: FEED_DAYS_BACK (30)
    before ``today`` (a workspace-timezone date) to FEED_DAYS_AHEAD (365) after."""
    return today - timedelta(days=FEED_DAYS_BACK), today + timedelta(days=FEED_DAYS_AHEAD)
