"""The ``lantern`` command line (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, NoReturn

from bot import __version__
from bot.infra.config import (
    ConfigError,
    Settings,
    SettingsError,
    WorkspaceConfig,
    load_settings,
)
from bot.runtime.configured import load_config

log = logging.getLogger("lantern")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# how far ahead of the real clock a real `tick --now` may run (operators' clocks and a
# lease's take-over, minutes ahead, are fine; hours ahead would expire live work)
TICK_AHEAD_LIMIT = timedelta(minutes=10)


class CommandError(Exception):
    """A problem to report to the operator in one line, without a traceback."""


# --------------------------------------------------------------------------- helpers


def _config(settings: Settings) -> WorkspaceConfig:
    return load_config(settings.config_path)


def _parse_instant(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO 8601 date-time like 2026-06-11T01:00:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{value!r} has no UTC offset; give one, e.g. 2026-06-12T09:00:00+08:00 or "
            "2026-06-12T01:00:00Z"
        )
    return parsed


QUIET_LOGGERS = ("slack_sdk", "slack_bolt", "urllib3")
YEARS = (1950, 2150)  # calendar dates the holidays package and date arithmetic handle
MAX_DAYS = 3660  # --days: ten years


def _parse_date(value: str) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-06-01") from None
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise argparse.ArgumentTypeError(f"{value!r}: give a date from {YEARS[0]} to {YEARS[1]}")
    return day


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive whole number")
    return int(value)


def _days(value: str) -> int:
    days = _positive(value)
    if days > MAX_DAYS:
        raise argparse.ArgumentTypeError(f"{value!r}: at most {MAX_DAYS} days (ten years)")
    return days


def _year(value: str) -> int:
    year = _positive(value)
    if not YEARS[0] <= year <= YEARS[1]:
        raise argparse.ArgumentTypeError(f"{value!r}: give a year from {YEARS[0]} to {YEARS[1]}")
    return year


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    from bot.infra.db import normalize_url

    try:
        return make_url(normalize_url(url)).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable DATABASE_URL>"


# --------------------------------------------------------------------------- commands


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    """Create or upgrade the database schema (safe to run again)."""
    from bot.infra.db import make_engine
    from bot.infra.migrate import upgrade_engine

    engine = make_engine(settings.database_url)
    try:
        before, after = upgrade_engine(engine)
    finally:
        engine.dispose()
    where = _safe_url(settings.database_url)
    if before == after:
        print(f"{where}: already at revision {after} (latest); nothing to do")
    else:
        print(f"{where}: upgraded from {before or 'empty'} to revision {after}")
    return EXIT_OK


def cmd_check_config(settings: Settings, args: argparse.Namespace) -> int:
    """Validate lantern.toml and list every problem."""
    try:
        config = _config(settings)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(
            f"{settings.config_path}: {count} problem{'s' if count != 1 else ''} found",
            file=sys.stderr,
        )
        return EXIT_FAILED
    from bot.infra.calendar import data_warnings, estimated_warnings

    today = datetime.now(config.workspace.tz).date()
    for warning in estimated_warnings(config, today):
        print(f"warning: {warning}")
    for warning in data_warnings(config, today):
        print(f"warning: {config.source}: {warning}")
    sites = ", ".join(f"{s.key} ({s.country}, {s.timezone})" for s in config.sites)
    print(f"{settings.config_path}: OK — {len(config.sites)} sites: {sites}")
    milestones = len(config.milestones)
    print(f"{milestones} company milestones; workspace timezone {config.workspace.timezone}")
    return EXIT_OK


def cmd_preview(settings: Settings, args: argparse.Namespace) -> int:
    """Print the coming milestones and the messages lantern would post; needs no Slack."""
    from bot.runtime.preview import render_preview

    config = _config(settings)
    start = args.from_date or datetime.now(config.workspace.tz).date()
    print(render_preview(config, start, args.days))
    return EXIT_OK


def _print_coverage(settings: Settings, args: argparse.Namespace) -> int:
    """``lantern calendar --coverage``: explainer coverage per site (or per ``--country``)."""
    import holidays

    from bot.infra.calendar import calendar_for
    from calendars.countries import flag
    from calendars.coverage import explainer_coverage
    from calendars.occasions import Calendar, CountrySite

    year = args.year or datetime.now(UTC).year
    if args.country:
        known = set(holidays.list_supported_countries())
        unknown = [c for c in args.country if c.upper() not in known]
        if unknown:
            raise CommandError(f"--country: not a country the holidays package knows: {unknown}")
        sites = [CountrySite(c.lower(), c.upper(), c.upper()) for c in args.country]
        rows = explainer_coverage(Calendar(sites), year)
    else:
        rows = explainer_coverage(calendar_for(_config(settings)), year)
    print(f"Explainer coverage of {year}'s public-holiday milestones")
    for row in rows:
        if not row.milestones:
            print(f"  {flag(row.country)} {row.site:<24} no public holidays in the data for {year}")
            continue
        print(
            f"  {flag(row.country)} {row.site:<24} {row.explained:>3} of {row.milestones:<3}"
            f" {row.share:>5.0%}" + (f"   missing: {', '.join(row.missing)}" if row.missing else "")
        )
    explained = sum(r.explained for r in rows)
    total = sum(r.milestones for r in rows)
    share = f"{explained / total:.0%}" if total else "no data"
    print(f"  all {explained} of {total} ({share})")
    return EXIT_OK


def cmd_calendar(settings: Settings, args: argparse.Namespace) -> int:
    """Write an iCalendar feed of every site's milestones (also at GET /calendar.ics)."""
    from bot.infra.calendar import calendar_for
    from calendars.ics import FEED_DAYS_AHEAD, feed_range, feed_token, render_ics

    if args.token:
        settings.require("LANTERN_SECRET")
        token = feed_token(settings.lantern_secret or "")
        print(f"/calendar.ics?token={token}")
        return EXIT_OK
    if args.coverage:
        if args.ics or args.token or args.out or args.from_date or args.days:
            raise CommandError("--coverage is a report of its own: run it without --ics/--token")
        return _print_coverage(settings, args)
    if args.year or args.country:
        raise CommandError("--year and --country go with --coverage")
    if not args.ics:
        raise CommandError(
            "say which: `lantern calendar --ics`, --token for the feed URL, or --coverage"
        )
    config = _config(settings)
    now = datetime.now(UTC)
    start, end = feed_range(now.astimezone(config.workspace.tz).date())
    if args.from_date:
        start = args.from_date
        end = start + timedelta(days=(args.days or FEED_DAYS_AHEAD) - 1)
    elif args.days:
        end = start + timedelta(days=args.days - 1)
    text = render_ics(calendar_for(config), start, end, now)
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        print(f"wrote {args.out} ({text.count('BEGIN:VEVENT')} events, {start} to {end})")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Export data for admins: `lantern export kudos|pulse [--since DATE] [--format csv|json]`."""
    from bot.infra.db import make_engine, make_session_factory
    from bot.kudos import export as kudos_export
    from bot.pulse import export as pulse_export

    config = _config(settings)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            if args.what == "pulse":
                team = args.team or _only_team(session)
                rows = pulse_export.pulse_rows(session, config, team, args.since)
                as_json, as_csv = pulse_export.as_json, pulse_export.as_csv
            else:
                since = None
                if args.since:
                    since = datetime.combine(args.since, datetime.min.time(), config.workspace.tz)
                rows = kudos_export.kudos_rows(session, config, since)
                as_json, as_csv = kudos_export.as_json, kudos_export.as_csv
    finally:
        engine.dispose()
    sys.stdout.write(as_json(rows) if args.format == "json" else as_csv(rows))
    return EXIT_OK


def cmd_digest(settings: Settings, args: argparse.Namespace) -> int:
    """Render a manager digest as text plus its chart PNG, without Slack (`--preview`)."""
    from pathlib import Path

    from bot.digest import chart, render
    from bot.digest.compose import compose
    from bot.infra.db import make_engine, make_session_factory

    if not args.preview:
        print(
            "lantern: digest only previews: add --preview (the worker sends the digest at "
            "[digest] weekday/time)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    config = _config(settings)
    note = _manager_note(config.workspace.managers, args.manager)
    at = args.at or datetime.now(UTC)
    if not 1971 <= at.astimezone(UTC).year <= 2199:
        raise CommandError(f"--at {at.isoformat()}: give an instant between 1971 and 2199")
    out = Path(args.out or ".")
    if not out.is_dir():
        raise CommandError(f"--out {out}: no such directory")
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            team = _digest_team(session, args.team)
            figures = compose(session, config, team, at)
    finally:
        engine.dispose()
    path = out / f"lantern-digest-{figures.week}.png"
    try:
        path.write_bytes(chart.render(figures))
    except OSError as exc:
        raise CommandError(f"--out {out}: cannot write the chart there ({exc.strerror})") from None
    if note:
        print(note)
    print("\n".join(render.text_lines(figures)))
    print(f"\nchart: {path}\nalt text: {chart.alt_text(figures)}")
    return EXIT_OK


def _manager_note(managers: Sequence[str], manager: str | None) -> str:
    """The preview's first line for ``--manager``; CommandError when it cannot be one."""
    from bot.infra.config import USER_ID, USERGROUP_ID

    if not managers:
        return "No [workspace] managers in the config: this digest is prepared for nobody"
    if manager is None:
        return ""
    if not USER_ID.match(manager):
        raise CommandError(f"--manager {manager!r}: give a Slack user id, like U0MGR")
    if manager in managers:
        return f"Digest for {manager} (every manager gets the same figures)"
    if any(USERGROUP_ID.match(m) for m in managers):
        return (
            f"Digest for {manager}: not named in [workspace] managers; they get it only if "
            "they are in one of its user groups (not checked without Slack)"
        )
    raise CommandError(f"{manager} is not one of [workspace] managers in the config")


def _digest_team(session: Any, team: str | None) -> str:
    """The team to preview: ``team`` when the database holds anything of it, else the one
    team it holds ("" when empty)."""
    teams = _teams(session)
    if team is None:
        if len(teams) > 1:
            raise CommandError(f"several teams in the database ({', '.join(teams)}): add --team")
        return teams[0] if teams else ""
    if teams and team not in teams:
        raise CommandError(f"--team {team}: nothing of it in the database ({', '.join(teams)})")
    return team


def _teams(session: Any) -> list[str]:
    """The Slack teams with sites, kudos or pulse rounds in the database, sorted."""
    from sqlalchemy import select, union

    from bot.infra.models import Kudos, PulseSurvey, Site

    return sorted(
        set(
            session.scalars(
                union(select(Site.team_id), select(Kudos.team_id), select(PulseSurvey.team_id))
            )
        )
    )


def _only_team(session: Any) -> str:
    """The one Slack team with pulse rounds in the database (exports name it otherwise)."""
    from sqlalchemy import select

    from bot.infra.models import PulseSurvey

    teams = sorted(set(session.scalars(select(PulseSurvey.team_id))))
    if len(teams) > 1:
        raise CommandError(f"several teams have pulse rounds ({', '.join(teams)}): add --team")
    return teams[0] if teams else ""


def cmd_outbox(settings: Settings, args: argparse.Namespace) -> int:
    """List messages not yet delivered, or (--failed) those that failed for good."""
    from bot.infra.db import make_engine, make_session_factory
    from bot.infra.inbox import job_counts
    from bot.infra.outbox.report import blind_resends, outbox_counts, row_line, undelivered

    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            rows = undelivered(session, failed=args.failed)
            counts = outbox_counts(session)
            blind = blind_resends(session)
            jobs = job_counts(session)
    finally:
        engine.dispose()
    label = "failed" if args.failed else "pending"
    for row in rows:
        print(row_line(row, failed=args.failed))
    totals = ", ".join(
        f"{counts.get(s, 0)} {s}" for s in ("pending", "sent", "failed", "cancelled")
    )
    print(f"{len(rows)} {label} message{'s' if len(rows) != 1 else ''} ({totals})")
    if blind:
        print(
            f"{blind} send{'s' if blind != 1 else ''} made without checking the channel first "
            "(the bot cannot read it): each may show twice in Slack"
        )
    stored = ", ".join(f"{jobs.get(s, 0)} {s}" for s in ("pending", "failed"))
    print(f"stored requests (inbox): {stored}")
    return EXIT_OK


def cmd_tick(settings: Settings, args: argparse.Namespace) -> int:
    """Run once everything due at --now, deliver it, and exit."""
    from bot.runtime.worker import run_tick

    if not args.dry_run:
        settings.require("SLACK_BOT_TOKEN", "LANTERN_SECRET")
        ahead = args.now - datetime.now(UTC)
        if ahead > TICK_AHEAD_LIMIT:
            print(
                f"lantern: --now is {_duration(ahead)} ahead of this machine's clock: a real "
                "tick runs as at that moment, so stored requests and messages still due now "
                "would expire unsent. Use --dry-run to look ahead.",
                file=sys.stderr,
            )
            return EXIT_USAGE
    else:
        settings.require("LANTERN_SECRET")
    return run_tick(settings, _config(settings), args.now, dry_run=args.dry_run)


def _duration(span: timedelta) -> str:
    """``2 h 5 min`` (whole minutes)."""
    hours, minutes = divmod(int(span.total_seconds()) // 60, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    """The clock: every minute, run what is due and deliver the outbox."""
    from bot.runtime.worker import run_worker

    settings.require("SLACK_BOT_TOKEN", "LANTERN_SECRET")
    return run_worker(settings, _config(settings), interval=args.interval)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """HTTP mode: Slack posts to POST /slack/events; GET /healthz checks the database."""
    from bot.runtime.server import serve

    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "LANTERN_SECRET")
    _config(settings)  # fail here, once, rather than in every gunicorn worker
    return serve(
        settings, port=args.port or settings.port, workers=args.workers, threads=args.threads
    )


def cmd_socket(settings: Settings, args: argparse.Namespace) -> int:
    """Socket Mode: no public URL needed (SLACK_APP_TOKEN)."""
    from bot.runtime.socket_mode import SocketModeError, run_socket_mode

    settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "LANTERN_SECRET")
    try:
        return run_socket_mode(settings, _config(settings))
    except SocketModeError as exc:
        raise CommandError(str(exc)) from None


# --------------------------------------------------------------------------- parser


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, with where to look for help."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``lantern`` parser: one sub-command per ``cmd_*`` function, whose docstring's first
    line is its help; each sets ``args.handler``."""
    parser = _Parser(
        prog="lantern",
        description="Lantern: cultural calendar, kudos and pulse surveys for distributed teams.",
    )
    parser.add_argument("--version", action="version", version=f"lantern {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )

    def add(name: str, handler: Callable[[Settings, argparse.Namespace], int]) -> Any:
        help_text = (handler.__doc__ or "").strip().splitlines()[0]
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    add("migrate", cmd_migrate)
    serve = add("serve", cmd_serve)
    serve.add_argument("--port", type=_positive, help="port to listen on (default: $PORT or 3000)")
    serve.add_argument("--workers", type=_positive, default=2, help="processes (default 2)")
    serve.add_argument("--threads", type=_positive, default=8, help="threads each (default 8)")
    add("socket", cmd_socket)
    worker = add("worker", cmd_worker)
    worker.add_argument(
        "--interval", type=_positive, default=60, help="seconds between ticks (default 60)"
    )
    tick = add("tick", cmd_tick)
    tick.add_argument(
        "--now", type=_parse_instant, required=True, help="the instant to run, ISO 8601 with offset"
    )
    tick.add_argument(
        "--dry-run", action="store_true", help="print what would be sent; send and store nothing"
    )
    preview = add("preview", cmd_preview)
    preview.add_argument(
        "--from", dest="from_date", type=_parse_date, help="first day (default: today)"
    )
    preview.add_argument(
        "--days", type=_days, default=21, help=f"how many days (default 21, at most {MAX_DAYS})"
    )
    calendar = add("calendar", cmd_calendar)
    calendar.add_argument("--ics", action="store_true", help="write the iCalendar feed")
    calendar.add_argument(
        "--from", dest="from_date", type=_parse_date, help="first day (default: 30 days ago)"
    )
    calendar.add_argument("--days", type=_days, help="how many days (default: to a year ahead)")
    calendar.add_argument("--out", help="write to this file instead of standard output")
    calendar.add_argument(
        "--token", action="store_true", help="print the feed's path with its access token"
    )
    calendar.add_argument(
        "--coverage",
        action="store_true",
        help="print how many public-holiday milestones have an explainer, per site",
    )
    calendar.add_argument("--year", type=_year, help="with --coverage: the year (default: this)")
    calendar.add_argument(
        "--country",
        action="extend",
        nargs="+",
        metavar="CC",
        help="with --coverage: measure these countries instead of the config's sites",
    )
    export = add("export", cmd_export)
    export.add_argument(
        "what", choices=["kudos", "pulse"], help="what to export (pulse: thresholded results)"
    )
    export.add_argument("--team", help="pulse: the Slack team id (T…), when there are several")
    export.add_argument(
        "--since", type=_parse_date, help="from this date (workspace timezone); default: all"
    )
    export.add_argument("--format", choices=["csv", "json"], default="csv", help="default csv")
    digest = add("digest", cmd_digest)
    digest.add_argument("--preview", action="store_true", help="print it here; send nothing")
    digest.add_argument(
        "--at",
        type=_parse_instant,
        help="the instant the week runs up to, ISO 8601 with offset (default: now)",
    )
    digest.add_argument("--out", help="directory for the chart PNG (default: here)")
    digest.add_argument("--manager", help="preview as this manager (U…)")
    digest.add_argument("--team", help="the Slack team id (T…), when there are several")
    add("check-config", cmd_check_config)
    outbox = add("outbox", cmd_outbox)
    outbox.add_argument("--failed", action="store_true", help="show messages that failed for good")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``lantern`` command.

    Args:
        argv: the arguments after the program name; None for ``sys.argv[1:]``.

    Returns:
        The exit status: 0 done, 1 failed (reported in one line on standard error; ``-v`` adds
        the traceback), 2 bad usage, settings or configuration, 130 interrupted. argparse
        itself exits (SystemExit) for ``--help``, ``--version`` and usage errors.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    for quiet in QUIET_LOGGERS:  # their debug lines carry whole payloads: survey answers too
        logging.getLogger(quiet).setLevel(logging.INFO)
    try:
        settings = load_settings()
        return int(args.handler(settings, args))
    except SettingsError as exc:
        print(f"lantern: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("lantern: fix the configuration (see `lantern check-config`)", file=sys.stderr)
        return EXIT_USAGE
    except CommandError as exc:
        print(f"lantern: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `lantern preview | head`: the reader has gone; so do we, quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # as a process ended by SIGPIPE
    except Exception as exc:  # one line for the operator; -v shows the traceback
        from sqlalchemy.exc import OperationalError, ProgrammingError

        if args.verbose:
            log.exception("failed")
        if isinstance(exc, OperationalError | ProgrammingError):
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            hint = (
                " (has `lantern migrate` been run?)"
                if "no such table" in reason or ("does not exist" in reason)
                else ""
            )
            print(f"lantern: database error: {reason}{hint}", file=sys.stderr)
        else:
            print(f"lantern: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
