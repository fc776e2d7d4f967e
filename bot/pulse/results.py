"""The one results module: every output of pulse results (``/pulse results``, the App Home,
the digest and its chart, exports, logs) takes its figures from :func:`round_results`, so the
threshold and the no-subtraction rule hold everywhere.

Groups are each site, the in-house sites, the BPO sites and everyone. A group is shown only
with at least ``min_responses`` answers. A shown group whose shown subgroups leave a
remainder of 1 to ``min_responses − 1`` answers would give that remainder away by
subtraction (everyone − the sites shown = the one small site), so it is hidden too: the total,
never a site, so every site at or over the threshold keeps its own results. Shown groups always nest
(a site in one of in-house or BPO, both in everyone), so what can be derived from them is
exactly each shown group less its largest shown subgroups; the check covers every case.
Hiding totals alone always suffices: with every total hidden, what shows is sites at or over
the threshold, and any sum of them is too.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.pulse.statistics import (
    Interval,
    Sample,
    difference_interval,
    enps_interval,
    mean_interval,
)

EVERYONE, IN_HOUSE, BPO = "everyone", "in_house", "bpo"
MIN_COMMENTS = 3  # comments of a group are shown only when at least this many
ENPS_MIN = 10  # eNPS only from this many answers: below it, its interval is too wide to mean much


@dataclass(frozen=True)
class SiteRound:
    """What one closed (or open) survey round at one site holds: no person, no time.

    Attributes:
        site: the site's key; kind: ``in_house`` or ``bpo``.
        members: the site's members when the survey opened (for participation).
        responses: how many people answered.
        items: each 1–5 item's answers, by item id.
        enps: the 0–10 answers, when the round asked eNPS.
        comments: the comments, in no particular order.
    """

    site: str
    kind: str
    members: int
    responses: int
    items: Mapping[str, Sequence[int]] = field(default_factory=dict)
    enps: Sequence[int] = ()
    comments: Sequence[str] = ()


@dataclass(frozen=True)
class GroupResult:
    """One group's figures, or only that it is hidden.

    ``responses`` and every figure are None when ``shown`` is False (``members``, the
    size of the sites' channels when the rounds opened, stays); the reason is then
    ``"fewer than N answers"`` or ``"hidden so a smaller group cannot be worked out"``.
    """

    key: str  # a site's key, or "in_house", "bpo", "everyone"
    sites: tuple[str, ...]
    shown: bool
    reason: str | None = None
    responses: int | None = None
    members: int | None = None
    items: Mapping[str, Interval] = field(default_factory=dict)
    enps: Interval | None = None
    trend: Mapping[str, Interval | None] = field(default_factory=dict)
    comments: tuple[str, ...] = ()

    @property
    def participation(self) -> float | None:
        """Responses over members when it opened, 0 to 1; None when hidden or unknown."""
        if not self.shown or not self.members or self.responses is None:
            return None
        return self.responses / self.members


@dataclass(frozen=True)
class Results:
    """Every group of one round, in order: sites (config order), in-house, BPO, everyone."""

    groups: tuple[GroupResult, ...]
    min_responses: int

    def group(self, key: str) -> GroupResult | None:
        """The group with this key, if it has any site."""
        return next((g for g in self.groups if g.key == key), None)


def _groups(rounds: Sequence[SiteRound]) -> dict[str, tuple[str, ...]]:
    groups: dict[str, tuple[str, ...]] = {r.site: (r.site,) for r in rounds}
    for kind in (IN_HOUSE, BPO):
        members = tuple(r.site for r in rounds if r.kind == kind)
        if members:
            groups[kind] = members
    groups[EVERYONE] = tuple(r.site for r in rounds)
    return groups


def shown_groups(
    groups: Mapping[str, tuple[str, ...]], responses: Mapping[str, int], min_responses: int
) -> dict[str, str | None]:
    """Which groups may be shown: ``{group: None}`` if shown, else the reason it is hidden.

    Args:
        groups: each group's sites (they nest: a site, its kind, everyone).
        responses: answers per site.
        min_responses: the threshold, at least 1.
    """

    def size(key: str) -> int:
        return sum(responses.get(site, 0) for site in groups[key])

    hidden: dict[str, str | None] = {}
    for key in groups:
        n = size(key)
        hidden[key] = None if n >= min_responses else f"fewer than {min_responses} answers"
    order = sorted(groups, key=lambda k: (len(groups[k]), k))  # sites, kinds, everyone
    changed = True
    while changed:
        changed = False
        for key in order:
            if hidden[key] is not None or len(groups[key]) == 1:
                continue  # a site shown on its own answers is never hidden for another's sake
            inside = {
                frozenset(groups[k])
                for k in groups
                if hidden[k] is None and set(groups[k]) < set(groups[key])
            }
            largest = [s for s in inside if not any(s < other for other in inside)]
            remainder = size(key) - sum(responses.get(site, 0) for s in largest for site in s)
            if 0 < remainder < min_responses:
                hidden[key] = "hidden so a smaller group cannot be worked out"
                changed = True
    return hidden


def round_results(
    rounds: Sequence[SiteRound],
    min_responses: int,
    *,
    earlier: Iterable[SiteRound] = (),
    shuffle: random.Random | None = None,
) -> Results:
    """The figures of one survey round, thresholded.

    Args:
        rounds: each site's round (config order).
        min_responses: the threshold (``[pulse] min_responses``, at least 3).
        earlier: the same sites' earlier rounds, pooled per group as the baseline of the
            trend ("no clear change" when the interval of the difference includes zero);
            only those with at least ``min_responses`` answers count.
        shuffle: the random source comments are shuffled with (a fresh one when None).

    Returns:
        A :class:`Results` with a :class:`GroupResult` per group.
    """
    groups = _groups(rounds)
    responses = {r.site: r.responses for r in rounds}
    hidden = shown_groups(groups, responses, min_responses)
    by_site = {r.site: r for r in rounds}
    before: dict[str, list[SiteRound]] = {}
    for earlier_round in earlier:
        # only rounds a site could show on their own: a hidden round in a baseline would be
        # given away by the change (now − change = its mean)
        if earlier_round.responses >= min_responses:
            before.setdefault(earlier_round.site, []).append(earlier_round)
    rng = shuffle or random.Random()
    results = []
    for key, sites in groups.items():
        if hidden[key] is not None:  # its size is known (channel members), never its answers
            members = sum(by_site[s].members for s in sites)
            results.append(GroupResult(key, sites, False, hidden[key], members=members))
            continue
        own = [by_site[s] for s in sites]
        past = [p for s in sites for p in before.get(s, [])]
        items: dict[str, Interval] = {}
        trend: dict[str, Interval | None] = {}
        for item in sorted({i for r in own for i in r.items}):
            values = [v for r in own for v in r.items.get(item, ())]
            if not values:
                continue
            items[item] = mean_interval(Sample.of(values))
            old = [v for p in past for v in p.items.get(item, ())]
            trend[item] = difference_interval(Sample.of(values), Sample.of(old)) if old else None
        scores = [s for r in own for s in r.enps]
        # comments only at a site, never pooled into a total: a total's list less a shown
        # site's would give away a smaller site's one or two comments
        comments = [c for r in own for c in r.comments] if len(sites) == 1 else []
        shown_comments: tuple[str, ...] = ()
        if len(comments) >= MIN_COMMENTS:
            rng.shuffle(comments)
            shown_comments = tuple(comments)
        results.append(
            GroupResult(
                key,
                sites,
                True,
                responses=sum(r.responses for r in own),
                members=sum(r.members for r in own),
                items=items,
                enps=enps_interval(scores) if len(scores) >= ENPS_MIN else None,
                trend=trend,
                comments=shown_comments,
            )
        )
    return Results(tuple(results), min_responses)
