"""How long the clock takes to plan reminders (and, for information, everything else it
plans: pulse rounds) for 60 sites over 2 years of calendars.

Run: `make bench` or `.venv/bin/python bench/tick_plan.py`. Prints figures; asserts nothing.
Target (issue 4): planning under 1 s on the project's 2-core machine.
"""

from __future__ import annotations

import gc
import logging
import sys
import tempfile
import time
from collections.abc import Callable, Sized
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.infra.calendar import calendar_for
from bot.infra.clock import plan, tick
from bot.infra.config import parse_workspace_config
from bot.infra.db import make_engine, make_session_factory
from bot.infra.migrate import upgrade
from bot.infra.outbox.queue import Outgoing
from bot.reminders.planner import plan_reminders
from bot.runtime.planners import PLANNERS
from calendars import holiday_days as holiday_days_module

COUNTRIES = [
    ("PH", "Asia/Manila"),
    ("IN", "Asia/Kolkata"),
    ("CO", "America/Bogota"),
    ("MX", "America/Mexico_City"),
    ("BR", "America/Sao_Paulo"),
    ("DO", "America/Santo_Domingo"),
    ("JM", "America/Jamaica"),
    ("GT", "America/Guatemala"),
    ("SV", "America/El_Salvador"),
    ("HN", "America/Tegucigalpa"),
    ("CR", "America/Costa_Rica"),
    ("ZA", "Africa/Johannesburg"),
    ("EG", "Africa/Cairo"),
    ("KE", "Africa/Nairobi"),
    ("PL", "Europe/Warsaw"),
    ("RO", "Europe/Bucharest"),
    ("PT", "Europe/Lisbon"),
    ("MA", "Africa/Casablanca"),
    ("US", "America/Chicago"),
    ("GB", "Europe/London"),
    ("CA", "America/Toronto"),
]


def sixty_sites() -> str:
    parts = [
        '[workspace]\ntimezone = "America/Chicago"\ncelebrations_channel = "C0CELEBRATE"\n'
        'feed_channel = "C0KUDOS"\n[reminders]\ndays_before = [7, 1]\n'
        '[[milestones]]\nname = "Culture Week"\ndate = "10-05"\ndays = 5\n'
    ]
    for index in range(60):
        country, timezone = COUNTRIES[index % len(COUNTRIES)]
        categories = '["public", "optional"]' if country in ("BR", "IN") else '["public"]'
        parts.append(
            f'[[sites]]\nkey = "site{index:02d}"\nname = "Site {index}"\ncountry = "{country}"\n'
            f'timezone = "{timezone}"\nkind = "bpo"\nchannel = "C0SITE{index:02d}"\n'
            f"categories = {categories}\n"
        )
    return "\n".join(parts)


def clear_caches() -> None:
    holiday_days_module.holiday_days.cache_clear()
    holiday_days_module._named_days.cache_clear()
    calendar_for.cache_clear()


def timed(label: str, function: Callable[[], Sized], repeat: int = 1) -> float:
    """Run ``function`` ``repeat`` times; print the best time (ms) and its result's size."""
    gc.collect()
    best = float("inf")
    count = 0
    for _ in range(repeat):
        started = time.perf_counter()
        count = len(function())
        best = min(best, time.perf_counter() - started)
    print(f"{label:<62} {best * 1000:9.1f} ms   ({count} items)")
    return best


def main() -> None:
    logging.disable(logging.WARNING)  # the first tick logs what it skips as too late
    config = parse_workspace_config(sixty_sites(), "bench")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=730)
    now = datetime(2026, 6, 11, 12, 0, tzinfo=UTC)
    print(f"60 sites in {len(COUNTRIES)} countries; Python {sys.version.split()[0]}")

    clear_caches()
    cold = timed(
        "plan 2 years of reminders, cold (holidays objects built)",
        lambda: plan(None, config, "T", start, end, [plan_reminders]),
    )
    clear_caches()
    timed(
        "plan 2 years of everything (reminders, pulse rounds), cold",
        lambda: plan(None, config, "T", start, end, PLANNERS),
    )
    timed(
        "plan 2 years, warm (cached per site and year)",
        lambda: plan(None, config, "T", start, end, PLANNERS),
        3,
    )
    clear_caches()
    timed(
        "one tick's window (7 days back), cold",
        lambda: plan(None, config, "T", now - timedelta(days=7), now, PLANNERS),
    )
    timed(
        "one tick's window (7 days back), warm",
        lambda: plan(None, config, "T", now - timedelta(days=7), now, PLANNERS),
        5,
    )

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)

        def full_tick() -> list[Outgoing]:
            with factory.begin() as session:
                return tick(session, config, "T", now, PLANNERS).enqueued

        timed("full tick with SQLite writes (first: enqueues what is due)", full_tick)
        timed("full tick again (nothing new: all keys already done)", full_tick, 3)
        engine.dispose()
    verdict = "meets" if cold < 1.0 else "MISSES"
    print(f"target: cold 2-year planning of reminders under 1 s — {verdict} ({cold:.3f} s)")


if __name__ == "__main__":
    main()
