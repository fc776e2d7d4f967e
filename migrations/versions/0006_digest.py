"""the weekly manager digest

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

Adds ``digests`` (one row per team and ISO week: the figures every manager was sent and the
chart) and the indexes the digest's aggregations read: kudos by team and time, and a kudos's
recipients with their sites.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("chart", sa.LargeBinary(), nullable=False),
        sa.Column("alt_text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sa.UniqueConstraint("team_id", "week", name=op.f("uq_digests_team_id_week")),
    )
    op.create_index("ix_kudos_team_created", "kudos", ["team_id", "created_at"])
    op.create_index("ix_kudos_recipients_kudos_site", "kudos_recipients", ["kudos_id", "site_key"])


def downgrade() -> None:
    """Back to 0005: the digests (and their charts) go, and the two indexes."""
    op.drop_index("ix_kudos_recipients_kudos_site", table_name="kudos_recipients")
    op.drop_index("ix_kudos_team_created", table_name="kudos")
    op.drop_table("digests")
