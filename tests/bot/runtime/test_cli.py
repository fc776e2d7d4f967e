"""The ``lantern`` command line, run as a real subprocess."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from subprocess import PIPE
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.config import Settings
from bot.infra.inbox import Inbox
from bot.infra.models import InboxJob, JobStatus
from bot.infra.outbox.queue import Outgoing, enqueue
from tests.conftest import Databases, env_for
from tests.processes import lantern, serving
from tests.slack_fake import SlackFake
from tests.slack_requests import get, slash_command

BROKEN = """
[workspace]
timezone = "America/Chicago"
celebrations_channel = "C0CELEBRATE"
feed_channel = "C0KUDOS"

[[sites]]
key = "manila"
name = "Manila"
country = "ZZ"
timezone = "Asia/Manila"
kind = "bpo"
channel = "C0MANILA"

[[sites]]
key = "manila"
name = "Mumbai"
country = "IN"
timezone = "Asia/Bombay_Nowhere"
kind = "outsourced"
channel = "C0MUMBAI"
"""


def test_check_config_names_all_four_problems(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "lantern.toml"
    path.write_text(BROKEN)
    result = lantern("check-config", env=env_for(settings, LANTERN_CONFIG=str(path)))
    assert result.returncode == 1
    err = result.stderr
    assert "sites[0].country" in err and "'ZZ'" in err
    assert "sites[1].timezone" in err and "Asia/Bombay_Nowhere" in err
    assert "sites[1].kind" in err and "outsourced" in err
    assert "sites[1].key" in err and "duplicate" in err
    assert "Traceback" not in err and str(path) in err


def test_check_config_names_each_problem_of_the_content_directory(
    settings: Settings, tmp_path: Path
) -> None:
    from tests.conftest import EXAMPLE_CONFIG

    (tmp_path / "culture").mkdir()
    (tmp_path / "culture" / "mx.toml").write_text(
        'country = "MX"\n[[observances]]\nname = "Fiesta"\nrrule = "FREQ=NEVER"\n'
        'what = "w"\nemoji = "x"\njoin_in = "j"\nsource = "http://insecure.example"\n'
    )
    path = tmp_path / "lantern.toml"
    path.write_text(EXAMPLE_CONFIG.read_text() + '\n[calendar]\ncontent_dir = "culture"\n')
    result = lantern("check-config", env=env_for(settings, LANTERN_CONFIG=str(path)))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if "calendar.content_dir" in line]
    assert len(lines) == 2, result.stderr
    assert any("observances[0] ('Fiesta'): rrule: is not an RFC 5545 RRULE" in x for x in lines)
    assert any("source: must start with https://" in x for x in lines)
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["preview", "--days", "100000"], "at most 3660 days"),
        (["preview", "--from", "9999-12-30"], "give a date from 1950 to 2150"),
        (["calendar", "--coverage", "--ics"], "--coverage is a report of its own"),
        (["calendar", "--ics", "--year", "2027"], "--year and --country go with --coverage"),
    ],
)
def test_out_of_range_calendar_arguments_get_one_line(
    settings: Settings, args: list[str], expected: str
) -> None:
    result = lantern(*args, env=env_for(settings))
    assert result.returncode in (1, 2)
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_coverage_says_when_a_country_has_no_data(settings: Settings) -> None:
    result = lantern(
        "calendar", "--coverage", "--year", "2027", "--country", "LK", "PH", env=env_for(settings)
    )
    assert result.returncode == 0, result.stderr
    assert "LK" in result.stdout and "no public holidays in the data for 2027" in result.stdout
    assert "PH" in result.stdout and "100%" not in result.stdout.split("LK")[1].splitlines()[0]


def test_export_pulse_runs_on_an_empty_database(settings: Settings) -> None:
    result = lantern("export", "pulse", "--format", "json", env=env_for(settings))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    header = lantern("export", "pulse", env=env_for(settings)).stdout.splitlines()[0]
    assert header.startswith("round,group,shown,hidden_because,responses")


def test_check_config_accepts_the_example(settings: Settings) -> None:
    result = lantern("check-config", env=env_for(settings))
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout and "manila" in result.stdout


@pytest.mark.parametrize(
    ("command", "missing"),
    [
        (["serve"], "SLACK_BOT_TOKEN"),
        (["worker"], "SLACK_BOT_TOKEN"),
        (["tick", "--now", "2026-08-01T12:00:00Z"], "SLACK_BOT_TOKEN"),
    ],
)
def test_missing_token_stops_with_one_line(
    settings: Settings, command: list[str], missing: str
) -> None:
    result = lantern(*command, env=env_for(settings, SLACK_BOT_TOKEN=""))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and missing in lines[0]


def test_missing_secret_stops_serve(settings: Settings) -> None:
    result = lantern("serve", env=env_for(settings, LANTERN_SECRET=""))
    assert result.returncode == 2 and "LANTERN_SECRET" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_migrate_twice_from_any_directory(
    databases: Databases, settings: Settings, tmp_path: Path
) -> None:
    env = env_for(settings, DATABASE_URL=databases.fresh())
    first = lantern("migrate", env=env, cwd=tmp_path)
    second = lantern("migrate", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "upgraded from empty" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "nothing to do" in second.stdout


def test_deploys_migrating_at_once_upgrade_once_and_all_succeed(
    databases: Databases, settings: Settings, tmp_path: Path
) -> None:
    """Three `lantern migrate` started together on an empty database (deploys racing): all
    exit 0, exactly one did the upgrade, the others say there was nothing to do."""
    env = env_for(settings, DATABASE_URL=databases.fresh())
    command = [sys.executable, "-m", "bot", "migrate"]
    runs = [
        subprocess.Popen(command, env=env, cwd=tmp_path, stdout=PIPE, stderr=PIPE, text=True)
        for _ in range(3)
    ]
    results = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], [err for _, err in results]
    outputs = [out for out, _ in results]
    assert sum("upgraded from empty" in out for out in outputs) == 1, outputs
    assert sum("nothing to do" in out for out in outputs) == 2, outputs


def test_a_real_tick_hours_ahead_is_refused_and_expires_nothing(
    settings: Settings, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    """`tick --now` two hours ahead would expire a request acknowledged a moment ago (its
    hour to live measured from the future): refused in one line, nothing changed. A dry run
    may look ahead."""
    now = datetime.now(UTC)
    with session_factory.begin() as session:
        Inbox(session_factory, "web", lambda: now).accept(
            session, "T0TEST", "command:just-now", "kudos.command", {"command": {}}
        )
    ahead = (now + timedelta(hours=2)).isoformat()
    result = lantern("tick", "--now", ahead, env=env_for(settings))
    assert result.returncode == 2, result.stderr
    assert "ahead of this machine's clock" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    with session_factory() as session:
        assert session.scalars(select(InboxJob.status)).all() == [JobStatus.PENDING]
    look = lantern("tick", "--now", ahead, "--dry-run", env=env_for(settings))
    assert look.returncode == 0, look.stderr


def test_unmigrated_database_gives_a_hint(settings: Settings, databases: Databases) -> None:
    result = lantern("outbox", env=env_for(settings, DATABASE_URL=databases.fresh()))
    assert result.returncode == 1
    assert "lantern migrate" in result.stderr and "Traceback" not in result.stderr


def test_tick_delivers_pending_work_and_outbox_lists_failures(
    settings: Settings, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    slack.error_for("chat.postMessage", "channel_not_found", when={"channel": "C0GONE"})
    now = datetime(2026, 6, 11, 1, 0, tzinfo=UTC)
    with session_factory.begin() as session:
        for key, channel in (("ok", "C0MANILA"), ("gone", "C0GONE")):
            message = Outgoing(key, "chat.postMessage", {"channel": channel, "text": key})
            enqueue(session, "T0TEST", message, now)
    result = lantern("tick", "--now", "2026-08-01T12:00:00Z", env=env_for(settings))
    assert result.returncode == 0, result.stderr
    assert "delivered 1, failed 1" in result.stdout
    assert "gone: channel_not_found" in result.stderr
    assert [c.params["channel"] for c in slack.calls_to("chat.postMessage")] == [
        "C0MANILA",
        "C0GONE",
    ]
    listed = lantern("outbox", "--failed", env=env_for(settings))
    assert listed.returncode == 0
    assert "gone" in listed.stdout and "channel_not_found" in listed.stdout
    assert "1 failed message" in listed.stdout
    again = lantern("tick", "--now", "2026-08-01T12:00:00Z", env=env_for(settings))
    assert "delivered 0, failed 0" in again.stdout
    assert len(slack.calls_to("chat.postMessage")) == 2


def test_tick_dry_run_needs_no_slack(settings: Settings) -> None:
    env = env_for(settings, SLACK_BOT_TOKEN="", SLACK_API_URL="http://127.0.0.1:9/api/")
    result = lantern("tick", "--now", "2026-08-01T20:00:00+08:00", "--dry-run", env=env)
    assert result.returncode == 0, result.stderr
    assert "nothing due" in result.stdout


def test_preview_runs_offline(settings: Settings) -> None:
    env = env_for(settings, SLACK_BOT_TOKEN="", LANTERN_SECRET="")
    result = lantern("preview", "--from", "2026-10-01", "--days", "7", env=env)
    assert result.returncode == 0, result.stderr
    assert "Manila" in result.stdout and "Cultural Connection Week" in result.stdout


@pytest.fixture
def served(settings: Settings) -> Iterator[str]:
    """``lantern serve`` as an operator runs it, on a free port."""
    with serving(settings) as (_, url):
        yield url


def test_serve_end_to_end(
    served: str, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    events = served + "/slack/events"
    assert get(served + "/healthz").json() == {"ok": True, "db": "up"}
    assert slash_command(events, "/celebrate", "x", user_id="U0LEADCHI", secret="bad").status == 401
    stale = int(time.time()) - 301
    assert (
        slash_command(events, "/celebrate", "x", user_id="U0LEADCHI", timestamp=stale).status == 401
    )
    assert slack.calls == []
    from sqlalchemy import func, select

    from bot.infra.models import OutboxMessage

    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    reply = slash_command(events, "/celebrate", "Mumbai's first 5-star week!", user_id="U0LEADCHI")
    assert reply.status == 200 and "Posted" in reply.text
    call = slack.wait_for("chat.postMessage", timeout=10)[0]
    assert call.params["channel"] == "C0CELEBRATE"
    assert "Mumbai's first 5-star week!" in call.params["text"]


def test_tick_dry_run_prints_reminders_and_stores_nothing(
    settings: Settings, slack: SlackFake, session_factory: sessionmaker[Session]
) -> None:
    from sqlalchemy import func, select

    from bot.infra.models import OutboxMessage, ScheduledRun

    result = lantern("tick", "--now", "2026-06-11T01:00:00Z", "--dry-run", env=env_for(settings))
    assert result.returncode == 0, result.stderr
    assert "would send: chat.postMessage → C0CELEBRATE [celebrations:2026-06-11]" in (result.stdout)
    assert slack.calls_to("chat.postMessage") == []
    with session_factory() as session:
        for model in (OutboxMessage, ScheduledRun):
            assert session.scalar(select(func.count()).select_from(model)) == 0
    real = lantern("tick", "--now", "2026-06-11T01:00:00Z", env=env_for(settings))
    assert "enqueued: chat.postMessage → C0CELEBRATE [celebrations:2026-06-11]" in (real.stdout)
    celebrations = [
        c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == "C0CELEBRATE"
    ]
    assert len(celebrations) == 1


def test_calendar_ics_to_a_file_and_token(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "lantern.ics"
    env = env_for(settings, SLACK_BOT_TOKEN="")
    result = lantern(
        "calendar", "--ics", "--from", "2026-06-01", "--days", "30", "--out", str(out), env=env
    )
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert "UID:20260612-independence-day-ph@lantern" in text
    token = lantern("calendar", "--token", env=env)
    from calendars.ics import feed_token

    assert (
        token.stdout.strip() == f"/calendar.ics?token={feed_token(settings.lantern_secret or '')}"
    )


def test_check_config_warns_about_estimated_dates_but_passes(
    settings: Settings, config: Any
) -> None:
    from bot.infra.calendar import estimated_warnings

    today = datetime.now(config.workspace.tz).date()
    expected = [f"warning: {w}" for w in estimated_warnings(config, today)]
    result = lantern("check-config", env=env_for(settings))
    assert result.returncode == 0
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning:")]
    assert warnings == [w.replace(str(config.source), settings.config_path) for w in expected]


def test_export_kudos_csv_and_json(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    import csv
    import io
    import json

    from bot.infra.models import KudosSource
    from bot.kudos.store import NewKudos, Recipient, record

    with session_factory.begin() as session:
        for day, text in ((10, "older"), (12, 'newer, with "quotes"')):
            record(
                session,
                NewKudos(
                    team_id="T0TEST",
                    source=KudosSource.COMMAND,
                    source_key=f"command:{day}",
                    giver_id="U0CHI",
                    giver_team_id="T0TEST",
                    giver_site_key="chicago",
                    message=text,
                    recipients=[Recipient("U0ANA", "T0TEST", "manila")],
                    values=["teamwork"],
                ),
                datetime(2026, 6, day, 15, 0, tzinfo=UTC),
            )
    env = env_for(settings)
    as_csv = lantern("export", "kudos", "--since", "2026-06-11", env=env)
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["message"] for r in rows] == ['newer, with "quotes"']
    assert rows[0]["in_house_bpo"] == "True" and rows[0]["recipient_sites"] == "manila"
    as_json = lantern("export", "kudos", "--format", "json", env=env)
    data = json.loads(as_json.stdout)
    assert [d["message"] for d in data] == ["older", 'newer, with "quotes"']
    assert data[0]["values"] == ["teamwork"] and data[0]["recipients"] == ["U0ANA"]
    bad = lantern("export", "kudos", "--format", "xml", env=env)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


COLOMBO = """
[workspace]
timezone = "Asia/Colombo"
celebrations_channel = "C0CELEBRATE"
feed_channel = "C0KUDOS"

[[sites]]
key = "colombo"
name = "Colombo"
country = "LK"
timezone = "Asia/Colombo"
kind = "bpo"
partner = "Lanka Voice"
channel = "C0COLOMBO"
"""


def test_a_site_whose_holiday_data_runs_out_is_warned_not_silent(
    settings: Settings, tmp_path: Path
) -> None:
    from calendars.coverage import holiday_count
    from tests.calendars.test_coverage import COLOMBO as colombo_site

    year = next(y for y in range(2026, 2126) if holiday_count(colombo_site, y) == 0)
    path = tmp_path / "lantern.toml"
    path.write_text(COLOMBO)
    env = env_for(settings, LANTERN_CONFIG=str(path), SLACK_BOT_TOKEN="", LANTERN_SECRET="")
    result = lantern("preview", "--from", f"{year - 1}-12-30", "--days", "3", env=env)
    assert result.returncode == 0, result.stderr
    assert "Warnings" in result.stdout and f"no holidays in {year}" in result.stdout
    assert result.stderr == ""  # not the holidays package's own warning on stderr
    if year - 1 == datetime.now(UTC).year or year == datetime.now(UTC).year:
        checked = lantern("check-config", env=env)
        assert checked.returncode == 0  # a warning, not a broken config
        assert f"no holidays in {year}" in checked.stdout


def test_calendar_coverage_measures_explainers_per_site_and_per_country(
    settings: Settings,
) -> None:
    result = lantern("calendar", "--coverage", "--year", "2027", env=env_for(settings))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Explainer coverage of 2027's public-holiday milestones"
    assert any("Manila" in line and " of " in line for line in lines)
    assert lines[-1].startswith("  all ")
    by_country = lantern("calendar", "--coverage", "--country", "JM", env=env_for(settings))
    assert by_country.returncode == 0 and "JM" in by_country.stdout
    wrong = lantern("calendar", "--coverage", "--country", "ZZ", env=env_for(settings))
    assert wrong.returncode != 0 and len(wrong.stderr.strip().splitlines()) == 1
    assert "ZZ" in wrong.stderr and "Traceback" not in wrong.stderr


def test_digest_preview_prints_the_digest_and_writes_the_chart(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    from bot.infra.models import Digest, OutboxMessage
    from tests.bot.digest.test_compose import AT, seed_week

    with session_factory.begin() as session:
        seed_week(session)
    result = lantern(
        "digest", "--preview", "--at", AT.isoformat(), "--out", str(tmp_path),
        "--manager", "U0MGRCHI", env=env_for(settings),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Digest for U0MGRCHI")
    assert "Weekly digest · the 7 days to Mon 30 Nov 2026" in out
    assert "No kudos for two weeks to anyone at *Bogotá*, *São Paulo*" in out
    assert "*Cebu* · fewer than 5 answers: results hidden" in out
    chart = tmp_path / "lantern-digest-2026-W49.png"
    assert chart.read_bytes().startswith(b"\x89PNG") and f"chart: {chart}" in out
    assert "alt text: Chart of the 8 weeks" in out
    typo = lantern("digest", "--preview", "--team", "T0TYPO", env=env_for(settings))
    assert typo.returncode == 1 and "--team T0TYPO: nothing of it in the database" in typo.stderr
    with session_factory() as session:  # a preview stores and sends nothing
        assert session.scalars(select(Digest)).all() == []
        assert session.scalars(select(OutboxMessage)).all() == []


@pytest.mark.parametrize(
    ("arguments", "status", "says"),
    [
        ([], 2, "digest only previews: add --preview"),
        (["--preview", "--manager", "U0NOBODY"], 1, "U0NOBODY is not one of [workspace] managers"),
        (["--preview", "--at", "2026-11-30T08:00"], 2, "has no UTC offset"),
        (["--preview", "--out", "/nonexistent/dir"], 1, "no such directory"),
        (["--preview", "--out", "/proc"], 1, "cannot write the chart there"),
        (["--preview", "--manager", ""], 1, "give a Slack user id"),
        (["--preview", "--at", "9999-12-31T23:59:59Z"], 1, "between 1971 and 2199"),
    ],
)
def test_digest_refuses_bad_input_in_one_line(
    settings: Settings, arguments: list[str], status: int, says: str
) -> None:
    result = lantern("digest", *arguments, env=env_for(settings))
    assert result.returncode == status
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""
