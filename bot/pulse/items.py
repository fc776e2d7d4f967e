"""The pulse item bank (``bot/pulse/data/items.toml``): every question, its scale, its
version and its text in each shipped language, with the file's provenance."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from bot.infra.config import Problem, WorkspaceConfig

ENGLISH = "en"
SCALE_POINTS = {"agree5": 5, "likely11": 2, "text": 0}  # labels each scale must have
VALUES = {"agree5": range(1, 6), "likely11": range(0, 11)}  # the answers a scale allows


class ItemBankError(ValueError):
    """The item bank breaks its schema: one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Item:
    """One question: ``id`` for good, ``version`` of its wording, its ``scale`` and its text
    by language code."""

    id: str
    version: int
    scale: str
    texts: dict[str, str]
    short: str = ""  # its name in results ("Connected to other sites")

    def text(self, language: str) -> str:
        """The question in ``language``, or in English where it has none."""
        return self.texts.get(language) or self.texts[ENGLISH]

    @property
    def is_score(self) -> bool:
        """Whether its answers are numbers (not the free-text comment)."""
        return self.scale != "text"


@dataclass(frozen=True)
class ItemBank:
    """All items, the scales' labels and the languages, by code."""

    items: dict[str, Item]
    scales: dict[str, dict[str, tuple[str, ...]]]
    languages: dict[str, str]  # code -> its own name ("Español (Latinoamérica)")
    reviewed: dict[str, bool]

    def labels(self, scale: str, language: str) -> tuple[str, ...]:
        """The scale's labels in ``language`` (English where it has none)."""
        labels = self.scales.get(scale, {})
        return labels.get(language) or labels.get(ENGLISH, ())

    def language_for(self, code: str | None) -> str:
        """The shipped language for a site's ``language`` (``"pt_BR"`` → ``"pt"``), or
        English when it is unset or not shipped."""
        base = (code or "").split("_")[0].lower()
        return base if base in self.languages else ENGLISH


def parse_bank(text: str, source: str = "bot/pulse/data/items.toml") -> ItemBank:
    """Read and check the item bank: every item and scale in every language, known scales,
    unique ids, positive versions.

    Raises:
        ItemBankError: one line per problem.
    """
    data: dict[str, Any] = tomllib.loads(text)
    problems: list[str] = []
    languages = {code: str(v.get("name", code)) for code, v in data.get("languages", {}).items()}
    reviewed = {code: bool(v.get("reviewed")) for code, v in data.get("languages", {}).items()}
    if ENGLISH not in languages:
        problems.append(f"{source}: languages: English ({ENGLISH}) is required")
    scales: dict[str, dict[str, tuple[str, ...]]] = {}
    for name, points in SCALE_POINTS.items():
        if points == 0:
            continue
        raw = data.get("scales", {}).get(name, {})
        for code in languages:
            labels = raw.get(code)
            if not isinstance(labels, list) or len(labels) != points:
                problems.append(f"{source}: scales.{name}.{code}: needs {points} labels")
        scales[name] = {code: tuple(labels) for code, labels in raw.items()}
    items: dict[str, Item] = {}
    for index, raw in enumerate(data.get("items", [])):
        where = f"{source}: items[{index}] ({raw.get('id', '?')!r})"
        item_id, version, scale = raw.get("id"), raw.get("version"), raw.get("scale")
        if not isinstance(item_id, str) or not item_id or item_id in items:
            problems.append(f"{where}: id: must be a new non-empty string")
            continue
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            problems.append(f"{where}: version: must be a whole number from 1")
        if scale not in SCALE_POINTS:
            problems.append(f"{where}: scale: must be one of {', '.join(SCALE_POINTS)}")
        texts = {code: raw.get(code) for code in languages}
        for code, value in texts.items():
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{where}: {code}: the question in {languages[code]} is missing")
        items[item_id] = Item(
            item_id,
            int(version or 0),
            str(scale),
            {code: str(value) for code, value in texts.items() if isinstance(value, str)},
            str(raw.get("short") or item_id),
        )
    if problems:
        raise ItemBankError(problems)
    return ItemBank(items, scales, languages, reviewed)


@lru_cache(maxsize=1)
def load_bank() -> ItemBank:
    """The item bank shipped in the installed package."""
    item = resources.files("bot.pulse") / "data" / "items.toml"
    return parse_bank(item.read_text(encoding="utf-8"))


def item_problems(config: WorkspaceConfig) -> list[Problem]:
    """``[pulse] items`` that the item bank does not have, or that are not 1–5 items (eNPS
    and the comment have keys of their own), as configuration problems."""
    bank = load_bank()
    problems = []
    for item_id in config.pulse.items:
        item = bank.items.get(item_id)
        if item is None or item.scale != "agree5":
            known = ", ".join(i.id for i in bank.items.values() if i.scale == "agree5")
            why = f"{item_id!r} is not a 1–5 item of bot/pulse/data/items.toml (known: {known})"
            problems.append(Problem(config.source, "pulse.items", why))
    return problems
