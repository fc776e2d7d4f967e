"""App Home pieces with explicit times."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.home.queries import month_start


def test_this_month_follows_the_persons_own_calendar() -> None:
    now = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)  # 1 July in UTC and Manila, 30 June in Chicago
    assert month_start(now, ZoneInfo("America/Chicago")) == datetime(
        2026, 6, 1, tzinfo=ZoneInfo("America/Chicago")
    )
    assert month_start(now, ZoneInfo("Asia/Manila")) == datetime(
        2026, 7, 1, tzinfo=ZoneInfo("Asia/Manila")
    )
