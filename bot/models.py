"""The database schema (SQLAlchemy 2.0 typed models).

Every table carries ``team_id`` so one deployment can later serve several workspaces. The
schema itself is created and upgraded only by the Alembic migrations in ``migrations/``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware datetime")
        from datetime import UTC

        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        from datetime import UTC

        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


TEAM_ID = String(32)
SLACK_ID = String(32)


class Site(Base):
    """A configured site, mirrored from lantern.toml so history survives config edits."""

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("team_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TEAM_ID)
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(SLACK_ID)
    partner: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SiteMember(Base):
    """A user who belongs to a site because they are a member of its channel."""

    __tablename__ = "site_members"
    __table_args__ = (
        UniqueConstraint("team_id", "site_key", "user_id"),
        Index("ix_site_members_user", "team_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TEAM_ID)
    site_key: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[str] = mapped_column(SLACK_ID)
    user_team_id: Mapped[str | None] = mapped_column(TEAM_ID)
    synced_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Kudos(Base):
    """One act of recognition, possibly to several people or a whole user group."""

    __tablename__ = "kudos"
    __table_args__ = (
        UniqueConstraint("team_id", "source_key"),
        Index("ix_kudos_giver_created", "team_id", "giver_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TEAM_ID)
    source: Mapped[str] = mapped_column(String(16))  # command | reaction | shortcut
    # natural key against Slack retries, e.g. "reaction:C1:1700000000.000100:U1"
    source_key: Mapped[str] = mapped_column(String(200))
    giver_id: Mapped[str] = mapped_column(SLACK_ID)
    giver_team_id: Mapped[str | None] = mapped_column(TEAM_ID)
    message: Mapped[str] = mapped_column(Text)
    is_team: Mapped[bool] = mapped_column(Boolean, default=False)
    values: Mapped[list[str]] = mapped_column(JSON, default=list)
    # user groups named in the kudos, as [id, handle] pairs (shown, never pinged)
    groups: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    giver_site_key: Mapped[str | None] = mapped_column(String(40))
    origin_channel_id: Mapped[str | None] = mapped_column(SLACK_ID)
    origin_ts: Mapped[str | None] = mapped_column(String(32))
    origin_permalink: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    recipients: Mapped[list[KudosRecipient]] = relationship(
        back_populates="kudos", cascade="all, delete-orphan", order_by="KudosRecipient.id"
    )


class KudosRecipient(Base):
    __tablename__ = "kudos_recipients"
    __table_args__ = (
        UniqueConstraint("kudos_id", "user_id"),
        Index("ix_kudos_recipients_user", "team_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TEAM_ID)
    kudos_id: Mapped[int] = mapped_column(ForeignKey("kudos.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(SLACK_ID)
    user_team_id: Mapped[str | None] = mapped_column(TEAM_ID)
    site_key: Mapped[str | None] = mapped_column(String(40))
    # the user group they were thanked through, or None when named themselves
    via_group: Mapped[str | None] = mapped_column(SLACK_ID)

    kudos: Mapped[Kudos] = relationship(back_populates="recipients")


class Survey(Base):
    """One pulse survey for one site, open between ``opens_at`` and ``closes_at``."""

    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("team_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TEAM_ID)
    key: Mapped[str] = mapped_column(String(120))  # e.g. "pulse:manila:2026-W24"
    site_key: Mapped[str] = mapped_column(String(40))
    opens_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", order_by="SurveyQuestion.position"
    )


class SurveyQuestion(Base):
    __tablename__ = "survey_questions"
    __table_args__ = (UniqueConstraint("survey_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TEAM_ID)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)

    survey: Mapped[Survey] = relationship(back_populates="questions")


class SurveyAnswer(Base):
    """An answer without its author: ``respondent_hash`` is keyed by LANTERN_SECRET and the
    survey, so a person can change their answer but a database copy cannot name them."""

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("question_id", "respondent_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TEAM_ID)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="CASCADE"))
    respondent_hash: Mapped[str] = mapped_column(String(64))
    choice: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OutboxMessage(Base):
    """A Slack Web API call stored before it is sent; ``key`` makes enqueueing idempotent."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TEAM_ID)
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    slack_channel: Mapped[str | None] = mapped_column(SLACK_ID)
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)


class ProcessedEvent(Base):
    """Slack event ids already handled, so a retried delivery does nothing twice."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("team_id", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TEAM_ID)
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ScheduledRun(Base):
    """Scheduled work the clock has done or deliberately skipped (too late), once per key."""

    __tablename__ = "scheduled_runs"
    __table_args__ = (UniqueConstraint("team_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TEAM_ID)
    key: Mapped[str] = mapped_column(String(255))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ran_at: Mapped[datetime] = mapped_column(UtcDateTime())
    outcome: Mapped[str] = mapped_column(String(16))  # done | skipped
    detail: Mapped[str | None] = mapped_column(Text)
