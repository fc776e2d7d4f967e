"""The company's content directory on top of the shipped content: overrides and additions,
read through a real lantern.toml (``[calendar] content_dir``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.infra.calendar import calendar_for
from bot.infra.config import ConfigError, load_workspace_config
from calendars.content import load_content
from tests.conftest import EXAMPLE_CONFIG, ROOT


def _readme_example() -> str:
    """The worked example in README.md ("Content the company owns"), so the docs stay true."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after = readme[readme.index("A worked\nexample") :]
    return after[after.index("```toml\n") + 8 : after.index("```\n", after.index("```toml"))]


PH_CONTENT = _readme_example()


def workspace(tmp_path: Path, *, content: str | None = PH_CONTENT) -> Path:
    """A copy of the example config naming ``culture/`` (relative to the file) as its
    content directory, with ``content`` as ``culture/ph.toml``."""
    folder = tmp_path / "culture"
    folder.mkdir()
    if content is not None:
        (folder / "ph.toml").write_text(content, encoding="utf-8")
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    path = tmp_path / "lantern.toml"
    path.write_text(text + '\n[calendar]\ncontent_dir = "culture"\n', encoding="utf-8")
    return path


def test_a_company_explainer_overrides_the_shipped_one_and_an_observance_is_added(
    tmp_path: Path,
) -> None:
    config = load_workspace_config(workspace(tmp_path))
    assert config.calendar.content_dir == str(tmp_path / "culture")
    calendar = calendar_for(config)
    manila = config.site("manila")
    assert manila is not None
    (independence,) = [
        o
        for o in calendar.site_occasions(manila, date(2027, 6, 12), date(2027, 6, 12))
        if o.name == "Independence Day"
    ]
    assert independence.content is not None
    assert independence.content.what == "Our Manila team's own words for 12 June."
    shipped = load_content().curated.find("PH", "Independence Day")
    assert shipped is not None and shipped.what != independence.content.what
    # the last Saturday of March 2027: 31 March is a Wednesday, so the 27th
    family = [
        o
        for o in calendar.site_occasions(manila, date(2027, 3, 1), date(2027, 3, 31))
        if o.name == "Company Family Day"
    ]
    assert [(o.first_day, o.kind) for o in family] == [(date(2027, 3, 27), "observance")]
    # the rest of the shipped content is still there
    chicago = config.site("chicago")
    assert chicago is not None
    july = calendar.site_occasions(chicago, date(2027, 7, 4), date(2027, 7, 4))
    assert any(o.content is not None for o in july)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            PH_CONTENT.replace('rrule = "FREQ', 'rrule = "FREQQ'),
            "observances[0] ('Company Family Day'): rrule",
        ),
        (PH_CONTENT.replace('country = "PH"', 'country = "MX"'), "country: is 'MX', expected 'PH'"),
        (
            PH_CONTENT.replace(
                'source = "https://intranet.example.com/culture/ph-independence"', ""
            ),
            "milestones[0] ('Independence Day'): source: is required",
        ),
    ],
)
def test_a_mistake_in_the_content_directory_is_a_config_problem(
    tmp_path: Path, content: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_workspace_config(workspace(tmp_path, content=content))
    lines = str(caught.value).splitlines()
    assert any("calendar.content_dir" in line and expected in line for line in lines), lines


def test_a_missing_content_directory_is_named(tmp_path: Path) -> None:
    path = workspace(tmp_path, content=None)
    (tmp_path / "culture").rmdir()
    with pytest.raises(ConfigError) as caught:
        load_workspace_config(path)
    assert f"{tmp_path / 'culture'}: not a directory" in str(caught.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('sites = ["manila", "cebu"]', 'sites = ["manila", "nosuch"]'),
            "PH observance 'Company Family Day': sites: unknown site key 'nosuch'",
        ),
        (
            ('sites = ["manila", "cebu"]', 'sites = ["mumbai"]'),
            "sites: site 'mumbai' is in IN, not PH",
        ),
        (
            ('holiday = "Independence Day"', 'holiday = "Independance Day"'),
            "holiday: the holidays package has no day of that name for PH",
        ),
    ],
)
def test_a_typo_in_the_content_directory_is_not_silently_ignored(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    content = PH_CONTENT.replace(*change)
    assert content != PH_CONTENT
    if "Independance" in content:  # the alias would still match: drop it too
        content = content.replace('aliases = ["Araw ng Kalayaan"]\n', "")
    with pytest.raises(ConfigError) as caught:
        load_workspace_config(workspace(tmp_path, content=content))
    assert expected in str(caught.value)
