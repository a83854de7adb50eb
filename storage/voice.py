"""The phone line's calls and the prompts their steps answered (``Calls`` of
``gateway.service.uow``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.calls import Call, CallState, Prompt
from storage.accounts import upsert_into
from storage.voice_models import VoiceCall, VoiceStep


class CallRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def start(self, call: Call, now: datetime) -> None:
        """The call stored, once (a retried first request finds it)."""
        stmt = upsert_into(self.conn, VoiceCall).values(
            call_sid=call.sid,
            caller=call.caller,
            called=call.called,
            state=call.state.as_json(),
            wrong_uins=0,
            ended=False,
            started_at=now,
            updated_at=now,
        )
        await self.conn.execute(stmt.on_conflict_do_nothing())

    async def get(self, call_sid: str) -> Call | None:
        """The call, held until the transaction ends (one step of a call at a time)."""
        stmt = select(VoiceCall).where(VoiceCall.call_sid == call_sid).with_for_update()
        row = (await self.conn.execute(stmt)).one_or_none()
        if row is None:
            return None
        state = CallState.of_json(row.state)
        return Call(row.call_sid, row.caller, row.called, state, row.ended)

    async def prompt(self, call_sid: str, step: int) -> Prompt | None:
        found = await self.conn.execute(
            select(VoiceStep.prompt).where(VoiceStep.call_sid == call_sid, VoiceStep.step == step)
        )
        data = found.scalar_one_or_none()
        return None if data is None else Prompt.of_json(data)

    async def save(
        self, call_sid: str, step: int, state: CallState, prompt: Prompt, now: datetime
    ) -> Prompt:
        """The call's new state and the prompt of ``step``; returns the prompt stored for the
        step, which is an earlier one when a retry of the step got there first."""
        await self.conn.execute(
            update(VoiceCall)
            .where(VoiceCall.call_sid == call_sid)
            .values(state=state.as_json(), wrong_uins=state.wrong_uins, updated_at=now)
        )
        stmt = upsert_into(self.conn, VoiceStep).values(
            call_sid=call_sid, step=step, prompt=prompt.as_json(), at=now
        )
        await self.conn.execute(stmt.on_conflict_do_nothing())
        return await self.prompt(call_sid, step) or prompt

    async def end(self, call_sid: str, now: datetime) -> None:
        await self.conn.execute(
            update(VoiceCall)
            .where(VoiceCall.call_sid == call_sid)
            .values(ended=True, updated_at=now)
        )

    async def wrong_uins_since(self, caller: str, since: datetime) -> int:
        """Unknown UINs typed on calls from ``caller`` that started after ``since``."""
        total = await self.conn.execute(
            select(func.coalesce(func.sum(VoiceCall.wrong_uins), 0)).where(
                VoiceCall.caller == caller, VoiceCall.started_at >= since
            )
        )
        return int(total.scalar_one())
