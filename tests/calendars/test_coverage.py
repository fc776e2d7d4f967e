"""Where the holidays package's data runs out: a site must not lose its holidays silently."""

from __future__ import annotations

import warnings

import pytest

from calendars.coverage import DataGap, data_gaps, holiday_count
from calendars.occasions import CountrySite

COLOMBO = CountrySite("colombo", "Colombo", "LK")


def first_year_without(site: CountrySite, since: int = 2026) -> int:
    """The first year from ``since`` for which the package gives ``site`` no holiday."""
    return next(year for year in range(since, since + 100) if holiday_count(site, year) == 0)


def test_the_year_a_countrys_tables_end_is_a_gap() -> None:
    year = first_year_without(COLOMBO)  # 2027 with holidays 0.109: Sri Lanka's tables end
    assert holiday_count(COLOMBO, year - 1) > 20  # Sri Lanka has 25 public holidays a year
    (gap,) = data_gaps(COLOMBO, [year - 1, year])
    assert gap == DataGap(year, 0, holiday_count(COLOMBO, year - 1))
    assert gap.describe().startswith(f"no holidays in {year} (")


def test_a_third_fewer_holidays_is_a_gap_and_lunar_drift_is_not() -> None:
    mumbai = CountrySite("mumbai", "Mumbai", "IN", "MH")
    short = DataGap(2036, 13, 24)
    assert short.describe() == "only 13 holidays in 2036 (24 in 2035)"
    for year in range(2026, 2031):  # Eid moves through the Gregorian year: no false alarm
        assert data_gaps(CountrySite("cairo", "Cairo", "EG"), [year]) == []
        assert data_gaps(CountrySite("manila", "Manila", "PH"), [year]) == []
        assert data_gaps(mumbai, [year]) == []


def test_counting_keeps_the_packages_own_warning_off_stderr() -> None:
    mumbai = CountrySite("mumbai", "Mumbai", "IN", "MH")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning escaping would raise here
        for year in range(2030, 2045):
            holiday_count(mumbai, year)


@pytest.mark.parametrize("country", ["US", "PH", "IN", "CO", "BR", "MX", "EG", "KE", "ZA"])
def test_the_example_countries_have_data_this_year_and_next(country: str) -> None:
    assert data_gaps(CountrySite(country.lower(), country, country), [2026, 2027]) == []


def test_explainer_coverage_counts_each_public_milestone_once() -> None:
    from calendars.coverage import explainer_coverage
    from calendars.occasions import Calendar

    manila = CountrySite("manila", "Manila", "PH")
    (row,) = explainer_coverage(Calendar([manila]), 2027)
    # the Philippines keeps about twenty regular and special non-working days a year
    assert 18 <= row.milestones <= 22
    assert "Independence Day" not in row.missing  # shipped in calendars/data/ph.toml
    assert row.explained == row.milestones - len(row.missing)
    assert len(set(row.missing)) == len(row.missing)  # a festival of many days counts once
