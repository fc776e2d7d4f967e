"""Fill a database with nine weeks of made-up kudos and pulse rounds for the example
workspace (``examples/lantern.toml``), so ``lantern digest --preview`` has something to show
before Slack is connected. Never run it against a real workspace's database.

    export LANTERN_CONFIG=examples/lantern.toml DATABASE_URL=sqlite:///demo.db
    .venv/bin/python examples/seed_digest.py --at 2026-11-30T14:00:00Z
    .venv/bin/lantern digest --preview --at 2026-11-30T14:00:00Z --out docs/

The figures follow a story: Chicago and Manila thank each other often, Mumbai and Bogotá
less, São Paulo is left out for the last two weeks, and Cebu's pulse rounds are too small to
show. Team id ``T0DEMO``; the random numbers are seeded, so each run gives the same rows.
"""

from __future__ import annotations

import argparse
import os
import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from bot.infra.config import load_workspace_config
from bot.infra.db import make_engine, make_session_factory
from bot.infra.models import Kudos, KudosRecipient, KudosSource, PulseAnswer, PulseSurvey

TEAM = "T0DEMO"
# (giver site, recipient site, kudos a week, weeks it runs: 0 = the week to --at)
FLOWS = [
    ("chicago", "manila", 6, range(9)),
    ("manila", "chicago", 4, range(9)),
    ("manila", "manila", 5, range(9)),
    ("chicago", "mumbai", 2, range(9)),
    ("mumbai", "mumbai", 3, range(9)),
    ("bogota", "chicago", 1, range(9)),
    ("cebu", "manila", 2, range(9)),
    ("chicago", "saopaulo", 2, range(2, 9)),  # São Paulo: nothing in the last two weeks
    ("saopaulo", "saopaulo", 2, range(2, 9)),
    ("chicago", "chicago", 3, range(9)),
    ("chicago", "bogota", 1, range(0, 9, 2)),
]
# site -> (members, people answering each round, mean of "connected" drifting per week)
PULSE = {
    "chicago": (14, 10, 3.9),
    "manila": (30, 19, 3.6),
    "cebu": (8, 3, 3.5),
    "mumbai": (24, 13, 3.4),
    "bogota": (12, 7, 3.7),
    "saopaulo": (16, 9, 3.8),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--at", required=True, help="the digest's instant, ISO 8601 with offset")
    args = parser.parse_args()
    at = datetime.fromisoformat(args.at)
    config = load_workspace_config(os.environ.get("LANTERN_CONFIG", "examples/lantern.toml"))
    kinds = {site.key: site.kind for site in config.sites}
    values = list(config.kudos.values) or ["teamwork"]
    rng = random.Random(7)
    engine = make_engine(os.environ.get("DATABASE_URL", "sqlite:///demo.db"))
    with make_session_factory(engine)() as session:
        if session.scalar(select(Kudos.id).where(Kudos.team_id == TEAM).limit(1)) is not None:
            raise SystemExit(f"seed_digest: team {TEAM} is seeded already; nothing added")
    with make_session_factory(engine).begin() as session:
        n = 0
        for giver, receiver, per_week, weeks in FLOWS:
            for week in weeks:
                for _ in range(per_week + rng.choice((-1, 0, 0, 1))):
                    n += 1
                    when = at - timedelta(weeks=week, seconds=rng.randrange(1, 7 * 86400))
                    kudos = Kudos(
                        team_id=TEAM, source=KudosSource.COMMAND, source_key=f"demo:{n}",
                        giver_id=f"U0DEMO{n}", giver_team_id=TEAM, message="thank you",
                        values=rng.sample(values, min(len(values), rng.choice((0, 1, 1, 2)))),
                        groups=[],
                        giver_site_key=giver, created_at=when, withdrawn_at=None,
                    )  # fmt: skip
                    kudos.recipients = [
                        KudosRecipient(
                            team_id=TEAM, user_id=f"U0R{n}", user_team_id=TEAM, site_key=receiver
                        )
                    ]
                    session.add(kudos)
        wednesday = at.astimezone(config.workspace.tz).date()
        wednesday -= timedelta(days=(wednesday.weekday() - 2) % 7 or 7)
        for week in range(8, -1, -1):
            day = wednesday - timedelta(weeks=week)
            for site, (members, answering, mean) in PULSE.items():
                drift = -0.09 * (8 - week) if site == "mumbai" else 0.0  # Mumbai slips
                opens = datetime.combine(day, time(11), tzinfo=UTC)
                survey = PulseSurvey(
                    team_id=TEAM, key=f"pulse:{site}:{day.isoformat()}", site_key=site,
                    kind=kinds[site], round=day, opens_at=opens,
                    closes_at=opens + timedelta(hours=72), closed=True, language="en",
                    items=[{"id": "connected", "version": 1}], asks_enps=False,
                    asks_comment=False, members=members, responses=answering,
                    channel="C0DEMO",
                )  # fmt: skip
                session.add(survey)
                session.flush()
                for _ in range(answering):
                    value = round(rng.gauss(mean + drift, 0.7))
                    session.add(
                        PulseAnswer(
                            team_id=TEAM, survey_id=survey.id, item_id="connected",
                            item_version=1, language="en", value=min(5, max(1, value)),
                            respondent=None,
                        )
                    )  # fmt: skip
    engine.dispose()
    print(f"seeded {n} kudos and {9 * len(PULSE)} closed pulse rounds for team {TEAM}")


if __name__ == "__main__":
    main()
