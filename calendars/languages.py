"""Which language a site speaks, for choosing a curated greeting.

A site's ``language`` in ``lantern.toml`` says it; a site that does not say speaks its
subdivision's main language where the data (``calendars/data/languages/subdivisions.toml``,
with its source) names one (Tamil Nadu: Tamil), and otherwise is taken to speak the
country's main language.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

from calendars.curated import LANGUAGE_NAMES
from calendars.declared import Invalid, Rule, country_code, declare, https_address, read

SOURCE = "calendars/data/languages/subdivisions.toml"


class SpeakingSite(Protocol):
    """What a site tells about the language it speaks."""

    @property
    def country(self) -> str: ...

    @property
    def subdivision(self) -> str | None: ...

    @property
    def language(self) -> str | None: ...


class LanguageDataError(Exception):
    """The subdivision language table breaks its schema: one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _languages(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise Invalid(f"must be a table of subdivision = language code, got {value!r}")
    unknown = sorted(str(code) for code in value.values() if code not in LANGUAGE_NAMES)
    if unknown:
        raise Invalid(f"unknown language codes {unknown} (see LANGUAGE_NAMES)")
    return {str(subdivision): str(code) for subdivision, code in value.items()}


@dataclass(frozen=True)
class CountryLanguages:
    """One ``[[countries]]`` entry."""

    country: str = field(metadata=declare(Rule("string", country_code), "ISO 3166 code"))
    source: str = field(
        metadata=declare(Rule("string", https_address), "where the languages are from")
    )
    languages: dict[str, str] = field(
        metadata=declare(Rule("table", _languages), "subdivision code = ISO 639 code")
    )


def parse_languages(text: str, source: str = SOURCE) -> dict[tuple[str, str], str]:
    """Read and check the table.

    Returns:
        ``{(country, subdivision): language code}``.

    Raises:
        LanguageDataError: one line per problem, naming the entry and key; a subdivision the
            holidays package does not know for that country is one.
    """
    import holidays

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LanguageDataError([f"{source}: not valid TOML: {exc}"]) from None
    problems = [f"{source}: {key}: unknown key" for key in sorted(set(data) - {"countries"})]
    found: dict[tuple[str, str], str] = {}
    for index, entry in enumerate(data.get("countries") or []):
        where = f"{source}: countries[{index}]"
        values, wrong = read(CountryLanguages, entry if isinstance(entry, dict) else {})
        problems += [f"{where}: {key}: {why}" for key, why in wrong]
        if wrong:
            continue
        row = CountryLanguages(**values)
        known = holidays.country_holidays(row.country).subdivisions
        for subdivision, code in row.languages.items():
            if subdivision not in known:
                problems.append(f"{where}: languages: {subdivision!r} is not a {row.country} code")
            found[(row.country, subdivision)] = code
    if problems:
        raise LanguageDataError(problems)
    return found


@lru_cache(maxsize=1)
def subdivision_languages() -> dict[tuple[str, str], str]:
    """The table shipped in the installed package (see :func:`parse_languages`)."""
    item = resources.files("calendars") / "data" / "languages" / "subdivisions.toml"
    return parse_languages(item.read_text(encoding="utf-8"))


def spoken_language(site: SpeakingSite) -> str | None:
    """The site's language code: its ``language``, else its subdivision's main language, else
    None (the country's main language)."""
    if site.language:
        return site.language
    if site.subdivision:
        return subdivision_languages().get((site.country, site.subdivision))
    return None
