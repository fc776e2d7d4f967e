"""The iCalendar feed: valid RFC 5545 that real calendar software parses."""

from __future__ import annotations

from datetime import UTC, date, datetime

import icalendar

from bot.config import WorkspaceConfig
from calendars.ics import escape_text, feed_token, fold, render_ics, token_matches

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def events(text: str) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(text)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_feed_parses_with_one_event_per_milestone(config: WorkspaceConfig) -> None:
    text = render_ics(config, date(2026, 6, 1), date(2026, 6, 30), NOW)
    found = events(text)
    event = found["20260612-independence-day@lantern"]
    assert event.decoded("DTSTART") == date(2026, 6, 12)
    assert event.decoded("DTEND") == date(2026, 6, 13)  # all-day: end is exclusive
    summary = str(event["SUMMARY"])
    assert "Independence Day" in summary and "Manila" in summary and "Cebu" in summary
    assert "expect reduced coverage" in str(event["DESCRIPTION"])
    assert len(found) == text.count("BEGIN:VEVENT")


def test_multi_day_milestones_span_their_days(config: WorkspaceConfig) -> None:
    found = events(render_ics(config, date(2026, 2, 1), date(2026, 2, 28), NOW))
    carnival = found["20260216-carnival@lantern"]
    assert carnival.decoded("DTEND") == date(2026, 2, 18)
    week = events(render_ics(config, date(2026, 10, 1), date(2026, 10, 31), NOW))
    assert week["20261005-company-cultural-connection-week@lantern"].decoded("DTEND") == date(
        2026, 10, 10
    )


def test_lines_are_crlf_and_folded_to_75_octets(config: WorkspaceConfig) -> None:
    text = render_ics(config, date(2026, 1, 1), date(2026, 12, 31), NOW)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert max(len(line.encode()) for line in text.split("\r\n")) <= 75


def test_fold_never_splits_a_character() -> None:
    line = "SUMMARY:" + "🇵🇭 Manila, " * 20
    folded = fold(line)
    assert folded.replace("\r\n ", "") == line
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))


def test_text_escaping() -> None:
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_token_is_derived_from_the_secret() -> None:
    token = feed_token("s3cret")
    assert token_matches("s3cret", token)
    assert not token_matches("other", token)
    assert not token_matches("s3cret", None) and not token_matches("s3cret", "")
