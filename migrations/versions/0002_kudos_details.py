"""kudos groups, giver site, permalink, and how each recipient was thanked

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kudos", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("groups", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("giver_site_key", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("origin_permalink", sa.Text(), nullable=True))
    with op.batch_alter_table("kudos_recipients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("via_group", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kudos_recipients", schema=None) as batch_op:
        batch_op.drop_column("via_group")
    with op.batch_alter_table("kudos", schema=None) as batch_op:
        batch_op.drop_column("origin_permalink")
        batch_op.drop_column("giver_site_key")
        batch_op.drop_column("groups")
