"""Keys declared once: how lantern reads a TOML table against a frozen dataclass.

Each key of a table is a dataclass field whose metadata (made by :func:`declare`) holds its
:class:`Rule` and a line of documentation; the field's default is the key's default. Reading a
table (:func:`read`) then gives unknown-key messages, defaults, required keys and every rule's
reasons from that one declaration. ``lantern.toml`` (``bot/infra/config.py``) and the curated
data files (``calendars/curated.py``) are both read this way. It lives here, in the lowest
layer, so both can use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, dataclass, fields
from typing import Any


class Invalid(Exception):
    """The value breaks its key's rule; each argument is one reason for the person fixing it."""

    def __init__(self, *whys: str) -> None:
        super().__init__(*whys)
        self.whys = whys


class Absent(Exception):
    """The value is empty (``""``, ``[]``), so the key counts as not set."""


@dataclass(frozen=True)
class Rule:
    """How one key's TOML value is read.

    Attributes:
        type: what the value is, in words (README's "type" column), e.g. ``"list of strings"``.
        parse: takes the raw TOML value and returns the typed value; raises :class:`Invalid`
            with the reasons, or :class:`Absent` when the value is empty and the default applies.
        required_why: the reason given when a key without a default is absent.
    """

    type: str
    parse: Callable[[Any], Any]
    required_why: str = "is required"


def declare(rule: Rule, doc: str = "") -> dict[str, Any]:
    """Field metadata declaring a TOML key: its rule and what it holds (for docs)."""
    return {"rule": rule, "doc": doc}


def declared_keys(cls: type) -> dict[str, Field[Any]]:
    """The TOML keys a dataclass declares, by name, in declaration order."""
    return {f.name: f for f in fields(cls) if "rule" in f.metadata}


def read(cls: type, raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Read one table against the keys ``cls`` declares.

    Args:
        cls: a dataclass whose TOML keys are declared with :func:`declare`.
        raw: the table as ``tomllib`` gives it.

    Returns:
        (values, problems): every declared key's value (its default when absent), keys with a
        problem left out; and (key, why) for each unknown key, missing required key and broken
        rule, in the order found.
    """
    declared = declared_keys(cls)
    expected = ", ".join(sorted(declared))
    problems = [
        (name, f"unknown key (expected one of: {expected})") for name in raw if name not in declared
    ]
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        rule: Rule = spec.metadata["rule"]
        try:
            if name not in raw:
                raise Absent
            values[name] = rule.parse(raw[name])
        except Absent:
            if spec.default is MISSING:
                problems.append((name, rule.required_why))
            else:
                values[name] = spec.default
        except Invalid as exc:
            problems.extend((name, why) for why in exc.whys)
    return values, problems


COUNTRY_CODE = re.compile(r"[A-Z]{2}")


def country_code(value: Any) -> str:
    """A rule's parse: an ISO 3166-1 alpha-2 code as written, "IN" (data files, not people,
    write these, so no case folding)."""
    if not isinstance(value, str) or not COUNTRY_CODE.fullmatch(value):
        raise Invalid(f"must be a two-letter upper-case country code, got {value!r}")
    return value


def https_address(value: Any) -> str:
    """A rule's parse: a one-line ``https://`` address, where a fact's source is."""
    if not isinstance(value, str) or not value.strip() or "\n" in value:
        raise Invalid(f"must be a non-empty single line, got {value!r}")
    if not value.strip().startswith("https://"):
        raise Invalid(f"must start with https://, got {value.strip()!r}")
    return value.strip()
