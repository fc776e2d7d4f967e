"""The digest's highlights: at most five things a manager should act on this week, each with
the action it suggests, found by rules that clear a noise floor, most pressing first.

Rules, in the order they rank:
1. a pulse item at a site (or in-house, BPO, everyone) clearly down against its own earlier
   rounds (the 95 % interval of the change excludes zero), in a round of the last 14 days;
2. a site whose people received no kudos in 14 days, while the company gave at least
   MIN_ACTIVE recognitions in them (a company that gives none has one quiet week, not a
   site problem);
3. the share of kudos across the in-house / BPO boundary clearly down against its 8-week
   average (:func:`bot.digest.stats.share_change`);
4. participation under 60 % at a site in that round (a site hidden for too few answers
   counts when it has at least ``min_responses`` members, without its figures);
5. a site whose holiday data runs out this year or next;
6. a day off or a major festival (the company's own, or kept at more than one site) at a
   site from tomorrow to 14 days ahead, with the coverage note (the two soonest);
7. a pulse item clearly up, and the cross-boundary share clearly up (worth saying thanks).

A week none of them fires is a quiet week: the digest says so in one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from bot.digest.figures import DigestFigures, Highlight, PulseGroup
from bot.infra import slack_text

LIMIT = 5
MIN_ACTIVE = 5  # recognitions in 14 days before a site without any is worth a word
LOW_PARTICIPATION = 0.6
FRESH_DAYS = 14  # a pulse round older than this is not news
DAYS_OFF_SHOWN = 2
QUIET = "A quiet week: nothing needs your attention. The figures are below."


def choose(figures: DigestFigures) -> tuple[Highlight, ...]:
    """The highlights of ``figures``, most pressing first, at most LIMIT (5)."""
    found: list[Highlight] = []
    falls, rises = _pulse_changes(figures)
    found += falls
    found += _no_kudos(figures)
    if figures.cross_share_clear == "down":
        found.append(_cross_share(figures))
    found += _participation(figures)
    found += [
        Highlight(
            rule="calendar_data",
            text=slack_text.escape(warning),
            action="Upgrade lantern's holidays package, or add the site's days to your "
            "`[calendar] content_dir`.",
        )
        for warning in figures.calendar_warnings
    ]
    found += _days_off(figures)
    found += rises
    if figures.cross_share_clear == "up":
        found.append(_cross_share(figures))
    return tuple(found[:LIMIT])


def _fresh(figures: DigestFigures) -> bool:
    today = figures.at.date()
    return figures.pulse is not None and figures.pulse.day >= today - timedelta(days=FRESH_DAYS)


def _pulse_changes(figures: DigestFigures) -> tuple[list[Highlight], list[Highlight]]:
    """Clear falls and rises of the latest round, biggest first: at most two of each."""
    if figures.pulse is None or not _fresh(figures):
        return [], []
    changes = [
        (group, item)
        for group in figures.pulse.groups
        if group.shown
        for item in group.items
        if item.trend in ("up", "down") and item.change is not None
    ]
    changes.sort(key=lambda pair: -abs(pair[1].change or 0))
    falls: list[Highlight] = []
    rises: list[Highlight] = []
    for group, item in changes:
        name = slack_text.escape(group.name)
        text = (
            f"Pulse at *{name}*: “{slack_text.escape(item.label)}” {item.trend} by "
            f"{abs(item.change or 0):.1f} against its previous rounds (up to 8; 95 % CI of the "
            f"change {item.change_low:+.1f} to {item.change_high:+.1f}), now {item.value:.1f} of 5."
        )
        if item.trend == "down" and len(falls) < 2:
            action = (
                f"Ask {name}'s team lead what changed, and listen before you explain."
                if group.is_site
                else "Ask the site leads what changed; compare with each site's own rounds."
            )
            falls.append(Highlight(rule="pulse_down", text=text, action=action))
        elif item.trend == "up" and len(rises) < 2:
            rises.append(
                Highlight(
                    rule="pulse_up",
                    text=text,
                    action=f"Tell {name} you noticed, and ask what helped so others can try it.",
                )
            )
    return falls, rises


def _names(sites: list[str]) -> str:
    shown = ", ".join(f"*{slack_text.escape(s)}*" for s in sites[:5])
    return shown + (f" and {len(sites) - 5} more" if len(sites) > 5 else "")


def _no_kudos(figures: DigestFigures) -> Iterator[Highlight]:
    active = sum(site.received_two_weeks for site in figures.sites)
    silent = [site.name for site in figures.sites if site.received_two_weeks == 0]
    if active < MIN_ACTIVE or not silent:
        return
    one = len(silent) == 1
    yield Highlight(
        rule="no_kudos",
        text=f"No kudos for two weeks to anyone at {_names(silent)}.",
        action=(
            "Thank someone there for work you saw, and ask "
            + ("its team lead" if one else "their team leads")
            + " whose work deserves a word."
        ),
    )


def _cross_share(figures: DigestFigures) -> Highlight:
    now, before = figures.cross_share or 0.0, figures.cross_share_average or 0.0
    text = (
        f"Kudos across the in-house / BPO boundary {figures.cross_share_clear}: {now:.0%} "
        f"of this week's thanks between two sites, against {before:.0%} over the 8 weeks "
        "before."
    )
    if figures.cross_share_clear == "down":
        action = (
            "Name one piece of work by the other side of the contract in your next team "
            "meeting, and invite your leads to do the same."
        )
    else:
        action = "Keep it going: share one of this week's cross-site kudos with the whole team."
    return Highlight(rule=f"cross_share_{figures.cross_share_clear}", text=text, action=action)


def _participation(figures: DigestFigures) -> Iterator[Highlight]:
    if figures.pulse is None or not _fresh(figures):
        return
    least = figures.pulse.min_responses
    low: list[PulseGroup] = [
        g
        for g in figures.pulse.groups
        if g.is_site
        and (
            (g.shown and g.participation is not None and g.participation < LOW_PARTICIPATION)
            # hidden for too few answers, though the site has enough people to be shown
            or (not g.shown and (g.reason or "").startswith("fewer") and (g.members or 0) >= least)
        )
    ]
    if not low:
        return
    parts = [
        f"*{slack_text.escape(g.name)}* {g.participation:.0%}"
        if g.shown and g.participation is not None
        else f"*{slack_text.escape(g.name)}* fewer than {least} of {g.members}"
        for g in low
    ]
    shown = ", ".join(parts[:5]) + (f" and {len(parts) - 5} more" if len(parts) > 5 else "")
    yield Highlight(
        rule="participation",
        text=f"Pulse participation under {LOW_PARTICIPATION:.0%} in the round of "
        f"{figures.pulse.day:%a %d %b}: {shown}.",
        action="Ask those sites' leads to mention the next survey in a huddle, and check "
        "that it opens during their shift (a site's `post_time`).",
    )


def _days_off(figures: DigestFigures) -> Iterator[Highlight]:
    """The soonest major milestones from tomorrow (today's is under way at some site)."""
    today = figures.at.date()
    for upcoming in [u for u in figures.upcoming if u.major and u.day > today][:DAYS_OFF_SHOWN]:
        notes = " ".join(upcoming.coverage)
        yield Highlight(
            rule="days_off",
            text=f"{upcoming.day:%a %d %b}: {upcoming.line}",
            action=(
                (f"{notes} " if notes else "")
                + "Plan cover for those days now, and wish the site well on the day."
                if upcoming.days_off
                else "Wish them well on the day: a word from another site means more than a post."
            ),
        )
