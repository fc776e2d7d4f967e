"""Seeding kudos and closed pulse rounds straight into the database, for the digest's tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from bot.infra.models import Kudos, KudosRecipient, KudosSource, PulseAnswer, PulseSurvey

TEAM = "T0TEST"


class Seeder:
    """Adds rows with increasing ids to one session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.count = 0

    def kudos(
        self,
        at: datetime,
        giver_site: str | None,
        recipients: Sequence[str | None],
        *,
        values: Sequence[str] = (),
        withdrawn: bool = False,
    ) -> None:
        """One kudos given at ``at`` from a person at ``giver_site`` to one person at each
        of ``recipients`` (None: someone in no site)."""
        self.count += 1
        n = self.count
        row = Kudos(
            team_id=TEAM,
            source=KudosSource.COMMAND,
            source_key=f"seed:{n}",
            giver_id=f"UG{n}",
            giver_team_id=TEAM,
            message="thanks",
            values=list(values),
            groups=[],
            giver_site_key=giver_site,
            created_at=at,
            withdrawn_at=at + timedelta(minutes=5) if withdrawn else None,
        )
        row.recipients = [
            KudosRecipient(team_id=TEAM, user_id=f"UR{n}x{i}", user_team_id=TEAM, site_key=site)
            for i, site in enumerate(recipients)
        ]
        self.session.add(row)

    def pulse_round(
        self,
        site: str,
        kind: str,
        day: date,
        members: int,
        answers: dict[str, Sequence[int]],
        *,
        tag: str = "",
    ) -> None:
        """A closed round at ``site`` on ``day``: ``answers`` item -> values, one per person."""
        responses = max((len(v) for v in answers.values()), default=0)
        opens = datetime.combine(day, time(12, 0), tzinfo=UTC)
        survey = PulseSurvey(
            team_id=TEAM,
            key=f"pulse:{site}:{day.isoformat()}{tag}",
            site_key=site,
            kind=kind,
            round=day,
            opens_at=opens,
            closes_at=opens + timedelta(hours=72),
            closed=True,
            language="en",
            items=[{"id": item, "version": 1} for item in answers],
            asks_enps=False,
            asks_comment=False,
            members=members,
            responses=responses,
            channel=f"C0{site.upper()}",
        )
        self.session.add(survey)
        self.session.flush()
        for item, values in answers.items():
            for value in values:
                self.session.add(
                    PulseAnswer(
                        team_id=TEAM,
                        survey_id=survey.id,
                        item_id=item,
                        item_version=1,
                        language="en",
                        value=value,
                        respondent=None,
                    )
                )
