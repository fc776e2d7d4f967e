"""When the digest is due: ``[digest] weekday`` at ``[digest] time`` in the workspace
timezone, once per ISO week. The clock stores a job then; the worker runs it with Slack at
hand, since expanding the managers' user groups needs Slack (``handlers/digest.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.digest.compose import week_of
from bot.digest.service import FRESH_FOR, SEND_JOB
from bot.infra.clock import Planned, PlanWindow
from bot.infra.config import WEEKDAYS
from bot.infra.inbox import store_job
from bot.infra.outbox.queue import Outgoing


def due_times(window: PlanWindow) -> Iterator[datetime]:
    """Every digest instant in the window (aware, workspace timezone)."""
    config = window.config
    zone = config.workspace.tz
    weekday = WEEKDAYS.index(config.digest.weekday)
    day = window.start.astimezone(zone).date() - timedelta(days=1)
    last = window.end.astimezone(zone).date() + timedelta(days=1)
    day += timedelta(days=(weekday - day.weekday()) % 7)
    while day <= last:
        due = datetime.combine(day, config.digest.time, tzinfo=zone)
        if window.start <= due <= window.end:
            yield due
        day += timedelta(weeks=1)


def plan_digest(window: PlanWindow) -> Iterator[Planned]:
    """The week's digest when due, keyed ``digest:<ISO week>``; nothing without managers.

    Yields:
        One Planned per due time in the window; when claimed it stores the ``digest.send``
        job (payload: the week and the instant its figures run up to).
    """
    if not window.config.workspace.managers:
        return
    team_id = window.team_id
    for due in due_times(window):
        week = week_of(window.config, due)

        def store(
            session: Session, now: datetime, week: str = week, due: datetime = due
        ) -> list[Outgoing]:
            payload = {"week": week, "at": due.isoformat()}
            ttl = max(due + FRESH_FOR - now, timedelta(minutes=1))
            store_job(session, team_id, f"digest:{week}", SEND_JOB, payload, now, ttl)
            return []

        yield Planned(f"digest:{week}", due, (), f"weekly digest {week}", run=store)
