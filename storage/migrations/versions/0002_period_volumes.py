"""period volumes: billed volume of every register per period, and the periods closed

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "periods",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("period"),
    )
    op.create_table(
        "period_volumes",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("meter_id", BIG_ID, nullable=False),
        sa.Column("zone", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("volume", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("correction", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("reading_start", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("reading_end", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.ForeignKeyConstraint(["meter_id"], ["meters.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("period", "meter_id", "zone"),
    )


def downgrade() -> None:
    op.drop_table("period_volumes")
    op.drop_table("periods")
