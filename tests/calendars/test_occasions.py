"""Site calendars as data tables: which milestone falls where, for which site."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.infra.calendar import estimated_warnings
from bot.infra.config import Site, WorkspaceConfig, parse_workspace_config
from calendars.company import Milestone
from calendars.curated import CuratedIndex
from calendars.holiday_days import holiday_days, split_label
from calendars.occasions import COMPANY, Calendar, Occasion, slugify


def site(config: WorkspaceConfig, key: str) -> Site:
    found = config.site(key)
    assert found is not None, key
    return found


def at(config: WorkspaceConfig, key: str, day: date) -> dict[str, Occasion[Site]]:
    calendar = Calendar(config.sites, config.milestones)
    return {o.slug: o for o in calendar.site_occasions(site(config, key), day, day)}


@pytest.mark.parametrize(
    ("site", "day", "slug", "category"),
    [
        ("manila", date(2026, 6, 12), "independence-day", "public"),
        ("manila", date(2026, 12, 30), "rizal-day", "public"),
        ("mumbai", date(2026, 11, 8), "diwali", "public"),
        ("mumbai", date(2026, 8, 15), "independence-day", "public"),
        ("saopaulo", date(2026, 2, 16), "carnival", "optional"),
        ("saopaulo", date(2026, 4, 21), "tiradentes-day", "public"),
        ("bogota", date(2026, 7, 20), "independence-day", "public"),
        ("chicago", date(2026, 7, 4), "independence-day", "public"),
        ("chicago", date(2026, 11, 26), "thanksgiving-day", "public"),
    ],
)
def test_holidays_by_site(
    config: WorkspaceConfig, site: str, day: date, slug: str, category: str
) -> None:
    found = at(config, site, day)
    assert slug in found, sorted(found)
    assert found[slug].category == category
    assert found[slug].first_day <= day <= found[slug].last_day


def test_a_holiday_is_only_where_it_is_observed(config: WorkspaceConfig) -> None:
    assert "diwali" not in at(config, "manila", date(2026, 11, 8))
    assert "carnival" not in at(config, "bogota", date(2026, 2, 16))


def test_consecutive_days_are_one_occasion(config: WorkspaceConfig) -> None:
    carnival = at(config, "saopaulo", date(2026, 2, 17))["carnival"]
    assert (carnival.first_day, carnival.last_day, carnival.days) == (
        date(2026, 2, 16),
        date(2026, 2, 17),
        2,
    )
    assert carnival.local_name == "Carnaval"


def test_company_milestones_yearly_once_and_per_site(config: WorkspaceConfig) -> None:
    week = at(config, "bogota", date(2027, 10, 7))["company-cultural-connection-week"]
    assert (week.kind, week.first_day, week.days) == (COMPANY, date(2027, 10, 5), 5)
    anniversary = "company-manila-site-5th-anniversary"
    assert anniversary in at(config, "manila", date(2027, 3, 15))
    assert anniversary in at(config, "chicago", date(2027, 3, 15))
    assert anniversary not in at(config, "bogota", date(2027, 3, 15))
    assert anniversary not in at(config, "manila", date(2028, 3, 15))


def test_leap_day_milestone_in_a_common_year(config: WorkspaceConfig) -> None:
    leap = replace(config, milestones=(Milestone("Leap party", 2, 29),))
    assert "company-leap-party" in at(leap, "manila", date(2027, 2, 28))
    assert "company-leap-party" in at(leap, "manila", date(2028, 2, 29))


def test_estimated_dates_are_flagged() -> None:
    days = holiday_days("IN", None, ("public",), None, 2032)
    eid = next(h for h in days if h.name == "Eid al-Fitr")
    assert eid.estimated and "(" not in eid.name


def test_observed_substitutes_are_days_off_not_milestones() -> None:
    days = holiday_days("US", None, ("public",), None, 2026)
    observed = [h for h in days if h.observed]
    assert observed and all("(" not in h.name for h in observed)
    config = parse_workspace_config(
        '[workspace]\ntimezone="UTC"\ncelebrations_channel="C0A"\nfeed_channel="C0B"\n'
        '[[sites]]\nkey="us"\nname="US"\ncountry="US"\ntimezone="America/New_York"\n'
        'kind="in_house"\nchannel="C0US"\n'
    )
    # 4 July 2026 is a Saturday; Friday 3 July is its observed day off
    found = at(config, "us", date(2026, 7, 3))
    assert found["independence-day"].first_day == date(2026, 7, 4)  # the milestone's own day
    assert found["independence-day"].days_off_elsewhere == (date(2026, 7, 3),)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Eid al-Fitr (estimated)", ("Eid al-Fitr", True, False)),
        ("Islamic New Year (observed, estimated)", ("Islamic New Year", True, True)),
        ("Christmas Day (observed)", ("Christmas Day", False, True)),
        ("Day of the Dead (Mexico)", ("Day of the Dead (Mexico)", False, False)),
    ],
)
def test_split_label(raw: str, expected: tuple[str, bool, bool]) -> None:
    assert split_label(raw) == expected


def test_slugs_are_stable_ascii() -> None:
    assert slugify("Prophet's Birthday") == "prophets-birthday"
    assert slugify("Día de la Independencia") == "dia-de-la-independencia"


def test_curated_content_is_matched_by_country_and_name(config: WorkspaceConfig) -> None:
    from calendars.curated import Curated

    entry = Curated(
        country="PH",
        holiday="Independence Day",
        aliases=("Araw ng Kalayaan",),
        what="w",
        emoji="🇵🇭",
        join_in="j",
        source="s",
    )
    index = CuratedIndex([entry])
    assert index.find("PH", "independence day") is entry
    assert index.find("PH", None, "Araw ng Kalayaan") is entry
    assert index.find("US", "Independence Day") is None
    occasion = {
        o.slug: o
        for o in Calendar(config.sites, config.milestones, index).site_occasions(
            site(config, "manila"), date(2026, 6, 12), date(2026, 6, 12)
        )
    }
    assert occasion["independence-day"].content is entry


def test_estimated_warnings_name_site_and_year(config: WorkspaceConfig) -> None:
    warnings = estimated_warnings(config, date(2031, 1, 1))
    assert any("(mumbai)" in w and "2031" in w and "Eid al-Fitr" in w for w in warnings)
    assert not any("(chicago)" in w for w in warnings)
