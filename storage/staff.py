"""Staff users and the audit log of their decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.staff import Role, StaffUser
from storage.models import AuditEntry
from storage.models import StaffUser as StaffRow


def _user(row: Any) -> StaffUser:
    return StaffUser(row.login, row.password_hash, Role(row.role), bool(row.disabled))


class StaffRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, login: str, password_hash: str, role: Role, now: datetime) -> bool:
        """A new user; False when the login is taken."""
        if await self.get(login) is not None:
            return False
        await self.conn.execute(
            insert(StaffRow).values(
                login=login,
                password_hash=password_hash,
                role=str(role),
                disabled=False,
                created_at=now,
            )
        )
        return True

    async def get(self, login: str) -> StaffUser | None:
        row = (
            await self.conn.execute(select(StaffRow).where(StaffRow.login == login))
        ).one_or_none()
        return _user(row) if row is not None else None

    async def all(self) -> list[StaffUser]:
        rows = await self.conn.execute(select(StaffRow).order_by(StaffRow.login))
        return [_user(r) for r in rows]

    async def set_disabled(self, login: str, disabled: bool) -> bool:
        result = await self.conn.execute(
            update(StaffRow).where(StaffRow.login == login).values(disabled=disabled)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class AuditRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(
        self,
        actor: str,
        action: str,
        message_id: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        now: datetime,
    ) -> None:
        await self.conn.execute(
            insert(AuditEntry).values(
                at=now,
                actor=actor,
                action=action,
                message_id=message_id,
                before=before,
                after=after,
            )
        )

    async def of_message(self, message_id: int) -> list[dict[str, Any]]:
        rows = await self.conn.execute(
            select(AuditEntry).where(AuditEntry.message_id == message_id).order_by(AuditEntry.id)
        )
        return [
            {"at": r.at, "actor": r.actor, "action": r.action, "before": r.before,
             "after": r.after}
            for r in rows
        ]  # fmt: skip
