"""A site's holidays from the ``holidays`` package, one object per site and year, reused.

The package gives one name per date (several joined with "; "), marks lunar dates outside
its tables with "(estimated)" and substitute days with "(observed)". This module turns that
into plain records: English name (for matching curated content), local name (in the site's
configured language), category, and whether the date is estimated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import holidays

_SUFFIX = re.compile(r"\s*\(([^()]*)\)\s*$")
ENGLISH = "en_US"
# What the holidays package calls a day off given in lieu of a holiday on a weekend or next
# to one: "X (observed)" (US, KE, ZA…), "X (in lieu)" (TH); and days off with a name of their
# own: "Substitute Holiday" (JP), "Day off (substituted from 08/22/2026)" (VN), "Bridge Public
# Holiday" (TH).
IN_LIEU_WORDS = ("observed", "in lieu")
DAY_OFF_NAMES = re.compile(
    r"^(substitute holiday|day off\b.*|bridge (public )?holiday)$", re.IGNORECASE
)


@dataclass(frozen=True)
class HolidayDay:
    """One holiday name on one day, as the holidays package gives it
    (https://holidays.readthedocs.io).

    Attributes:
        day: the date at the site (holidays are local dates, not instants).
        category: the package's category it came from (``"public"``, ``"optional"``…).
        estimated: the package computed the date (lunar and Islamic holidays beyond its
            tables, marked "(estimated)"); the real day may differ by one or so.
        observed: a day off in lieu of a holiday (marked "(observed)" or "(in lieu)", or
            named as one: "Substitute Holiday"), not the holiday itself. ``name`` is then
            the holiday's name, or the day off's own name when the package gives no other.
        named_day_off: the day off has a name of its own ("Substitute Holiday", "Bridge
            Public Holiday"), not the holiday's it stands in for.
    """

    day: date
    name: str  # English where the package has it, without "(estimated)"
    local_name: str | None  # in the site's language, when one is configured
    category: str
    estimated: bool
    observed: bool
    named_day_off: bool = False


def split_label(name: str, estimated_word: str = "estimated") -> tuple[str, bool, bool]:
    """'Eid al-Fitr (observed, estimated)' -> ('Eid al-Fitr', estimated, observed).

    Only a last parenthesis naming ``estimated_word``, "observed" or "in lieu" is taken off;
    one that is part of the name ("Day of Valour (Araw ng Kagitingan)") stays."""
    match = _SUFFIX.search(name)
    if not match:
        return name.strip(), False, False
    label = match.group(1).casefold()
    estimated = estimated_word in label
    observed = any(word in label for word in IN_LIEU_WORDS)
    if not (estimated or observed):
        return name.strip(), False, False
    return name[: match.start()].strip(), estimated, observed


def _supported_languages(country: str) -> tuple[str, ...]:
    return tuple(getattr(holidays.country_holidays(country), "supported_languages", ()) or ())


@lru_cache(maxsize=8192)
def _named_days(
    country: str, subdivision: str | None, category: str, language: str | None, year: int
) -> tuple[tuple[date, str], ...]:
    calendar = holidays.country_holidays(
        country, subdiv=subdivision, years=year, categories=(category,), language=language
    )
    return tuple((day, name) for day in sorted(calendar) for name in calendar.get_list(day))


@lru_cache(maxsize=8192)
def holiday_days(
    country: str,
    subdivision: str | None,
    categories: tuple[str, ...],
    language: str | None,
    year: int,
) -> tuple[HolidayDay, ...]:
    """Every holiday of one site configuration in one year, sorted by date (public before
    other categories on a day, then by name). Cached: the holidays package's source is its
    own bundled tables, so the same arguments always give the same answer in one process.

    Args:
        country: ISO 3166-1 alpha-2 (``PH``); subdivision: the package's code, or None.
        categories: the package's categories (``("public", "optional")``); a day in two
            categories comes once for each.
        language: a language the package has names in, for ``local_name``; None: no local
            names. The English names come from ``en_US`` when the country supports it, else
            the package's default language.
        year: the calendar year.

    Raises:
        NotImplementedError: the package has no such country or subdivision; ValueError: no
            such category. Site config is checked against the package at load time, so
            neither happens for a loaded config.
    """
    english = ENGLISH if ENGLISH in _supported_languages(country) else None
    found: list[HolidayDay] = []
    for category in categories:
        names = _named_days(country, subdivision, category, english, year)
        local: tuple[tuple[date, str], ...] = ()
        if language and language != english:
            local = _named_days(country, subdivision, category, language, year)
        local_by_day: dict[date, list[str]] = {}
        for day, name in local:
            local_by_day.setdefault(day, []).append(name)
        position: dict[date, int] = {}
        for day, raw in names:
            index = position.get(day, 0)
            position[day] = index + 1
            name, estimated, observed = split_label(raw)
            local_name = None
            same_day = local_by_day.get(day, [])
            if index < len(same_day):
                local_name = (
                    _SUFFIX.sub("", same_day[index]).strip()
                    if estimated or observed
                    else same_day[index]
                )
                if local_name == name:
                    local_name = None
            named_day_off = bool(DAY_OFF_NAMES.match(name))
            found.append(
                HolidayDay(
                    day,
                    name,
                    local_name,
                    category,
                    estimated,
                    observed or named_day_off,
                    named_day_off,
                )
            )
    found.sort(key=lambda h: (h.day, h.category != "public", h.name))
    return tuple(found)
