"""Checks the curated cultural calendar data in calendars/data/<cc>.toml.

The schema (keys, types, lengths, https sources, duplicates) is the loader's own, in
calendars/curated.py; these tests run every shipped file through it and show that a bad file
fails with one line naming file, entry and key. Beyond the schema, every milestone must name a
holiday exactly as the `holidays` package produces it, so that the app can match curated
content to the package's calendar. Names are checked against the package for the years
2024-2028, in every supported category.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import holidays
import pytest

from calendars.content import parse_document
from calendars.curated import (
    LANGUAGE_NAMES,
    Curated,
    CuratedDataError,
    isolate,
    load_index,
    parse_file,
)

DATA_DIR = Path(__file__).resolve().parents[2] / "calendars" / "data"
DATA_FILES = sorted(DATA_DIR.glob("*.toml"))
YEARS = range(2024, 2029)

REQUIRED_COUNTRIES = frozenset(
    [
        "PH",
        "IN",
        "CO",
        "MX",
        "BR",
        "DO",
        "JM",
        "GT",
        "SV",
        "HN",
        "CR",
        "ZA",
        "EG",
        "KE",
        "PL",
        "RO",
        "PT",
        "MA",
        "US",
        "GB",
        "CA",
    ]
)
MIN_MILESTONES = 60
MIN_COUNTRIES = 21

# "Eid al-Fitr (estimated)", "Canada Day (observed)", "X (observed, estimated)".
_ENGLISH_SUFFIX = re.compile(r"\s*\([^()]*\b(?:estimated|observed)\b[^()]*\)\s*$", re.IGNORECASE)
# The package's own templates, translated into the object's language: "%s (تقديري)".
_LABEL_ATTRS = ("estimated_label", "observed_label", "observed_estimated_label")


@cache
def _entries(path: Path) -> tuple[Curated, ...]:
    """The file's entries as the app loads them (so the schema is the loader's)."""
    try:
        return tuple(parse_file(path.read_text(encoding="utf-8"), f"calendars/data/{path.name}"))
    except CuratedDataError as exc:
        pytest.fail(str(exc))


def _label(index: int, entry: Curated) -> str:
    return f"calendars/data/{entry.country.lower()}.toml milestones[{index}] ({entry.holiday!r})"


def _suffixes(obj: holidays.HolidayBase) -> set[str]:
    """The localized " (estimated)"/" (observed)" suffixes this holidays object appends."""
    found = set()
    for attr in _LABEL_ATTRS:
        template = getattr(obj, attr, None)
        if isinstance(template, str) and "%s" in template:
            suffix = obj.tr(template).replace("%s", "", 1)
            if suffix.strip():
                found.add(suffix)
    return found


def _strip(name: str, suffixes: set[str]) -> str:
    name = name.strip()
    for suffix in sorted(suffixes, key=len, reverse=True):
        if suffix and name.endswith(suffix):
            return name[: -len(suffix)].strip()
    return _ENGLISH_SUFFIX.sub("", name).strip()


@cache
def _names(country: str, language: str | None, subdiv: str | None) -> frozenset[str]:
    """All holiday names, suffix-stripped, for one country/language/subdivision."""
    entity = holidays.country_holidays(country)
    obj = holidays.country_holidays(
        country,
        subdiv=subdiv,
        years=YEARS,
        categories=entity.supported_categories,
        language=language,
    )
    suffixes = _suffixes(obj)
    return frozenset(_strip(part, suffixes) for value in obj.values() for part in value.split("; "))


def _holiday_language(country: str) -> str | None:
    """The language `holiday` must be written in: en_US when supported, else the default."""
    entity = holidays.country_holidays(country)
    if "en_US" in entity.supported_languages:
        return "en_US"
    return entity.default_language


def _alias_names(country: str, subdiv: str | None) -> frozenset[str]:
    entity = holidays.country_holidays(country)
    languages: set[str | None] = {None, *entity.supported_languages}
    out: set[str] = set()
    for language in languages:
        out |= _names(country, language, subdiv)
    return frozenset(out)


def _file_id(path: Path) -> str:
    return path.name


def test_data_directory_has_files() -> None:
    assert DATA_DIR.is_dir(), f"missing data directory {DATA_DIR}"
    assert DATA_FILES, f"no *.toml files in {DATA_DIR}"


@pytest.mark.parametrize("path", DATA_FILES, ids=_file_id)
def test_every_file_passes_the_loader(path: Path) -> None:
    document = parse_document(path.read_text(encoding="utf-8"), f"calendars/data/{path.name}")
    assert document.country == path.stem.upper()
    assert document.explainers or document.observances or document.includes
    assert all(e.country == document.country for e in document.explainers)


def test_load_index_reads_every_file() -> None:
    assert len(load_index().entries) == sum(len(_entries(path)) for path in DATA_FILES)


GOOD_ENTRY = """
[[milestones]]
holiday = "Rizal Day"
aliases = []
what = "w"
greetings = { fil = "g" }
greeting_en = "e"
emoji = "x"
join_in = "j"
source = "https://example.org/rizal"
"""


def _problems(text: str, source: str = "calendars/data/ph.toml") -> list[str]:
    with pytest.raises(CuratedDataError) as caught:
        parse_file(text, source)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def test_a_good_entry_loads() -> None:
    (entry,) = parse_file('country = "PH"\n' + GOOD_ENTRY, "calendars/data/ph.toml")
    assert (entry.holiday, entry.aliases, entry.subdivision) == ("Rizal Day", (), None)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            ('source = "https://example.org/rizal"', 'source = "http://example.org/rizal"'),
            "source: must start with https://, got 'http://example.org/rizal'",
        ),
        (('what = "w"', 'what = ""'), "what: must be a non-empty string, got ''"),
        (('what = "w"', ""), "what: is required"),
        (('emoji = "x"', 'emoji = "x"\ncolour = "red"'), "colour: unknown key (expected one of:"),
        (('what = "w"', 'what = "<b>w</b>"'), "what: contains forbidden characters ['<', '>']"),
        (('what = "w"', 'what = "w\\nw"'), "what: must be a single line"),
        (('what = "w"', f'what = "{"w" * 161}"'), "what: is 161 chars, limit 160"),
        (("aliases = []", 'aliases = "Rizal"'), "aliases: must be a list, got 'Rizal'"),
        (("aliases = []", 'aliases = [""]'), "aliases: alias '' must be a non-empty string"),
        (("aliases = []", 'aliases = []\nsubdivision = "ZZ"'), "subdivision: 'ZZ' is not one of"),
    ],
)
def test_a_bad_entry_gives_one_line_naming_file_entry_and_key(
    change: tuple[str, str], problem: str
) -> None:
    found = _problems('country = "PH"\n' + GOOD_ENTRY.replace(*change))
    assert len(found) == 1, found
    assert found[0].startswith(f"calendars/data/ph.toml: milestones[0] ('Rizal Day'): {problem}")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('country = "MX"\n' + GOOD_ENTRY, "country: is 'MX', expected 'PH' (the file's name)"),
        ('country = "PH"\n', "milestones: needs a non-empty [[milestones]] array"),
        ('country = "PH"\nextra = 1\n' + GOOD_ENTRY, "extra: unknown key"),
        ("country = 7\n" + GOOD_ENTRY, "country: must be a two-letter code, got 7"),
        ('country = "PH"\n' + GOOD_ENTRY * 2, "milestones[1] ('Rizal Day'): holiday: duplicates"),
        ("country = ", "not valid TOML"),
    ],
)
def test_a_bad_file_names_the_file(text: str, problem: str) -> None:
    found = _problems(text)
    assert len(found) == 1, found
    assert found[0].startswith(f"calendars/data/ph.toml: {problem}")


@pytest.mark.parametrize("path", DATA_FILES, ids=_file_id)
def test_holiday_names_come_from_the_package(path: Path) -> None:
    problems: list[str] = []
    for index, entry in enumerate(_entries(path)):
        country, subdiv = entry.country, entry.subdivision  # both checked by the loader
        language = _holiday_language(country)
        where = _label(index, entry)
        scope = f"{country}" + (f"/{subdiv}" if subdiv else "")
        if entry.holiday not in _names(country, language, subdiv):
            problems.append(
                f"{where}: holiday {entry.holiday!r} is not a {scope} holiday name in language "
                f"{language!r} for {YEARS.start}-{YEARS.stop - 1}"
            )
        for alias in entry.aliases:
            if alias not in _alias_names(country, subdiv):
                problems.append(
                    f"{where}: alias {alias!r} is not a {scope} holiday name in any "
                    f"supported language for {YEARS.start}-{YEARS.stop - 1}"
                )
    assert not problems, "\n".join(problems)


def test_totals_and_coverage() -> None:
    entries = load_index().entries
    countries = {entry.country for entry in entries}
    total = len(entries)
    assert total >= MIN_MILESTONES, f"only {total} milestones in {DATA_DIR}, need {MIN_MILESTONES}"
    assert len(countries) >= MIN_COUNTRIES, (
        f"only {len(countries)} countries in {DATA_DIR}, need {MIN_COUNTRIES}"
    )
    missing = REQUIRED_COUNTRIES - countries
    assert not missing, f"no data file for required countries {sorted(missing)} in {DATA_DIR}"


def test_a_greeting_is_shown_only_to_sites_that_speak_its_language() -> None:
    """A Hindi greeting is not a Tamil site's (Chennai) or a Telugu one's (Hyderabad)."""
    entry = parse_file(
        'country = "IN"\n'
        + GOOD_ENTRY.replace('holiday = "Rizal Day"', 'holiday = "Diwali"').replace(
            'greetings = { fil = "g" }', 'greetings = { hi = "namaste", ta = "vanakkam" }'
        ),
        "calendars/data/in.toml",
    )[0]
    assert entry.greeting(["hi"]) == "namaste (Hindi) · e"
    assert entry.greeting(["ta"]) == "vanakkam (Tamil) · e"  # a greeting per language
    assert entry.greeting(["te"]) == "e"  # Hyderabad: none in Telugu, English alone
    assert entry.greeting(["hi", "ta"]) == "e"  # one post for two languages: English
    assert entry.greeting([None]) == "namaste (Hindi) · e"  # unknown: the first, main one
    assert entry.greeting([None, "ta_IN"]) == "vanakkam (Tamil) · e"


def test_a_solemn_day_has_no_greeting_and_a_local_one_needs_english() -> None:
    solemn = GOOD_ENTRY.replace('greetings = { fil = "g" }\ngreeting_en = "e"\n', "")
    (entry,) = parse_file('country = "PH"\n' + solemn, "calendars/data/ph.toml")
    assert entry.greeting([None]) is None and entry.greeting(["fil"]) is None
    no_english = GOOD_ENTRY.replace('greeting_en = "e"\n', "")
    assert _problems('country = "PH"\n' + no_english) == [
        "calendars/data/ph.toml: milestones[0] ('Rizal Day'): greeting_en: "
        "is required with greetings"
    ]
    wrong = GOOD_ENTRY.replace("fil = ", "xx = ")
    (problem,) = _problems('country = "PH"\n' + wrong)
    assert "greetings: unknown language 'xx'" in problem


def test_right_to_left_greetings_are_isolated_in_a_left_to_right_line() -> None:
    eid = load_index().find("EG", "Eid al-Fitr")
    assert eid is not None and eid.greetings[0][0] == "ar"
    line = eid.greeting([None])
    assert line is not None and f"\u2068{eid.greetings[0][1]}\u2069" in line  # "!" at its end
    assert isolate("Maligayang Pasko!") == "Maligayang Pasko!"


def test_every_greeting_language_is_a_known_one() -> None:
    for entry in load_index().entries:
        assert all(code in LANGUAGE_NAMES for code, _ in entry.greetings)


def test_every_explainer_is_reached_by_the_category_it_names() -> None:
    """An explainer shows only at a site whose `categories` hold the day's category: the
    entry names it, and the package really gives the day there, so no explainer is
    unreachable and README can say which setting reaches each."""
    unreachable = []
    for entry in load_index().entries:
        calendar = holidays.country_holidays(
            entry.country,
            subdiv=entry.subdivision,
            years=YEARS,
            categories=(entry.category,),
            language=_holiday_language(entry.country),
        )
        suffixes = _suffixes(calendar)
        names = {
            _strip(part, suffixes) for value in calendar.values() for part in value.split("; ")
        }
        if entry.holiday not in names:
            unreachable.append((entry.country, entry.holiday, entry.category))
    assert unreachable == []


def test_an_unknown_category_is_refused() -> None:
    entry = GOOD_ENTRY.replace(
        'holiday = "Rizal Day"', 'holiday = "Rizal Day"\ncategory = "festive"'
    )
    (problem,) = _problems('country = "PH"\n' + entry)
    assert "category: 'festive' is not one of PH's" in problem
