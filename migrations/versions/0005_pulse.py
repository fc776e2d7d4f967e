"""pulse surveys, anonymous by construction

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

Replaces the unused survey tables of 0001 (an answer kept its respondent hash for good) with
pulse_surveys (one round at one site, no person), pulse_respondents (who has answered, only
while the round is open), pulse_answers and pulse_comments (random ids, no time; the
per-survey hash that lets someone replace an answer is erased when the round closes).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("survey_answers")
    op.drop_table("survey_questions")
    op.drop_table("surveys")
    op.create_table(
        "pulse_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("site_key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("round", sa.Date(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("asks_enps", sa.Boolean(), nullable=False),
        sa.Column("asks_comment", sa.Boolean(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_surveys")),
        sa.UniqueConstraint("team_id", "key", name=op.f("uq_pulse_surveys_team_id_key")),
    )
    op.create_index(
        "ix_pulse_surveys_site_round", "pulse_surveys", ["team_id", "site_key", "round"]
    )
    op.create_table(
        "pulse_respondents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["pulse_surveys.id"],
            name=op.f("fk_pulse_respondents_survey_id_pulse_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_respondents")),
        sa.UniqueConstraint(
            "survey_id", "user_id", name=op.f("uq_pulse_respondents_survey_id_user_id")
        ),
    )
    op.create_table(
        "pulse_answers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("item_version", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("respondent", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["pulse_surveys.id"],
            name=op.f("fk_pulse_answers_survey_id_pulse_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_answers")),
        sa.UniqueConstraint(
            "survey_id",
            "respondent",
            "item_id",
            name=op.f("uq_pulse_answers_survey_id_respondent_item_id"),
        ),
    )
    op.create_table(
        "pulse_comments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("respondent", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["pulse_surveys.id"],
            name=op.f("fk_pulse_comments_survey_id_pulse_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_comments")),
        sa.UniqueConstraint(
            "survey_id", "respondent", name=op.f("uq_pulse_comments_survey_id_respondent")
        ),
    )


def downgrade() -> None:
    """Back to 0004: the pulse tables go (with every answer in them) and the empty survey
    tables of 0001 come back."""
    op.drop_table("pulse_comments")
    op.drop_table("pulse_answers")
    op.drop_table("pulse_respondents")
    op.drop_index("ix_pulse_surveys_site_round", table_name="pulse_surveys")
    op.drop_table("pulse_surveys")
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("site_key", sa.String(length=40), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("team_id", "key", name=op.f("uq_surveys_team_id_key")),
    )
    op.create_table(
        "survey_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_questions_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_questions")),
        sa.UniqueConstraint(
            "survey_id", "position", name=op.f("uq_survey_questions_survey_id_position")
        ),
    )
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("respondent_hash", sa.String(length=64), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["survey_questions.id"],
            name=op.f("fk_survey_answers_question_id_survey_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_answers_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answers")),
        sa.UniqueConstraint(
            "question_id",
            "respondent_hash",
            name=op.f("uq_survey_answers_question_id_respondent_hash"),
        ),
    )
