"""the shared directory of people

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

Who a Slack user is (name, timezone, bot, deactivated), as users.list last said, for every
process: the membership sync refreshes it, so resolving a large user group asks Slack nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "directory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=True),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory")),
        sa.UniqueConstraint("user_id", name=op.f("uq_directory_user_id")),
    )


def downgrade() -> None:
    op.drop_table("directory")
