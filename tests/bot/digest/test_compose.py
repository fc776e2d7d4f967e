"""A seeded week's digest figures against values worked out by hand, on SQLite and
PostgreSQL: directions, shares, sites, values, thresholded pulse results, highlights."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.digest import chart, render
from bot.digest.compose import compose
from bot.digest.figures import DigestFigures
from bot.digest.highlights import QUIET
from bot.infra.config import WorkspaceConfig
from tests.bot.digest.seeding import TEAM, Seeder

AT = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # Mon 30 Nov 2026 08:00 in Chicago
DAY = timedelta(days=1)


def seed_week(session: Session) -> None:
    """This week (23 Nov 14:00 UTC to 30 Nov 14:00 UTC, end excluded) and before it."""
    s = Seeder(session)
    s.kudos(AT - 1 * DAY, "chicago", ["manila", "manila"], values=["ownership"])  # ih→bpo ×2
    s.kudos(AT - 2 * DAY, "manila", ["chicago"], values=["ownership", "care"])  # bpo→ih
    s.kudos(AT - 3 * DAY, "cebu", ["manila"])  # bpo↔bpo
    s.kudos(AT - 4 * DAY, "manila", ["manila"])  # within a site
    s.kudos(AT - 5 * DAY, "chicago", [None])  # to someone in no site
    s.kudos(AT - 5 * DAY, "chicago", ["cebu"], withdrawn=True)  # withdrawn: not counted
    s.kudos(AT, "mumbai", ["chicago"])  # at the digest's instant: next week's
    s.kudos(AT - 7 * DAY, "chicago", ["mumbai"])  # the week's first instant: ih→bpo
    # the 8 weeks before: week 1 one ih→bpo, week 2 two within Bogotá, nothing else
    s.kudos(AT - 8 * DAY, "chicago", ["cebu"])
    s.kudos(AT - 20 * DAY, "bogota", ["bogota"])
    s.kudos(AT - 20 * DAY, "bogota", ["bogota"])
    s.kudos(AT - 64 * DAY, "chicago", ["manila"])  # 9 weeks back: outside every figure
    # pulse: 18 Nov then 25 Nov; Cebu has 2 answers (hidden), so BPO and everyone are too
    s.pulse_round("manila", "bpo", date(2026, 11, 18), 10, {"connected": [2, 2, 3, 2, 2, 3]})
    s.pulse_round("chicago", "in_house", date(2026, 11, 18), 6, {"connected": [4, 4, 4, 4, 5]})
    s.pulse_round("cebu", "bpo", date(2026, 11, 18), 8, {"connected": [5, 5]})
    s.pulse_round("manila", "bpo", date(2026, 11, 25), 10, {"connected": [4, 4, 5, 3, 4, 4]})
    s.pulse_round("chicago", "in_house", date(2026, 11, 25), 6, {"connected": [4, 5, 4, 4, 4, 5]})
    s.pulse_round("cebu", "bpo", date(2026, 11, 25), 8, {"connected": [1, 2]})


@pytest.fixture
def seeded(session_factory: sessionmaker[Session], config: WorkspaceConfig) -> DigestFigures:
    with session_factory.begin() as session:
        seed_week(session)
    with session_factory() as session:
        return compose(session, config, TEAM, AT)


def test_kudos_per_direction_this_week_and_the_8_week_average(seeded: DigestFigures) -> None:
    flows = {f.direction: (f.this_week, f.weekly_average) for f in seeded.flows}
    assert flows == {
        "in_house_to_bpo": (3, 1 / 8),
        "bpo_to_in_house": (1, 0),
        "bpo_to_bpo": (1, 0),
        "in_house_to_in_house": (0, 0),
        "within_site": (1, 2 / 8),
        "unplaced": (1, 0),
    }
    assert seeded.kudos_total == 6 and seeded.recognitions == 7
    # across the boundary: (3 + 1) of the 5 between two sites (not within one, not to
    # someone in no site); before: 1 of 1 (Bogotá's two were within Bogotá)
    assert seeded.cross_share == pytest.approx(4 / 5)
    assert seeded.cross_share_average == pytest.approx(1.0)
    assert seeded.cross_share_clear is None  # 5 thanks between sites: under the noise floor
    # the chart's 8 weeks, oldest first, this week last
    assert [w.start for w in seeded.weeks][-1] == date(2026, 11, 23)
    assert [sum(w.counts.values()) for w in seeded.weeks] == [0, 0, 0, 0, 0, 2, 1, 7]


def test_kudos_per_site_and_the_sites_with_none(seeded: DigestFigures) -> None:
    sites = {s.key: (s.given, s.received, s.received_two_weeks) for s in seeded.sites}
    assert sites == {
        "chicago": (3, 1, 1),
        "manila": (2, 4, 4),
        "cebu": (1, 0, 1),
        "mumbai": (0, 1, 1),
        "bogota": (0, 0, 0),
        "saopaulo": (0, 0, 0),
    }
    assert [s.key for s in seeded.sites_without_kudos] == ["cebu", "bogota", "saopaulo"]
    assert seeded.values == (("ownership", 2), ("care", 1))


def test_pulse_results_are_thresholded(seeded: DigestFigures) -> None:
    assert seeded.pulse is not None and seeded.pulse.day == date(2026, 11, 25)
    groups = {g.key: g for g in seeded.pulse.groups}
    assert {k for k, g in groups.items() if not g.shown} == {"cebu", "bpo", "everyone"}
    assert all(not g.items and g.responses is None for g in groups.values() if not g.shown)
    manila = groups["manila"].items[0]
    # 4,4,5,3,4,4: mean 4, sample variance 2/5, t(0.975, 5) = 2.571
    margin = 2.571 * math.sqrt(0.4 / 6)
    assert (manila.value, manila.low, manila.high) == pytest.approx((4, 4 - margin, 4 + margin))
    assert manila.trend == "up" and manila.change == pytest.approx(4 - 14 / 6)
    assert groups["manila"].participation == pytest.approx(0.6)
    assert groups["chicago"].items[0].trend == "no clear change"


def test_a_hidden_group_stays_hidden_in_text_chart_and_alt_text(seeded: DigestFigures) -> None:
    text = "\n".join(render.text_lines(seeded))
    cebu_lines = [line for line in text.splitlines() if "Cebu" in line and "answered" in line]
    assert cebu_lines == []
    assert "*Cebu* · fewer than 5 answers: results hidden" in text
    assert "*Everyone* · results hidden so a smaller group cannot be worked out" in text
    drawn = {s.key for s in seeded.pulse_series}
    assert drawn == {"manila", "chicago", "in_house"}  # never Cebu, BPO or everyone
    assert "Cebu" not in chart.alt_text(seeded)
    assert "Manila 4.0 (3.3 to 4.7) on 25 Nov" in chart.alt_text(seeded)
    png = chart.render(seeded)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000


def test_highlights_name_an_action_each_and_are_five_at_most(seeded: DigestFigures) -> None:
    rules = [h.rule for h in seeded.highlights]
    assert len(rules) <= 5 and all(h.action for h in seeded.highlights)
    assert rules[0] == "no_kudos"  # no pulse item fell; Bogotá and São Paulo had none
    assert "Bogotá" in seeded.highlights[0].text and "São Paulo" in seeded.highlights[0].text
    assert "participation" in rules  # Cebu: too few answered to show
    assert "pulse_up" not in rules or rules.index("pulse_up") > rules.index("participation")


def test_a_quiet_week_says_so_in_one_line(
    session_factory: sessionmaker[Session], config: WorkspaceConfig
) -> None:
    chicago = config.site("chicago")
    assert chicago is not None
    quiet = replace(config, sites=(chicago,), milestones=())
    at = datetime(2027, 3, 8, 14, 0, tzinfo=UTC)  # no US or Illinois day 8-21 Mar 2027
    with session_factory() as session:
        figures = compose(session, quiet, TEAM, at)
    assert figures.highlights == ()
    assert render.highlight_lines(figures) == [QUIET]
    assert figures.upcoming == ()


def test_a_week_is_seven_wall_clock_days_across_a_dst_change(
    session_factory: sessionmaker[Session], config: WorkspaceConfig
) -> None:
    """Chicago leaves daylight time on 1 Nov 2026: the digest of Mon 2 Nov 08:00 CST covers
    from Mon 26 Oct 08:00 CDT, 169 hours, so no kudos falls between two digests."""
    before = datetime(2026, 10, 26, 13, 0, tzinfo=UTC)  # Mon 26 Oct 08:00 CDT
    after = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)  # Mon 2 Nov 08:00 CST
    with session_factory.begin() as session:
        s = Seeder(session)
        s.kudos(before - timedelta(minutes=30), "chicago", ["manila"])  # the week before
        s.kudos(before + timedelta(minutes=30), "chicago", ["manila"])  # 08:30 CDT
        s.kudos(after - timedelta(minutes=30), "chicago", ["manila"])
    with session_factory() as session:
        first = compose(session, config, TEAM, before)
        second = compose(session, config, TEAM, after)
    assert (first.recognitions, second.recognitions) == (1, 2)
    assert second.weeks[-1].start == date(2026, 10, 26)


def test_a_small_site_that_all_answered_is_not_called_low_participation(
    session_factory: sessionmaker[Session], config: WorkspaceConfig
) -> None:
    """Four people at Cebu, all four answered: hidden (under 5), but not a participation
    problem; eight at Cebu with four answering is one."""
    with session_factory.begin() as session:
        s = Seeder(session)
        s.pulse_round("manila", "bpo", date(2026, 11, 25), 6, {"connected": [4, 4, 5, 3, 4, 4]})
        s.pulse_round("cebu", "bpo", date(2026, 11, 25), 4, {"connected": [4, 4, 5, 3]})
    with session_factory() as session:
        figures = compose(session, config, TEAM, AT)
    assert "participation" not in [h.rule for h in figures.highlights]
    with session_factory.begin() as session:
        Seeder(session).pulse_round(
            "cebu", "bpo", date(2026, 11, 25), 8, {"connected": [4, 4, 5, 3]}, tag=":now-1"
        )
    with session_factory() as session:
        later = compose(session, config, TEAM, AT)
    (low,) = [h for h in later.highlights if h.rule == "participation"]
    assert "*Cebu* fewer than 5 of 8" in low.text
