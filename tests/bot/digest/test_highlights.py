"""The calendar's highlights: a day off asks for cover, a festival without one for a word;
nothing that began today (it is under way at some site already)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.digest.compose import compose
from bot.infra.config import WorkspaceConfig
from tests.bot.digest.seeding import TEAM


def calendar_highlights(
    session_factory: sessionmaker[Session], config: WorkspaceConfig, at: datetime
) -> list[tuple[str, str]]:
    with session_factory() as session:
        figures = compose(session, config, TEAM, at)
    return [(h.text, h.action) for h in figures.highlights if h.rule == "days_off"]


def test_a_day_off_asks_for_cover_and_today_is_left_out(
    session_factory: sessionmaker[Session], config: WorkspaceConfig
) -> None:
    # Mon 30 Nov 2026: Bonifacio Day in Manila and Cebu is today, so not a highlight;
    # Tue 8 Dec (Immaculate Conception: Manila, Cebu, Bogotá off) is
    found = calendar_highlights(session_factory, config, datetime(2026, 11, 30, 14, tzinfo=UTC))
    assert not any("Bonifacio" in text for text, _ in found)
    text, action = found[0]
    assert text.startswith("Tue 08 Dec:") and "Immaculate Conception" in text
    assert "expect reduced coverage" in action and action.endswith("wish the site well on the day.")


def test_a_festival_kept_at_two_sites_without_a_day_off_asks_for_a_word(
    session_factory: sessionmaker[Session], config: WorkspaceConfig
) -> None:
    # Sinulog (third Sunday of January) at Manila and Cebu is no day off
    found = calendar_highlights(session_factory, config, datetime(2027, 1, 11, 14, tzinfo=UTC))
    (sinulog,) = [(t, a) for t, a in found if "Sinulog" in t]
    assert sinulog[0].startswith("Sun 17 Jan:")
    assert sinulog[1].startswith("Wish them well on the day") and "cover" not in sinulog[1]
