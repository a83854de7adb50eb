"""billing v2 events: meter replacements, acts, residents history; meters' installed_on,
removed_on, replaces_meter_id and status removed; event readings share readings

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.migrations.sqlite_schema import rewrite_table_sql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
VALUE = sa.Numeric(18, 4)
ACTS = "'inspection', 'access_refused', 'failed', 'recommissioned'"
IMPORTED = "message_id IS NULL"


STATUS_BEFORE = "status IN ('active', 'failed')"
STATUS_AFTER = "status IN ('active', 'failed', 'removed')"
REPLACES = "replaces_meter_id INTEGER REFERENCES meters (id) ON DELETE SET NULL"


def _meter_status(before: str, after: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # in place: a rebuild would delete every reading of the meters (sqlite_schema.py)
        rewrite_table_sql("meters", before, after)
        return
    op.drop_constraint("ck_meter_status", "meters", type_="check")
    op.create_check_constraint("ck_meter_status", "meters", after)


def _imported_index(*columns: str) -> None:
    op.drop_index("uq_readings_imported", table_name="readings")
    op.create_index(
        "uq_readings_imported",
        "readings",
        list(columns),
        unique=True,
        sqlite_where=sa.text(IMPORTED),
        postgresql_where=sa.text(IMPORTED),
    )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column("meters", sa.Column("installed_on", sa.Date(), nullable=True))
    op.add_column("meters", sa.Column("removed_on", sa.Date(), nullable=True))
    if (
        sqlite
    ):  # ADD COLUMN with its REFERENCES, no rebuild (see storage/migrations/sqlite_schema.py)
        op.execute(f"ALTER TABLE meters ADD COLUMN {REPLACES}")
    else:
        op.add_column("meters", sa.Column("replaces_meter_id", BIG_ID, nullable=True))
        op.create_foreign_key(
            "fk_meters_replaces_meter_id", "meters", "meters", ["replaces_meter_id"], ["id"],
            ondelete="SET NULL",
        )  # fmt: skip
    _meter_status(STATUS_BEFORE, STATUS_AFTER)
    # an event's reading may fall on the day of an imported one: one per source
    _imported_index("meter_id", "zone", "taken_on", "source")
    op.create_table(
        "meter_replacements",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("old_meter_id", BIG_ID, nullable=False),
        sa.Column("zone", sa.Integer(), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=False),
        sa.Column("removal_value", VALUE, nullable=False),
        sa.Column("new_meter_id", BIG_ID, nullable=True),
        sa.Column("installed_on", sa.Date(), nullable=True),
        sa.Column("installation_value", VALUE, nullable=True),
        sa.ForeignKeyConstraint(["old_meter_id"], ["meters.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["new_meter_id"], ["meters.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("old_meter_id", "zone", "removed_on"),
    )
    op.create_index("ix_meter_replacements_new_meter", "meter_replacements", ["new_meter_id"])
    op.create_table(
        "meter_acts",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("meter_id", BIG_ID, nullable=False),
        sa.Column("zone", sa.Integer(), nullable=False),
        sa.Column("acted_on", sa.Date(), nullable=False),
        sa.Column("act", sa.String(length=16), nullable=False),
        sa.Column("value", VALUE, nullable=True),
        sa.CheckConstraint(f"act IN ({ACTS})", name="ck_meter_act"),
        sa.ForeignKeyConstraint(["meter_id"], ["meters.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meter_id", "zone", "acted_on", "act"),
    )
    op.create_table(
        "residents_history",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("residents", sa.Integer(), nullable=False),
        sa.Column("owners", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "since"),
    )


def downgrade() -> None:
    op.drop_table("residents_history")
    op.drop_table("meter_acts")
    op.drop_index("ix_meter_replacements_new_meter", table_name="meter_replacements")
    op.drop_table("meter_replacements")
    op.execute(
        "DELETE FROM readings WHERE source IN "
        "('removal', 'installation', 'inspection', 'failure', 'recommissioning')"
    )
    _imported_index("meter_id", "zone", "taken_on")
    op.execute("UPDATE meters SET status = 'active' WHERE status = 'removed'")
    _meter_status(STATUS_AFTER, STATUS_BEFORE)
    if op.get_bind().dialect.name != "sqlite":  # SQLite drops the column's REFERENCES with it
        op.drop_constraint("fk_meters_replaces_meter_id", "meters", type_="foreignkey")
    op.drop_column("meters", "replaces_meter_id")
    op.drop_column("meters", "removed_on")
    op.drop_column("meters", "installed_on")
