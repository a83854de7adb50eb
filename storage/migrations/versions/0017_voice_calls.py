"""voice: the phone line's calls and their steps; 'voice' a message channel

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.migrations.sqlite_schema import rewrite_table_sql

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AT = sa.DateTime(timezone=True)
CHANNELS = ("sms", "email", "telegram", "web")


def _channels(before: Sequence[str], after: Sequence[str]) -> None:
    old = "channel IN (" + ", ".join(f"'{v}'" for v in before) + ")"
    new = "channel IN (" + ", ".join(f"'{v}'" for v in after) + ")"
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("ck_message_channel", "messages", type_="check")
        op.create_check_constraint("ck_message_channel", "messages", new)
        return
    # SQLite: the CHECK is changed in place. A batch rebuild drops ``messages``, which with
    # foreign keys on fails (readings and replies refer to messages), as 0014 explains for
    # ``meters``; no stored row changes (sqlite.org/lang_altertable.html)
    rewrite_table_sql("messages", old, new)


def upgrade() -> None:
    _channels(CHANNELS, (*CHANNELS, "voice"))
    op.create_table(
        "voice_calls",
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("caller", sa.String(length=64), nullable=False),
        sa.Column("called", sa.String(length=64), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("wrong_uins", sa.Integer(), nullable=False),
        sa.Column("ended", sa.Boolean(), nullable=False),
        sa.Column("started_at", AT, nullable=False),
        sa.Column("updated_at", AT, nullable=False),
        sa.PrimaryKeyConstraint("call_sid"),
    )
    op.create_index("ix_voice_calls_caller_started", "voice_calls", ["caller", "started_at"])
    op.create_table(
        "voice_steps",
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("step", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("prompt", sa.JSON(), nullable=False),
        sa.Column("at", AT, nullable=False),
        sa.ForeignKeyConstraint(["call_sid"], ["voice_calls.call_sid"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("call_sid", "step"),
    )


def downgrade() -> None:
    op.drop_table("voice_steps")
    op.drop_index("ix_voice_calls_caller_started", table_name="voice_calls")
    op.drop_table("voice_calls")
    _channels((*CHANNELS, "voice"), CHANNELS)
