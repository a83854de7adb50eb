"""Staff sessions and the throttles' events (``storage.session_models``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.session_models import StaffSession, ThrottleEvent


def _k(key: str) -> str:
    return key[:255]  # a login as typed may be longer than any stored one


class SessionRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, token_hash: str, login: str, now: datetime) -> None:
        await self.conn.execute(
            insert(StaffSession).values(
                token_hash=token_hash, login=login, created_at=now, seen_at=now
            )
        )

    async def get(self, token_hash: str) -> tuple[str, datetime, datetime, bool] | None:
        """(login, created, last seen, ended) of a session, None when there is none."""
        row = (
            await self.conn.execute(
                select(
                    StaffSession.login,
                    StaffSession.created_at,
                    StaffSession.seen_at,
                    StaffSession.ended_at,
                ).where(StaffSession.token_hash == token_hash)
            )
        ).one_or_none()
        if row is None:
            return None
        return row.login, row.created_at, row.seen_at, row.ended_at is not None

    async def seen(self, token_hash: str, now: datetime) -> None:
        await self.conn.execute(
            update(StaffSession).where(StaffSession.token_hash == token_hash).values(seen_at=now)
        )

    async def end(self, token_hash: str, now: datetime) -> None:
        await self.conn.execute(
            update(StaffSession)
            .where(StaffSession.token_hash == token_hash, StaffSession.ended_at.is_(None))
            .values(ended_at=now)
        )

    async def end_all(self, login: str, now: datetime) -> int:
        result = await self.conn.execute(
            update(StaffSession)
            .where(StaffSession.login == login, StaffSession.ended_at.is_(None))
            .values(ended_at=now)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def prune(self, before: datetime) -> None:
        """Forget sessions created before ``before`` (long expired by then)."""
        await self.conn.execute(delete(StaffSession).where(StaffSession.created_at < before))


class ThrottleRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def counts(
        self, keys: Sequence[tuple[str, str]], since: datetime
    ) -> dict[tuple[str, str], int]:
        """How many events each (scope, key) had at or after ``since`` (absent: none)."""
        out: dict[tuple[str, str], int] = {}
        for scope, key in dict.fromkeys(keys):
            out[(scope, key)] = int(
                (
                    await self.conn.execute(
                        select(func.count()).where(
                            ThrottleEvent.scope == scope,
                            ThrottleEvent.key == _k(key),
                            ThrottleEvent.at >= since,
                        )
                    )
                ).scalar_one()
            )
        return out

    async def add(self, keys: Sequence[tuple[str, str]], now: datetime) -> None:
        await self.conn.execute(
            insert(ThrottleEvent),
            [{"scope": scope, "key": _k(key), "at": now} for scope, key in keys],
        )

    async def clear(self, scope: str, key: str) -> None:
        await self.conn.execute(
            delete(ThrottleEvent).where(ThrottleEvent.scope == scope, ThrottleEvent.key == _k(key))
        )

    async def prune(self, before: datetime) -> None:
        await self.conn.execute(delete(ThrottleEvent).where(ThrottleEvent.at < before))
