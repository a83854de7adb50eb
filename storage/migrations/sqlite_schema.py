"""What migrations share: changing a SQLite table's declared SQL in place.

A batch rebuild (copy, drop, rename) drops the table, and with foreign keys on that fails,
or deletes every row that refers to it (ON DELETE CASCADE). Widening a CHECK, or removing
a CHECK or a foreign key, changes no stored row, so SQLite allows editing the table's SQL
in ``sqlite_master`` instead (sqlite.org/lang_altertable.html, "other kinds of table schema
changes"). Used by 0014 (``meters``), 0017 (``messages``) and 0019 (``period_volumes``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def rewrite_table_sql(table: str, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in ``table``'s CREATE TABLE statement (SQLite only)."""
    op.execute("PRAGMA writable_schema = ON")
    op.execute(
        sa.text(
            "UPDATE sqlite_master SET sql = replace(sql, :old, :new) "
            "WHERE type = 'table' AND name = :table"
        ).bindparams(old=old, new=new, table=table)
    )
    version = op.get_bind().execute(sa.text("PRAGMA schema_version")).scalar_one()
    op.execute(f"PRAGMA schema_version = {int(version) + 1}")
    op.execute("PRAGMA writable_schema = OFF")
