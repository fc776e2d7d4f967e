"""How a reminder reads: the Block Kit post for one milestone shared by several sites,
worded for each site's own calendar at the moment it goes out, with explainers, greetings
and coverage notes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.infra import slack_text
from bot.infra.config import Site, WorkspaceConfig
from calendars.countries import flag
from calendars.languages import spoken_language
from calendars.occasions import (
    COMPANY,
    Occasion,
    coverage_note,
    day_off_labels,
    day_off_reason,
    kind_label,
    own_spans,
    short_day,
)

SiteOccasion = Occasion[Site]


def local_time(site: Site, instant: datetime) -> str:
    """The aware ``instant`` as the site's wall-clock time with its zone: "09:00 Asia/Manila"."""
    return f"{instant.astimezone(site.tz):%H:%M} {site.timezone}"


def when_label(n: int) -> str:
    """How far off a day ``n`` days ahead is: "today", "tomorrow", "in 3 days"; "under way"
    when it began ``-n`` days ago."""
    if n < 0:
        return "under way"
    if n == 0:
        return "today"
    if n == 1:
        return "tomorrow"
    return f"in {n} days"


def site_label(site: Site) -> str:
    """The site's flag and name, with its partner for a BPO site: "🇵🇭 Manila (Acme BPO)"."""
    partner = f" ({site.partner})" if site.partner else ""
    return f"{flag(site.country)} {site.name}{partner}"


def site_names(config: WorkspaceConfig, occasions: Sequence[SiteOccasion]) -> str:
    """The sites ``occasions`` are at, each once; "all sites" when that is every one of more
    than two configured sites."""
    keys = {o.site.key for o in occasions}
    if len(config.sites) > 2 and keys == {s.key for s in config.sites}:
        return "all sites"
    return ", ".join(site_label(site) for site in _unique_sites(occasions))


def date_label(occasion: SiteOccasion) -> str:
    """The occasion's site-local date, or its first and last day and length when it lasts
    more than one day."""
    if occasion.days == 1:
        return f"{occasion.first_day:%a %d %b %Y}"
    return f"{occasion.first_day:%a %d %b} – {occasion.last_day:%a %d %b %Y} ({occasion.days} days)"


def title_for(occasions: Sequence[SiteOccasion], n: int, at: datetime | None) -> str:
    """ "Diwali is tomorrow", or, when the sites' calendars differ at the moment of posting
    (09:00 in Manila is the evening before in Chicago): "Christmas Day: today at Manila,
    tomorrow at Chicago HQ"."""
    lead = occasions[0]
    by_days: dict[int, list[str]] = {}
    for occasion in occasions:
        local_day = at.astimezone(occasion.site.tz).date() if at else lead.first_day
        days = (lead.first_day - local_day).days if at else n
        names = by_days.setdefault(days, [])
        if occasion.site.name not in names:
            names.append(occasion.site.name)
    if len(by_days) == 1:
        days = next(iter(by_days))
        return f"Today: {lead.name}" if days == 0 else f"{lead.name} is {when_label(days)}"
    parts = [f"{when_label(d)} at {', '.join(names)}" for d, names in sorted(by_days.items())]
    return f"{lead.name}: {' · '.join(parts)}"


def reminder_message(
    config: WorkspaceConfig,
    occasions: Sequence[SiteOccasion],
    n: int,
    channel: str,
    at: datetime | None = None,
) -> dict[str, Any]:
    """The Block Kit post for one milestone shared by ``occasions`` (same festival and first
    day) ``n`` days ahead, worded for the moment ``at`` which it goes out: a site channel's
    day-of post."""
    text, blocks = milestone_blocks(config, occasions, n, at)
    return {"channel": channel, "text": text, "blocks": blocks, "unfurl_links": False}


def milestone_emoji(occasions: Sequence[SiteOccasion]) -> str:
    """The explainer's emoji, else 🏢 for a company milestone and 📅 for a holiday."""
    lead = occasions[0]
    return next((o.content.emoji for o in occasions if o.content), None) or (
        "🏢" if lead.kind == COMPANY else "📅"
    )


def milestone_blocks(
    config: WorkspaceConfig,
    occasions: Sequence[SiteOccasion],
    n: int,
    at: datetime | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """One milestone's part of a post: its one-line plain summary ("🇵🇭 Today: Independence
    Day — Manila, Cebu") and its blocks: title, dates, local names and sites; each site
    country's explainer with the greeting in the sites' language; coverage notes, "date
    estimated" and sources in a context block."""
    lead = occasions[0]
    esc = slack_text.escape
    emoji = milestone_emoji(occasions)
    where = esc(site_names(config, occasions))
    title = title_for(occasions, n, at)
    text = f"{emoji} {esc(title)} — {where}"
    spans = own_spans(occasions)
    dates = " · ".join(esc(span) for span in spans) if spans else date_label(lead)
    lines = [f"{emoji} *{esc(title)}* · {dates}"]
    local = sorted({o.local_name for o in occasions if o.local_name})
    if local:
        lines.append("Local name: " + " · ".join(f"_{esc(name)}_" for name in local))
    lines.append(where)
    blocks: list[dict[str, Any]] = [slack_text.section("\n".join(lines))]
    seen: set[tuple[str, str]] = set()
    languages: dict[str, list[str | None]] = {}  # country -> its sites' languages
    for occasion in occasions:
        languages.setdefault(occasion.site.country, []).append(spoken_language(occasion.site))
    for occasion in occasions:
        content = occasion.content
        if content is None or (content.country, content.holiday) in seen:
            continue
        seen.add((content.country, content.holiday))
        greeting = content.greeting(languages[content.country])
        blocks.append(
            slack_text.section(
                f"{flag(content.country)} {esc(content.what)}\n"
                + (f"*Greet colleagues:* {esc(greeting)}\n" if greeting else "")
                + f"*How to join in:* {esc(content.join_in)}"
            )
        )
    if not seen:
        blocks.append(slack_text.section(esc(generic_line(occasions))))
    notes = [esc(note) for note in coverage_notes(occasions)]
    if any(o.estimated for o in occasions):
        notes.append(
            "⚠️ Date estimated: it follows the lunar calendar and may move by a day; "
            "check with local colleagues."
        )
    sources = sorted({o.content.source for o in occasions if o.content})
    if sources:
        notes.append("Source: " + " · ".join(f"<{s}>" for s in sources))
    if notes:
        blocks.append(slack_text.context("\n".join(notes)))
    return text, blocks


def generic_line(occasions: Sequence[SiteOccasion]) -> str:
    """The line a reminder carries when the occasion has no explainer: what kind of day it is,
    where, and a nudge to ask colleagues there."""
    lead = occasions[0]
    if lead.kind == COMPANY:
        return "A company milestone: a good moment to connect with colleagues at other sites."
    label = kind_label(lead)
    kind = ("An " if label[0] in "aeiou" else "A ") + label
    names = [site.name for site in _unique_sites(occasions)]
    where = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{kind} in {where}. Ask colleagues there what it means to them."


def coverage_notes(occasions: Sequence[SiteOccasion]) -> list[str]:
    """One line per site (:func:`calendars.occasions.coverage_note`): "🇵🇭 Manila site public
    holiday: expect reduced coverage.", "🇺🇸 Chicago site public holiday, and off Mon 5 Jul in
    lieu: …"; several sites that are simply off on the day share one line ("Public holiday at
    🇺🇸 Chicago HQ, 🇵🇭 Manila: expect reduced coverage.") so Christmas is not six lines."""
    notes: list[str] = []
    plain: list[str] = []
    for occasion in _unique_occasions_by_site(occasions):
        label = f"{flag(occasion.site.country)} {occasion.site.name}"
        note = coverage_note(occasion, label)
        if note == f"{label} site public holiday: expect reduced coverage.":
            plain.append(label)
        elif note is not None:
            notes.append(note)
    if len(plain) == 1:
        notes.insert(0, f"{plain[0]} site public holiday: expect reduced coverage.")
    elif plain:
        notes.insert(0, f"Public holiday at {', '.join(plain)}: expect reduced coverage.")
    return notes


def _unique_sites(occasions: Sequence[SiteOccasion]) -> list[Site]:
    sites: dict[str, Site] = {}
    for occasion in occasions:
        sites.setdefault(occasion.site.key, occasion.site)
    return list(sites.values())


def _unique_occasions_by_site(occasions: Sequence[SiteOccasion]) -> list[SiteOccasion]:
    by_site: dict[str, SiteOccasion] = {}
    for occasion in occasions:
        by_site.setdefault(occasion.site.key, occasion)
    return list(by_site.values())


MAX_BLOCKS = 50  # per message (https://api.slack.com/reference/block-kit/blocks)
LOOK_AHEAD_DAYS = 14


def daily_message(
    config: WorkspaceConfig,
    due: Sequence[tuple[int, Sequence[SiteOccasion]]],
    off: Sequence[tuple[SiteOccasion, date]],
    coming: Sequence[Sequence[SiteOccasion]] | None,
    channel: str,
    day: date,
) -> dict[str, Any]:
    """The celebrations channel's one post of ``day``, headed by that date and worded for it
    on every site's own calendar ("Today: Christmas Day", "Diwali is tomorrow"): it goes out
    in the morning of the site whose day starts first, and is read in the morning of ``day``
    everywhere else.

    Args:
        due: each milestone due that day with how many days ahead it is (0 for the day
            itself), in the order shown.
        off: each (occasion, day) a site is off in lieu of a holiday that is not its day
            (Monday 5 July for a Sunday 4 July).
        coming: on the look-ahead weekday, the milestones of the next 14 days; else None.

    Returns:
        ``chat.postMessage`` arguments; at most 50 blocks: when every milestone in full would
        not fit, each is shortened to its title and greeting, notes gathered at the end.
    """
    esc = slack_text.escape
    parts = [milestone_blocks(config, occasions, n) for n, occasions in due]
    head = [slack_text.context(f"*{day:%A} {day.day} {day:%B %Y}*")]
    blocks = [block for _, part in parts for block in part]
    summaries = [text for text, _ in parts]
    tail: list[dict[str, Any]] = []
    if off:
        lines = [esc(off_line(occasion, off_day, day)) for occasion, off_day in off]
        summaries.append(lines[0])
        tail += [slack_text.section(text) for text in slack_text.pack(lines, 3000, "\n")]
    if coming is not None:
        tail += look_ahead_blocks(config, coming)
        summaries.append(f"The next {LOOK_AHEAD_DAYS} days")
    if len(head) + len(blocks) + len(tail) > MAX_BLOCKS:
        blocks = _compact(config, due, MAX_BLOCKS - len(head) - len(tail))
    text = slack_text.truncate(" · ".join(summaries), 300)
    return {"channel": channel, "text": text, "blocks": head + blocks + tail, "unfurl_links": False}


def off_line(occasion: SiteOccasion, day: date, today: date) -> str:
    """ "🇺🇸 Chicago HQ is off today (Mon 5 Jul) for Independence Day, in lieu of Sun 4 Jul:
    expect reduced coverage." (``day`` the day off, ``today`` the post's day)"""
    days = (day - today).days
    reason = day_off_reason(occasion, day)
    why = "a bridge day next to" if reason == "as a bridge day" else "in lieu of"
    return (
        f"{site_label(occasion.site)} is off {when_label(days)} ({short_day(day)}) for "
        f"{occasion.name}, {why} {short_day(occasion.first_day)}: expect reduced coverage."
    )


def look_ahead_blocks(
    config: WorkspaceConfig, coming: Sequence[Sequence[SiteOccasion]]
) -> list[dict[str, Any]]:
    """The weekly look-ahead: a header line and one line per milestone of the next 14 days
    with its sites and their days off."""
    esc = slack_text.escape
    lines = [f"*The next {LOOK_AHEAD_DAYS} days*"]
    for occasions in coming:
        lead = occasions[0]
        off = [o.site.name for o in occasions if len(o.days_off) > len(o.days_off_elsewhere)]
        labels = day_off_labels(occasions)
        notes = ([f"day off at {', '.join(off)}"] if off else []) + labels
        lines.append(
            f"• {short_day(lead.first_day)} · {milestone_emoji(occasions)} {esc(lead.name)}"
            f" · {esc(site_names(config, occasions))}"
            + (f" · _{esc('; '.join(notes))}_" if notes else "")
        )
    if len(lines) == 1:
        lines.append("Nothing at any site.")
    return [slack_text.section(text) for text in slack_text.pack(lines, 3000, "\n")]


def _compact(
    config: WorkspaceConfig,
    due: Sequence[tuple[int, Sequence[SiteOccasion]]],
    room: int,
) -> list[dict[str, Any]]:
    """Every due milestone in one short section each (title, sites, greeting) and their
    coverage notes in context blocks, within ``room`` blocks."""
    esc = slack_text.escape
    sections: list[str] = []
    notes: list[str] = []
    for n, occasions in due:
        title = esc(title_for(occasions, n, None))
        line = f"{milestone_emoji(occasions)} *{title}* · {esc(site_names(config, occasions))}"
        content = next((o.content for o in occasions if o.content), None)
        greeting = None
        if content is not None:
            greeting = content.greeting(
                spoken_language(o.site) for o in occasions if o.site.country == content.country
            )
        sections.append(line + (f"\n*Greet colleagues:* {esc(greeting)}" if greeting else ""))
        notes += [esc(note) for note in coverage_notes(occasions)]
    packed = slack_text.pack(notes, 3000, "\n")
    contexts = [slack_text.context(*packed[i : i + 10]) for i in range(0, len(packed), 10)]
    keep = max(room - len(contexts), 1)
    if len(sections) > keep:
        hidden = len(sections) - keep + 1
        sections = [*sections[: keep - 1], f"…and {hidden} more: see `/celebrate list`."]
    return [slack_text.section(text) for text in sections] + contexts
