"""The one clock: ``tick(now)`` works out what is due and enqueues it, exactly once.

It keeps no state of its own: config + calendars + the database decide what is due, so a
``lantern worker`` running every minute and a one-off ``lantern tick --now …`` are the same
code path, and two workers on one PostgreSQL database still enqueue everything once (each
piece of scheduled work has a UNIQUE key in ``scheduled_runs``; each message one in the outbox).

Capabilities add a *planner*: a function that lists the work due in a window; the running
processes pass the list of planners (``bot/runtime/planners.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.infra.config import WorkspaceConfig
from bot.infra.db import insert_if_absent
from bot.infra.models import RunOutcome, ScheduledRun
from bot.infra.outbox.queue import Outgoing, enqueue
from bot.infra.sites import sync_sites

log = logging.getLogger(__name__)

LATE_LIMIT = timedelta(hours=12)  # missed work younger than this is still sent
LOOKBACK = timedelta(days=7)  # how far back planners look, so older misses get logged


Action = Callable[[Session, datetime], Sequence[Outgoing]]
"""Work a Planned item does in the tick's transaction when it is claimed (open a survey's
round): given the session and ``now``, it returns more messages to enqueue."""

Upkeep = Callable[[Session, WorkspaceConfig, str, datetime], Sequence[Outgoing]]
"""Work every tick does, whatever is due (close surveys whose time has come, however late):
given the session, config, team id and ``now``, it returns messages to enqueue. It must be
idempotent: two ticks may run it at once."""


@dataclass(frozen=True)
class Planned:
    """One piece of scheduled work: due at ``due_at``, done once under ``key``; ``run``, if
    any, is done then too, and its messages enqueued with ``messages``."""

    key: str
    due_at: datetime
    messages: tuple[Outgoing, ...]
    summary: str = ""
    run: Action | None = None


@dataclass(frozen=True)
class PlanWindow:
    """What a planner is given: the config and the window [start, end] to plan for."""

    config: WorkspaceConfig
    team_id: str
    session: Session | None
    start: datetime
    end: datetime


Planner = Callable[[PlanWindow], Iterable[Planned]]


@dataclass
class TickResult:
    """What one tick found: work due and not yet done, the messages it queued (a message
    already in the outbox is not listed again), and work skipped as due more than LATE_LIMIT
    before ``now``. A dry run fills ``due`` and ``skipped_late`` but leaves ``enqueued`` empty."""

    due: list[Planned] = field(default_factory=list)  # due now and not done before
    enqueued: list[Outgoing] = field(default_factory=list)
    skipped_late: list[Planned] = field(default_factory=list)


def plan(
    session: Session | None,
    config: WorkspaceConfig,
    team_id: str,
    start: datetime,
    end: datetime,
    planners: Iterable[Planner],
) -> list[Planned]:
    """Everything due in [start, end], sorted by due time; no writes. ``session`` may be
    None offline (``lantern preview``); planners that need the database then plan nothing.

    Args:
        start, end: aware datetimes (any zone; compared as instants), both ends included.
        planners: the capabilities' planners (``bot/runtime/planners.py``); what one yields
            outside the window is dropped.

    Returns:
        The Planned items, sorted by (due_at, key); done or not, the database is not asked.

    Raises:
        ValueError: ``start`` or ``end`` is naive.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("the clock needs aware datetimes")
    window = PlanWindow(config, team_id, session, start, end)
    items: list[Planned] = []
    for function in planners:
        items.extend(p for p in function(window) if start <= p.due_at <= end)
    items.sort(key=lambda p: (p.due_at, p.key))
    return items


def tick(
    session: Session,
    config: WorkspaceConfig,
    team_id: str,
    now: datetime,
    planners: Iterable[Planner],
    *,
    upkeep: Iterable[Upkeep] = (),
    dry_run: bool = False,
) -> TickResult:
    """Enqueue what is due at ``now`` and not done yet. The caller commits (or, for a dry
    run, may roll back: nothing is written then).

    Work due in the last LOOKBACK (7 days) is planned; what is more than LATE_LIMIT (12 hours)
    late is recorded as skipped and logged, not sent. Each piece is claimed once under its key
    in ``scheduled_runs``, so a second process or a second tick does not send it again.

    Args:
        now: an aware datetime; the end of the window.
        upkeep: chores every tick does after the planned work (``bot/runtime/planners.py``).
        dry_run: list what would happen without writing (no heartbeat, claims, outbox rows,
            site sync, actions or upkeep).

    Returns:
        The TickResult.

    Raises:
        ValueError: ``now`` is naive (from :func:`plan`).
    """
    result = TickResult()
    if not dry_run:
        _heartbeat(session, team_id, now)
    items = plan(session, config, team_id, now - LOOKBACK, now, planners)
    done = _done_keys(session, team_id, [p.key for p in items])
    for item in items:
        if item.key in done:
            continue
        late = now - item.due_at > LATE_LIMIT
        if late:
            result.skipped_late.append(item)
        else:
            result.due.append(item)
        if dry_run:
            continue
        if not _claim_run(
            session, team_id, item, now, RunOutcome.SKIPPED if late else RunOutcome.DONE
        ):
            continue  # another process got there first
        if late:
            log.warning(
                "skipped %s: due %s, more than %s ago",
                item.key,
                item.due_at.isoformat(),
                LATE_LIMIT,
            )
            continue
        messages = [*item.messages, *(item.run(session, now) if item.run else ())]
        for message in messages:
            if enqueue(session, team_id, message, now):
                result.enqueued.append(message)
    if not dry_run:
        sync_sites(session, team_id, config, now)
        for chore in upkeep:
            for message in chore(session, config, team_id, now):
                if enqueue(session, team_id, message, now):
                    result.enqueued.append(message)
    return result


HEARTBEAT = "clock:heartbeat"


def _heartbeat(session: Session, team_id: str, now: datetime) -> None:
    """Record that the clock ran; warn if it had stopped for longer than it looks back,
    since work older than LOOKBACK is not even planned, so it is skipped without a trace."""
    row = session.scalar(
        select(ScheduledRun).where(ScheduledRun.team_id == team_id, ScheduledRun.key == HEARTBEAT)
    )
    if row is None:
        values = {"team_id": team_id, "key": HEARTBEAT, "due_at": now, "ran_at": now}
        insert_if_absent(
            session, ScheduledRun, {**values, "outcome": RunOutcome.DONE}, ["team_id", "key"]
        )
        return
    if now - row.ran_at > LOOKBACK:
        log.warning(
            "the clock last ran at %s; work due before %s was skipped without being listed",
            row.ran_at.isoformat(),
            (now - LOOKBACK).isoformat(),
        )
    if now > row.ran_at:
        row.ran_at = now


def _done_keys(session: Session, team_id: str, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        found.update(
            session.scalars(
                select(ScheduledRun.key).where(
                    ScheduledRun.team_id == team_id, ScheduledRun.key.in_(keys[start : start + 500])
                )
            )
        )
    return found


def _claim_run(
    session: Session, team_id: str, item: Planned, now: datetime, outcome: RunOutcome
) -> bool:
    values = {
        "team_id": team_id,
        "key": item.key,
        "due_at": item.due_at,
        "ran_at": now,
        "outcome": outcome,
        "detail": item.summary or None,
    }
    return insert_if_absent(session, ScheduledRun, values, ["team_id", "key"]) is not None
