"""Checks the curated cultural calendar data in calendars/data/<cc>.toml.

Every milestone must name a holiday exactly as the `holidays` package produces it, so
that the app can match curated content to the package's calendar. Names are checked
against the package for the years 2024-2028, in every supported category.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import holidays
import pytest

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

TEXT_KEYS = (
    "holiday",
    "what",
    "greeting_local",
    "greeting_language",
    "greeting_en",
    "emoji",
    "join_in",
    "source",
)
REQUIRED_KEYS = frozenset((*TEXT_KEYS, "aliases"))
OPTIONAL_KEYS = frozenset({"subdivision"})
MAX_LENGTHS = {"what": 160, "join_in": 200}
FORBIDDEN_CHARS = ("<", ">")

# "Eid al-Fitr (estimated)", "Canada Day (observed)", "X (observed, estimated)".
_ENGLISH_SUFFIX = re.compile(r"\s*\([^()]*\b(?:estimated|observed)\b[^()]*\)\s*$", re.IGNORECASE)
# The package's own templates, translated into the object's language: "%s (تقديري)".
_LABEL_ATTRS = ("estimated_label", "observed_label", "observed_estimated_label")


@cache
def _load(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        pytest.fail(f"{path.name}: invalid TOML: {exc}")


def _milestones(path: Path) -> list[dict[str, Any]]:
    milestones = _load(path).get("milestones")
    return milestones if isinstance(milestones, list) else []


def _label(path: Path, index: int, milestone: Any) -> str:
    name = milestone.get("holiday") if isinstance(milestone, dict) else None
    return f"{path.name} milestone #{index + 1} ({name!r})"


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
def test_file_country(path: Path) -> None:
    data = _load(path)
    extra = set(data) - {"country", "milestones"}
    assert not extra, f"{path.name}: unexpected top-level keys {sorted(extra)}"
    country = data.get("country")
    assert country == path.stem.upper(), (
        f"{path.name}: country is {country!r}, expected {path.stem.upper()!r}"
    )
    assert country in holidays.list_supported_countries(), (
        f"{path.name}: country {country!r} is not supported by the holidays package"
    )
    milestones = data.get("milestones")
    assert isinstance(milestones, list) and milestones, (
        f"{path.name}: needs a non-empty [[milestones]] array"
    )


@pytest.mark.parametrize("path", DATA_FILES, ids=_file_id)
def test_milestone_fields(path: Path) -> None:
    problems: list[str] = []
    country = _load(path).get("country")
    if not isinstance(country, str) or any(c in country for c in FORBIDDEN_CHARS):
        problems.append(f"{path.name}: country must be a plain string, got {country!r}")
    for index, milestone in enumerate(_milestones(path)):
        where = _label(path, index, milestone)
        if not isinstance(milestone, dict):
            problems.append(f"{where}: not a table")
            continue
        missing = REQUIRED_KEYS - milestone.keys()
        if missing:
            problems.append(f"{where}: missing keys {sorted(missing)}")
        unknown = milestone.keys() - REQUIRED_KEYS - OPTIONAL_KEYS
        if unknown:
            problems.append(f"{where}: unknown keys {sorted(unknown)}")

        texts: dict[str, str] = {}
        for key in (*TEXT_KEYS, *OPTIONAL_KEYS):
            if key not in milestone:
                continue
            value = milestone[key]
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{where}: {key} must be a non-empty string, got {value!r}")
            else:
                texts[key] = value

        aliases = milestone.get("aliases", [])
        if not isinstance(aliases, list):
            problems.append(f"{where}: aliases must be a list, got {aliases!r}")
        else:
            for alias in aliases:
                if not isinstance(alias, str) or not alias.strip():
                    problems.append(f"{where}: alias {alias!r} must be a non-empty string")
                else:
                    texts[f"alias {alias!r}"] = alias

        for key, limit in MAX_LENGTHS.items():
            if key in texts and len(texts[key]) > limit:
                problems.append(f"{where}: {key} is {len(texts[key])} chars, limit {limit}")
        if "source" in texts and not texts["source"].startswith("https://"):
            problems.append(f"{where}: source must start with https://, got {texts['source']!r}")
        for key, value in texts.items():
            bad = [c for c in FORBIDDEN_CHARS if c in value]
            if bad:
                problems.append(f"{where}: {key} contains forbidden characters {bad}")
            if "\n" in value or "\r" in value:
                problems.append(f"{where}: {key} must be a single line")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", DATA_FILES, ids=_file_id)
def test_holiday_names_come_from_the_package(path: Path) -> None:
    country = _load(path).get("country")
    if country not in holidays.list_supported_countries():
        pytest.fail(f"{path.name}: country {country!r} is not supported by the holidays package")
    subdivisions = holidays.country_holidays(country).subdivisions
    language = _holiday_language(country)
    problems: list[str] = []
    for index, milestone in enumerate(_milestones(path)):
        if not isinstance(milestone, dict):
            continue  # reported by test_milestone_fields
        where = _label(path, index, milestone)
        subdiv = milestone.get("subdivision")
        if subdiv is not None and subdiv not in subdivisions:
            problems.append(f"{where}: subdivision {subdiv!r} is not one of {country}'s")
            continue
        scope = f"{country}" + (f"/{subdiv}" if subdiv else "")
        holiday = milestone.get("holiday")
        if holiday not in _names(country, language, subdiv):
            problems.append(
                f"{where}: holiday {holiday!r} is not a {scope} holiday name in language "
                f"{language!r} for {YEARS.start}-{YEARS.stop - 1}"
            )
        aliases = milestone.get("aliases")
        for alias in aliases if isinstance(aliases, list) else []:
            if alias not in _alias_names(country, subdiv):
                problems.append(
                    f"{where}: alias {alias!r} is not a {scope} holiday name in any "
                    f"supported language for {YEARS.start}-{YEARS.stop - 1}"
                )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", DATA_FILES, ids=_file_id)
def test_no_duplicate_holidays(path: Path) -> None:
    seen: dict[str, int] = {}
    problems: list[str] = []
    for index, milestone in enumerate(_milestones(path)):
        if not isinstance(milestone, dict):
            continue
        holiday = milestone.get("holiday")
        if not isinstance(holiday, str):
            continue  # reported by test_milestone_fields
        if holiday in seen:
            problems.append(
                f"{_label(path, index, milestone)}: duplicates milestone #{seen[holiday] + 1}"
            )
        else:
            seen[holiday] = index
    assert not problems, "\n".join(problems)


def test_totals_and_coverage() -> None:
    countries = {_load(path).get("country") for path in DATA_FILES}
    total = sum(len(_milestones(path)) for path in DATA_FILES)
    assert total >= MIN_MILESTONES, f"only {total} milestones in {DATA_DIR}, need {MIN_MILESTONES}"
    assert len(countries) >= MIN_COUNTRIES, (
        f"only {len(countries)} countries in {DATA_DIR}, need {MIN_COUNTRIES}"
    )
    missing = REQUIRED_COUNTRIES - countries
    assert not missing, f"no data file for required countries {sorted(missing)} in {DATA_DIR}"
