"""Pulse records on a real database: closing forgets who answered; old comments go."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.config import WorkspaceConfig
from bot.infra.models import PulseAnswer, PulseComment, PulseRespondent, PulseSurvey
from bot.pulse import store
from bot.pulse.planner import close_rounds
from bot.pulse.rounds import round_on


def opened(session: Session, config: WorkspaceConfig, day: date) -> PulseSurvey:
    manila = config.site("manila")
    assert manila is not None
    return store.open_round(session, "T0TEST", round_on(config, manila, day), "C0MANILA")


def test_closing_keeps_a_count_and_forgets_everyone(
    session_factory: sessionmaker[Session], config: WorkspaceConfig
) -> None:
    with session_factory.begin() as session:
        survey = opened(session, config, date(2026, 12, 2))
        for user in ("U1", "U2", "U3"):
            given = store.Given({"connected": 4, "respected": 5, "clear": 3}, f"from {user}")
            store.record(
                session, survey, user, store.respondent_key("s", survey.key, user), given, "en"
            )
        closes = survey.closes_at
    with session_factory.begin() as session:
        assert close_rounds(session, config, "T0TEST", closes - timedelta(seconds=1)) == []
        close_rounds(session, config, "T0TEST", closes)
    with session_factory() as session:
        survey = session.scalars(select(PulseSurvey)).one()
        assert survey.closed and survey.responses == 3
        assert session.scalars(select(PulseRespondent)).all() == []
        assert {a.respondent for a in session.scalars(select(PulseAnswer))} == {None}
        assert {c.respondent for c in session.scalars(select(PulseComment))} == {None}
        assert len(session.scalars(select(PulseAnswer)).all()) == 9


def test_comments_are_deleted_after_their_retention(
    session_factory: sessionmaker[Session], config: WorkspaceConfig
) -> None:
    short = replace(config, pulse=replace(config.pulse, comment_retention_days=30))
    with session_factory.begin() as session:
        old = opened(session, short, date(2026, 10, 7))
        new = opened(session, short, date(2026, 11, 25))
        for survey in (old, new):
            key = store.respondent_key("s", survey.key, "U1")
            store.record(session, survey, "U1", key, store.Given({"connected": 4}, "hello"), "en")
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # 7 Oct is 54 days back, 25 Nov 5
    with session_factory.begin() as session:
        close_rounds(session, short, "T0TEST", now)
    with session_factory() as session:
        kept = {c.survey_id for c in session.scalars(select(PulseComment))}
        assert kept == {new.id}
        assert len(session.scalars(select(PulseAnswer)).all()) == 2  # scores stay


def test_an_extra_round_on_a_weekly_rounds_day_replaces_it_in_results(
    session_factory: sessionmaker[Session], config: WorkspaceConfig
) -> None:
    """The same people may answer both: pooling them could count 3 people as 6 and lift
    the group over the threshold, so results take the later round alone."""
    from bot.pulse.reports import latest_round
    from bot.pulse.service import open_now

    manila = config.site("manila")
    assert manila is not None
    weekly_day = date(2026, 12, 2)
    with session_factory.begin() as session:
        weekly = opened(session, config, weekly_day)
        extra_at = weekly.opens_at + timedelta(hours=2)
        open_now(session, config, "T0TEST", "manila", extra_at, "x")
        surveys = session.scalars(select(PulseSurvey).order_by(PulseSurvey.opens_at)).all()
        assert len(surveys) == 2 and surveys[0].round == surveys[1].round == weekly_day
        for survey in surveys:
            for user in ("U1", "U2", "U3"):
                key = store.respondent_key("s", survey.key, user)
                store.record(session, survey, user, key, store.Given({"connected": 4}, None), "en")
        end = max(s.closes_at for s in surveys)
    with session_factory.begin() as session:
        close_rounds(session, config, "T0TEST", end)
    with session_factory() as session:
        latest = latest_round(session, config, "T0TEST")
    assert latest is not None
    group = latest.results.group("manila")
    assert group is not None and not group.shown  # 3 people, not 6
    assert group.reason == "fewer than 5 answers"
