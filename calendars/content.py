"""Cultural content: the shipped data files and the company's own content directory.

A file is one country's (``<cc>.toml``, ``country = "CC"``): ``[[milestones]]`` explainers of
the holidays package's days (:mod:`calendars.curated`), ``[[observances]]`` with a date rule
and ``[[includes]]`` of single holidays from another category or subdivision
(:mod:`calendars.observances`). The content directory (``[calendar] content_dir``) holds files
in the same format; an entry there overrides the shipped one of the same country and name
(explainers by ``holiday``, observances by ``name``) and adds to the rest.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from calendars.curated import Curated, CuratedDataError, CuratedIndex, _fold, parse_file
from calendars.observances import Include, Observance, parse_include, parse_observance


@dataclass(frozen=True)
class Document:
    """What one data file holds."""

    country: str
    explainers: tuple[Curated, ...]
    observances: tuple[Observance, ...]
    includes: tuple[Include, ...]


@dataclass(frozen=True)
class Content:
    """All the content a calendar uses: explainers by name, observances and includes."""

    curated: CuratedIndex
    observances: tuple[Observance, ...]
    includes: tuple[Include, ...]


def parse_document(text: str, source: str) -> Document:
    """Read and check one data file.

    Args:
        text: the TOML document; source: its path as shown in messages (its stem must be
            the file's ``country``, lower-cased).

    Raises:
        CuratedDataError: one line per problem, ``file: array[i] ('name'): key: why``.
    """
    problems: list[str] = []
    explainers: list[Curated] = []
    try:
        explainers = parse_file(text, source)
    except CuratedDataError as exc:
        problems += exc.problems
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        raise CuratedDataError(problems) from None  # parse_file said so
    import holidays

    raw_country = data.get("country")
    country = raw_country if isinstance(raw_country, str) else ""
    if country not in holidays.list_supported_countries():
        raise CuratedDataError(problems)  # parse_file said why
    observances: list[Observance] = []
    includes: list[Include] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(_array(data, "observances", source, problems)):
        where = f"{source}: observances[{index}] ({raw.get('name', '?')!r})"
        observance = parse_observance(raw, country, where, problems)
        if observance is None:
            continue
        if _fold(observance.name) in seen:
            problems.append(
                f"{where}: name: duplicates observances[{seen[_fold(observance.name)]}]"
            )
            continue
        seen[_fold(observance.name)] = index
        observances.append(observance)
    for index, raw in enumerate(_array(data, "includes", source, problems)):
        where = f"{source}: includes[{index}] ({raw.get('holiday', '?')!r})"
        include = parse_include(raw, country, where, problems)
        if include is not None:
            includes.append(include)
    if problems:
        raise CuratedDataError(problems)
    return Document(country, tuple(explainers), tuple(observances), tuple(includes))


def _array(
    data: dict[str, Any], key: str, source: str, problems: list[str]
) -> list[dict[str, Any]]:
    raw = data.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        problems.append(f"{source}: {key}: must be an array of tables ([[{key}]])")
        return []
    return raw


def merge(shipped: list[Document], company: list[Document]) -> Content:
    """The shipped documents with the company's on top: a company explainer replaces the
    shipped one of the same country and ``holiday``, a company observance the one of the same
    country and ``name``; everything else is kept."""
    own_explainers = {(e.country, _fold(e.holiday)) for d in company for e in d.explainers}
    own_observances = {(o.country, _fold(o.name)) for d in company for o in d.observances}
    explainers = [e for d in company for e in d.explainers] + [
        e
        for d in shipped
        for e in d.explainers
        if (e.country, _fold(e.holiday)) not in own_explainers
    ]
    observances = [o for d in company for o in d.observances] + [
        o
        for d in shipped
        for o in d.observances
        if (o.country, _fold(o.name)) not in own_observances
    ]
    includes = list(dict.fromkeys(i for d in (*company, *shipped) for i in d.includes))
    return Content(CuratedIndex(explainers), tuple(observances), tuple(includes))


@lru_cache(maxsize=1)
def shipped_documents() -> tuple[Document, ...]:
    """Every data file shipped in the installed package (not read from the working directory).

    Raises:
        CuratedDataError: a shipped file breaks the schema.
    """
    folder = resources.files("calendars") / "data"
    return tuple(
        parse_document(item.read_text(encoding="utf-8"), f"calendars/data/{item.name}")
        for item in sorted(folder.iterdir(), key=lambda p: p.name)
        if item.name.endswith(".toml")
    )


def read_directory(directory: Path) -> list[Document]:
    """Every ``*.toml`` file of a content directory, by name.

    Raises:
        CuratedDataError: every problem of every file (a missing directory is one).
    """
    if not directory.is_dir():
        raise CuratedDataError([f"{directory}: not a directory"])
    documents, problems = [], []
    for path in sorted(directory.glob("*.toml")):
        try:
            document = parse_document(path.read_text(encoding="utf-8"), str(path))
        except CuratedDataError as exc:
            problems += exc.problems
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot read: {exc}")
            continue
        documents.append(document)
        for index, entry in enumerate(document.explainers):
            if not _package_names(entry) & {_fold(n) for n in (entry.holiday, *entry.aliases)}:
                where = f"{path}: milestones[{index}] ({entry.holiday!r})"
                problems.append(
                    f"{where}: holiday: the holidays package has no day of that name for "
                    f"{entry.country}{'-' + entry.subdivision if entry.subdivision else ''} "
                    "in any category near this year (for a day it lacks, write an "
                    "[[observances]] entry)"
                )
    if problems:
        raise CuratedDataError(problems)
    return documents


def _package_names(entry: Curated) -> set[str]:
    """Every name the holidays package (and the festival table) gives days of ``entry``'s
    country and subdivision, in any category, from last year to next, folded."""
    import holidays

    from calendars.festivals import load_festivals
    from calendars.holiday_days import holiday_days

    categories = tuple(holidays.country_holidays(entry.country).supported_categories)
    year = date.today().year
    names = {
        day.name
        for y in (year - 1, year, year + 1)
        for day in holiday_days(entry.country, entry.subdivision, categories, None, y)
    }
    festivals = load_festivals()
    names |= {f.name for name in names if (f := festivals.find(name, entry.country)) is not None}
    return {_fold(name) for name in names}


@lru_cache(maxsize=8)
def load_content(directory: str | None = None) -> Content:
    """The shipped content, with the company's content directory on top when given.

    Args:
        directory: the content directory's path (absolute, or relative to the working
            directory), or None for the shipped content alone. Read once per process.

    Raises:
        CuratedDataError: one line per problem in any file.
    """
    company = read_directory(Path(directory)) if directory else []
    return merge(list(shipped_documents()), company)
