"""telegram users: what the bot waits for per user, drafts bound to the user they ask

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-07

The state the bot waits for ("fix:<message id>", "link:<UIN>") moves from the chat to the
user (``telegram_users``): in a group every member has their own. A private chat's id is its
user's id, so the waiting states move over as they are. Drafts get the user they were asked
of and ``answered_at`` (kept once answered, so that the question's other buttons say so),
and on SQLite ids that are never reused (AUTOINCREMENT): a stale button can never name a
newer draft.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "telegram_users",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("awaiting", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.execute(
        "INSERT INTO telegram_users (user_id, awaiting) "
        "SELECT chat_id, awaiting FROM telegram_chats "
        "WHERE awaiting IS NOT NULL AND chat_id > 0"
    )
    # a plain column: SQLite (3.35+) drops it in place, no table rebuild under its links
    op.execute("ALTER TABLE telegram_chats DROP COLUMN awaiting")
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "telegram_drafts",
        recreate="always" if sqlite else "auto",
        table_kwargs={"sqlite_autoincrement": True},
    ) as batch:
        batch.add_column(sa.Column("user_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("answered_at", AT, nullable=True))
    op.execute("UPDATE telegram_drafts SET user_id = chat_id WHERE chat_id > 0")


def downgrade() -> None:
    with op.batch_alter_table("telegram_drafts") as batch:
        batch.drop_column("answered_at")
        batch.drop_column("user_id")
    op.add_column("telegram_chats", sa.Column("awaiting", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE telegram_chats SET awaiting = (SELECT awaiting FROM telegram_users "
        "WHERE telegram_users.user_id = telegram_chats.chat_id)"
    )
    op.drop_table("telegram_users")
