"""Reading a TOML table against keys declared once on a dataclass."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from calendars.declared import Absent, Invalid, Rule, declare, declared_keys, read


def positive(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"must be a whole number, got {type(value).__name__}")
    if value < 1:
        raise Invalid(f"must be at least 1, got {value}")
    return value


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("must be a string")
    if not value.strip():
        raise Absent
    return value.strip()


@dataclass(frozen=True)
class Example:
    name: str = field(metadata=declare(Rule("string", text, "is required (a name)"), "shown"))
    size: int = field(default=3, metadata=declare(Rule("whole number", positive)))
    note: str = "not a TOML key"  # no declaration: not read


def test_declared_keys_are_in_order_and_undeclared_fields_are_not_keys() -> None:
    assert list(declared_keys(Example)) == ["name", "size"]


def test_values_with_defaults_and_problems_with_reasons() -> None:
    values, problems = read(Example, {"name": " Ana ", "size": 0, "colour": "red"})
    assert values == {"name": "Ana"}
    assert problems == [
        ("colour", "unknown key (expected one of: name, size)"),
        ("size", "must be at least 1, got 0"),
    ]
    values, problems = read(Example, {"name": "Ana"})
    assert values == {"name": "Ana", "size": 3} and problems == []


def test_absent_or_empty_required_key_gives_its_own_reason() -> None:
    for raw in ({}, {"name": "   "}):
        values, problems = read(Example, raw)
        assert problems == [("name", "is required (a name)")] and "name" not in values
