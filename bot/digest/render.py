"""The digest as people read it: Block Kit for the DM, plain lines for ``lantern digest
--preview`` and the App Home. Highlights first, then the figures, each with its comparison."""

from __future__ import annotations

from typing import Any

from bot.digest.figures import DigestFigures, PulseGroup
from bot.digest.highlights import QUIET
from bot.digest.kudos_figures import CROSS_BOUNDARY, DIRECTION_NAMES, UNPLACED
from bot.infra import slack_text

MAX_BLOCKS = 50  # per message (https://api.slack.com/reference/block-kit/blocks)
SECTION = 3000  # characters of a section's text
HEADER = 150  # characters of a header block's text
SITE_LINES = 30  # sites listed by name in the kudos figures; the rest are counted


def title(figures: DigestFigures) -> str:
    """ "Weekly digest · the 7 days to Mon 30 Nov 2026" (the workspace's date)."""
    return f"Weekly digest · the 7 days to {figures.at:%a %d %b %Y}"


def highlight_lines(figures: DigestFigures) -> list[str]:
    """The highlights, each with its action; one line for a quiet week."""
    if not figures.highlights:
        return [QUIET]
    return [f"• {h.text}\n    → _{h.action}_" for h in figures.highlights]


def _average(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def kudos_lines(figures: DigestFigures) -> list[str]:
    """The week's kudos: totals, the flow by direction with the 8-week averages, the share
    across the boundary, sites without kudos, the company values named."""
    average = sum(f.weekly_average for f in figures.flows)
    lines = [
        f"*Kudos, last 7 days:* {figures.kudos_total} kudos, {figures.recognitions} thanks "
        f"(a kudos to three people is three thanks; {_average(average)} a week on average "
        "over the 8 weeks before)"
    ]
    for flow in figures.flows:
        if flow.direction == UNPLACED and not (flow.this_week or flow.weekly_average):
            continue
        across = " (across the boundary)" if flow.direction in CROSS_BOUNDARY else ""
        lines.append(
            f"• {DIRECTION_NAMES[flow.direction]}{across}: {flow.this_week} "
            f"(average {_average(flow.weekly_average)})"
        )
    if figures.cross_share is not None:
        before = (
            f"{figures.cross_share_average:.0%}"
            if figures.cross_share_average is not None
            else "no thanks between sites"
        )
        clear = f", clearly {figures.cross_share_clear}" if figures.cross_share_clear else ""
        lines.append(
            f"Across the in-house / BPO boundary: *{figures.cross_share:.0%}* of the thanks "
            f"between two sites (8 weeks before: {before}{clear})"
        )
    none = figures.sites_without_kudos
    if none:
        names = ", ".join(slack_text.escape(s.name) for s in none)
        lines.append(f"Sites that received none: {names}")
    if figures.values:
        named = " · ".join(f"#{value} {count}" for value, count in figures.values)
        lines.append(f"Company values named: {named}")
    return lines


def site_lines(figures: DigestFigures) -> list[str]:
    """Given and received per site, at most SITE_LINES sites by name."""
    lines = [
        f"• {slack_text.escape(s.name)} ({'BPO' if s.kind == 'bpo' else 'in-house'}): "
        f"{s.given} given · {s.received} received"
        for s in figures.sites[:SITE_LINES]
    ]
    if len(figures.sites) > SITE_LINES:
        rest = figures.sites[SITE_LINES:]
        lines.append(
            f"…and {len(rest)} more sites: {sum(s.given for s in rest)} given · "
            f"{sum(s.received for s in rest)} received"
        )
    return lines


def _group_line(group: PulseGroup) -> str:
    name = slack_text.escape(group.name)
    if not group.shown:
        reason = group.reason or ""
        if reason.startswith("hidden"):  # "hidden so a smaller group cannot be worked out"
            return f"• *{name}* · results {reason}"
        return f"• *{name}* · {reason}: results hidden"
    share = f" ({group.participation:.0%})" if group.participation is not None else ""
    parts = [f"• *{name}* · {group.responses} of {group.members} answered{share}"]
    parts += [
        f"{slack_text.escape(i.label)} {i.value:.1f} ({i.low:.1f}–{i.high:.1f}), {i.trend}"
        for i in group.items
    ]
    return " · ".join(parts)


def pulse_lines(figures: DigestFigures) -> list[str]:
    """The latest complete pulse round, per site and in total, thresholded."""
    pulse = figures.pulse
    if pulse is None:
        return ["*Pulse:* no round has closed in the last 8 weeks."]
    kind = "extra round" if pulse.extra else "round"
    lines = [
        f"*Pulse, {kind} of {pulse.day:%a %d %b}* (mean of 1–5 with its 95 % interval; "
        f"groups of at least {pulse.min_responses})"
    ]
    return lines + [_group_line(group) for group in pulse.groups]


def upcoming_lines(figures: DigestFigures) -> list[str]:
    """The next 14 days' milestones and days off, each with its coverage notes."""
    if not figures.upcoming:
        return ["*Next 14 days:* no milestones or days off at any site."]
    lines = ["*Next 14 days*"]
    for item in figures.upcoming:
        lines.append(f"• {item.day:%a %d %b}: {item.line}")
        lines += [f"    _{note}_" for note in item.coverage]
    return lines


def text_lines(figures: DigestFigures) -> list[str]:
    """The whole digest as mrkdwn lines (the preview and the message's fallback text)."""
    return [
        f"*{title(figures)}*",
        "",
        *highlight_lines(figures),
        "",
        *kudos_lines(figures),
        *site_lines(figures),
        "",
        *pulse_lines(figures),
        "",
        *upcoming_lines(figures),
    ]


def blocks(figures: DigestFigures) -> list[dict[str, Any]]:
    """The DM's blocks: a header, the highlights, then each figure family in sections of at
    most 3,000 characters; never more than MAX_BLOCKS (50) blocks."""
    head: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title(figures)[:HEADER]}}
    ]
    families = [
        highlight_lines(figures),
        kudos_lines(figures) + site_lines(figures),
        pulse_lines(figures),
        upcoming_lines(figures),
    ]
    body: list[dict[str, Any]] = []
    for lines in families:
        if body:
            body.append({"type": "divider"})
        body += [slack_text.section(t) for t in slack_text.pack(lines, SECTION, "\n")]
    tail = [
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "The chart comes with this message. Counts from lantern's records; "
                    "pulse groups under the threshold stay hidden everywhere, the chart "
                    "included.",
                }
            ],
        }
    ]
    room = MAX_BLOCKS - len(head) - len(tail)
    if len(body) > room:
        body = [*body[: room - 1], slack_text.section("…shortened: `lantern digest --preview`.")]
    return head + body + tail


def fallback(figures: DigestFigures) -> str:
    """The notification text: the title and the first highlight (or the quiet line)."""
    first = figures.highlights[0].text if figures.highlights else QUIET
    return slack_text.cut(f"{title(figures)}: {first}", 3000)
