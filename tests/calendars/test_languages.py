"""The language a site speaks: its own setting, else its subdivision's main language."""

from __future__ import annotations

import pytest

from calendars.curated import load_index
from calendars.languages import LanguageDataError, parse_languages, spoken_language
from calendars.occasions import CountrySite


def test_a_site_without_a_language_speaks_its_subdivisions() -> None:
    chennai = CountrySite("chennai", "Chennai", "IN", subdivision="TN")
    hyderabad = CountrySite("hyd", "Hyderabad", "IN", subdivision="TS")
    delhi = CountrySite("delhi", "Delhi", "IN", subdivision="DL")
    assert spoken_language(chennai) == "ta"
    assert spoken_language(hyderabad) == "te"
    assert spoken_language(delhi) is None  # the country's main language
    said = CountrySite("c", "Chennai English desk", "IN", subdivision="TN", language="en_IN")
    assert spoken_language(said) == "en_IN"


def test_chennai_is_not_greeted_in_hindi() -> None:
    diwali = load_index().find("IN", "Diwali")
    assert diwali is not None and diwali.greeting_en
    chennai = CountrySite("chennai", "Chennai", "IN", subdivision="TN")
    line = diwali.greeting([spoken_language(chennai)])
    assert line is not None and "(Hindi)" not in line


def test_a_bad_table_names_each_problem() -> None:
    text = (
        "[[countries]]\ncountry = 'IN'\nsource = 'https://example.org'\n"
        "languages = { TN = 'ta', XX = 'te', KA = 'zz' }\n"
    )
    with pytest.raises(LanguageDataError) as caught:
        parse_languages(text, "langs.toml")
    assert caught.value.problems == [
        "langs.toml: countries[0]: languages: unknown language codes ['zz'] (see LANGUAGE_NAMES)"
    ]
    with pytest.raises(LanguageDataError) as caught:
        parse_languages(text.replace("KA = 'zz'", "KA = 'kn'"), "langs.toml")
    assert caught.value.problems == ["langs.toml: countries[0]: languages: 'XX' is not a IN code"]
