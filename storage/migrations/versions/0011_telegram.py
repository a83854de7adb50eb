"""telegram: chats, chat-account links, link attempts, reminders, handled updates, drafts

Revision ID: 0011
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "telegram_chats",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("awaiting", sa.String(length=64), nullable=True),
        sa.Column("created_at", AT, nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
    )
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
    op.create_table(
        "telegram_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("handled_at", AT, nullable=False),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_table(
        "telegram_drafts",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", AT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("update_id"),
    )


def downgrade() -> None:
    op.drop_table("telegram_drafts")
    op.drop_table("telegram_updates")
    op.drop_table("telegram_reminders")
    op.drop_index("ix_telegram_link_attempts_chat_day", table_name="telegram_link_attempts")
    op.drop_table("telegram_link_attempts")
    op.drop_table("telegram_links")
    op.drop_table("telegram_chats")
