"""One festival, one identity: what is one post, what stays apart (2027 dates)."""

from __future__ import annotations

import warnings
from datetime import date

import holidays
import pytest

from calendars.festivals import FestivalDataError, load_festivals, parse_festivals
from calendars.holiday_days import split_label
from calendars.occasions import Calendar, CountrySite, Occasion, by_milestone


def groups_on(sites: list[CountrySite], day: date) -> list[list[Occasion[CountrySite]]]:
    return [g for g in by_milestone(Calendar(sites).occasions(day, day)) if g[0].first_day == day]


def test_the_first_of_may_is_one_post_whatever_each_country_calls_it() -> None:
    sites = [
        CountrySite("manila", "Manila", "PH"),  # "Labor Day"
        CountrySite("saopaulo", "São Paulo", "BR", "SP"),  # "Worker's Day"
        CountrySite("johannesburg", "Johannesburg", "ZA"),  # "Workers' Day"
        CountrySite("hcmc", "Ho Chi Minh City", "VN"),  # "International Labor Day"
        CountrySite("bogota", "Bogotá", "CO"),
    ]
    (labour,) = groups_on(sites, date(2027, 5, 1))
    assert [o.site.key for o in labour] == [s.key for s in sites]
    assert {o.name for o in labour} == {"Labour Day"}


def test_christmas_at_five_sites_is_one_post() -> None:
    sites = [
        CountrySite("chicago", "Chicago", "US"),
        CountrySite("manila", "Manila", "PH"),
        CountrySite("mumbai", "Mumbai", "IN", "MH"),  # "Christmas", not "Christmas Day"
        CountrySite("saopaulo", "São Paulo", "BR", "SP"),
        CountrySite("bogota", "Bogotá", "CO"),
    ]
    (christmas,) = groups_on(sites, date(2027, 12, 25))
    assert len(christmas) == 5 and christmas[0].festival == "christmas"


def test_one_countrys_day_is_not_anothers() -> None:
    kingston, la_paz = (
        CountrySite("kingston", "Kingston", "JM"),
        CountrySite("lapaz", "La Paz", "BO"),
    )
    apart = groups_on([kingston, la_paz], date(2027, 8, 6))  # both Independence Day
    assert sorted(g[0].site.key for g in apart) == ["kingston", "lapaz"]
    lagos = CountrySite("lagos", "Lagos", "NG")
    beijing = CountrySite("beijing", "Beijing", "CN")
    apart = groups_on([lagos, beijing], date(2027, 10, 1))  # both National Day
    assert sorted(g[0].site.key for g in apart) == ["beijing", "lagos"]


def test_tet_is_one_milestone_over_its_days() -> None:
    hcmc = CountrySite("hcmc", "Ho Chi Minh City", "VN")
    found = [
        o
        for o in Calendar([hcmc]).site_occasions(hcmc, date(2027, 2, 1), date(2027, 2, 15))
        if o.festival == "lunar-new-year"
    ]
    (tet,) = found
    assert tet.name == "Lunar New Year" and tet.days >= 5
    assert tet.first_day <= date(2027, 2, 6) <= tet.last_day  # Tết 2027: Saturday 6 February


def test_eid_and_its_second_day_are_one_milestone() -> None:
    kuala_lumpur = CountrySite("kl", "Kuala Lumpur", "MY")
    eids = [
        o
        for o in Calendar([kuala_lumpur]).site_occasions(
            kuala_lumpur, date(2027, 3, 1), date(2027, 3, 31)
        )
        if o.festival == "eid-al-fitr"
    ]
    (eid,) = eids
    assert eid.days == 2


def test_every_name_in_the_table_is_one_the_holidays_package_gives() -> None:
    """A name the package never produces would be dead data (or a typo)."""
    given: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        places: list[tuple[str, str | None]] = [
            (c, None) for c in holidays.list_supported_countries()
        ]
        places += [(c, s) for c in ("IN", "MY") for s in holidays.country_holidays(c).subdivisions]
        for country, subdivision in places:
            languages = holidays.country_holidays(country).supported_languages or ()
            language = "en_US" if "en_US" in languages else None
            for year in (2026, 2027):
                calendar = holidays.country_holidays(
                    country, subdiv=subdivision, years=year, language=language
                )
                for day in calendar:
                    given |= {split_label(n)[0].casefold() for n in calendar.get_list(day)}
    unknown = [
        (f.key, name)
        for f in load_festivals().festivals
        for name in f.names
        if name.casefold() not in given
    ]
    assert unknown == []


def test_a_name_in_two_festivals_is_refused() -> None:
    text = (
        '[[festivals]]\nkey = "a"\nname = "A"\nnames = ["Labor Day"]\nsource = "https://x"\n'
        '[[festivals]]\nkey = "b"\nname = "B"\nnames = ["Labor Day"]\nsource = "https://y"\n'
    )
    with pytest.raises(FestivalDataError, match="'Labor Day' is already 'a'"):
        parse_festivals(text)


def test_one_holiday_with_several_names_in_one_country_is_one_milestone() -> None:
    """Thailand's 5 December 2027 is the King's Birthday, National Day and Father's Day (the
    package gives three holidays, and three "(in lieu)" on Monday the 6th): one milestone with
    one day off in lieu; China's National Day (1 October) is still China's own."""
    bangkok = CountrySite("bangkok", "Bangkok", "TH")
    (december,) = groups_on([bangkok], date(2027, 12, 5))
    assert len(december) == 1
    (king,) = december
    assert king.days_off == (date(2027, 12, 5), date(2027, 12, 6))
    assert king.festival == "king-bhumibol-birthday-th"
    beijing = CountrySite("beijing", "Beijing", "CN")
    ((national,),) = groups_on([beijing], date(2027, 10, 1))
    assert (national.name, national.festival) == ("National Day", "national-day-cn")
