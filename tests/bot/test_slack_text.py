"""Escaping at the edge of Slack: user text never pings a crowd."""

from __future__ import annotations

import pytest

from bot.slack_text import escape, truncate, user_text


def test_escape_the_three_control_characters() -> None:
    assert escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"


@pytest.mark.parametrize(
    "special", ["<!channel>", "<!here>", "<!everyone>", "<!subteam^S0LEADS|@leads>", "<!date^1|x>"]
)
def test_special_mentions_are_shown_not_sent(special: str) -> None:
    rendered = user_text(f"hey {special} look")
    assert "<!" not in rendered
    assert rendered.startswith("hey &lt;!") and rendered.endswith("&gt; look")


def test_slack_escaped_input_is_not_double_escaped() -> None:
    # Slack sends "&" as "&amp;" and "<" typed by a person as "&lt;"
    assert user_text("R&amp;D &lt;3") == "R&amp;D &lt;3"
    assert user_text("R&D") == "R&amp;D"


def test_people_channels_and_links_stay_live() -> None:
    text = "thanks <@U0ANA|ana> in <#C0MANILA|manila>: <https://example.com/a?b=1&amp;c=2|the doc>"
    rendered = user_text(text)
    assert "<@U0ANA|ana>" in rendered
    assert "<#C0MANILA|manila>" in rendered
    assert "<https://example.com/a?b=1&amp;c=2|the doc>" in rendered


def test_a_forged_mention_inside_a_link_label_is_escaped() -> None:
    rendered = user_text("<https://x.test|<!channel>>")
    assert "<!channel>" not in rendered


def test_truncate() -> None:
    assert truncate("abcdef", 4) == "abc…"
    assert truncate("abc", 4) == "abc"
