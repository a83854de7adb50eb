"""contacts: contacts, their verified links to accounts, link attempts, notices, audit;
the Telegram chats' links moved onto them as Telegram contacts

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("opted_out_at", AT, nullable=True),
        sa.Column("pending_uin", sa.String(length=32), nullable=True),
        sa.Column("pending_since", AT, nullable=True),
        sa.Column("created_at", AT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "address"),
    )
    op.create_table(
        "contact_links",
        sa.Column("contact_id", BIG_ID, nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("verified_at", AT, nullable=False),
        sa.Column("verified_by", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("contact_id", "account_id"),
    )
    op.create_index("ix_contact_links_account", "contact_links", ["account_id"])
    op.create_table(
        "contact_link_attempts",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("contact_id", BIG_ID, nullable=False),
        sa.Column("account_id", BIG_ID, nullable=True),
        sa.Column("uin", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("at", AT, nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_contact_link_attempts_contact_day", "contact_link_attempts", ["contact_id", "day"]
    )
    op.create_index(
        "ix_contact_link_attempts_account_day", "contact_link_attempts", ["account_id", "day"]
    )
    op.create_table(
        "contact_notices",
        sa.Column("contact_id", BIG_ID, nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sent_at", AT, nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("contact_id", "period", "kind"),
    )
    op.create_table(
        "contact_audit",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("at", AT, nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("uin", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_contact_audit_uin", "contact_audit", ["uin"])
    _move_telegram_links()


def _move_telegram_links() -> None:
    """A chat's links become its user's: a private chat's id is its user's id. Group chats
    (negative ids) have no one user, so their links are dropped: their members link again,
    each for herself."""
    op.execute(
        "INSERT INTO contacts (kind, address, language, created_at) "
        "SELECT DISTINCT 'telegram', CAST(l.chat_id AS VARCHAR(255)), c.language, c.created_at "
        "FROM telegram_links l JOIN telegram_chats c ON c.chat_id = l.chat_id "
        "WHERE l.chat_id > 0"
    )
    op.execute(
        "INSERT INTO contact_links (contact_id, account_id, verified_at, verified_by) "
        "SELECT k.id, l.account_id, l.linked_at, 'bill' FROM telegram_links l "
        "JOIN contacts k ON k.kind = 'telegram' AND k.address = CAST(l.chat_id AS VARCHAR(255)) "
        "WHERE l.chat_id > 0"
    )
    op.execute(
        "INSERT INTO contact_audit (at, actor, action, kind, address, uin, detail) "
        "SELECT l.linked_at, 'migration', 'link', 'telegram', "
        "CAST(l.chat_id AS VARCHAR(255)), a.uin, NULL FROM telegram_links l "
        "JOIN accounts a ON a.id = l.account_id WHERE l.chat_id > 0"
    )
    op.execute("DELETE FROM telegram_links")


def downgrade() -> None:
    op.drop_index("ix_contact_audit_uin", table_name="contact_audit")
    op.drop_table("contact_audit")
    op.drop_table("contact_notices")
    op.drop_index("ix_contact_link_attempts_account_day", table_name="contact_link_attempts")
    op.drop_index("ix_contact_link_attempts_contact_day", table_name="contact_link_attempts")
    op.drop_table("contact_link_attempts")
    op.drop_index("ix_contact_links_account", table_name="contact_links")
    op.drop_table("contact_links")
    op.drop_table("contacts")
