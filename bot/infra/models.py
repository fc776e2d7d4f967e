"""The database schema (SQLAlchemy 2.0 typed models).

Every table carries ``team_id`` (through :class:`TeamScoped`) so one deployment can later
serve several workspaces. Datetimes are aware and stored as UTC through one type,
:class:`UtcDateTime`. Statuses are :class:`enum.StrEnum` members stored as short strings. The
schema itself is created and upgraded only by the Alembic migrations in ``migrations/``.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
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
    """Aware datetimes in, aware UTC datetimes out, on SQLite as on PostgreSQL.

    Raises:
        ValueError: when a naive datetime is written (time is always a parameter with a zone).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """The value in UTC on its way in; ValueError when it is naive."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """The value as an aware UTC datetime (SQLite gives it back naive: it was stored UTC)."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _stored_enum(enum: type[StrEnum]) -> Enum:
    """A StrEnum kept as its value in a VARCHAR(16): no database enum type, no CHECK."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=16,
        values_callable=lambda members: [member.value for member in members],
    )


class OutboxStatus(StrEnum):
    """Where an outgoing Slack call stands."""

    PENDING = "pending"  # waiting to be sent (first try or a retry)
    SENT = "sent"  # Slack accepted it; ``slack_ts`` holds the post
    FAILED = "failed"  # given up for good; ``last_error`` says why
    CANCELLED = "cancelled"  # withdrawn before any deliverer took it


class JobStatus(StrEnum):
    """Where a stored request (an inbox job) stands."""

    PENDING = "pending"  # waiting to run (first time or a retry)
    DONE = "done"  # ran to the end
    FAILED = "failed"  # given up (expired or failing for good); ``last_error`` says why


class RunOutcome(StrEnum):
    """What the clock did with one piece of scheduled work."""

    DONE = "done"
    SKIPPED = "skipped"  # reminders: over 12 hours late; membership sync: Slack refused


class KudosSource(StrEnum):
    """Where kudos came from."""

    COMMAND = "command"  # /kudos
    REACTION = "reaction"  # the kudos emoji on a message
    SHORTCUT = "shortcut"  # the "Give kudos" form


# column types, named for what they hold
TeamId = Annotated[str, mapped_column(String(32))]
SlackId = Annotated[str, mapped_column(String(32))]
SiteKey = Annotated[str, mapped_column(String(40))]


class Base(DeclarativeBase):
    """Every table: constraint names from NAMING (stable across databases, so migrations can
    name them) and UtcDateTime for every ``datetime`` column."""

    metadata = MetaData(naming_convention=NAMING)
    # every datetime column is aware and UTC, through one type
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime()}


class TeamScoped:
    """An integer primary key and the Slack team the row belongs to."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[TeamId]


class Site(TeamScoped, Base):
    """A configured site, mirrored from lantern.toml so history survives config edits."""

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("team_id", "key"),)

    key: Mapped[SiteKey]
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[SlackId]
    partner: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime]


class DirectoryEntry(TeamScoped, Base):
    """A Slack user as lantern last read them (``users.list``, ``users.info``): the directory
    every process shares, refreshed whole with the membership sync. ``team_id`` is the
    person's home workspace (another one's for a Slack Connect partner; "-" if Slack gave
    none); Slack user ids are unique across workspaces."""

    __tablename__ = "directory"
    __table_args__ = (UniqueConstraint("user_id"),)

    user_id: Mapped[SlackId]
    name: Mapped[str] = mapped_column(String(200))
    tz: Mapped[str | None] = mapped_column(String(64))
    is_bot: Mapped[bool]
    deleted: Mapped[bool]
    seen_at: Mapped[datetime]


class SiteMember(TeamScoped, Base):
    """A user who belongs to a site because they are a member of its channel."""

    __tablename__ = "site_members"
    __table_args__ = (
        UniqueConstraint("team_id", "site_key", "user_id"),
        Index("ix_site_members_user", "team_id", "user_id"),
    )

    site_key: Mapped[SiteKey]
    user_id: Mapped[SlackId]
    user_team_id: Mapped[TeamId | None]
    synced_at: Mapped[datetime]


class Kudos(TeamScoped, Base):
    """One act of recognition, possibly to several people or a whole user group."""

    __tablename__ = "kudos"
    __table_args__ = (
        UniqueConstraint("team_id", "source_key"),
        Index("ix_kudos_giver_created", "team_id", "giver_id", "created_at"),
        # the digest's weekly figures: every kudos of a team in a span of time
        Index("ix_kudos_team_created", "team_id", "created_at"),
    )

    source: Mapped[KudosSource] = mapped_column(_stored_enum(KudosSource))
    # natural key against Slack retries, e.g. "reaction:C1:1700000000.000100:U1"
    source_key: Mapped[str] = mapped_column(String(200))
    giver_id: Mapped[SlackId]
    giver_team_id: Mapped[TeamId | None]
    message: Mapped[str] = mapped_column(Text)
    is_team: Mapped[bool] = mapped_column(default=False)
    values: Mapped[list[str]] = mapped_column(JSON, default=list)
    # user groups named in the kudos, as [id, handle] pairs (shown, never pinged)
    groups: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    giver_site_key: Mapped[SiteKey | None]
    origin_channel_id: Mapped[SlackId | None]
    origin_ts: Mapped[str | None] = mapped_column(String(32))
    origin_permalink: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]

    recipients: Mapped[list[KudosRecipient]] = relationship(
        back_populates="kudos", cascade="all, delete-orphan", order_by="KudosRecipient.id"
    )


class KudosRecipient(TeamScoped, Base):
    """One person thanked by a kudos, with the site they were at when thanked."""

    __tablename__ = "kudos_recipients"
    __table_args__ = (
        UniqueConstraint("kudos_id", "user_id"),
        Index("ix_kudos_recipients_user", "team_id", "user_id"),
        # the digest: a kudos's recipients and their sites without reading the rows
        Index("ix_kudos_recipients_kudos_site", "kudos_id", "site_key"),
    )

    kudos_id: Mapped[int] = mapped_column(ForeignKey("kudos.id", ondelete="CASCADE"))
    user_id: Mapped[SlackId]
    user_team_id: Mapped[TeamId | None]
    site_key: Mapped[SiteKey | None]
    # the user group they were thanked through, or None when named themselves
    via_group: Mapped[SlackId | None]

    kudos: Mapped[Kudos] = relationship(back_populates="recipients")


class PulseSurvey(TeamScoped, Base):
    """One pulse round at one site: what it asks, when it is open, and, once closed, how many
    answered. It holds no person: who has answered lives in ``pulse_respondents`` while it is
    open and is then reduced to ``responses``."""

    __tablename__ = "pulse_surveys"
    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        Index("ix_pulse_surveys_site_round", "team_id", "site_key", "round"),
    )

    key: Mapped[str] = mapped_column(String(120))  # "pulse:manila:2026-12-02"
    site_key: Mapped[SiteKey]
    kind: Mapped[str] = mapped_column(String(16))  # the site's kind when it opened
    round: Mapped[date] = mapped_column(Date)  # the site-local day it opened
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    closed: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(8))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{"id", "version"}] in order
    asks_enps: Mapped[bool]
    asks_comment: Mapped[bool]
    members: Mapped[int]  # the site's members when it opened
    responses: Mapped[int] = mapped_column(default=0)  # counted at close
    channel: Mapped[str] = mapped_column(String(32))


class PulseRespondent(TeamScoped, Base):
    """That someone has answered an open survey, so each member answers once; every row of
    a survey is deleted when it closes. Nothing here points at an answer."""

    __tablename__ = "pulse_respondents"
    __table_args__ = (UniqueConstraint("survey_id", "user_id"),)

    survey_id: Mapped[int] = mapped_column(ForeignKey("pulse_surveys.id", ondelete="CASCADE"))
    user_id: Mapped[SlackId]


def random_id() -> str:
    """A random row id: answers and comments carry no insertion order to match against."""
    return secrets.token_hex(16)


class PulseAnswer(Base):
    """One answer to one item, with the item's version and the language it was given in. No
    time and no person: ``respondent`` is a per-survey keyed hash while the survey is open
    (so an answer can be replaced) and is erased when it closes."""

    __tablename__ = "pulse_answers"
    __table_args__ = (UniqueConstraint("survey_id", "respondent", "item_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    team_id: Mapped[TeamId]
    survey_id: Mapped[int] = mapped_column(ForeignKey("pulse_surveys.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(40))
    item_version: Mapped[int]
    language: Mapped[str] = mapped_column(String(8))
    value: Mapped[int]
    respondent: Mapped[str | None] = mapped_column(String(64))


class PulseComment(Base):
    """One comment, apart from the scores: no time, no person once the survey closes (as
    for answers), deleted after ``[pulse] comment_retention_days``."""

    __tablename__ = "pulse_comments"
    __table_args__ = (UniqueConstraint("survey_id", "respondent"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    team_id: Mapped[TeamId]
    survey_id: Mapped[int] = mapped_column(ForeignKey("pulse_surveys.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    respondent: Mapped[str | None] = mapped_column(String(64))


class Digest(TeamScoped, Base):
    """The manager digest of one ISO week, computed once when it is due: what every manager
    was sent that week and what a manager's App Home shows until the next. ``figures`` is
    :class:`bot.digest.figures.DigestFigures` as JSON; no person and no group under the pulse
    threshold is in it."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("team_id", "week"),)

    week: Mapped[str] = mapped_column(String(10))  # ISO 8601 week, "2026-W49"
    at: Mapped[datetime]  # the instant its figures run up to
    computed_at: Mapped[datetime]
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    chart: Mapped[bytes] = mapped_column(LargeBinary)  # PNG
    alt_text: Mapped[str] = mapped_column(Text)


class OutboxMessage(TeamScoped, Base):
    """A Slack Web API call stored before it is sent; ``key`` makes enqueueing idempotent."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[OutboxStatus] = mapped_column(
        _stored_enum(OutboxStatus), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None]
    slack_channel: Mapped[SlackId | None]
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    # after this the message is worthless ("Today: Diwali" the day after): failed "expired"
    expires_at: Mapped[datetime | None]
    # when a send whose outcome is unknown (answer lost, crash) began: checked before resending
    unknown_since: Mapped[datetime | None]
    # sends made without being able to check the channel first (the bot cannot read it)
    blind_resends: Mapped[int] = mapped_column(default=0, server_default="0")


class InboxJob(TeamScoped, Base):
    """Work a request asked for that goes on after Slack has its answer, stored before the
    ack under a natural key (``event:<event_id>``, ``command:<trigger_id>``, ``view:<id>``), so
    a retried delivery is stored once and a stop, crash or database outage loses none of it."""

    __tablename__ = "inbox_jobs"
    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        Index("ix_inbox_due", "status", "next_attempt_at"),
    )

    key: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(64))  # which runner, e.g. "kudos.command"
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[JobStatus] = mapped_column(_stored_enum(JobStatus), default=JobStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    finished_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class ScheduledRun(TeamScoped, Base):
    """Scheduled work the clock has done or deliberately skipped, once per key."""

    __tablename__ = "scheduled_runs"
    __table_args__ = (UniqueConstraint("team_id", "key"),)

    key: Mapped[str] = mapped_column(String(255))
    due_at: Mapped[datetime]
    ran_at: Mapped[datetime]
    outcome: Mapped[RunOutcome] = mapped_column(_stored_enum(RunOutcome))
    detail: Mapped[str | None] = mapped_column(Text)
