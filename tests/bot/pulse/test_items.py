"""The shipped item bank and the config's choice of items."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.infra.config import Settings, WorkspaceConfig
from bot.pulse.items import ItemBankError, item_problems, load_bank, parse_bank
from tests.conftest import EXAMPLE_CONFIG, env_for
from tests.processes import lantern

REQUIRED_LANGUAGES = {"en", "es", "pt", "fil", "hi"}  # issue 11: at least these


def test_every_item_is_in_every_shipped_language() -> None:
    bank = load_bank()
    assert set(bank.languages) >= REQUIRED_LANGUAGES
    assert {"enps", "connected", "respected", "clear", "comment"} <= set(bank.items)
    for item in bank.items.values():
        assert set(item.texts) == set(bank.languages), item.id
        assert item.version >= 1
    for language in bank.languages:
        assert len(bank.labels("agree5", language)) == 5
        assert len(bank.labels("likely11", language)) == 2


def test_a_sites_language_picks_the_texts_with_english_otherwise() -> None:
    bank = load_bank()
    assert bank.language_for("pt_BR") == "pt" and bank.language_for("es") == "es"
    assert bank.language_for("ta") == "en" and bank.language_for(None) == "en"
    assert bank.items["connected"].text("pt") != bank.items["connected"].text("en")


def test_a_broken_bank_names_each_problem() -> None:
    text = """
[languages]
en = { name = "English", reviewed = true }
es = { name = "Español", reviewed = false }
[scales.agree5]
en = ["1", "2", "3", "4", "5"]
es = ["1", "2"]
[scales.likely11]
en = ["0", "10"]
es = ["0", "10"]
[[items]]
id = "connected"
version = 0
scale = "agree5"
en = "I feel connected."
"""
    with pytest.raises(ItemBankError) as caught:
        parse_bank(text, "items.toml")
    assert caught.value.problems == [
        "items.toml: scales.agree5.es: needs 5 labels",
        "items.toml: items[0] ('connected'): version: must be a whole number from 1",
        "items.toml: items[0] ('connected'): es: the question in Español is missing",
    ]


def test_unknown_items_in_the_config_are_problems(config: WorkspaceConfig) -> None:
    assert item_problems(config) == []
    wrong = replace(config, pulse=replace(config.pulse, items=("connected", "enps", "vibes")))
    assert [p.why.split(" is ")[0] for p in item_problems(wrong)] == ["'enps'", "'vibes'"]


def test_check_config_refuses_an_unknown_item(settings: Settings, tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.read_text().replace(
        'items = ["connected", "respected", "clear"]', 'items = ["connected", "vibes"]'
    )
    path = tmp_path / "lantern.toml"
    path.write_text(text)
    result = lantern("check-config", env=env_for(settings, LANTERN_CONFIG=str(path)))
    assert result.returncode == 1
    assert "pulse.items: 'vibes' is not a 1–5 item" in result.stderr
    assert "Traceback" not in result.stderr
