"""Config validation: every problem reported at once, with file, key and why."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import time
from pathlib import Path

import pytest

from bot.infra.config import (
    ARRAYS,
    DEFAULT_API_URL,
    TABLES,
    ConfigError,
    SettingsError,
    WorkspaceConfig,
    WorkspaceSection,
    load_settings,
    load_workspace_config,
    parse_workspace_config,
    reference,
)
from calendars.declared import declared_keys
from tests.conftest import EXAMPLE_CONFIG

VALID = """
[workspace]
timezone = "America/Chicago"
celebrations_channel = "C0CELEBRATE"
feed_channel = "C0KUDOS"
team_leads = ["S0LEADS", "U0LEAD"]

[[sites]]
key = "manila"
name = "Manila"
country = "PH"
timezone = "Asia/Manila"
kind = "bpo"
channel = "C0MANILA"
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_workspace_config(text, "lantern.toml")
    return [str(p) for p in caught.value.problems]


def test_example_config_is_valid_and_typed() -> None:
    config = load_workspace_config(EXAMPLE_CONFIG)
    keys = [s.key for s in config.sites]
    assert keys == ["chicago", "manila", "cebu", "mumbai", "bogota", "saopaulo"]
    manila, cebu = config.site("manila"), config.site("cebu")
    assert manila is not None and manila.post_time is None and manila.is_bpo
    assert cebu is not None and cebu.post_time == time(21, 30)
    assert config.reminders.days_before == (7, 1)
    assert config.site("saopaulo").categories == ("public", "optional")  # type: ignore[union-attr]
    assert config.kudos.values == ("teamwork", "customer-first", "ownership")
    yearly, once = config.milestones
    assert (yearly.year, yearly.month, yearly.day, yearly.days) == (None, 10, 5, 5)
    assert (once.year, once.sites) == (2027, ("manila", "chicago"))


def test_defaults_fill_optional_sections() -> None:
    config = parse_workspace_config(VALID)
    assert config.reminders.time == time(9, 0)
    assert config.pulse.min_responses == 5
    assert config.digest.weekday == "mon"
    assert config.workspace.kudos_emoji == "clap"
    assert config.sites[0].categories == ("public",)


def test_four_problems_reported_together() -> None:
    text = (
        VALID.replace('country = "PH"', 'country = "XX"')
        .replace('timezone = "Asia/Manila"', 'timezone = "Mars/Olympus"')
        .replace('kind = "bpo"', 'kind = "vendor"')
        + VALID[VALID.index("[[sites]]") :]
    )
    found = problems(text)
    assert any("sites[0].country" in p and "'XX'" in p for p in found)
    assert any("sites[0].timezone" in p and "Mars/Olympus" in p for p in found)
    assert any("sites[0].kind" in p and "vendor" in p for p in found)
    assert any("sites[1].key" in p and "duplicate" in p for p in found)
    assert all(p.startswith("lantern.toml: ") for p in found)


@pytest.mark.parametrize(
    ("change", "key", "why"),
    [
        (('feed_channel = "C0KUDOS"', 'feed_channel = "#kudos"'), "workspace.feed_channel", "ID"),
        (('"U0LEAD"', '"lead@example.com"'), "workspace.team_leads", "user group"),
        (('country = "PH"', 'country = "PH"\nsubdivision = "ZZ"'), "subdivision", "ZZ"),
        (('country = "PH"', 'country = "PH"\ncategories = ["bank"]'), "categories", "bank"),
        (('country = "PH"', 'country = "PH"\nlanguage = "xx"'), "language", "xx"),
        (('country = "PH"', 'country = "PH"\npost_time = "25:00"'), "post_time", "HH:MM"),
        (('country = "PH"', 'country = "PH"\nsize = 3'), "sites[0].size", "unknown key"),
        (('timezone = "America/Chicago"', 'timezone = "Chicago"'), "workspace.timezone", "IANA"),
    ],
)
def test_each_kind_of_problem(change: tuple[str, str], key: str, why: str) -> None:
    found = problems(VALID.replace(*change))
    assert any(key in p and why in p for p in found), found


@pytest.mark.parametrize(
    ("section", "why"),
    [
        ('[reminders]\ntime = "9am"', "reminders.time"),
        ("[reminders]\ndays_before = [0]", "reminders.days_before"),
        ('[pulse]\nweekday = "someday"', "pulse.weekday"),
        ("[pulse]\nmin_responses = 0", "pulse.min_responses"),
        ('[digest]\nweekday = "funday"', "digest.weekday"),
        ('[[milestones]]\nname = "X"\ndate = "2026-02-30"', "milestones[0].date"),
        ('[[milestones]]\nname = "X"\ndate = "June 5"', "milestones[0].date"),
        ('[[milestones]]\nname = "X"\ndate = "06-05"\nsites = ["nowhere"]', "milestones[0].sites"),
        ('[kudos]\nvalues = ["team work!"]', "kudos.values"),
    ],
)
def test_section_problems(section: str, why: str) -> None:
    assert any(why in p for p in problems(VALID + "\n" + section))


def test_weekday_full_names_and_yearly_leap_day_accepted() -> None:
    text = VALID + '\n[pulse]\nweekday = "Wednesday"\n[[milestones]]\nname = "Leap"\ndate = "02-29"'
    config = parse_workspace_config(text)
    assert config.pulse.weekday == "wed"
    assert (config.milestones[0].month, config.milestones[0].day) == (2, 29)


def test_missing_file_and_bad_toml() -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_workspace_config("/nonexistent/lantern.toml")
    assert any("not valid TOML" in p for p in problems("[workspace"))


def test_missing_workspace_and_sites() -> None:
    found = problems("")
    assert any("[workspace]" in p for p in found)
    assert any("[[sites]]" in p and "at least one" in p for p in found)


def test_settings_defaults() -> None:
    settings = load_settings({})
    assert settings.database_url == "sqlite:///lantern.db"
    assert settings.slack_api_url == DEFAULT_API_URL
    assert settings.port == 3000 and settings.config_path == "lantern.toml"


def test_settings_read_every_variable() -> None:
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_APP_TOKEN": "xapp-1",
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "DATABASE_URL": "postgres://u@h/db",
            "LANTERN_CONFIG": "/etc/lantern.toml",
            "PORT": "8080",
            "LANTERN_SECRET": "k",
            "LANTERN_SLACK_PACE": "2.5",
        }
    )
    assert settings.slack_pace == 2.5
    assert load_settings({}).slack_pace == 1.0  # Slack's own pace unless told otherwise
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.database_url == "postgres://u@h/db"
    assert (settings.port, settings.config_path, settings.lantern_secret) == (
        8080,
        "/etc/lantern.toml",
        "k",
    )


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"PORT": "http"}, "PORT"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"SLACK_API_URL": "slack.com"}, "SLACK_API_URL"),
        ({"LANTERN_SLACK_PACE": "fast"}, "LANTERN_SLACK_PACE"),
        ({"LANTERN_SLACK_PACE": "-1"}, "LANTERN_SLACK_PACE"),
        ({"LANTERN_SLACK_PACE": "nan"}, "LANTERN_SLACK_PACE"),
        ({"LANTERN_SLACK_PACE": "inf"}, "LANTERN_SLACK_PACE"),
    ],
)
def test_malformed_variables_name_themselves(env: dict[str, str], name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings(env)


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"SLACK_BOT_TOKEN": "xoxp-user"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN"),
    ],
)
def test_malformed_tokens_stop_only_commands_that_need_them(env: dict[str, str], name: str) -> None:
    settings = load_settings(env)  # check-config and preview still run
    with pytest.raises(SettingsError, match=f"^{name} must be a token starting with"):
        settings.require(name)


def test_require_names_the_missing_variable() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1"})
    with pytest.raises(SettingsError, match=r"^SLACK_SIGNING_SECRET is not set"):
        settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "LANTERN_SECRET")


@pytest.mark.parametrize(
    ("change", "key", "why"),
    [
        (('country = "PH"', 'country = "PHL"'), "sites[0].country", "two-letter"),
        (('name = "Manila"', f'name = "{"M" * 101}"'), "sites[0].name", "at most 100"),
    ],
)
def test_names_and_codes_are_bounded(change: tuple[str, str], key: str, why: str) -> None:
    found = problems(VALID.replace(*change))
    assert any(key in p and why in p for p in found), found


def test_milestone_days_are_bounded() -> None:
    found = problems(VALID + '\n[[milestones]]\nname = "Forever"\ndate = "06-01"\ndays = 100000')
    assert any("milestones[0].days" in p and "at most 366" in p for p in found)


README = Path(__file__).resolve().parents[3] / "README.md"


def readme_tables() -> dict[str, list[tuple[str, ...]]]:
    """The key tables under README's "### `[section]`" headings: section name -> rows."""
    tables: dict[str, list[tuple[str, ...]]] = {}
    rows: list[tuple[str, ...]] | None = None
    for line in README.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^### `\[\[?(\w+)\]\]?`", line)
        if heading:
            rows = tables.setdefault(heading.group(1), [])
        elif line.startswith("#"):
            rows = None
        elif rows is not None and line.startswith("| `"):
            rows.append(tuple(cell.strip() for cell in line.strip().strip("|").split(" | ")))
    return tables


def test_readme_tables_list_exactly_the_declared_keys() -> None:
    tables = readme_tables()
    assert set(tables) == {*TABLES, *ARRAYS}
    for name, cls in {**TABLES, **ARRAYS}.items():
        assert sorted(tables[name]) == sorted(reference(cls)), name


def test_top_level_keys_are_the_config_fields() -> None:
    assert [*TABLES, *ARRAYS] == [f.name for f in fields(WorkspaceConfig) if f.name != "source"]


def test_unknown_key_message_lists_the_declared_keys() -> None:
    found = problems(VALID.replace("[workspace]", "[workspace]\ntimezon = 'UTC'"))
    expected = ", ".join(sorted(declared_keys(WorkspaceSection)))
    assert f"lantern.toml: workspace.timezon: unknown key (expected one of: {expected})" in found


def test_empty_values_count_as_not_set() -> None:
    text = VALID.replace('kind = "bpo"', 'kind = "bpo"\npost_time = ""\ncategories = []')
    site = parse_workspace_config(text).sites[0]
    assert (site.post_time, site.categories) == (None, ("public",))
    found = problems(VALID.replace('feed_channel = "C0KUDOS"', 'feed_channel = " "'))
    assert found == ["lantern.toml: workspace.feed_channel: is required"]


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TOML_VALUES = st.one_of(
    st.integers(-5, 100),
    st.booleans(),
    st.text(max_size=12),
    st.lists(st.text(max_size=6), max_size=3),
    st.sampled_from(["09:00", "25:99", "mon", "Asia/Manila", "PH", "C0ABC", "U0X", "bpo"]),
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    workspace=st.dictionaries(
        st.sampled_from(["timezone", "celebrations_channel", "feed_channel", "team_leads", "x"]),
        TOML_VALUES,
    ),
    site=st.dictionaries(
        st.sampled_from(["key", "name", "country", "timezone", "kind", "channel", "post_time"]),
        TOML_VALUES,
    ),
    reminders=st.dictionaries(st.sampled_from(["days_before", "time"]), TOML_VALUES),
)
def test_any_values_give_a_config_or_clear_problems(
    workspace: dict[str, object], site: dict[str, object], reminders: dict[str, object]
) -> None:
    import json

    def table(name: str, values: dict[str, object]) -> str:
        # JSON strings, numbers, booleans and string arrays are valid TOML values too
        return f"[{name}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())

    text = table("workspace", workspace) + table("reminders", reminders)
    text += table("[sites]", site)
    try:
        parsed = parse_workspace_config(text, "fuzz.toml")
    except ConfigError as exc:
        assert exc.problems
        assert all(
            str(p).startswith("fuzz.toml: ") and str(p).count("\n") == 0 for p in exc.problems
        )
    else:
        assert parsed.sites and parsed.workspace.timezone


def test_an_empty_string_takes_the_default_in_reminders() -> None:
    from bot.infra.config import RemindersSection, parse_workspace_config

    text = (
        '[workspace]\ntimezone = "America/Chicago"\ncelebrations_channel = "C0CELEBRATE"\n'
        'feed_channel = "C0KUDOS"\n[reminders]\ntime = ""\nheads_ups = ""\nlook_ahead = ""\n'
        '[[sites]]\nkey = "chicago"\nname = "Chicago"\ncountry = "US"\n'
        'timezone = "America/Chicago"\nkind = "in_house"\nchannel = "C0CHICAGO"\n'
    )
    reminders = parse_workspace_config(text).reminders
    default = RemindersSection()
    assert (reminders.time, reminders.heads_ups, reminders.look_ahead) == (
        default.time,
        default.heads_ups,
        default.look_ahead,
    )
