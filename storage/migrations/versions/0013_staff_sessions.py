"""staff sessions in the database and the throttles' events (failed logins, form use)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("seen_at", AT, nullable=False),
        sa.Column("ended_at", AT, nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_staff_sessions_login", "staff_sessions", ["login"])
    op.create_table(
        "throttle_events",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("at", AT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_throttle_events_scope_key_at", "throttle_events", ["scope", "key", "at"])
    op.create_index("ix_throttle_events_at", "throttle_events", ["at"])


def downgrade() -> None:
    op.drop_index("ix_throttle_events_at", table_name="throttle_events")
    op.drop_index("ix_throttle_events_scope_key_at", table_name="throttle_events")
    op.drop_table("throttle_events")
    op.drop_index("ix_staff_sessions_login", table_name="staff_sessions")
    op.drop_table("staff_sessions")
