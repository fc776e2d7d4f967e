"""``lantern preview``: the coming calendar and the messages lantern would post, offline."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from bot.infra import slack_text
from bot.infra.calendar import calendar_for, data_warnings
from bot.infra.clock import plan
from bot.infra.config import WorkspaceConfig
from bot.reminders.render import SiteOccasion
from bot.runtime.planners import PLANNERS
from calendars.countries import flag
from calendars.occasions import by_milestone, days_off_text, kind_label


def milestone_lines(shared: list[SiteOccasion]) -> list[str]:
    """One milestone of the preview's calendar: its first day and name, then each site with
    what it is there: its kind, local name, span, days off, estimate and explainer (Labour
    Day is a public holiday with an explainer in Manila, an optional one elsewhere)."""
    lead = shared[0]
    lines = [f"  {lead.first_day:%a %d %b} {lead.name}"]
    for occasion in shared:
        facts = [kind_label(occasion)]
        if occasion.local_name:
            facts.append(occasion.local_name)
        if occasion.days > 1:
            facts.append(f"{occasion.days} days, to {occasion.last_day:%a %d %b}")
        if occasion.days_off_elsewhere:
            facts.append(f"off {days_off_text(occasion)}")
        elif occasion.moved:
            facts.append("moved to this day")
        if occasion.estimated:
            facts.append("date estimated")
        facts.append("explainer" if occasion.content is not None else "no explainer")
        site = f"{flag(occasion.site.country)} {occasion.site.name}"
        lines.append(f"      {site} · {' · '.join(facts)}")
    return lines


def render_preview(config: WorkspaceConfig, start: date, days: int) -> str:
    """The text ``lantern preview`` prints: the sites, the occasions and the scheduled posts
    of ``days`` days from ``start``, without Slack or the database (so nothing that depends on
    stored state, such as kudos or memberships, is planned).

    Args:
        start: the first day, a date in the workspace's timezone.
        days: how many days, 1 or more; the window runs from ``start``'s midnight to the
            midnight after the last day, workspace time.
    """
    end = start + timedelta(days=days - 1)
    tz = config.workspace.tz
    lines = [f"Lantern preview: {start:%a %d %b %Y} to {end:%a %d %b %Y} ({config.source})", ""]
    lines.append("Sites")
    for site in config.sites:
        partner = f", {site.partner}" if site.partner else ""
        post_time = site.post_time or config.reminders.time
        lines.append(
            f"  {flag(site.country)} {site.name} [{site.key}] {site.country}"
            f"{'-' + site.subdivision if site.subdivision else ''} · {site.timezone} · "
            f"{site.kind}{partner} · posts at {post_time:%H:%M} local · channel {site.channel}"
        )
    lines.append("")
    gaps = data_warnings(config, start, years=(end.year - start.year) + 2)
    if gaps:
        lines.append("Warnings")
        lines += [f"  ⚠️ {warning}" for warning in gaps]
        lines.append("")
    lines.append("Cultural calendar")
    occasions = calendar_for(config).occasions(start, end)
    grouped = by_milestone(occasions)
    for shared in grouped:
        lines += milestone_lines(shared)
    if not grouped:
        lines.append("  nothing in this window")
    lines.append("")
    window_start = datetime.combine(start, time(0), tz)
    window_end = datetime.combine(end + timedelta(days=1), time(0), tz)
    items = plan(None, config, "-", window_start, window_end, PLANNERS)
    lines.append(f"Messages lantern would post ({len(items)} scheduled)")
    if not items:
        lines.append("  nothing scheduled in this window")
    for item in items:
        when = item.due_at.astimezone(tz)
        lines.append(f"  {when:%a %d %b %H:%M %Z} · {item.summary or item.key}")
        for message in item.messages:
            lines.append("    " + _message_text(message.payload).replace("\n", "\n      "))
        lines.append("")
    return "\n".join(lines)


def _message_text(payload: dict[str, Any]) -> str:
    body = slack_text.blocks_as_text(payload.get("blocks") or []) or payload.get("text", "")
    return f"→ #{payload.get('channel', '-')}\n{body}"
