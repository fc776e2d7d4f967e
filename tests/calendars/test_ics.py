"""The iCalendar feed: valid RFC 5545 that real calendar software parses."""

from __future__ import annotations

from datetime import UTC, date, datetime

import icalendar

from bot.infra.calendar import calendar_for
from bot.infra.config import WorkspaceConfig
from calendars.ics import feed_token, render_ics, token_matches

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def events(text: str) -> dict[str, icalendar.Component]:
    calendar = icalendar.Calendar.from_ical(text)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_feed_parses_with_one_event_per_milestone(config: WorkspaceConfig) -> None:
    text = render_ics(calendar_for(config), date(2026, 6, 1), date(2026, 6, 30), NOW)
    found = events(text)
    event = found["20260612-independence-day-ph@lantern"]
    assert event.decoded("DTSTART") == date(2026, 6, 12)
    assert event.decoded("DTEND") == date(2026, 6, 13)  # all-day: end is exclusive
    summary = str(event["SUMMARY"])
    assert "Independence Day" in summary and "Manila" in summary and "Cebu" in summary
    assert "expect reduced coverage" in str(event["DESCRIPTION"])
    assert len(found) == text.count("BEGIN:VEVENT")


def test_multi_day_milestones_span_their_days(config: WorkspaceConfig) -> None:
    found = events(render_ics(calendar_for(config), date(2026, 2, 1), date(2026, 2, 28), NOW))
    carnival = found["20260216-carnival-br@lantern"]
    assert carnival.decoded("DTEND") == date(2026, 2, 18)
    week = events(render_ics(calendar_for(config), date(2026, 10, 1), date(2026, 10, 31), NOW))
    assert week["20261005-company-cultural-connection-week@lantern"].decoded("DTEND") == date(
        2026, 10, 10
    )


def test_lines_are_crlf_and_folded_to_75_octets(config: WorkspaceConfig) -> None:
    text = render_ics(calendar_for(config), date(2026, 1, 1), date(2026, 12, 31), NOW)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert max(len(line.encode()) for line in text.split("\r\n")) <= 75


def test_long_lines_fold_without_splitting_a_character(config: WorkspaceConfig) -> None:
    """Flags and accented names in a long SUMMARY survive folding whole (RFC 5545 3.1)."""
    text = render_ics(calendar_for(config), date(2026, 1, 1), date(2026, 12, 31), NOW)
    raw = text.encode()
    assert raw.decode() == text  # every physical line is valid UTF-8 on its own too
    for line in raw.split(b"\r\n"):
        line.decode()
    unfolded = text.replace("\r\n ", "")
    assert any(len(line.encode()) > 75 for line in unfolded.split("\r\n"))


def test_text_is_escaped_per_rfc_5545(config: WorkspaceConfig) -> None:
    text = render_ics(calendar_for(config), date(2026, 6, 1), date(2026, 6, 30), NOW)
    lines = text.replace("\r\n ", "").split("\r\n")
    summary = next(line for line in lines if line.startswith("SUMMARY:Independence Day"))
    assert "\\," in summary  # "Manila, Cebu": the comma is escaped
    event = lines[: lines.index(summary)]
    start = len(event) - 1 - event[::-1].index("BEGIN:VEVENT")
    body = lines[start : lines.index("END:VEVENT", start)]
    description = next(line for line in body if line.startswith("DESCRIPTION:"))
    assert "\\n" in description  # the explainer's lines are joined by an escaped newline


def test_token_is_derived_from_the_secret() -> None:
    token = feed_token("s3cret")
    assert token_matches("s3cret", token)
    assert not token_matches("other", token)
    assert not token_matches("s3cret", None) and not token_matches("s3cret", "")
