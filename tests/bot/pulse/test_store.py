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
        for user, language in (("U1", "en"), ("U2", "en"), ("U3", "es")):
            given = store.Given({"connected": 4, "respected": 5, "clear": 3}, f"from {user}")
            key = store.respondent_key("s", survey.key, user)
            store.record(session, survey, user, key, given, language)
        closes = survey.closes_at
        ids_before = set(session.scalars(select(PulseAnswer.id)))
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
        # written anew: new ids (no order to match), and the one Spanish answerer's language
        # is the round's own, since fewer than 5 people answered in it
        assert not ids_before & set(session.scalars(select(PulseAnswer.id)))
        assert set(session.scalars(select(PulseAnswer.language))) == {"en"}


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


def test_an_extra_round_is_a_batch_of_its_own(
    session_factory: sessionmaker[Session], config: WorkspaceConfig
) -> None:
    """The same people may answer both a weekly and an extra round: pooling them could count
    3 people as 6 and lift the group over the threshold, so each is its own batch."""
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


def test_a_batch_is_published_only_when_every_site_has_closed(
    session_factory: sessionmaker[Session], config: WorkspaceConfig
) -> None:
    """Manila closes hours before Bogotá: results read in between, then after, could be
    subtracted, so nothing of the day shows until both have closed."""
    from bot.pulse.reports import complete_batches, latest_round

    bogota = config.site("bogota")
    assert bogota is not None
    with session_factory.begin() as session:
        manila = opened(session, config, date(2026, 12, 2))
        late = store.open_round(
            session, "T0TEST", round_on(config, bogota, date(2026, 12, 2)), "C0BOGOTA"
        )
        assert late.closes_at > manila.closes_at
        first, last = manila.closes_at, late.closes_at
    with session_factory.begin() as session:
        close_rounds(session, config, "T0TEST", first)
    with session_factory() as session:
        assert complete_batches(session, "T0TEST") == []
        assert latest_round(session, config, "T0TEST") is None
    with session_factory.begin() as session:
        close_rounds(session, config, "T0TEST", last)
    with session_factory() as session:
        assert complete_batches(session, "T0TEST") == ["2026-12-02"]
        latest = latest_round(session, config, "T0TEST")
    assert latest is not None and {g.key for g in latest.results.groups} >= {"manila", "bogota"}


def test_a_person_in_two_sites_answers_once_a_round(
    session_factory: sessionmaker[Session], config: WorkspaceConfig
) -> None:
    from bot.infra.models import SiteMember
    from bot.pulse import service

    cebu = config.site("cebu")
    assert cebu is not None
    with session_factory.begin() as session:
        for site_key in ("manila", "cebu"):
            session.add(
                SiteMember(
                    team_id="T0TEST",
                    site_key=site_key,
                    user_id="U2",
                    synced_at=datetime(2026, 12, 1, tzinfo=UTC),
                )
            )
        manila_round = opened(session, config, date(2026, 12, 2))
        cebu_round = store.open_round(
            session, "T0TEST", round_on(config, cebu, date(2026, 12, 2)), "C0CEBU"
        )
        keys = (manila_round.key, cebu_round.key)
        now = cebu_round.opens_at
    answers = {"q_connected": {"value": {"selected_option": {"value": "4"}}}} | {
        f"q_{item}": {"value": {"selected_option": {"value": "4"}}}
        for item in ("respected", "clear", "enps")
    }
    with session_factory.begin() as session:
        first = service.submit(session, config, "T0TEST", "s", keys[0], "U2", "en", answers, now)
    assert first.recorded
    with session_factory.begin() as session:
        second = service.submit(session, config, "T0TEST", "s", keys[1], "U2", "en", answers, now)
    assert not second.recorded and "for Manila already" in str(second.view)
