"""What a person's App Home shows: admins also see the sites whose holiday data runs out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.home.render import home_view
from bot.home.service import figures
from bot.infra.context import AppContext
from calendars.coverage import holiday_count


def test_admins_see_a_site_whose_holiday_data_runs_out(ctx: AppContext) -> None:
    colombo = replace(ctx.config.sites[1], key="colombo", name="Colombo", country="LK")
    colombo = replace(colombo, subdivision=None, language=None, channel="C0COLOMBO")
    ctx.config = replace(ctx.config, sites=(*ctx.config.sites, colombo))
    year = next(y for y in range(2026, 2126) if holiday_count(colombo, y) == 0)
    now = datetime(year - 1, 6, 11, 9, 0, tzinfo=UTC)  # next year, Colombo has no holidays
    admin = figures(ctx, "T0TEST", "U0ADMIN", now, is_admin=True)
    (warning,) = admin.calendar_warnings
    assert "Colombo" in warning and f"no holidays in {year}" in warning
    texts = [b["text"]["text"] for b in home_view(ctx.config, admin, now)["blocks"] if "text" in b]
    assert any("Calendar data" in t and "Colombo" in t for t in texts)
    agent = figures(ctx, "T0TEST", "U0AGENT", now, is_admin=False)
    assert agent.calendar_warnings == ()
