"""Country facts the calendar shows: the flag of an ISO 3166-1 alpha-2 code."""

from __future__ import annotations


def flag(country: str) -> str:
    """The regional-indicator flag emoji for an ISO 3166-1 alpha-2 code ("PH" -> 🇵🇭); a white
    flag for anything that is not two letters. Source: Unicode UTS #51, "Flag emoji"."""
    if len(country) != 2 or not country.isalpha():
        return "🏳️"
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in country.upper())
