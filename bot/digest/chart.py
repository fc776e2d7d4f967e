"""The digest's chart: one PNG, rendered headless with matplotlib's Agg canvas (no pyplot,
no display, no global state), and the alt text that says in words what it shows.

Top: recognitions per week by direction, the 8 weeks to the digest, stacked. Bottom: the
headline pulse item (the first of ``[pulse] items``) per site with its 95 % band, only for
rounds where the group was shown; with more than MAX_SITE_LINES sites, the in-house, BPO and
everyone groups instead, so the lines stay readable. Colours are Okabe and Ito's palette,
told apart by people with colour-vision deficiencies.
"""

from __future__ import annotations

import io
from datetime import timedelta

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.digest.figures import DigestFigures, PulseSeries
from bot.digest.kudos_figures import CROSS_BOUNDARY, DIRECTION_NAMES, DIRECTIONS
from bot.pulse.results import BPO, EVERYONE, IN_HOUSE

WIDTH, HEIGHT, DPI = 8.0, 7.0, 110  # 880 × 770 px: readable in Slack's preview and opened
MAX_SITE_LINES = 6
ALT_LIMIT = 1000  # characters Slack keeps of a file's alt text
# Okabe & Ito (2008), "Color Universal Design", https://jfly.uni-koeln.de/color/
PALETTE = ("#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#999999", "#D55E00")
# the pulse lines: the palette from its other end, and a marker each, so a site is not read
# as the direction drawn in the same colour above
LINE_COLOURS = ("#000000", "#D55E00", "#0072B2", "#009E73", "#CC79A7", "#56B4E9")
MARKERS = ("o", "s", "^", "D", "v", "P")


def _pulse_lines(figures: DigestFigures) -> tuple[list[PulseSeries], bool]:
    """The series drawn and whether they are the totals (too many sites)."""
    sites = [s for s in figures.pulse_series if s.key not in (IN_HOUSE, BPO, EVERYONE)]
    if len(sites) <= MAX_SITE_LINES:
        return sites, False
    totals = [s for s in figures.pulse_series if s.key in (IN_HOUSE, BPO, EVERYONE)]
    return totals, True


def _drawn_directions(figures: DigestFigures) -> list[str]:
    """The directions with kudos in the chart's weeks; the two across the boundary always."""
    return [
        d for d in DIRECTIONS if d in CROSS_BOUNDARY or any(w.counts.get(d) for w in figures.weeks)
    ]


def render(figures: DigestFigures) -> bytes:
    """The chart of ``figures`` as PNG bytes (WIDTH × HEIGHT inches at DPI). Both panels
    share one time axis (the 8 weeks to the digest), so a bar and a round line up."""
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    kudos, pulse = figure.subplots(2, 1, sharex=True)
    starts = [w.start for w in figures.weeks]
    middles = [start + timedelta(days=3.5) for start in starts]
    bottom = [0] * len(figures.weeks)
    for colour, direction in zip(PALETTE, _drawn_directions(figures), strict=False):
        heights = [w.counts.get(direction, 0) for w in figures.weeks]
        kudos.bar(
            middles, heights, width=6, bottom=bottom, color=colour, label=DIRECTION_NAMES[direction]
        )
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    kudos.set_title(
        "Kudos per week by direction (thanks: one per person thanked)", fontsize=12, loc="left"
    )
    kudos.yaxis.set_major_locator(MaxNLocator(integer=True))
    kudos.tick_params(labelsize=10, labelbottom=True)
    if any(bottom):
        kudos.legend(fontsize=9, ncols=3, loc="upper left", frameon=False)
    else:
        kudos.text(
            0.5, 0.5, "No kudos in these 8 weeks",
            ha="center", va="center", fontsize=11, transform=kudos.transAxes,
        )  # fmt: skip
    kudos.set_ylim(0, max(max(bottom, default=0), 1) * 1.35)
    kudos.spines[["top", "right"]].set_visible(False)

    lines, totals = _pulse_lines(figures)
    item = figures.pulse_item
    scope = "in-house, BPO and everyone" if totals else "per site"
    heading = f"Pulse: “{item}”, {scope}, mean with 95 % band" if item else "Pulse"
    pulse.set_title(heading, fontsize=12, loc="left")
    for n, series in enumerate(lines):
        colour = LINE_COLOURS[n % len(LINE_COLOURS)]
        days = [p.day for p in series.points]
        pulse.fill_between(
            days, [max(p.low, 1.0) for p in series.points],
            [min(p.high, 5.0) for p in series.points], color=colour, alpha=0.13, linewidth=0,
        )  # fmt: skip
        pulse.plot(
            days, [p.value for p in series.points], marker=MARKERS[n % len(MARKERS)],
            color=colour, label=series.name,
        )  # fmt: skip
    if lines:
        pulse.legend(fontsize=9, ncols=3, loc="lower left", frameon=False)
    else:
        pulse.text(
            0.5, 0.5, _no_pulse(figures),
            ha="center", va="center", fontsize=11, transform=pulse.transAxes,
        )  # fmt: skip
    pulse.set_ylim(1, 5)
    pulse.set_ylabel("mean, 1 to 5", fontsize=10)
    pulse.set_xlim(starts[0] - timedelta(days=1), figures.at.date() + timedelta(days=1))
    pulse.set_xticks(starts, [f"{d:%d %b}" for d in starts])
    pulse.set_xlabel("week starting", fontsize=10)
    pulse.tick_params(labelsize=10)
    pulse.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _no_pulse(figures: DigestFigures) -> str:
    """Why the pulse panel is empty, truthfully."""
    if figures.pulse is None or figures.pulse_item is None:
        return "No pulse round closed in these 8 weeks"
    if _pulse_lines(figures)[1]:
        return "In-house, BPO and everyone were hidden (too few answers); see the sites in the text"
    return "No group had enough answers to be shown"


def alt_text(figures: DigestFigures) -> str:
    """What the chart shows, in words (at most ALT_LIMIT characters): the weeks' totals,
    this week by direction, and each drawn pulse line's latest value and band."""
    totals = [sum(w.counts.values()) for w in figures.weeks]
    first, last = figures.weeks[0].start, figures.weeks[-1].start
    this = figures.weeks[-1].counts
    parts = [
        f"Chart of the 8 weeks from {first:%d %b} to the week of {last:%d %b %Y}. "
        f"Top: people thanked with kudos per week, stacked by direction: "
        + ", ".join(str(t) for t in totals)
        + ". This week: "
        + ", ".join(f"{DIRECTION_NAMES[d]} {this.get(d, 0)}" for d in _drawn_directions(figures))
        + "."
    ]
    lines, totals_only = _pulse_lines(figures)
    item = figures.pulse_item or "pulse"
    if not lines:
        parts.append(f" Bottom: {_no_pulse(figures).lower()}.")
    else:
        scope = "in-house, BPO and everyone" if totals_only else "each site"
        latest = "; ".join(
            f"{s.name} {s.points[-1].value:.1f} ({s.points[-1].low:.1f} to "
            f"{s.points[-1].high:.1f}) on {s.points[-1].day:%d %b}"
            for s in lines
        )
        parts.append(
            f" Bottom: “{item}” for {scope}, mean of 1 to 5 with its 95 % band, latest: "
            f"{latest}. Groups under the answer threshold are not drawn."
        )
    text = "".join(parts)
    return text if len(text) <= ALT_LIMIT else text[: ALT_LIMIT - 1] + "…"
