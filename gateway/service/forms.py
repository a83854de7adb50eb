"""What the customer form needs to know of an account: its registers, in bill order, and
nothing else (anyone can type any UIN)."""

from __future__ import annotations

from datetime import datetime

from gateway.domain.clock import local_day, period_at
from gateway.domain.model import Register
from gateway.domain.rules import Rules
from gateway.service.uow import UnitOfWorkFactory


async def registers_of(
    uow: UnitOfWorkFactory, uin: str, now: datetime, rules: Rules
) -> tuple[Register, ...] | None:
    """The registers of an open account; None when there is no such open account."""
    async with uow() as work:
        found = await work.accounts.load(uin, period_at(now, rules))
    if found is None or found[1].status != "open":
        return None
    registers = found[1].on(local_day(now, rules.timezone)).registers
    return registers or None
