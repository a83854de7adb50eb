"""drop telegram_links, telegram_link_attempts and telegram_reminders

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07

Since 0012 a chat's link to an account is its user's verified contact (``contact_links``),
link attempts are counted in ``contact_audit`` and reminders are kept per contact; these
three tables are empty (0012 moved their links) and no code reads them. The downgrade
creates them again, empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.drop_table("telegram_reminders")
    op.drop_index("ix_telegram_link_attempts_chat_day", table_name="telegram_link_attempts")
    op.drop_table("telegram_link_attempts")
    op.drop_table("telegram_links")


def downgrade() -> None:
    op.create_table(
        "telegram_links",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("linked_at", AT, nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["telegram_chats.chat_id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chat_id", "account_id"),
    )
    op.create_table(
        "telegram_link_attempts",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("uin", sa.String(length=32), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("at", AT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_telegram_link_attempts_chat_day", "telegram_link_attempts", ["chat_id", "day"]
    )
    op.create_table(
        "telegram_reminders",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("sent_at", AT, nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "period"),
    )
