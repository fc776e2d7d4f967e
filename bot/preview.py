"""``lantern preview``: the coming calendar and the messages lantern would post, offline."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from bot.clock import plan
from bot.config import WorkspaceConfig
from bot.home import flag
from calendars.company import occurrences


def render_preview(config: WorkspaceConfig, start: date, days: int) -> str:
    end = start + timedelta(days=days - 1)
    tz = config.workspace.tz
    lines = [f"Lantern preview: {start:%a %d %b %Y} to {end:%a %d %b %Y} ({config.source})", ""]
    lines.append("Sites")
    for site in config.sites:
        partner = f", {site.partner}" if site.partner else ""
        when = site.post_time or config.reminders.time
        lines.append(
            f"  {flag(site.country)} {site.name} [{site.key}] {site.country}"
            f"{'-' + site.subdivision if site.subdivision else ''} · {site.timezone} · "
            f"{site.kind}{partner} · posts at {when:%H:%M} local · channel {site.channel}"
        )
    lines.append("")
    lines.append("Company milestones")
    found = False
    for milestone in config.milestones:
        for occurrence in occurrences(milestone, start, end):
            found = True
            sites = "all sites" if "all" in milestone.sites else ", ".join(milestone.sites)
            lines.append(
                f"  {occurrence.day:%a %d %b} {milestone.name}"
                f" (day {occurrence.day_number} of {milestone.days}) · {sites}"
            )
    if not found:
        lines.append("  none in this window")
    lines.append("")
    window_start = datetime.combine(start, time(0), tz)
    window_end = datetime.combine(end + timedelta(days=1), time(0), tz)
    items = plan(None, config, "-", window_start, window_end)
    lines.append(f"Messages lantern would post ({len(items)} scheduled)")
    if not items:
        lines.append("  nothing scheduled in this window")
    for item in items:
        local = item.due_at.astimezone(tz)
        lines.append(f"  {local:%a %d %b %H:%M %Z} · {item.summary or item.key}")
        for message in item.messages:
            lines.append("    " + _message_text(message.payload).replace("\n", "\n    "))
    return "\n".join(lines)


def _message_text(payload: dict[str, Any]) -> str:
    return f"→ {payload.get('channel', '-')}: {payload.get('text', '')}"
