"""Escaping at the edge of Slack: user text never pings a crowd."""

from __future__ import annotations

import pytest

from bot.infra.slack_text import cut, escape, truncate, user_text


def test_escape_the_three_control_characters() -> None:
    assert escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"


@pytest.mark.parametrize(
    ("special", "shown"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<!here>", "&lt;!here&gt;"),
        ("<!everyone>", "&lt;!everyone&gt;"),
        ("<!subteam^S0LEADS|@leads>", "@leads"),
        ("<!date^1|Mon 1 June>", "Mon 1 June"),
    ],
)
def test_special_mentions_are_shown_not_sent(special: str, shown: str) -> None:
    rendered = user_text(f"hey {special} look")
    assert "<!" not in rendered
    assert rendered == f"hey {shown} look"


def test_typed_brackets_never_become_a_link() -> None:
    # what Slack delivers when someone types <https://evil.test|https://intranet>
    typed = "see &lt;https://evil.test|https://intranet&gt; now"
    assert user_text(typed) == typed
    # a form field is raw text: escaped first, it stays text too
    assert "<https" not in user_text(escape("<https://evil.test|https://intranet>"))


def test_slack_escaped_input_is_not_double_escaped() -> None:
    # Slack sends "&" as "&amp;" and "<" typed by a person as "&lt;"
    assert user_text("R&amp;D &lt;3") == "R&amp;D &lt;3"
    assert user_text("R&D > 3") == "R&amp;D &gt; 3"


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


def test_cut_keeps_tokens_and_entities_whole() -> None:
    assert cut("thanks <@U0ANA|ana> for all", 12) == "thanks…"
    assert cut("a &amp; b", 4) == "a…"
    assert cut("short", 10) == "short"


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SLACKISH = st.lists(
    st.sampled_from([*"<>&!@#|^;: abcUSCW0123", "<!channel>", "<!here>", "&lt;"]),
    max_size=40,
).map("".join)


@given(SLACKISH)
def test_no_text_gets_a_special_mention_through(text: str) -> None:
    """Whatever a person types, the bot's post never carries a live <!…> (or any token but a
    person, a channel or a link)."""
    for safe in (user_text(text), user_text(escape(text)), escape(text)):
        assert "<!" not in safe
        for token in safe.split("<")[1:]:
            assert token.startswith(("@U", "@W", "#C", "#G", "http", "mailto")), safe


@given(SLACKISH, st.integers(min_value=2, max_value=80))
def test_cut_never_breaks_a_token_or_an_entity(text: str, limit: int) -> None:
    shortened = cut(user_text(text), limit)
    assert len(shortened) <= max(limit, 1)
    assert shortened.count("<") == shortened.count(">")
    tail = shortened.rsplit("&", 1)[-1] if "&" in shortened else ""
    assert not tail or ";" in tail or tail == "…"
