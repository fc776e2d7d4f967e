"""Observances and includes: milestones the holidays package lacks, on their date rules.

Expected dates are worked out from the rule, not read back from the code: 1 January 2027 is a
Friday, so its Sundays are the 3rd, 10th and 17th, and Sinulog (the third Sunday) is on the
17th; in 2026 (a Thursday) the 18th. Mid-Autumn (15th day of the 8th lunar month) is on 25
September 2026 and 15 September 2027, as China's State Council publishes it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from calendars.content import load_content, parse_document
from calendars.curated import CuratedDataError
from calendars.occasions import OBSERVANCE, Calendar, CountrySite, coverage_note

EXPLAINER = """
what = "w"
emoji = "x"
join_in = "j"
source = "https://example.org/s"
"""


def observances(text: str, country: str = "PH") -> Any:
    return parse_document(f'country = "{country}"\n' + text, f"{country.lower()}.toml").observances


def problems(text: str, country: str = "PH") -> list[str]:
    with pytest.raises(CuratedDataError) as caught:
        parse_document(f'country = "{country}"\n' + text, f"{country.lower()}.toml")
    return caught.value.problems


@pytest.mark.parametrize(
    ("rule", "year", "expected"),
    [
        ('rrule = "FREQ=YEARLY;BYMONTH=1;BYDAY=3SU"', 2027, [(date(2027, 1, 17), False)]),
        ('rrule = "RRULE:FREQ=YEARLY;BYMONTH=1;BYDAY=3SU"', 2026, [(date(2026, 1, 18), False)]),
        ('date = "12-12"', 2027, [(date(2027, 12, 12), False)]),
        ('date = "02-29"', 2027, [(date(2027, 2, 28), False)]),  # a common year
        ('date = "02-29"', 2028, [(date(2028, 2, 29), False)]),
        (
            'dates = ["2026-02-18"]\nestimated_dates = ["2027-02-08"]',
            2027,
            [(date(2027, 2, 8), True)],
        ),
        ('dates = ["2026-02-18"]', 2026, [(date(2026, 2, 18), False)]),
        ('dates = ["2026-02-18"]', 2027, []),  # no date published: nothing, not a guess
        (
            'same_day_as = { country = "CN", holiday = "Mid-Autumn Festival" }',
            2027,
            [(date(2027, 9, 15), False)],
        ),
        (
            'same_day_as = { country = "CN", holiday = "Mid-Autumn Festival" }',
            2026,
            [(date(2026, 9, 25), False)],
        ),
    ],
)
def test_date_rules(rule: str, year: int, expected: list[tuple[date, bool]]) -> None:
    (observance,) = observances(f'[[observances]]\nname = "Feast"\n{rule}\n{EXPLAINER}')
    assert observance.first_days(year) == expected


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("", "needs exactly one of date, rrule, dates/estimated_dates, same_day_as (found none)"),
        ('date = "01-15"\nrrule = "FREQ=YEARLY"', "(found date, rrule)"),
        ('rrule = "FREQ=SOMETIMES"', "rrule: is not an RFC 5545 RRULE"),
        ('rrule = "FREQ=DAILY"', "rrule: must recur yearly (FREQ=YEARLY)"),
        ('rrule = "FREQ=MONTHLY;BYMONTHDAY=1"', "rrule: must recur yearly"),
        ('rrule = "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=1;COUNT=3"', "rrule: COUNT need a start"),
        ('rrule = "FREQ=YEARLY;INTERVAL=2;BYMONTH=6"', "rrule: INTERVAL need a start"),
        ('rrule = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"', "rrule: gives no day in"),
        ('rrule = "DTSTART:20260101T000000\\nFREQ=YEARLY"', "rrule: must be a single line"),
        ('date = "13-01"', 'date: must be "MM-DD", a real day of the year'),
        ('dates = ["2027-02-30"]', "dates: '2027-02-30' is not a date"),
        ('same_day_as = { country = "ZZ", holiday = "X" }', "'ZZ' is not supported"),
        (
            'same_day_as = { country = "CN", holiday = "Nonexistent Day" }',
            "same_day_as: CN has no 'Nonexistent Day'",
        ),
    ],
)
def test_a_bad_date_rule_is_named(rule: str, expected: str) -> None:
    (problem,) = problems(f'[[observances]]\nname = "Feast"\n{rule}\n{EXPLAINER}')
    assert problem.startswith("ph.toml: observances[0] ('Feast'): ") and expected in problem


def test_greetings_need_english_and_names_are_unique() -> None:
    text = (
        f'[[observances]]\nname = "Feast"\ndate = "01-15"\ngreetings = {{ fil = "g" }}\n{EXPLAINER}'
    )
    assert problems(text) == [
        "ph.toml: observances[0] ('Feast'): greeting_en: is required with greetings"
    ]
    one = f'[[observances]]\nname = "Feast"\ndate = "01-15"\n{EXPLAINER}'
    assert problems(one + one) == [
        "ph.toml: observances[1] ('Feast'): name: duplicates observances[0]"
    ]


def test_an_include_must_name_a_holiday_the_package_has() -> None:
    (problem,) = problems('[[includes]]\nholiday = "Onam"\ncategory = "bank"\n', "IN")
    assert "category: 'bank' is not one of IN's" in problem
    (problem,) = problems('[[includes]]\nholiday = "Onam Eve"\ncategory = "optional"\n', "IN")
    assert "holiday: IN has no 'Onam Eve' in 'optional'" in problem


def test_shipped_observances_are_milestones_without_a_day_off() -> None:
    """Sinulog at a Philippine site, Día de Muertos (two days) at a Mexican one: milestones
    with their explainer, never a day off or a coverage note."""
    cebu = CountrySite("cebu", "Cebu", "PH")
    cdmx = CountrySite("cdmx", "Mexico City", "MX")
    calendar = Calendar([cebu, cdmx])
    (sinulog,) = [o for o in calendar.site_occasions(cebu, date(2027, 1, 17), date(2027, 1, 17))]
    assert (sinulog.kind, sinulog.name, sinulog.days_off) == (OBSERVANCE, "Sinulog", ())
    assert sinulog.content is not None and sinulog.content.source.startswith("https://")
    assert coverage_note(sinulog, "Cebu") is None
    dead = [o for o in calendar.site_occasions(cdmx, date(2027, 11, 2), date(2027, 11, 2))]
    assert [(o.name, o.first_day, o.last_day) for o in dead] == [
        ("Day of the Dead", date(2027, 11, 1), date(2027, 11, 2))
    ]


def test_an_include_brings_one_holiday_of_another_category() -> None:
    """India ships Onam and Pongal from the package's "optional" category: a Mumbai site on
    public holidays alone keeps them as milestones (optional, not days off); a Chennai site,
    whose public calendar has Pongal, has it once."""
    mumbai = CountrySite("mumbai", "Mumbai", "IN", subdivision="MH")
    chennai = CountrySite("chennai", "Chennai", "IN", subdivision="TN")
    calendar = Calendar([mumbai, chennai])
    onam = [o for o in calendar.site_occasions(mumbai, date(2027, 9, 12), date(2027, 9, 12))]
    assert [(o.name, o.category, o.days_off) for o in onam] == [("Onam", "optional", ())]
    pongal = [
        o
        for o in calendar.site_occasions(chennai, date(2027, 1, 15), date(2027, 1, 15))
        if o.name == "Pongal"
    ]
    assert [(o.category, o.days_off) for o in pongal] == [("public", (date(2027, 1, 15),))]
    assert (
        Calendar([mumbai], includes=()).site_occasions(mumbai, date(2027, 9, 12), date(2027, 9, 12))
        == []
    )


def test_every_shipped_observance_has_dates_this_year_and_next() -> None:
    for observance in load_content().observances:
        for year in (2026, 2027):
            assert observance.first_days(year), (observance.country, observance.name, year)


def test_an_observance_on_a_holiday_of_the_same_name_is_that_holiday_once() -> None:
    """A company observance named like the package's holiday on the same day does not make a
    second milestone (and a second post with the same key): the holiday stands."""
    (observance,) = observances(
        f'[[observances]]\nname = "Bonifacio Day"\ndate = "11-30"\n{EXPLAINER}'
    )
    manila = CountrySite("manila", "Manila", "PH")
    found = Calendar([manila], observances=[observance]).site_occasions(
        manila, date(2027, 11, 30), date(2027, 11, 30)
    )
    assert [(o.name, o.kind) for o in found] == [("Bonifacio Day", "holiday")]


def test_a_bad_observance_subdivision_is_named() -> None:
    (problem,) = problems(
        f'[[observances]]\nname = "Feast"\ndate = "01-15"\nsubdivision = "ZZ"\n{EXPLAINER}', "IN"
    )
    assert "subdivision: 'ZZ' is not one of IN's" in problem
