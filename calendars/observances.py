"""Observances: milestones the holidays package does not have, with a date rule and an
explainer, and holidays of another category or subdivision included one by one.

Both are data, in the same files as the curated explainers: ``[[observances]]`` and
``[[includes]]`` of ``calendars/data/<cc>.toml`` (shipped) or of the company's content
directory (``[calendar] content_dir``). An observance is no day off: it is celebrated, never a
reason for a coverage note.

A date rule is exactly one of:

- ``date = "MM-DD"``: the same day every year (Virgen de Guadalupe, 12 December);
- ``rrule = "FREQ=YEARLY;BYMONTH=1;BYDAY=3SU"``: an RFC 5545 recurrence rule, read by
  python-dateutil (Sinulog, the third Sunday of January);
- ``dates`` and/or ``estimated_dates``: the days, year by year, as published (lunar and
  lunisolar festivals), the estimated ones marked so;
- ``same_day_as = { country = "CN", holiday = "Mid-Autumn Festival" }``: the day the holidays
  package gives another country's holiday (its own estimate flag kept).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import date as Date  # the name `date` is also a key of Observance
from typing import Any

from dateutil.rrule import rrulestr

from calendars.curated import Curated, _aliases, _greetings, _https, _limited, _line
from calendars.declared import Absent, Invalid, Rule, declare, read

_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
_RRULE_EPOCH = datetime(2000, 1, 1)


def _month_day(value: Any) -> tuple[int, int]:
    text = _line(value)
    match = _MONTH_DAY.match(text)
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        try:
            date(2000, month, day)  # a leap year: "02-29" is a real day
            return month, day
        except ValueError:
            pass
    raise Invalid(f'must be "MM-DD", a real day of the year, got {value!r}')


def _rrule(value: Any) -> str:
    text = _line(value).removeprefix("RRULE:")
    try:
        rrulestr(text, dtstart=_RRULE_EPOCH)
    except (ValueError, TypeError) as exc:
        raise Invalid(f"is not an RFC 5545 RRULE: {exc}") from None
    parts = dict(part.partition("=")[::2] for part in text.upper().split(";"))
    if parts.get("FREQ") != "YEARLY":
        raise Invalid(
            f"must recur yearly (FREQ=YEARLY): an observance is a day of the year, got {text!r}"
        )
    fixed = sorted(key for key in ("COUNT", "UNTIL", "INTERVAL", "DTSTART") if key in parts)
    if fixed:
        raise Invalid(
            f"{', '.join(fixed)} need a start date an observance has not got: use "
            "dates = [...] for a list of days"
        )
    this_year = date.today().year
    if not any(_between(text, year) for year in (this_year, this_year + 1)):
        raise Invalid(f"gives no day in {this_year} or {this_year + 1}")
    return text


def _between(rule: str, year: int) -> list[date]:
    """The days an RRULE (yearly, no start) gives in ``year``."""
    start, end = datetime(year, 1, 1), datetime(year, 12, 31, 23, 59)
    return [m.date() for m in rrulestr(rule, dtstart=_RRULE_EPOCH).between(start, end, inc=True)]


def _dates(value: Any) -> tuple[date, ...]:
    if value == []:
        raise Absent
    if not isinstance(value, list):
        raise Invalid(f'must be a list of dates ("YYYY-MM-DD"), got {value!r}')
    found: list[date] = []
    whys: list[str] = []
    for item in value:
        if isinstance(item, date) and not isinstance(item, datetime):
            found.append(item)
            continue
        try:
            found.append(date.fromisoformat(str(item)))
        except ValueError:
            whys.append(f'{item!r} is not a date "YYYY-MM-DD"')
    if whys:
        raise Invalid(*whys)
    return tuple(sorted(set(found)))


@dataclass(frozen=True)
class SameDayAs:
    """Another country's holiday, by the holidays package's English name."""

    country: str
    holiday: str
    category: str = "public"
    subdivision: str | None = None


def _same_day_as(value: Any) -> SameDayAs:
    import holidays

    if not isinstance(value, dict) or not {"country", "holiday"} <= set(value):
        raise Invalid(f'must be a table {{ country = "CN", holiday = "…" }}, got {value!r}')
    unknown = sorted(set(value) - {"country", "holiday", "category", "subdivision"})
    if unknown:
        raise Invalid(f"unknown keys {unknown} (expected country, holiday, category, subdivision)")
    rule = SameDayAs(**{key: _line(v) for key, v in value.items()})
    if rule.country not in holidays.list_supported_countries():
        raise Invalid(f"country {rule.country!r} is not supported by the holidays package")
    return rule


def _days(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 31:
        raise Invalid(f"must be a whole number from 1 to 31, got {value!r}")
    return value


def _site_keys(value: Any) -> tuple[str, ...]:
    if value == []:
        raise Absent
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise Invalid(f"must be a list of site keys, got {value!r}")
    return tuple(v.strip() for v in value)


def _text(parse: Any, doc: str) -> dict[str, Any]:
    return declare(Rule("string", parse), doc)


@dataclass(frozen=True)
class Observance:
    """One ``[[observances]]`` entry; ``country`` comes from its file."""

    country: str
    name: str = field(metadata=_text(_limited(100), "its English name, at most 100 chars"))
    what: str = field(metadata=_text(_limited(160), "what the day is, at most 160 chars"))
    emoji: str = field(metadata=_text(_limited(16), "one emoji shown with the post"))
    join_in: str = field(metadata=_text(_limited(200), "how to join in, at most 200 chars"))
    source: str = field(metadata=_text(_https, "an https:// page the entry is based on"))
    aliases: tuple[str, ...] = field(
        default=(),
        metadata=declare(Rule("list of strings", _aliases), "local names, the first shown"),
    )
    greetings: tuple[tuple[str, str], ...] = field(
        default=(),
        metadata=declare(Rule("table of strings", _greetings), "as in [[milestones]]"),
    )
    greeting_en: str | None = field(default=None, metadata=_text(_line, "as in [[milestones]]"))
    date: tuple[int, int] | None = field(
        default=None, metadata=declare(Rule("string", _month_day), '"MM-DD", every year')
    )
    rrule: str | None = field(
        default=None,
        metadata=_text(_rrule, "an RFC 5545 RRULE, e.g. FREQ=YEARLY;BYMONTH=1;BYDAY=3SU"),
    )
    dates: tuple[Date, ...] = field(
        default=(), metadata=declare(Rule("list of dates", _dates), "its days as published")
    )
    estimated_dates: tuple[Date, ...] = field(
        default=(),
        metadata=declare(Rule("list of dates", _dates), "its days where only estimated"),
    )
    same_day_as: SameDayAs | None = field(
        default=None,
        metadata=declare(
            Rule("table", _same_day_as), "another country's holiday in the holidays package"
        ),
    )
    days: int = field(default=1, metadata=declare(Rule("whole number", _days), "1 to 31"))
    subdivision: str | None = field(
        default=None, metadata=_text(_line, "only sites in this subdivision keep it")
    )
    sites: tuple[str, ...] = field(
        default=(),
        metadata=declare(Rule("list of strings", _site_keys), "only these site keys keep it"),
    )

    @property
    def content(self) -> Curated:
        """Its explainer, shown like a holiday's."""
        return Curated(
            country=self.country,
            holiday=self.name,
            aliases=self.aliases,
            what=self.what,
            emoji=self.emoji,
            join_in=self.join_in,
            source=self.source,
            greetings=self.greetings,
            greeting_en=self.greeting_en,
            subdivision=self.subdivision,
        )

    @property
    def local_name(self) -> str | None:
        """Its first local name, if it has one."""
        return self.aliases[0] if self.aliases else None

    def applies_to(self, country: str, subdivision: str | None, site_key: str) -> bool:
        """Whether a site (its country, subdivision and key) keeps it."""
        if country != self.country or (self.sites and site_key not in self.sites):
            return False
        return self.subdivision is None or self.subdivision == subdivision

    def first_days(self, year: int) -> list[tuple[Date, bool]]:
        """Its first days in ``year``, each with whether the date is only estimated."""
        if self.date is not None:
            month, day = self.date
            try:
                return [(date(year, month, day), False)]
            except ValueError:  # 29 February in a common year
                return [(date(year, 2, 28), False)]
        if self.rrule is not None:
            return [(day, False) for day in _between(self.rrule, year)]
        if self.same_day_as is not None:
            return _same_day(self.same_day_as, year)
        listed = [(d, False) for d in self.dates] + [(d, True) for d in self.estimated_dates]
        return sorted(pair for pair in listed if pair[0].year == year)


def _same_day(rule: SameDayAs, year: int) -> list[tuple[date, bool]]:
    from calendars.holiday_days import holiday_days

    days = holiday_days(rule.country, rule.subdivision, (rule.category,), None, year)
    found = [(d.day, d.estimated) for d in days if d.name == rule.holiday and not d.observed]
    firsts = [(day, est) for day, est in found if (day - timedelta(days=1), est) not in found]
    return sorted(set(firsts))


RULE_KEYS = ("date", "rrule", "dates", "same_day_as")


def parse_observance(
    raw: dict[str, Any], country: str, where: str, problems: list[str]
) -> Observance | None:
    """One entry, or None after adding ``where: key: why`` lines to ``problems``."""
    values, found = read(Observance, raw)
    problems.extend(f"{where}: {key}: {why}" for key, why in found)
    rules = [k for k in RULE_KEYS if k in raw or (k == "dates" and "estimated_dates" in raw)]
    if len(rules) != 1:
        problems.append(
            f"{where}: date rule: needs exactly one of date, rrule, dates/estimated_dates, "
            f"same_day_as (found {', '.join(rules) or 'none'})"
        )
        return None
    if values.get("greetings") and "greeting_en" not in raw:
        problems.append(f"{where}: greeting_en: is required with greetings")
        return None
    if found or len(values) != len(_declared()):
        return None
    if values["subdivision"] and values["subdivision"] not in _subdivisions(country):
        problems.append(
            f"{where}: subdivision: {values['subdivision']!r} is not one of {country}'s"
        )
        return None
    observance = Observance(country=country, **values)
    if rules == ["same_day_as"] and not any(
        observance.first_days(year) for year in range(date.today().year, date.today().year + 2)
    ):
        rule = observance.same_day_as
        assert rule is not None
        problems.append(
            f"{where}: same_day_as: {rule.country} has no {rule.holiday!r} "
            f"in {rule.category!r} this year or next"
        )
        return None
    return observance


def _subdivisions(country: str) -> tuple[str, ...]:
    import holidays

    return tuple(holidays.country_holidays(country).subdivisions)


def _declared() -> dict[str, Any]:
    from calendars.declared import declared_keys

    return declared_keys(Observance)


@dataclass(frozen=True)
class Include:
    """One ``[[includes]]`` entry: a holiday of the file's country the package has in another
    category (or subdivision) than a site's, kept at that country's sites (or those listed)."""

    country: str
    holiday: str = field(metadata=_text(_line, "the holidays package's English name"))
    category: str = field(default="public", metadata=_text(_line, "its category"))
    subdivision: str | None = field(
        default=None, metadata=_text(_line, "the subdivision whose calendar has it")
    )
    sites: tuple[str, ...] = field(
        default=(),
        metadata=declare(Rule("list of strings", _site_keys), "only these site keys keep it"),
    )

    def applies_to(self, country: str, subdivision: str | None, site_key: str) -> bool:
        """Whether a site (its country, subdivision and key) gets the holiday."""
        if country != self.country:
            return False
        if self.sites:
            return site_key in self.sites
        return self.subdivision is None or self.subdivision == subdivision


def parse_include(
    raw: dict[str, Any], country: str, where: str, problems: list[str]
) -> Include | None:
    """One entry, or None after adding ``where: key: why`` lines to ``problems``: the
    category must be the country's, and the package must really have the holiday there."""
    import holidays

    from calendars.declared import declared_keys
    from calendars.holiday_days import holiday_days

    values, found = read(Include, raw)
    problems.extend(f"{where}: {key}: {why}" for key, why in found)
    if found or len(values) != len(declared_keys(Include)):
        return None
    include = Include(country=country, **values)
    calendar = holidays.country_holidays(country)
    if include.category not in calendar.supported_categories:
        problems.append(
            f"{where}: category: {include.category!r} is not one of {country}'s "
            f"({', '.join(calendar.supported_categories)})"
        )
        return None
    if include.subdivision and include.subdivision not in calendar.subdivisions:
        problems.append(f"{where}: subdivision: {include.subdivision!r} is not one of {country}'s")
        return None
    year = date.today().year
    names = {
        d.name
        for y in (year, year + 1)
        for d in holiday_days(country, include.subdivision, (include.category,), None, y)
    }
    if include.holiday not in names:
        problems.append(
            f"{where}: holiday: {country} has no {include.holiday!r} in {include.category!r}"
            + (f" for {include.subdivision}" if include.subdivision else "")
            + " this year or next"
        )
        return None
    return include
