"""The results module: thresholds, and no figure recovering a hidden group by subtraction."""

from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pulse.results import BPO, EVERYONE, IN_HOUSE, SiteRound, round_results, shown_groups


def rounds_of(sizes: dict[str, tuple[str, int]]) -> list[SiteRound]:
    return [
        SiteRound(site, kind, members=20, responses=n, items={"connected": [4] * n})
        for site, (kind, n) in sizes.items()
    ]


def test_a_one_person_site_shows_only_fewer_than_five_and_no_total_reveals_it() -> None:
    """Chicago (in-house) 6 answers, Manila (BPO) 7, Cebu (BPO) 1: Cebu is hidden; BPO
    (8) less Manila (7) would be Cebu, so BPO is hidden; everyone (14) less Chicago and
    Manila would be Cebu too, so everyone is hidden; Chicago and Manila keep their results."""
    results = round_results(
        rounds_of({"chicago": ("in_house", 6), "manila": ("bpo", 7), "cebu": ("bpo", 1)}), 5
    )
    shown = {g.key: g.shown for g in results.groups}
    assert shown == {
        "chicago": True,
        "manila": True,
        "cebu": False,
        IN_HOUSE: True,
        BPO: False,
        EVERYONE: False,
    }
    cebu = results.group("cebu")
    assert cebu is not None and cebu.reason == "fewer than 5 answers"
    assert cebu.responses is None and cebu.items == {} and cebu.participation is None


def test_everything_shown_when_every_site_is_over_the_threshold() -> None:
    results = round_results(
        rounds_of({"chicago": ("in_house", 6), "manila": ("bpo", 7), "cebu": ("bpo", 5)}), 5
    )
    assert all(g.shown for g in results.groups)
    everyone = results.group(EVERYONE)
    assert everyone is not None and everyone.responses == 18
    assert everyone.participation == 18 / 60


def test_enps_only_from_ten_answers_and_comments_only_from_three() -> None:
    few = SiteRound("manila", "bpo", 30, 9, enps=[9] * 9, comments=["a", "b"])
    many = SiteRound("manila", "bpo", 30, 10, enps=[9] * 10, comments=["a", "b", "c"])
    assert round_results([few], 5).groups[0].enps is None
    assert round_results([few], 5).groups[0].comments == ()
    shown = round_results([many], 5, shuffle=random.Random(1)).groups[0]
    assert shown.enps is not None and shown.enps.value == 100
    assert sorted(shown.comments) == ["a", "b", "c"]


def leaks(sizes: dict[str, tuple[str, int]], min_responses: int) -> list[tuple[str, ...]]:
    """Every set of sites with 1 … min−1 answers that some sum or difference of the shown
    groups' sites equals (coefficients −1, 0, 1 on each shown group)."""
    results = round_results(rounds_of(sizes), min_responses)
    shown = [g for g in results.groups if g.shown]
    sites = list(sizes)
    found = []
    for coefficients in itertools.product((-1, 0, 1), repeat=len(shown)):
        vector = dict.fromkeys(sites, 0)
        for c, group in zip(coefficients, shown, strict=True):
            for site in group.sites:
                vector[site] += c
        if any(v not in (0, 1) for v in vector.values()):
            continue
        subset = tuple(s for s in sites if vector[s] == 1)
        n = sum(sizes[s][1] for s in subset)
        if 0 < n < min_responses:
            found.append(subset)
    return found


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["in_house", "bpo"]), st.integers(0, 12)),
        min_size=1,
        max_size=6,
    ),
    st.integers(3, 6),
)
def test_no_combination_of_shown_figures_recovers_a_hidden_group(
    sites: list[tuple[str, int]], min_responses: int
) -> None:
    sizes = {f"site{i}": site for i, site in enumerate(sites)}
    assert leaks(sizes, min_responses) == []
    # and every site keeps its own results exactly when it is at or over the threshold
    results = round_results(rounds_of(sizes), min_responses)
    for key, (_, n) in sizes.items():
        group = results.group(key)
        assert group is not None
        assert group.shown == (n >= min_responses), (sizes, key)


def test_two_groups_of_the_same_sites_count_once() -> None:
    """One in-house site of 1 answer and one BPO site of 3 (threshold 3): BPO is the same
    people as its one site, so everyone (4) less BPO (3) would be the in-house person."""
    groups = {"a": ("a",), "b": ("b",), IN_HOUSE: ("a",), BPO: ("b",), EVERYONE: ("a", "b")}
    hidden = shown_groups(groups, {"a": 1, "b": 3}, 3)
    assert hidden == {
        "a": "fewer than 3 answers",
        "b": None,
        IN_HOUSE: "fewer than 3 answers",
        BPO: None,
        EVERYONE: "hidden so a smaller group cannot be worked out",
    }


def test_comments_are_shown_per_site_never_pooled_into_a_total() -> None:
    """A: 10 answers, 3 comments (shown); B: 5 answers, 1 comment (hidden): a total listing
    all 4 would give B's one comment away by subtraction."""
    a = SiteRound("a", "bpo", 10, 10, {"connected": [4] * 10}, comments=["x", "y", "z"])
    b = SiteRound("b", "bpo", 5, 5, {"connected": [3] * 5}, comments=["only me"])
    results = round_results([a, b], 5, shuffle=random.Random(2))
    site_a, site_b = results.group("a"), results.group("b")
    assert site_a is not None and sorted(site_a.comments) == ["x", "y", "z"]
    assert site_b is not None and site_b.shown and site_b.comments == ()
    for total in (BPO, EVERYONE):
        group = results.group(total)
        assert group is not None and group.shown and group.comments == ()


def test_a_hidden_earlier_round_is_no_part_of_any_trend() -> None:
    """Cebu's 18 Nov round had 2 answers (hidden); had it been Cebu's or BPO's baseline,
    today's mean minus the change shown would give its mean away. Only Manila's earlier
    round (6 answers) is a baseline: Cebu's trend is a first round, BPO's is against Manila's."""
    earlier = [
        SiteRound("manila", "bpo", 10, 6, {"connected": [3, 3, 3, 3, 3, 3]}),
        SiteRound("cebu", "bpo", 8, 2, {"connected": [1, 1]}),
    ]
    now = [
        SiteRound("manila", "bpo", 10, 6, {"connected": [4, 4, 4, 4, 4, 5]}),
        SiteRound("cebu", "bpo", 8, 6, {"connected": [5, 5, 5, 4, 5, 5]}),
    ]
    results = round_results(now, 5, earlier=earlier)
    cebu, bpo = results.group("cebu"), results.group(BPO)
    assert cebu is not None and cebu.trend == {"connected": None}
    assert bpo is not None and bpo.shown
    change = bpo.trend["connected"]
    assert change is not None
    assert change.value == (sum(now[0].items["connected"]) + 29) / 12 - 3  # against 3 alone


def test_a_hidden_site_keeps_its_size_but_no_figure() -> None:
    results = round_results(rounds_of({"chicago": ("in_house", 6), "cebu": ("bpo", 2)}), 5)
    cebu = results.group("cebu")
    assert cebu is not None and not cebu.shown
    assert cebu.members == 20 and cebu.responses is None and cebu.participation is None
