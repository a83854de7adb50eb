"""period volumes: estimate, factor and basis of every billed row (billing v2)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BASES = (
    "reading", "inspection", "replacement", "replacement_gap", "no_reading", "meter_failed",
    "access_refused", "first_reading", "never_read",
)  # fmt: skip


ESTIMATED = "method <> 'actual' OR estimate <> 0"


def upgrade() -> None:
    allowed = ", ".join(f"'{v}'" for v in BASES)
    op.add_column(
        "period_volumes",
        sa.Column(
            "estimate", sa.Numeric(precision=18, scale=4), nullable=False, server_default="0"
        ),
    )
    op.add_column("period_volumes", sa.Column("factor", sa.Numeric(precision=18, scale=4)))
    if op.get_bind().dialect.name == "sqlite":
        # ADD COLUMN with its CHECK: no table rebuild (see storage/migrations/sqlite_schema.py)
        op.execute(
            "ALTER TABLE period_volumes ADD COLUMN basis VARCHAR(16) "
            f"CONSTRAINT ck_volume_basis CHECK (basis IN ({allowed}))"
        )
    else:
        op.add_column("period_volumes", sa.Column("basis", sa.String(length=16)))
        op.create_check_constraint("ck_volume_basis", "period_volumes", f"basis IN ({allowed})")

    # what a later close may correct: the estimates, found by register without scanning
    # every earlier period's rows
    op.create_index(
        "ix_period_volumes_estimates",
        "period_volumes",
        ["meter_id", "zone", "period"],
        postgresql_where=sa.text(ESTIMATED),
        sqlite_where=sa.text(ESTIMATED),
    )


def downgrade() -> None:
    op.drop_index("ix_period_volumes_estimates", table_name="period_volumes")
    # nothing references period_volumes: rebuilding it on SQLite deletes nothing else
    with op.batch_alter_table("period_volumes") as batch:
        batch.drop_constraint("ck_volume_basis", type_="check")
        batch.drop_column("basis")
        batch.drop_column("factor")
        batch.drop_column("estimate")
