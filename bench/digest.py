"""How long one manager digest takes to compute, and the memory it needs, on a big database.

PostgreSQL (``BENCH_DATABASE_URL``, default the local test database; a schema of its own,
dropped at the end): 10,000 people at 60 sites (10 in-house, 50 BPO), 1,000,000 kudos over
two years (a fifth of them to two people), and 6,240 closed weekly pulse rounds (60 sites ×
104 weeks) holding 214,656 answers. SQLite (a temporary file): the same at 100,000
kudos. Rows are made by the database itself (generate_series / a recursive CTE), in the order
they would have been given (ids grow with time, give or take six hours), as in a real table.

Run: ``make bench`` or ``.venv/bin/python bench/digest.py [--kudos N]``. Prints figures;
asserts nothing. Target (issue 12): one digest under 1 s on the project's 2-core machine.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from bot.digest import chart
from bot.digest.compose import compose
from bot.infra.config import WorkspaceConfig, parse_workspace_config
from bot.infra.db import make_engine, make_session_factory
from bot.infra.migrate import upgrade

AT = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # a Monday, 08:00 in Chicago
TEAM = "TBENCH"
PEOPLE, SITES, WEEKS = 10_000, 60, 104
IN_HOUSE = 10  # site00 … site09 are in-house, the rest BPO
COUNTRIES = [
    ("US", "America/Chicago"), ("GB", "Europe/London"), ("CA", "America/Toronto"),
    ("PH", "Asia/Manila"), ("IN", "Asia/Kolkata"), ("CO", "America/Bogota"),
    ("MX", "America/Mexico_City"), ("BR", "America/Sao_Paulo"), ("ZA", "Africa/Johannesburg"),
    ("EG", "Africa/Cairo"), ("KE", "Africa/Nairobi"), ("PL", "Europe/Warsaw"),
]  # fmt: skip
ITEMS = ("connected", "respected", "clear", "enps")
ANSWERING = 9  # people answering a round (3 at four sites): 4 items each, 214,656 answers


def config() -> WorkspaceConfig:
    parts = [
        '[workspace]\ntimezone = "America/Chicago"\ncelebrations_channel = "C0CELEBRATE"\n'
        'feed_channel = "C0KUDOS"\nmanagers = ["U0MGR"]\n[kudos]\nvalues = ["ownership", "care"]\n'
    ]
    for n in range(SITES):
        country, zone = COUNTRIES[n % 3] if n < IN_HOUSE else COUNTRIES[3 + n % 9]
        kind = "in_house" if n < IN_HOUSE else "bpo"
        parts.append(
            f'[[sites]]\nkey = "site{n:02d}"\nname = "Site {n}"\ncountry = "{country}"\n'
            f'timezone = "{zone}"\nkind = "{kind}"\nchannel = "C0SITE{n:02d}"\n'
        )
    return parse_workspace_config("\n".join(parts), "bench")


# a person's number p (0 … PEOPLE-1) is at site p % SITES; row n's giver and recipients follow
KUDOS_PG = """
INSERT INTO kudos (id, team_id, source, source_key, giver_id, giver_team_id, message, is_team,
                   "values", groups, giver_site_key, created_at)
SELECT n, :team, 'command', 'bench:' || n, 'U' || (n * 7919 % :people), :team, 'thanks', false,
       CASE n % 4 WHEN 0 THEN '["ownership"]' WHEN 1 THEN '["care", "ownership"]'
            ELSE '[]' END::json,
       '[]'::json, 'site' || lpad((n * 7919 % :people % :sites)::text, 2, '0'),
       :at - interval '730 days' + (n::float / :kudos) * interval '730 days'
           - random() * interval '6 hours'
FROM generate_series(1::bigint, :kudos) AS n
"""
RECIPIENTS_PG = """
INSERT INTO kudos_recipients (team_id, kudos_id, user_id, user_team_id, site_key)
SELECT :team, n, 'U' || p, :team, 'site' || lpad((p % :sites)::text, 2, '0')
FROM (SELECT n, (n * 104729 + k * 31) % :people AS p
      FROM generate_series(1::bigint, :kudos) AS n, generate_series(0, 1) AS k
      WHERE k = 0 OR n % 5 = 0) AS pairs
"""
SURVEYS_PG = """
INSERT INTO pulse_surveys (id, team_id, key, site_key, kind, round, opens_at, closes_at, closed,
                           language, items, asks_enps, asks_comment, members, responses, channel)
SELECT w * :sites + s + 1, :team,
       'pulse:site' || lpad(s::text, 2, '0') || ':' || (:wednesday - 7 * w),
       'site' || lpad(s::text, 2, '0'), CASE WHEN s < :in_house THEN 'in_house' ELSE 'bpo' END,
       :wednesday - 7 * w, (:wednesday - 7 * w)::timestamp AT TIME ZONE 'UTC',
       (:wednesday - 7 * w)::timestamp AT TIME ZONE 'UTC' + interval '72 hours', true, 'en',
       '[]'::json, true, false, 20, CASE WHEN s % 17 = 3 THEN 3 ELSE :answering END, 'C0'
FROM generate_series(0, :weeks - 1) AS w, generate_series(0, :sites - 1) AS s
"""
ANSWERS_PG = """
INSERT INTO pulse_answers (id, team_id, survey_id, item_id, item_version, language, value)
SELECT md5(v.id::text || ':' || i || ':' || r), :team, v.id, i, 1, 'en',
       CASE WHEN i = 'enps' THEN floor(random() * 11) ELSE 1 + floor(random() * 5) END
FROM pulse_surveys AS v, unnest(CAST(:items AS text[])) AS i,
     generate_series(1, :answering) AS r
WHERE r <= v.responses
"""
KUDOS_SQLITE = """
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < :kudos)
INSERT INTO kudos (id, team_id, source, source_key, giver_id, giver_team_id, message, is_team,
                   "values", groups, giver_site_key, created_at)
SELECT n, :team, 'command', 'bench:' || n, 'U' || (n * 7919 % :people), :team, 'thanks', 0,
       CASE n % 4 WHEN 0 THEN '["ownership"]' WHEN 1 THEN '["care", "ownership"]'
            ELSE '[]' END,
       '[]', 'site' || substr('0' || (n * 7919 % :people % :sites), -2),
       datetime(:epoch - 63072000 + n * 63072000 / :kudos - abs(random()) % 21600, 'unixepoch')
FROM g
"""
RECIPIENTS_SQLITE = """
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < :kudos),
     k(k) AS (SELECT 0 UNION ALL SELECT 1),
     pairs AS (SELECT n, (n * 104729 + k * 31) % :people AS p FROM g, k WHERE k = 0 OR n % 5 = 0)
INSERT INTO kudos_recipients (team_id, kudos_id, user_id, user_team_id, site_key)
SELECT :team, n, 'U' || p, :team, 'site' || substr('0' || (p % :sites), -2) FROM pairs
"""


def survey_row(w: int, s: int, day: date, opens: datetime) -> dict[str, object]:
    """One SQLite pulse round's values: week ``w`` back, site ``s``."""
    return {
        "id": w * SITES + s + 1,
        "team": TEAM,
        "key": f"pulse:site{s:02d}:{day.isoformat()}",
        "site": f"site{s:02d}",
        "kind": "in_house" if s < IN_HOUSE else "bpo",
        "round": day,
        "opens": opens,
        "closes": opens + timedelta(hours=72),
        "responses": 3 if s % 17 == 3 else ANSWERING,
    }


def seed_pulse_sqlite(engine: Engine, wednesday: date) -> None:
    """SQLite's pulse rows, from Python (6,240 rounds; answers by a recursive CTE)."""
    with engine.begin() as connection:
        for w in range(WEEKS):
            day = wednesday - timedelta(weeks=w)
            opens = datetime.combine(day, datetime.min.time())
            for s in range(SITES):
                connection.execute(
                    text(
                        "INSERT INTO pulse_surveys (id, team_id, key, site_key, kind, round, "
                        "opens_at, closes_at, closed, language, items, asks_enps, asks_comment, "
                        "members, responses, channel) VALUES (:id, :team, :key, :site, :kind, "
                        ":round, :opens, :closes, 1, 'en', '[]', 1, 0, 20, :responses, 'C0')"
                    ),
                    survey_row(w, s, day, opens),
                )
        connection.execute(
            text(
                "WITH RECURSIVE r(r) AS (SELECT 1 UNION ALL SELECT r + 1 FROM r WHERE r < :a), "
                "i(i) AS (VALUES ('connected'), ('respected'), ('clear'), ('enps')) "
                "INSERT INTO pulse_answers (id, team_id, survey_id, item_id, item_version, "
                "language, value) SELECT v.id || ':' || i || ':' || r, :team, v.id, i, 1, 'en', "
                "CASE WHEN i = 'enps' THEN abs(random()) % 11 ELSE 1 + abs(random()) % 5 END "
                "FROM pulse_surveys AS v, i, r WHERE r <= v.responses"
            ),
            {"a": ANSWERING, "team": TEAM},
        )


PEOPLE_SQL = """
WITH RECURSIVE p(p) AS (SELECT 0 UNION ALL SELECT p + 1 FROM p WHERE p < :people - 1)
INSERT INTO {table}
SELECT p + 1, :team, {values} FROM p
"""
DIRECTORY = (
    "directory (id, team_id, user_id, name, tz, is_bot, deleted, seen_at)",
    "'U' || p, 'Person ' || p, NULL, false, false, :at",
)
MEMBERS = (
    "site_members (id, team_id, site_key, user_id, user_team_id, synced_at)",
    "'site' || substr('0' || (p % :sites), -2), 'U' || p, :team, :at",
)


def seed_people(connection: Connection) -> None:
    """10,000 people in the directory, each a member of one site's channel."""
    common = {"team": TEAM, "people": PEOPLE, "sites": SITES, "at": AT}
    for table, values in (DIRECTORY, MEMBERS):
        connection.execute(text(PEOPLE_SQL.format(table=table, values=values)), common)


def seed(engine: Engine, kudos: int) -> None:
    wednesday = AT.date() - timedelta(days=(AT.weekday() - 2) % 7 or 7)
    common = {"team": TEAM, "people": PEOPLE, "sites": SITES, "kudos": kudos}
    with engine.begin() as connection:
        seed_people(connection)
        if engine.dialect.name == "postgresql":
            connection.execute(text(KUDOS_PG), {**common, "at": AT})
            connection.execute(text(RECIPIENTS_PG), common)
            connection.execute(
                text(SURVEYS_PG),
                {**common, "wednesday": wednesday, "weeks": WEEKS, "in_house": IN_HOUSE,
                 "answering": ANSWERING},
            )  # fmt: skip
            connection.execute(
                text(ANSWERS_PG), {"team": TEAM, "items": list(ITEMS), "answering": ANSWERING}
            )
        else:
            connection.execute(text(KUDOS_SQLITE), {**common, "epoch": int(AT.timestamp())})
            connection.execute(text(RECIPIENTS_SQLITE), common)
    if engine.dialect.name != "postgresql":
        seed_pulse_sqlite(engine, wednesday)
    # what autovacuum does soon after a bulk load: statistics, and the visibility map that
    # lets index-only scans skip the table
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(
            text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
        )


def counts(engine: Engine) -> str:
    with engine.connect() as connection:
        found = [
            connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in (
                "directory",
                "kudos",
                "kudos_recipients",
                "pulse_surveys",
                "pulse_answers",
            )
        ]
    return "{:,} people, {:,} kudos, {:,} thanks, {:,} pulse rounds, {:,} answers".format(*found)


def measure(label: str, url: str, kudos: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        seed(engine, kudos)
        print(f"{label}: seeded in {time.perf_counter() - started:.0f} s: {counts(engine)}")
        workspace = config()
        sessions = make_session_factory(engine)
        times = []
        for _ in range(3):  # the first run includes the calendar's cold start
            gc.collect()
            started = time.perf_counter()
            with sessions() as session:
                figures = compose(session, workspace, TEAM, AT)
            times.append(time.perf_counter() - started)
        tracemalloc.start()
        with sessions() as session:
            compose(session, workspace, TEAM, AT)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        started = time.perf_counter()
        png = chart.render(figures)
        drawn = time.perf_counter() - started
        print(
            f"{label}: one digest computed in {times[0] * 1000:.0f} ms cold, "
            f"{min(times[1:]) * 1000:.0f} ms warm (target < 1000 ms); Python allocations "
            f"peak {peak / 2**20:.1f} MiB while computing; chart drawn in {drawn * 1000:.0f} ms "
            f"({len(png) / 1024:.0f} KiB); {len(figures.highlights)} highlights"
        )
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kudos", type=int, default=1_000_000, help="PostgreSQL's kudos")
    parser.add_argument("--sqlite-kudos", type=int, default=100_000, help="SQLite's kudos")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    base = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    schema = "lantern_bench_digest"
    try:
        admin = make_engine(base)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        print(f"PostgreSQL: skipped, {base} is unreachable: {type(exc).__name__}")
        admin = None
    if admin is not None:
        separator = "&" if "?" in base else "?"
        url = f"{base}{separator}options={quote('-csearch_path=' + schema)}"
        try:
            measure("PostgreSQL", url, args.kudos)
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
    with tempfile.TemporaryDirectory() as tmp:
        measure("SQLite", f"sqlite:///{tmp}/bench.db", args.sqlite_kudos)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak memory (max RSS, seeding and matplotlib included): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
