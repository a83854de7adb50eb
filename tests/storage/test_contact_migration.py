"""Migration 0012: the Telegram chats' links become their users' contacts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from storage.db import make_engine, upgrade
from tests.storage.test_migrations import fresh_url  # noqa: F401  (the fixture)

AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


async def test_private_chat_links_move_group_links_go(fresh_url: str) -> None:  # noqa: F811
    engine = make_engine(fresh_url)
    try:
        await upgrade(engine, "0011")
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO accounts (id, uin, status, residents) "
                                    "VALUES (1, '1234567', 'open', 1)"))  # fmt: skip
            for chat in (4242, -100500):
                await conn.execute(
                    text("INSERT INTO telegram_chats (chat_id, language, active, created_at) "
                         "VALUES (:c, 'ru', true, :at)"),
                    {"c": chat, "at": AT},
                )  # fmt: skip
                await conn.execute(
                    text("INSERT INTO telegram_links (chat_id, account_id, linked_at) "
                         "VALUES (:c, 1, :at)"),
                    {"c": chat, "at": AT},
                )  # fmt: skip
        await upgrade(engine, "0012")
        async with engine.connect() as conn:
            contacts = (await conn.execute(text("SELECT kind, address FROM contacts"))).all()
            links = (
                await conn.execute(text("SELECT account_id, verified_by FROM contact_links"))
            ).all()
            left = (await conn.execute(text("SELECT count(*) FROM telegram_links"))).scalar()
            audit = (await conn.execute(text("SELECT action, uin FROM contact_audit"))).all()
        assert [tuple(r) for r in contacts] == [("telegram", "4242")]
        assert [tuple(r) for r in links] == [(1, "bill")]
        assert left == 0
        assert [tuple(r) for r in audit] == [("link", "1234567")]
    finally:
        await engine.dispose()
