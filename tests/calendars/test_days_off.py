"""Days off as the holidays package writes its tests: per country, dates and what lantern does
on each. A day off in lieu of a holiday on a weekend ("observed", "in lieu", "Substitute
Holiday") is a day off of that holiday; a holiday the package gives only on the day it was
moved to (Colombia's Ley Emiliani Mondays, Egypt's Thursdays) is the milestone on that day.

The dates are the countries' own rules, not read back from the package: the US observes a
Saturday holiday on the Friday before and a Sunday one on the Monday after (5 U.S.C. 6103);
Colombia moves Epiphany and Saint Joseph's Day to the following Monday (Ley 51 de 1983);
Thailand, Kenya and South Africa give the Monday after a Sunday holiday; Japan gives the next
working day after a Sunday holiday (Act on National Holidays, art. 3(2)); the UK moves Christmas
and Boxing Day on a weekend to the next weekdays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import icalendar
import pytest

from calendars.ics import render_ics
from calendars.occasions import (
    Calendar,
    CountrySite,
    Occasion,
    by_milestone,
    coverage_note,
    day_off_labels,
)

MILESTONE, DAY_OFF, MOVED, NOTHING = "milestone", "day off", "moved", "nothing"


def occasions_on(country: str, day: date) -> list[Occasion[CountrySite]]:
    site = CountrySite(country.lower(), f"{country} site", country)
    return Calendar([site]).site_occasions(site, day, day)


def what_lantern_does(country: str, day: date, slug: str) -> str:
    for occasion in occasions_on(country, day):
        if occasion.slug != slug:
            continue
        if occasion.moved and occasion.first_day == day:
            return MOVED
        if occasion.covers(day):
            return MILESTONE
        if day in occasion.days_off_elsewhere:
            return DAY_OFF
    return NOTHING


@pytest.mark.parametrize(
    ("country", "day", "slug", "expected"),
    [
        ("US", date(2027, 7, 4), "independence-day", MILESTONE),  # a Sunday
        ("US", date(2027, 7, 5), "independence-day", DAY_OFF),  # Monday off in lieu
        ("US", date(2027, 12, 24), "christmas-day", DAY_OFF),  # Friday before a Saturday
        ("US", date(2027, 12, 25), "christmas-day", MILESTONE),
        ("US", date(2027, 12, 31), "new-years-day", DAY_OFF),  # for Saturday 1 January 2028
        ("CO", date(2027, 1, 6), "epiphany", NOTHING),  # moved: not a day off on the 6th
        ("CO", date(2027, 1, 11), "epiphany", MOVED),  # the Monday after
        ("CO", date(2027, 3, 22), "saint-josephs-day", MOVED),  # 19 March is a Friday
        ("EG", date(2027, 1, 28), "january-25th-revolution-and-national-police-day", MOVED),
        ("TH", date(2026, 5, 31), "visakha-bucha", MILESTONE),  # a Sunday
        ("TH", date(2026, 6, 1), "visakha-bucha", DAY_OFF),  # "Visakha Bucha (in lieu)"
        ("JP", date(2026, 5, 3), "constitution-day", MILESTONE),  # a Sunday in Golden Week
        ("JP", date(2026, 5, 6), "constitution-day", DAY_OFF),  # "Substitute Holiday"
        # Malaysia gives the day off under the package's own name, the milestone is shared
        ("MY", date(2027, 8, 15), "prophets-birthday", MILESTONE),  # a Sunday
        ("MY", date(2027, 8, 16), "prophets-birthday", DAY_OFF),  # not a second, "moved" one
        ("MY", date(2027, 2, 8), "lunar-new-year", DAY_OFF),  # its second day was a Sunday
        ("KE", date(2027, 12, 13), "jamhuri-day", DAY_OFF),  # 12 December is a Sunday
        ("ZA", date(2027, 3, 22), "human-rights-day", DAY_OFF),  # 21 March is a Sunday
        ("GB", date(2027, 12, 27), "christmas-day", DAY_OFF),
        ("GB", date(2027, 12, 28), "boxing-day", DAY_OFF),
    ],
)
def test_what_lantern_does_on_each_day(country: str, day: date, slug: str, expected: str) -> None:
    assert what_lantern_does(country, day, slug) == expected


def test_a_substitute_day_is_never_a_milestone_of_its_own() -> None:
    names = {o.name for o in occasions_on("JP", date(2026, 5, 6))}
    assert "Substitute Holiday" not in names
    names = {o.name for o in occasions_on("TH", date(2026, 6, 1))}
    assert names == {"Visakha Bucha"}  # not "Visakha Bucha (in lieu)" as another milestone


def test_the_coverage_note_names_the_weekday_off() -> None:
    (independence,) = [
        o for o in occasions_on("US", date(2027, 7, 4)) if o.slug == "independence-day"
    ]
    note = coverage_note(independence, "Chicago")
    assert note is not None and "off Mon 5 Jul" in note
    (epiphany,) = occasions_on("CO", date(2027, 1, 11))
    assert epiphany.local_name is None or "Reyes" in epiphany.local_name
    note = coverage_note(epiphany, "Bogotá")
    assert note is not None and "moved to this day" in note


def test_every_day_off_is_in_the_feed_on_its_date_with_its_site() -> None:
    sites = [CountrySite("chicago", "Chicago HQ", "US"), CountrySite("bogota", "Bogotá", "CO")]
    now = datetime(2027, 1, 1, tzinfo=UTC)
    text = render_ics(Calendar(sites), date(2027, 1, 1), date(2027, 12, 31), now)
    on: dict[date, list[str]] = {}
    for item in icalendar.Calendar.from_ical(text).walk("VEVENT"):
        on.setdefault(item.decoded("DTSTART"), []).append(str(item["SUMMARY"]))
    assert any("Chicago HQ" in s and "Independence Day" in s for s in on[date(2027, 7, 5)])
    assert any("Epiphany" in s and "Bogotá" in s for s in on[date(2027, 1, 11)])
    assert date(2027, 1, 6) not in on  # Bogotá works on 6 January 2027
    assert any("Chicago HQ" in s and "Christmas" in s for s in on[date(2027, 12, 24)])


def test_listings_name_the_day_off_and_the_move() -> None:
    independence = [o for o in occasions_on("US", date(2027, 7, 4)) if o.slug == "independence-day"]
    assert day_off_labels(independence) == ["US site off Mon 5 Jul in lieu"]
    assert day_off_labels(occasions_on("CO", date(2027, 1, 11))) == ["moved to this day"]
    assert day_off_labels(occasions_on("CO", date(2027, 1, 1))) == []  # on its own day


def test_every_day_off_of_thirty_sites_is_in_the_feed_with_the_sites_name() -> None:
    """Every public-holiday day the holidays package gives each of 30 sites in 2027, observed
    and moved days included (read from the package itself, not from lantern), has a feed
    event on that date naming the site, and so does every milestone's first day."""
    from bot.infra.calendar import calendar_for
    from bot.infra.config import load_workspace_config
    from calendars.holiday_days import holiday_days
    from tests.conftest import ROOT

    config = load_workspace_config(ROOT / "examples" / "thirty_sites.toml")
    calendar = calendar_for(config)
    now = datetime(2027, 1, 1, tzinfo=UTC)
    text = render_ics(calendar, date(2027, 1, 1), date(2027, 12, 31), now)
    on: dict[date, str] = {}
    for item in icalendar.Calendar.from_ical(text).walk("VEVENT"):
        start, end = item.decoded("DTSTART"), item.decoded("DTEND")
        while start < end:
            on[start] = on.get(start, "") + f"\n{item['SUMMARY']}\n{item.get('DESCRIPTION', '')}"
            start = date.fromordinal(start.toordinal() + 1)
    missing = []
    for site in config.sites:
        for day in holiday_days(site.country, site.subdivision, ("public",), None, 2027):
            if site.name not in on.get(day.day, ""):
                missing.append((site.name, day.day, day.name))
    assert missing == [], "\n".join(map(str, missing))
    assert (
        sum(
            1
            for site in config.sites
            for _ in holiday_days(site.country, site.subdivision, ("public",), None, 2027)
        )
        > 300
    )  # the check really covers the year


def test_a_shared_festival_shows_each_sites_own_span() -> None:
    """Eid al-Fitr 2027: Istanbul is off three days, Cairo two (by the holidays package's own
    tables, read here): one event from the first day to Istanbul's last, each span named."""
    from calendars.holiday_days import holiday_days

    istanbul = CountrySite("istanbul", "Istanbul", "TR")
    cairo = CountrySite("cairo", "Cairo", "EG")

    def eid_days(site: CountrySite) -> list[date]:
        days = holiday_days(site.country, None, ("public",), None, 2027)
        return [d.day for d in days if d.name == "Eid al-Fitr" and not d.observed]

    assert len(eid_days(istanbul)) == 3 and len(eid_days(cairo)) == 2
    assert eid_days(istanbul)[0] == eid_days(cairo)[0]
    now = datetime(2027, 1, 1, tzinfo=UTC)
    text = render_ics(Calendar([istanbul, cairo]), date(2027, 3, 1), date(2027, 3, 31), now)
    (eid,) = [
        e for e in icalendar.Calendar.from_ical(text).walk("VEVENT") if "Eid" in str(e["SUMMARY"])
    ]
    assert eid.decoded("DTSTART") == eid_days(istanbul)[0]
    assert eid.decoded("DTEND") == date.fromordinal(eid_days(istanbul)[-1].toordinal() + 1)
    description = str(eid["DESCRIPTION"])
    assert "Istanbul: " in description and "(3 days)" in description
    assert "Cairo: " in description and "(2 days)" in description


def test_a_bridge_day_is_not_called_in_lieu() -> None:
    """Argentina 2026: Monday 7 December is a bridge day before Tuesday's Immaculate
    Conception, which is still off; saying "in lieu" would tell people the 8th is worked."""
    (conception,) = [
        o for o in occasions_on("AR", date(2026, 12, 8)) if o.covers(date(2026, 12, 8))
    ]
    assert conception.days_off_elsewhere == (date(2026, 12, 7),)
    note = coverage_note(conception, "Buenos Aires")
    assert note == (
        "Buenos Aires site public holiday, and off Mon 7 Dec as a bridge day: "
        "expect reduced coverage."
    )
    assert day_off_labels([conception]) == ["AR site off Mon 7 Dec as a bridge day"]
    us = [o for o in occasions_on("US", date(2027, 7, 4)) if o.slug == "independence-day"]
    assert day_off_labels(us) == ["US site off Mon 5 Jul in lieu"]


def test_brazils_first_of_january_is_new_years_day() -> None:
    sites = [
        CountrySite("saopaulo", "São Paulo", "BR", "SP"),
        CountrySite("manila", "Manila", "PH"),
    ]
    groups = [
        g
        for g in by_milestone(Calendar(sites).occasions(date(2027, 1, 1), date(2027, 1, 1)))
        if g[0].first_day == date(2027, 1, 1)
    ]
    assert [sorted(o.site.key for o in g) for g in groups] == [["manila", "saopaulo"]]
    (saopaulo,) = [o for o in groups[0] if o.site.key == "saopaulo"]
    assert (
        saopaulo.content is not None and saopaulo.content.holiday == "Universal Fraternization Day"
    )
