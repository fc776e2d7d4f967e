"""Curated explainers for milestones, loaded from the data files in ``calendars/data/``.

Each file covers one country. An entry is matched to a holiday by the country and the
holidays package's English name (or one of its aliases), so content stays data, reviewable
by people who know the culture, and every explainer names its source.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

FIELDS = (
    "holiday",
    "what",
    "greeting_local",
    "greeting_language",
    "greeting_en",
    "emoji",
    "join_in",
    "source",
)


@dataclass(frozen=True)
class Curated:
    country: str
    holiday: str
    aliases: tuple[str, ...]
    what: str
    greeting_local: str
    greeting_language: str
    greeting_en: str
    emoji: str
    join_in: str
    source: str


class CuratedIndex:
    """Look-up of curated content by (country, holiday name or alias)."""

    def __init__(self, entries: list[Curated]) -> None:
        self.entries = entries
        self._by_name: dict[tuple[str, str], Curated] = {}
        for entry in entries:
            for name in (entry.holiday, *entry.aliases):
                self._by_name.setdefault((entry.country, _fold(name)), entry)

    def find(self, country: str, *names: str | None) -> Curated | None:
        for name in names:
            if name:
                found = self._by_name.get((country.upper(), _fold(name)))
                if found:
                    return found
        return None


def _fold(name: str) -> str:
    return " ".join(name.casefold().replace("’", "'").split())


def parse_file(text: str, source: str) -> list[Curated]:
    data = tomllib.loads(text)
    country = str(data["country"]).upper()
    entries = []
    for raw in data.get("milestones", []):
        missing = [f for f in FIELDS if not str(raw.get(f, "")).strip()]
        if missing:
            raise ValueError(f"{source}: {raw.get('holiday', '?')}: missing {', '.join(missing)}")
        entries.append(
            Curated(
                country=country,
                holiday=raw["holiday"].strip(),
                aliases=tuple(a.strip() for a in raw.get("aliases", [])),
                **{f: str(raw[f]).strip() for f in FIELDS if f != "holiday"},
            )
        )
    return entries


@lru_cache(maxsize=1)
def load_index() -> CuratedIndex:
    """Every data file shipped in the installed package (not read from the working directory)."""
    entries: list[Curated] = []
    folder = resources.files("calendars") / "data"
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".toml"):
            entries.extend(
                parse_file(item.read_text(encoding="utf-8"), f"calendars/data/{item.name}")
            )
    return CuratedIndex(entries)
