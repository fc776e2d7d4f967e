"""When rounds open and close: site-local times, a night shift's post_time, a DST day, and
the window grown by the site's days off."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from bot.infra.config import Site, WorkspaceConfig
from bot.pulse.rounds import round_on, rounds_between


def site(config: WorkspaceConfig, key: str) -> Site:
    found = config.site(key)
    assert found is not None
    return found


def test_a_round_opens_at_the_sites_own_time_and_a_night_shifts_post_time(
    config: WorkspaceConfig,
) -> None:
    """Wednesday 2 December 2026, [pulse] time 11:00: Manila (UTC+8) at 03:00 UTC; Cebu,
    whose post_time is 21:30 for its night shift, at 13:30 UTC."""
    day = date(2026, 12, 2)
    assert round_on(config, site(config, "manila"), day).opens_at == datetime(
        2026, 12, 2, 3, 0, tzinfo=UTC
    )
    assert round_on(config, site(config, "cebu"), day).opens_at == datetime(
        2026, 12, 2, 13, 30, tzinfo=UTC
    )


def test_a_round_on_the_day_clocks_change(config: WorkspaceConfig) -> None:
    """Chicago, Sunday 8 March 2026, the first day of daylight saving: 11:00 CDT is 16:00
    UTC (it was 17:00 UTC the Sunday before, in standard time)."""
    sunday = replace(config, pulse=replace(config.pulse, weekday="sun"))
    chicago = site(sunday, "chicago")
    assert round_on(sunday, chicago, date(2026, 3, 8)).opens_at == datetime(
        2026, 3, 8, 16, 0, tzinfo=UTC
    )
    assert round_on(sunday, chicago, date(2026, 3, 1)).opens_at == datetime(
        2026, 3, 1, 17, 0, tzinfo=UTC
    )


def test_the_window_grows_by_the_sites_days_off(config: WorkspaceConfig) -> None:
    """Manila, Wednesday 23 December 2026, 72 hours: to Saturday 26th 11:00, plus Thursday
    24 (Christmas Eve) and Friday 25 (Christmas), both Philippine public holidays: to Monday
    28th 11:00 (03:00 UTC). Chicago's round that week is off only on the 25th: Sunday 27th."""
    manila = round_on(config, site(config, "manila"), date(2026, 12, 23))
    assert manila.closes_at == datetime(2026, 12, 28, 3, 0, tzinfo=UTC)
    chicago = round_on(config, site(config, "chicago"), date(2026, 12, 23))
    assert chicago.closes_at == datetime(2026, 12, 27, 17, 0, tzinfo=UTC)  # 11:00 CST
    assert manila.remind_at == datetime(2026, 12, 25, 15, 0, tzinfo=UTC)


def test_enps_is_asked_first_in_the_months_first_round(config: WorkspaceConfig) -> None:
    manila = site(config, "manila")
    first = round_on(config, manila, date(2026, 12, 2))
    second = round_on(config, manila, date(2026, 12, 9))
    assert [item for item, _ in first.items] == [
        "enps",
        "connected",
        "respected",
        "clear",
        "comment",
    ]
    assert [item for item, _ in second.items] == ["connected", "respected", "clear", "comment"]
    off = replace(config, pulse=replace(config.pulse, enps="off", comments=False))
    assert [item for item, _ in round_on(off, manila, date(2026, 12, 2)).items] == [
        "connected",
        "respected",
        "clear",
    ]


def test_rounds_between_lists_each_sites_weekly_round(config: WorkspaceConfig) -> None:
    found = rounds_between(
        config, datetime(2026, 12, 2, tzinfo=UTC), datetime(2026, 12, 2, 23, 59, tzinfo=UTC)
    )
    keys = {r.key for r in found}
    assert {f"pulse:{s.key}:2026-12-02" for s in config.sites} <= keys
