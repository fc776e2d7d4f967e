"""One festival, one identity: which holidays package names are one occasion.

The table is data (``calendars/data/festivals/identity.toml``), read with the same declared
keys as every other TOML table (:mod:`calendars.declared`). A holiday's *festival* is the key
its milestone is known by everywhere: it groups the sites that share it on a day into one post,
joins consecutive days of one festival at a site into one milestone, and keys the reminders.
A festival the table marks ``shared`` is one occasion in every country (Christmas, 1 May);
any other holiday is its country's own, so Jamaica's and Bolivia's Independence Days, both on
6 August, stay two milestones.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from calendars.declared import Invalid, Rule, country_code, declare, https_address, read

SOURCE = "calendars/data/festivals/identity.toml"
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class FestivalDataError(Exception):
    """The festival table breaks its schema: one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _key(value: Any) -> str:
    if not isinstance(value, str) or not KEY.match(value):
        raise Invalid(f"must be lower-case letters, digits and '-' (40 at most), got {value!r}")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or "\n" in value:
        raise Invalid(f"must be a non-empty single line, got {value!r}")
    return value.strip()


def _names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise Invalid(f"must be a non-empty list of names, got {value!r}")
    return tuple(_text(name) for name in value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"must be true or false, got {value!r}")
    return value


@dataclass(frozen=True)
class Festival:
    """One ``[[festivals]]`` entry."""

    key: str = field(metadata=declare(Rule("string", _key), "the festival's identity"))
    name: str = field(metadata=declare(Rule("string", _text), "what its milestone is called"))
    names: tuple[str, ...] = field(
        metadata=declare(Rule("list of strings", _names), "the holidays package's names of it")
    )
    source: str = field(
        metadata=declare(Rule("string", https_address), "where the grouping is from")
    )
    shared: bool = field(
        default=False,
        metadata=declare(Rule("boolean", _flag), "one occasion in every country"),
    )
    country: str | None = field(
        default=None,
        metadata=declare(
            Rule("string", country_code),
            "the names are one festival only in this country (Thailand's 5 December is "
            "the King's Birthday, National Day and Father's Day; elsewhere \"National Day\" is "
            "another day)",
        ),
    )


class FestivalIndex:
    """Festivals by the holidays package's English name."""

    def __init__(self, festivals: list[Festival]) -> None:
        self.festivals = tuple(festivals)
        self._by_name = {(f.country, _fold(name)): f for f in festivals for name in f.names}

    def find(self, name: str, country: str | None = None) -> Festival | None:
        """The festival the package's English ``name`` is a day of in ``country``, if the
        table names it: the country's own entry first, then one for every country."""
        found = self._by_name.get((country, _fold(name))) if country else None
        return found or self._by_name.get((None, _fold(name)))

    def identity(self, country: str, name: str, slug: str) -> str:
        """The key a holiday's milestone is known by: the festival's key when the table
        shares it across countries, else ``<festival or slug>-<country>`` (``slug`` is the
        holiday's own, :func:`calendars.occasions.slugify` of ``name``)."""
        festival = self.find(name, country)
        if festival is not None and festival.shared:
            return festival.key
        return f"{festival.key if festival else slug}-{country.lower()}"


def _fold(name: str) -> str:
    return " ".join(name.casefold().replace("’", "'").split())


def parse_festivals(text: str, source: str = SOURCE) -> FestivalIndex:
    """Read and check the festival table.

    Raises:
        FestivalDataError: one line per problem, ``file: festivals[i]: key: why``; a name
            given to two festivals is one.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FestivalDataError([f"{source}: not valid TOML: {exc}"]) from None
    problems = [f"{source}: {key}: unknown key" for key in sorted(set(data) - {"festivals"})]
    raw = data.get("festivals")
    if not isinstance(raw, list) or not raw:
        problems.append(f"{source}: festivals: needs a non-empty [[festivals]] array")
        raw = []
    found: list[Festival] = []
    owner: dict[str, str] = {}
    for index, entry in enumerate(raw):
        where = f"{source}: festivals[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a table")
            continue
        values, wrong = read(Festival, entry)
        problems += [f"{where}: {key}: {why}" for key, why in wrong]
        if wrong:
            continue
        festival = Festival(**values)
        for name in festival.names:
            place = f"{festival.country or ''}:{_fold(name)}"
            if place in owner:
                problems.append(f"{where}: names: {name!r} is already {owner[place]!r}")
            owner[place] = festival.key
        found.append(festival)
    if problems:
        raise FestivalDataError(problems)
    return FestivalIndex(found)


@lru_cache(maxsize=1)
def load_festivals() -> FestivalIndex:
    """The festival table shipped in the installed package.

    Raises:
        FestivalDataError: the shipped table breaks its schema.
    """
    item = resources.files("calendars") / "data" / "festivals" / "identity.toml"
    return parse_festivals(item.read_text(encoding="utf-8"))
