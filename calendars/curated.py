"""Curated explainers for milestones, loaded from the data files in ``calendars/data/``.

Each file covers one country. An entry is matched to a holiday by the country and the
holidays package's English name (or one of its aliases), so content stays data, reviewable
by people who know the culture, and every explainer names its source.

Every key of an entry is declared once, as a field of ``Curated`` whose metadata holds its
rule, read by :mod:`calendars.declared` (the same mechanism as ``lantern.toml``'s keys).
``parse_file`` checks each file against them when it is loaded, so a bad file fails with one
line per problem naming the file, the entry and the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import PurePosixPath
from typing import Any

from calendars.declared import Invalid, Rule, declare, declared_keys, read

FORBIDDEN_CHARS = ("<", ">")  # entries are rendered into Slack mrkdwn


def _line(value: Any, *, limit: int | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"must be a non-empty string, got {value!r}")
    bad = [c for c in FORBIDDEN_CHARS if c in value]
    if bad:
        raise Invalid(f"contains forbidden characters {bad}")
    if "\n" in value or "\r" in value:
        raise Invalid("must be a single line")
    if limit is not None and len(value) > limit:
        raise Invalid(f"is {len(value)} chars, limit {limit}")
    return value.strip()


def _limited(limit: int) -> Callable[[Any], str]:
    return lambda value: _line(value, limit=limit)


def _https(value: Any) -> str:
    url = _line(value)
    if not url.startswith("https://"):
        raise Invalid(f"must start with https://, got {url!r}")
    return url


def _aliases(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise Invalid(f"must be a list, got {value!r}")
    whys: list[str] = []
    for alias in value:
        try:
            _line(alias)
        except Invalid as exc:
            whys.extend(f"alias {alias!r} {why}" for why in exc.whys)
    if whys:
        raise Invalid(*whys)
    return tuple(a.strip() for a in value)


# The languages greetings may be in: ISO 639 code (the code the holidays package and
# lantern.toml's `language` use) to English name, the name shown next to a greeting.
LANGUAGE_NAMES = {
    "ar": "Arabic",
    "bn": "Bengali",
    "en": "English",
    "es": "Spanish",
    "fil": "Filipino",
    "fr": "French",
    "gu": "Gujarati",
    "hi": "Hindi",
    "kn": "Kannada",
    "ml": "Malayalam",
    "mr": "Marathi",
    "ms": "Malay",
    "pa": "Punjabi",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "sw": "Swahili",
    "ta": "Tamil",
    "te": "Telugu",
    "zgh": "Tamazight",
    "zh": "Chinese",
    "zu": "isiZulu",
}
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


def isolate(text: str) -> str:
    """``text`` between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE when it holds
    right-to-left script (Unicode Bidirectional Algorithm, UAX #9, 6.3), so "عيد مبارك!"
    keeps its "!" at its own end inside an English line; other text unchanged."""
    return f"\u2068{text}\u2069" if _RIGHT_TO_LEFT.search(text) else text


def _greetings(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise Invalid(f"must be a table of language code = greeting, got {value!r}")
    whys: list[str] = []
    for code, text in value.items():
        if code not in LANGUAGE_NAMES:
            whys.append(f"unknown language {code!r} (known: {', '.join(sorted(LANGUAGE_NAMES))})")
        elif code == "en":
            whys.append("'en' belongs in greeting_en")
        try:
            _line(text)
        except Invalid as exc:
            whys.extend(f"{code}: {why}" for why in exc.whys)
    if whys:
        raise Invalid(*whys)
    return tuple((code, text.strip()) for code, text in value.items())


def _text(parse: Callable[[Any], Any], doc: str) -> dict[str, Any]:
    """Field metadata declaring an entry key holding text read by ``parse``."""
    return declare(Rule("string", parse), doc)


@dataclass(frozen=True)
class Curated:
    """One curated explainer, from a ``[[milestones]]`` entry of ``calendars/data/<cc>.toml``.

    ``country`` comes from the file's top-level ``country``; every other field is a key of the
    entry, required unless it has a default. Text is one line, without ``<`` or ``>``.
    """

    country: str
    holiday: str = field(metadata=_text(_line, "the holidays package's English name"))

    what: str = field(metadata=_text(_limited(160), "what the day is, at most 160 chars"))
    emoji: str = field(metadata=_text(_limited(16), "one emoji shown with the post"))
    join_in: str = field(metadata=_text(_limited(200), "how to join in, at most 200 chars"))
    source: str = field(metadata=_text(_https, "an https:// page the explainer is based on"))
    aliases: tuple[str, ...] = field(
        default=(),
        metadata=declare(Rule("list of strings", _aliases), "other names, e.g. local ones"),
    )
    greetings: tuple[tuple[str, str], ...] = field(
        default=(),
        metadata=declare(
            Rule("table of strings", _greetings),
            'the greeting in local languages, by ISO 639 code (`{ ta = "…", te = "…" }`), '
            "the country's main language first; needs greeting_en",
        ),
    )
    greeting_en: str | None = field(
        default=None,
        metadata=_text(_line, "the greeting in English; leave both out on a solemn day"),
    )
    subdivision: str | None = field(
        default=None, metadata=_text(_line, "a subdivision code, when only it observes the day")
    )
    category: str = field(
        default="public",
        metadata=_text(
            _line,
            "the holidays package's category the day is in; a site shows the explainer only "
            'with it in its `categories` (Brazil\'s Carnival: "optional")',
        ),
    )

    def greeting(self, site_languages: Iterable[str | None]) -> str | None:
        """The greeting line for sites speaking these languages, or None on a solemn day.

        Args:
            site_languages: each site's language code (``"ta"``, ``"pt_BR"``; see
                :func:`calendars.languages.spoken_language`), None where unknown.

        Returns:
            The local greeting with its language's name and the English one when every site
            whose language is known speaks one language this entry has a greeting in (none
            known: the country's main language, the first); English alone otherwise (a Hindi
            greeting is not shown to a Chennai site, which speaks Tamil). Right-to-left text is
            isolated (U+2068…U+2069) so it reads right inside a left-to-right line.
        """
        if self.greeting_en is None:
            return None
        local = dict(self.greetings)
        spoken = {language.split("_")[0].lower() for language in site_languages if language}
        if not spoken and self.greetings:
            spoken = {self.greetings[0][0]}
        if len(spoken) != 1 or (code := spoken.pop()) not in local:
            return self.greeting_en
        return f"{isolate(local[code])} ({LANGUAGE_NAMES[code]}) · {self.greeting_en}"


ENTRY_KEYS = tuple(declared_keys(Curated))
"""Every key an entry may have, in declaration order."""


class CuratedDataError(ValueError):
    """A data file breaks the schema; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class CuratedIndex:
    """Look-up of curated content by (country, holiday name or alias)."""

    def __init__(self, entries: list[Curated]) -> None:
        self.entries = entries
        self._by_name: dict[tuple[str, str], Curated] = {}
        for entry in entries:
            for name in (entry.holiday, *entry.aliases):
                self._by_name.setdefault((entry.country, _fold(name)), entry)

    def find(self, country: str, *names: str | None) -> Curated | None:
        """The first entry of ``country`` (ISO code, any case) matching one of ``names``."""
        for name in names:
            if name:
                found = self._by_name.get((country.upper(), _fold(name)))
                if found:
                    return found
        return None


def _fold(name: str) -> str:
    return " ".join(name.casefold().replace("’", "'").split())


FILE_KEYS = ("country", "includes", "milestones", "observances")
"""A data file's top-level keys; ``[[observances]]`` and ``[[includes]]`` are read by
:mod:`calendars.content`."""


def parse_file(text: str, source: str) -> list[Curated]:
    """Read and validate one country's data file's explainers (``[[milestones]]``).

    Args:
        text: the TOML document.
        source: its path, e.g. ``calendars/data/ph.toml``, used in messages; when it ends in
            ``.toml`` the file's ``country`` must be its upper-cased stem.

    Returns:
        The entries in file order.

    Raises:
        CuratedDataError: one line per problem, ``file: entry: key: why``.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CuratedDataError([f"{source}: not valid TOML: {exc}"]) from None
    problems: list[str] = []
    for key in sorted(set(data) - set(FILE_KEYS)):
        problems.append(f"{source}: {key}: unknown key (expected one of: {', '.join(FILE_KEYS)})")
    country = _country(data.get("country"), source, problems)
    raw = data.get("milestones", [])
    if not isinstance(raw, list) or not (raw or data.get("observances") or data.get("includes")):
        problems.append(
            f"{source}: milestones: needs a non-empty [[milestones]] array "
            "(or [[observances]] or [[includes]])"
        )
        raw = []
    entries: list[Curated] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(raw):
        where = f"{source}: milestones[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a table")
            continue
        where += f" ({entry.get('holiday', '?')!r})"
        values = _entry(entry, where, problems)
        holiday = values.get("holiday")
        if holiday in seen:
            problems.append(f"{where}: holiday: duplicates milestones[{seen[holiday]}]")
        elif holiday:
            seen[holiday] = index
        if country and values.get("subdivision"):
            _check_subdivision(country, values["subdivision"], where, problems)
        if values.get("greetings") and "greeting_en" not in entry:
            problems.append(f"{where}: greeting_en: is required with greetings")
        if country and values.get("category"):
            _check_category(country, values["category"], where, problems)
        if country and len(values) == len(ENTRY_KEYS):
            entries.append(Curated(country=country, **values))
    if problems:
        raise CuratedDataError(problems)
    return entries


def _entry(raw: dict[str, Any], where: str, problems: list[str]) -> dict[str, Any]:
    """Each declared key's value (its default when absent); keys with problems left out."""
    values, found = read(Curated, raw)
    problems.extend(f"{where}: {name}: {why}" for name, why in found)
    return values


def _country(value: Any, source: str, problems: list[str]) -> str | None:
    """The file's country code, or None after recording why it is unusable."""
    import holidays

    stem = PurePosixPath(source).stem.upper() if source.endswith(".toml") else None
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{source}: country: must be a two-letter code, got {value!r}")
        return None
    if stem is not None and value != stem:
        problems.append(f"{source}: country: is {value!r}, expected {stem!r} (the file's name)")
        return None
    if value not in holidays.list_supported_countries():
        problems.append(f"{source}: country: {value!r} is not supported by the holidays package")
        return None
    return value


def _check_category(country: str, category: str, where: str, problems: list[str]) -> None:
    import holidays

    supported = holidays.country_holidays(country).supported_categories
    if category not in supported:
        problems.append(
            f"{where}: category: {category!r} is not one of {country}'s ({', '.join(supported)})"
        )


def _check_subdivision(country: str, subdivision: str, where: str, problems: list[str]) -> None:
    import holidays

    if subdivision not in holidays.country_holidays(country).subdivisions:
        problems.append(f"{where}: subdivision: {subdivision!r} is not one of {country}'s")


@lru_cache(maxsize=1)
def load_index() -> CuratedIndex:
    """Every data file shipped in the installed package (not read from the working directory).

    Raises:
        CuratedDataError: a shipped file breaks the schema.
    """
    entries: list[Curated] = []
    folder = resources.files("calendars") / "data"
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".toml"):
            entries.extend(
                parse_file(item.read_text(encoding="utf-8"), f"calendars/data/{item.name}")
            )
    return CuratedIndex(entries)
