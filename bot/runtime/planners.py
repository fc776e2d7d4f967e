"""The planners the clock runs, one per capability that schedules work."""

from __future__ import annotations

from bot.infra.clock import Planner
from bot.reminders.planner import plan_reminders

PLANNERS: list[Planner] = [plan_reminders]
