"""Migration 0017 (the voice channel) rebuilds ``messages`` on SQLite to widen its channel
CHECK: every message, and the readings and replies that refer to one, must survive it."""

from __future__ import annotations

from sqlalchemy import text

from storage.db import make_engine, upgrade
from tests.storage.test_migrations import fresh_url  # noqa: F401 (the fixture)

ROWS = [
    "INSERT INTO accounts (uin, status, residents) VALUES ('1', 'open', 1)",
    "INSERT INTO meters (account_id, name, position, service, zones, digits, decimals, status)"
    " VALUES (1, 'M', 1, 'gas', 1, 5, 0, 'active')",
    "INSERT INTO messages (channel, external_id, sender, recipient, text, received_at, status)"
    " VALUES ('sms', 'x1', '+79990000001', '', '1 5', '2025-01-05 00:00:00+00', 'accepted')",
    "INSERT INTO readings (meter_id, zone, message_id, value, period, taken_on, status, source,"
    " created_at) VALUES (1, 1, 1, 5, '2025-01', '2025-01-05', 'accepted', 'sms',"
    " '2025-01-05 00:00:00+00')",
    "INSERT INTO outbox (message_id, channel, recipient, body, status, attempts,"
    " next_attempt_at, created_at) VALUES (1, 'sms', '+79990000001', 'ok', 'sent', 1,"
    " '2025-01-05 00:00:00+00', '2025-01-05 00:00:00+00')",
]


async def test_0017_keeps_messages_and_what_refers_to_them(fresh_url: str) -> None:  # noqa: F811
    engine = make_engine(fresh_url)
    try:
        await upgrade(engine, "0016")
        async with engine.begin() as conn:
            for row in ROWS:
                await conn.execute(text(row))
        await upgrade(engine)
        async with engine.begin() as conn:
            for table in ("messages", "readings", "outbox"):
                count = (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar()
                assert count == 1, table
            await conn.execute(
                text(
                    "INSERT INTO messages (channel, external_id, sender, recipient, text,"
                    " received_at, status) VALUES ('voice', 'CA1', '+79990000001', '', '1 6',"
                    " '2025-01-06 00:00:00+00', 'accepted')"
                )
            )
    finally:
        await engine.dispose()
