"""Kudos rules with explicit times: parsing, values, the daily allowance at local midnight."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.infra.config import WorkspaceConfig
from bot.kudos import rules as kudos

MANILA = ZoneInfo("Asia/Manila")


def test_parse_mentions_groups_and_message() -> None:
    draft = kudos.parse(
        "<@U0ANA|ana>, <@U0BEN> &amp; <!subteam^S0NIGHT|@night-shift> thanks <@U0ANA|ana> again!"
    )
    assert draft.users == ("U0ANA", "U0BEN")
    assert draft.groups == (("S0NIGHT", "@night-shift"),)
    assert draft.message == "thanks <@U0ANA|ana> again!"


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("thanks all", kudos.NO_RECIPIENT),
        ("@ana thanks", kudos.NO_RECIPIENT),  # typed, not a real mention
        ("<@U0ME> well done me", kudos.ONLY_SELF),
        ("<@U0ANA>   ", kudos.EMPTY),
    ],
)
def test_refusals_without_lookups(text: str, refusal: str) -> None:
    found = kudos.check_draft(kudos.parse(text), "U0ME")
    assert found is not None and found.text == refusal


def test_self_among_others_is_fine() -> None:
    assert kudos.check_draft(kudos.parse("<@U0ME> <@U0ANA> we did it"), "U0ME") is None


def test_only_configured_values_count(config: WorkspaceConfig) -> None:
    message = "great #Teamwork and #ownership, not #random; R&amp;D#teamwork"
    assert kudos.values_in(message, config.kudos.values) == ["teamwork", "ownership"]


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(
    st.lists(
        st.sampled_from([*"<>@!^|&;#, abU0S", "<@U0ANA>", "<!subteam^S0X|@x>", "<!here>", "&amp;"]),
        max_size=40,
    ).map("".join),
    st.sampled_from(["U0ME", "U0ANA"]),
)
def test_any_command_text_parses_and_is_checked_without_error(text: str, giver: str) -> None:
    draft = kudos.parse(text)
    assert all(user.startswith(("U", "W")) for user in draft.users)
    assert all(group.startswith("S") for group, _ in draft.groups)
    refusal = kudos.check_draft(draft, giver)
    assert refusal is None or refusal.text
