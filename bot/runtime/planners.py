"""The planners and upkeep the clock runs, one per capability that schedules work."""

from __future__ import annotations

from bot.digest.planner import plan_digest
from bot.infra.clock import Planner, Upkeep
from bot.pulse.planner import close_rounds, plan_pulse
from bot.reminders.planner import plan_reminders

PLANNERS: list[Planner] = [plan_reminders, plan_pulse, plan_digest]
UPKEEP: list[Upkeep] = [close_rounds]
