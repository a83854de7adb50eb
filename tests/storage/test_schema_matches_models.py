"""The migrations build exactly the schema the models declare, on both databases: a model
changed without its migration (or the reverse) fails here, not in production."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.db import make_engine, upgrade
from storage.models import Base
from tests.storage.test_migrations import fresh_url  # noqa: F401  (the fixture)


def described(diff: Any) -> str:
    if isinstance(diff, tuple) and diff[0] in ("add_fk", "remove_fk"):
        key = diff[1]
        columns = ",".join(c.name for c in key.columns)
        return f"{diff[0]} {key.parent.name}({columns}) on delete {key.ondelete}"
    return repr(diff)


# SQLite's reflection reads meters.replaces_meter_id's inline REFERENCES without its ON
# DELETE SET NULL (0014 writes it: sqlite_master has it), so the comparison sees the key twice
SQLITE_KNOWN = {
    "remove_fk meters(replaces_meter_id) on delete None",
    "add_fk meters(replaces_meter_id) on delete SET NULL",
}


async def test_migrated_schema_is_the_models_schema(fresh_url: str) -> None:  # noqa: F811
    engine = make_engine(fresh_url)
    try:
        await upgrade(engine)

        def differences(sync_conn: Any) -> list[str]:
            context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
            return [described(d) for d in compare_metadata(context, Base.metadata)]

        async with engine.connect() as conn:
            found = set(await conn.run_sync(differences))
    finally:
        await engine.dispose()
    known = SQLITE_KNOWN if fresh_url.startswith("sqlite") else set()
    assert found == known
