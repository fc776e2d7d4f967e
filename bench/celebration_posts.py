"""How many posts the celebrations channel gets in a year, before and after "quiet by default".

Run: `.venv/bin/python bench/celebration_posts.py [--year 2027] [CONFIG …]` (default: the
example config and examples/thirty_sites.toml). Prints figures; asserts nothing.

- *one per milestone* is the earlier rule: a post per milestone and offset (`days_before` and
  the day itself), each shared by the sites that keep it.
- *one a day* is the rule now (issue 10): everything due on a day in one post, heads-ups only
  for notable milestones (`[reminders] heads_ups = "notable"`).
For each, the posts in the year, the days with a post, and the most posts on one day.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.infra.calendar import calendar_for
from bot.infra.clock import PlanWindow
from bot.infra.config import WorkspaceConfig, load_workspace_config
from bot.reminders.planner import offsets, plan_reminders, post_time_at
from calendars.occasions import by_milestone

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIGS = [ROOT / "examples" / "lantern.toml", ROOT / "examples" / "thirty_sites.toml"]


def one_per_milestone(config: WorkspaceConfig, year: int) -> Counter[date]:
    """Posts per UTC day under the earlier rule: one per milestone and offset."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    steps = offsets(config)
    occasions = calendar_for(config).occasions(start, end + timedelta(days=max(steps)))
    days: Counter[date] = Counter()
    for group in by_milestone(occasions):
        for n in steps:
            due = min(post_time_at(o.site, config, o.first_day - timedelta(days=n)) for o in group)
            if due.year == year:
                days[due.date()] += 1
    return days


def one_a_day(config: WorkspaceConfig, year: int) -> Counter[date]:
    """Posts per UTC day of the celebrations channel as the planner makes them now."""
    window = PlanWindow(
        config,
        "T0BENCH",
        None,
        datetime.combine(date(year, 1, 1), time(0), tzinfo=UTC),
        datetime.combine(date(year, 12, 31), time(23, 59), tzinfo=UTC),
    )
    days: Counter[date] = Counter()
    for planned in plan_reminders(window):
        if planned.key.startswith("celebrations:"):
            days[planned.due_at.astimezone(UTC).date()] += 1
    return days


def line(label: str, days: Counter[date]) -> str:
    most = max(days.values(), default=0)
    return (
        f"  {label:<28} {sum(days.values()):>5} posts on {len(days):>3} days, at most {most} a day"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="*", type=Path, default=DEFAULT_CONFIGS)
    parser.add_argument("--year", type=int, default=2027)
    args = parser.parse_args()
    for path in args.configs:
        config = load_workspace_config(path)
        print(f"{path.name}: {len(config.sites)} sites, {args.year}, days_before {offsets(config)}")
        print(line("one per milestone (before)", one_per_milestone(config, args.year)))
        print(line("one a day (now)", one_a_day(config, args.year)))
        every = replace(config, reminders=replace(config.reminders, heads_ups="all"))
        print(line('one a day, heads_ups "all"', one_a_day(every, args.year)))
        weekly = replace(config, reminders=replace(config.reminders, look_ahead="mon"))
        print(line('one a day + look-ahead "mon"', one_a_day(weekly, args.year)))


if __name__ == "__main__":
    main()
