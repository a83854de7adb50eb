"""statuses as enums in SQL: a CHECK constraint on every status, channel, service and method

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, constraint, column, allowed values) as of this revision: a later value needs a
# migration that replaces the constraint
CHECKS = [
    ("accounts", "ck_account_status", "status", ("open", "closed")),
    ("meters", "ck_meter_service", "service",
     ("electricity", "cold_water", "hot_water", "gas", "heating")),
    ("meters", "ck_meter_status", "status", ("active", "failed")),
    ("messages", "ck_message_channel", "channel", ("sms", "email", "telegram", "web")),
    ("messages", "ck_message_status", "status",
     ("pending", "accepted", "review", "rejected", "superseded")),
    ("readings", "ck_reading_status", "status",
     ("pending", "accepted", "review", "rejected", "superseded")),
    ("outbox", "ck_outbox_status", "status", ("pending", "sent", "failed")),
    ("periods", "ck_period_status", "status", ("closed", "exported")),
    ("period_volumes", "ck_volume_method", "method", ("actual", "average", "normative")),
]  # fmt: skip


def upgrade() -> None:
    for table, name, column, values in CHECKS:
        allowed = ", ".join(f"'{v}'" for v in values)
        with op.batch_alter_table(table) as batch:
            batch.create_check_constraint(name, f"{column} IN ({allowed})")


def downgrade() -> None:
    for table, name, _, _ in reversed(CHECKS):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(name, type_="check")
