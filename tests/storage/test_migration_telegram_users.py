"""0016: what the bot waits for moves from the chat to its user, drafts get their user, and
from then on a draft id is never given twice (SQLite reused the id of a deleted last row, so
a stale button named the newest question)."""

from __future__ import annotations

from sqlalchemy import text

from storage.db import make_engine, upgrade
from tests.storage.test_migrations import fresh_url  # noqa: F401  (the fixture)

AT = "2026-11-20 09:00:00"


async def test_waiting_states_move_to_users_and_draft_ids_are_never_reused(
    fresh_url: str,  # noqa: F811
) -> None:
    engine = make_engine(fresh_url)
    try:
        await upgrade(engine, "0011")
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO telegram_chats (chat_id, language, active, awaiting, created_at) "
                f"VALUES (555, 'ru', true, 'link:1234567', '{AT}'), "
                f"(556, 'ru', true, NULL, '{AT}'), (-100, 'ru', true, 'fix:3', '{AT}')"
            ))  # fmt: skip
            for update_id in (1, 2):
                await conn.execute(text(
                    "INSERT INTO telegram_drafts (chat_id, update_id, text, language, "
                    f"created_at) VALUES (555, {update_id}, '5 4', 'ru', '{AT}')"
                ))  # fmt: skip
            await conn.execute(text("DELETE FROM telegram_drafts WHERE update_id = 2"))
        await upgrade(engine)
        async with engine.begin() as conn:
            users = (await conn.execute(text("SELECT user_id, awaiting FROM telegram_users"))).all()
            assert [tuple(u) for u in users] == [(555, "link:1234567")]  # a group is no user
            [(user_id, answered)] = (
                await conn.execute(text("SELECT user_id, answered_at FROM telegram_drafts"))
            ).all()
            assert (user_id, answered) == (555, None)
            ids = []
            for update_id in (3, 4):
                new = await conn.execute(text(
                    "INSERT INTO telegram_drafts (chat_id, user_id, update_id, text, "
                    f"language, created_at) VALUES (555, 555, {update_id}, '5 4', 'ru', '{AT}') "
                    "RETURNING id"
                ))  # fmt: skip
                ids.append(new.scalar_one())
                await conn.execute(text(f"DELETE FROM telegram_drafts WHERE id = {ids[-1]}"))
            assert ids[1] > ids[0]  # the last row deleted, its id is still never given again
    finally:
        await engine.dispose()
