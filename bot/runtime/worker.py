"""Running the clock: one tick (``lantern tick``) or every minute (``lantern worker``)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.infra.calendar import data_warnings
from bot.infra.clock import TickResult, tick
from bot.infra.config import Settings, WorkspaceConfig
from bot.infra.context import AppContext
from bot.infra.models import Site
from bot.infra.outbox.delivery import DeliveryReport
from bot.membership.service import sync_due
from bot.runtime.planners import PLANNERS, UPKEEP

log = logging.getLogger(__name__)

TICK_DELIVERY_TIMEOUT = 60.0  # how long `lantern tick` waits out retries before exiting
JOB_BATCH = 50  # stored requests claimed at a time
BACKGROUND_NICENESS = 10  # how far `lantern worker` and `lantern tick` step back for requests


def yield_cpu_to_requests() -> None:
    """Lower this process's CPU priority (``nice`` +10). A worker delivering a fan-out on the
    machine that runs ``lantern serve`` then takes only the CPU the web process leaves, so
    Slack's acks stay fast (bench/ack_latency.py --fan-out); with the CPU to itself it runs
    at full speed. Where the OS refuses, nothing changes."""
    try:
        os.nice(BACKGROUND_NICENESS)
    except (AttributeError, OSError) as exc:  # no os.nice (Windows), or not allowed
        log.debug("could not lower the CPU priority: %s", exc)


class TeamUnknown(Exception):
    """Neither Slack (auth.test) nor the database can say which workspace this process serves."""


def resolve_team_id(ctx: AppContext, *, allow_offline: bool) -> str:
    """The Slack team id (T…) to work for.

    Asks Slack (auth.test); if there is no bot token or Slack cannot be reached, uses the one
    team already on record in ``sites``.

    Args:
        allow_offline: with no answer and no single team on record, return ``"-"`` instead of
            raising (a dry run plans without the database's per-team state).

    Raises:
        TeamUnknown: no answer from Slack and not exactly one team on record.
    """
    if ctx.settings.slack_bot_token:
        try:
            return ctx.team_id()
        except (SlackApiError, OSError) as exc:
            log.warning("auth.test failed (%s); using the team on record", exc)
    with ctx.session_factory() as session:
        teams = set(session.scalars(select(Site.team_id).distinct()))
    if len(teams) == 1:
        return teams.pop()
    if allow_offline:
        return "-"
    raise TeamUnknown("cannot tell which Slack workspace this is: auth.test failed")


def tick_once(
    ctx: AppContext, now: datetime, *, dry_run: bool = False, team_id: str | None = None
) -> TickResult:
    """Plan and enqueue (or, dry, only plan) the work due at ``now``; when not dry, also sync
    memberships that are due, run stored requests a web process left unfinished, and purge
    finished ones older than 3 days, each in a transaction of its own.

    Args:
        now: an aware datetime.
        team_id: the Slack team id; None to ask :func:`resolve_team_id`.

    Returns:
        The clock's TickResult; nothing is delivered here (see ``ctx.deliverer``).

    Raises:
        TeamUnknown: ``team_id`` not given and the team cannot be told (not in a dry run).
        ValueError: ``now`` is naive.
    """
    team_id = team_id or resolve_team_id(ctx, allow_offline=dry_run)
    with ctx.session_factory() as session:
        result = tick(session, ctx.config, team_id, now, PLANNERS, upkeep=UPKEEP, dry_run=dry_run)
        if dry_run:
            session.rollback()
            return result
        session.commit()
    sync_due(ctx, team_id, now)
    ran = 0  # stored requests no web process finished (a stop, a crash): all that are due
    while (batch := ctx.run_jobs(limit=JOB_BATCH)) > 0:
        ran += batch
        if batch < JOB_BATCH:
            break
    if ran:
        log.info("ran %d stored request(s) left by a web process", ran)
    with ctx.session_factory.begin() as session:
        ctx.inbox.purge(session, now)
    return result


def clock_from(start: datetime) -> Callable[[], datetime]:
    """A clock that reads ``start`` (aware) at first and moves on with real time."""
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


def context_for(settings: Settings, config: WorkspaceConfig) -> AppContext:
    """The AppContext of a worker or a tick, able to run every kind of stored job."""
    import handlers

    ctx = AppContext.create(settings, config)
    ctx.job_runners = handlers.job_runners()
    return ctx


def print_result(result: TickResult, report: DeliveryReport | None, dry_run: bool) -> None:
    """Tell the operator of ``lantern tick`` what was (or would be) sent on standard output,
    and what failed or is still pending on standard error."""
    verb = "would send" if dry_run else "enqueued"
    messages = [m for item in result.due for m in item.messages] if dry_run else result.enqueued
    for message in messages:
        print(f"{verb}: {message.describe()}")
    runs = [item for item in result.due if item.run is not None]
    for item in runs:  # work done in the tick, e.g. the digest's job stored for the worker
        print(f"{'would run' if dry_run else 'ran'}: {item.summary or item.key} [{item.key}]")
    for item in result.skipped_late:
        print(f"skipped (more than 12 hours late): {item.key} due {item.due_at.isoformat()}")
    if not messages and not runs:
        print("nothing due")
    if report is not None:
        for key, reason in report.failed:
            print(f"failed: {key}: {reason}", file=sys.stderr)
        for key, reason in report.retrying:
            print(f"still pending (will retry): {key}: {reason}", file=sys.stderr)
        print(
            f"delivered {len(report.sent)}, failed {len(report.failed)}, "
            f"pending {len(report.retrying)}"
        )


def run_tick(settings: Settings, config: WorkspaceConfig, now: datetime, *, dry_run: bool) -> int:
    """``lantern tick``: one tick at the aware ``now``, then delivery of what is queued for up
    to TICK_DELIVERY_TIMEOUT (60 s) of retries, and a printed summary.

    Returns:
        The exit status: 0, also when some messages failed (they are printed and stay in the
        outbox).

    Raises:
        TeamUnknown: the workspace cannot be told (see :func:`resolve_team_id`).
    """
    yield_cpu_to_requests()
    ctx = context_for(settings, config)
    ctx.clock = clock_from(now)  # the tick runs as if at --now: expiry and retries follow it
    try:
        result = tick_once(ctx, now, dry_run=dry_run)
        report = (
            None if dry_run else ctx.deliverer.deliver_until_done(timeout=TICK_DELIVERY_TIMEOUT)
        )
        print_result(result, report, dry_run)
    finally:
        ctx.close()
    return 0


def run_worker(settings: Settings, config: WorkspaceConfig, *, interval: int = 60) -> int:
    """``lantern worker``: tick and deliver every ``interval`` seconds until SIGTERM or Ctrl-C.

    APScheduler runs one interval job; all state is in the database, so several workers
    may run at once and still send everything once. A failed tick is logged and the next one
    tries again; each tick's delivery stops after 3/4 of the interval.

    Returns:
        The exit status, 0 once stopped.
    """
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    yield_cpu_to_requests()
    ctx = context_for(settings, config)
    scheduler = BlockingScheduler(timezone=UTC)

    def job() -> None:
        try:
            result = tick_once(ctx, datetime.now(UTC))
            if result.enqueued:
                log.info("enqueued %d message(s)", len(result.enqueued))
            report = ctx.deliverer.deliver_until_done(timeout=interval * 0.75)
            if report.sent or report.failed:
                log.info("delivered %d, failed %d", len(report.sent), len(report.failed))
        except Exception:  # the next tick tries again; a worker never dies of one bad minute
            log.exception("tick failed")

    def stop(signum: int, _frame: Any) -> None:
        log.info("signal %d: stopping the worker", signum)
        ctx.deliverer.stop()  # the batch under way goes back to the outbox for the next one
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    scheduler.add_job(
        job,
        IntervalTrigger(seconds=interval),
        id="tick",
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
        misfire_grace_time=interval,
    )
    log.info("worker started: ticking every %ds", interval)
    for warning in data_warnings(config, datetime.now(config.workspace.tz).date()):
        log.warning("calendar data: %s", warning)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        ctx.close()
    return 0
