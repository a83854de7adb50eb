"""Staff sessions as rows (``gateway.service.staff``): idle and absolute expiry, ended
sessions, disabled users, and what the table keeps of a token."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.domain.staff import Role
from gateway.service.staff import (
    SessionPolicy,
    disable_staff,
    end_all_sessions,
    end_session,
    session_user,
    start_session,
)
from storage.db import make_sessionmaker
from storage.session_models import StaffSession
from tests.e2e.conftest import NOW
from tests.helpers import uow_of

POLICY = SessionPolicy(max_age=timedelta(hours=8), idle=timedelta(hours=2))
H = timedelta(hours=1)


async def add_users(engine: AsyncEngine, *logins: str) -> None:
    """Staff users without a usable password (sessions need none; no argon2 to wait for)."""
    async with uow_of(engine)() as work:
        for login in logins:
            await work.staff.add(login, "not a hash", Role.REVIEWER, NOW)
        await work.commit()


async def test_a_session_ends_when_idle_and_at_its_age(engine: AsyncEngine) -> None:
    uow = uow_of(engine)
    await add_users(engine, "rita")
    token = await start_session(uow, "rita", NOW)
    for hours in (1, 2.9, 4.5, 6, 7.9):  # in use: never two hours idle
        user = await session_user(uow, token, NOW + hours * H, POLICY)
        assert user is not None and user.login == "rita", hours
    assert await session_user(uow, token, NOW + 8 * H, POLICY) is None  # eight hours old
    idle = await start_session(uow, "rita", NOW)
    assert await session_user(uow, idle, NOW + 1.9 * H, POLICY) is not None
    assert await session_user(uow, idle, NOW + 3.9 * H, POLICY) is None  # two hours idle
    assert await session_user(uow, "no such token", NOW, POLICY) is None


async def test_ended_sessions_and_disabled_users_let_nobody_in(engine: AsyncEngine) -> None:
    uow = uow_of(engine)
    await add_users(engine, "rita", "anna")
    one, two, anna = [await start_session(uow, login, NOW) for login in ("rita", "rita", "anna")]
    await end_session(uow, one, NOW)
    assert await session_user(uow, one, NOW, POLICY) is None
    assert await session_user(uow, two, NOW, POLICY) is not None
    replaced = await start_session(uow, "rita", NOW, replaces=two)  # a new login, same browser
    assert await session_user(uow, two, NOW, POLICY) is None
    assert await end_all_sessions(uow, "rita", NOW) == 1
    assert await session_user(uow, replaced, NOW, POLICY) is None
    again = await start_session(uow, "anna", NOW)
    await disable_staff(uow, "anna", NOW)
    assert await session_user(uow, anna, NOW, POLICY) is None
    assert await session_user(uow, again, NOW, POLICY) is None
    async with make_sessionmaker(engine)() as s:
        stored = set((await s.execute(select(StaffSession.token_hash))).scalars())
    assert len(stored) == 5 and not stored & {one, two, anna, replaced, again}
