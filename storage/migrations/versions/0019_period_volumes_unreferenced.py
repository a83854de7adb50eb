"""period_volumes without its foreign key to meters

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07

Only the period close writes ``period_volumes``, from the meters it reads in the same
transaction, and no meter is ever deleted (a replaced one is ``removed``), so the key
checked nothing the close does not already guarantee. It cost the most of the close's
``COPY``: PostgreSQL checks each row on its own and locks the meter's row for it (1,000,000
rows: 6.5 s with the key, 2.7 s without; docs/billing.md, "Running it again, and at
scale"). On SQLite the constraint goes in place (``storage/migrations/sqlite_schema.py``).
"""

from collections.abc import Sequence

from alembic import op

from storage.migrations.sqlite_schema import rewrite_table_sql

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "FOREIGN KEY(meter_id) REFERENCES meters (id) ON DELETE CASCADE"
LAST_CHECK = "CONSTRAINT ck_volume_method CHECK (method IN ('actual', 'average', 'normative'))"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        rewrite_table_sql("period_volumes", f"{LAST_CHECK}, \n\t{KEY}\n", f"{LAST_CHECK}\n")
    else:
        op.drop_constraint("period_volumes_meter_id_fkey", "period_volumes", type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        rewrite_table_sql("period_volumes", f"{LAST_CHECK}\n", f"{LAST_CHECK}, \n\t{KEY}\n")
    else:
        op.create_foreign_key(
            "period_volumes_meter_id_fkey", "period_volumes", "meters", ["meter_id"], ["id"],
            ondelete="CASCADE",
        )  # fmt: skip
