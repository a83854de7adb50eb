"""The phone line's use cases (docs/channels.md, "Phone calls"): a call comes in, each of its
steps moves the dialogue of ``gateway.domain.voice`` on, and the readings of a finished call
go to the receive use case as one message (channel ``voice``, external id the call's id).

Each step's answer is stored with the call's state in one transaction, keyed by the call and
the step: the provider retrying a step gets the same answer, and a retried last step hands
the same message over again, which the intake stores once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from gateway.domain import voice
from gateway.domain.calls import Call, CallState, CallStep, Context, Prompt, Say, Turn
from gateway.domain.clock import local_day
from gateway.domain.contacts import ContactError, contact
from gateway.domain.model import Channel, InboundMessage
from gateway.domain.periods import period_of
from gateway.domain.rules import Rules
from gateway.domain.voice_texts import say
from gateway.service.contacts import ContactUseCases
from gateway.service.receive import Clock, Receive
from gateway.service.uow import UnitOfWork, UnitOfWorkFactory


class CallUseCases:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        receive: Receive,
        contacts: ContactUseCases,
        rules: Rules,
        clock: Clock,
    ) -> None:
        self.uow = uow
        self.receive = receive
        self.contacts = contacts
        self.rules = rules
        self.clock = clock

    async def incoming(self, step: CallStep) -> Prompt:
        """A call comes in: stored, greeted (step 0)."""
        now = self.clock()
        async with self.uow() as uow:
            stored = await uow.calls.prompt(step.sid, 0)
            if stored is not None:
                return stored
            turn = voice.start()
            assert turn.prompt is not None
            await uow.calls.start(Call(step.sid, step.caller, step.called, turn.state), now)
            prompt = await uow.calls.save(step.sid, 0, turn.state, turn.prompt, now)
            await uow.commit()
        return prompt

    async def step(self, step: CallStep) -> Prompt:
        """The answer to a key press (or a silence) on a call."""
        now = self.clock()
        async with self.uow() as uow:
            call = await uow.calls.get(step.sid)
            stored = await uow.calls.prompt(step.sid, step.step)
            if stored is not None:  # a retry: the same answer, even after the hang-up
                return stored
            if call is None or call.ended:  # not ours, or already over
                return _goodbye(call.state if call else CallState())
            verified = await self._verified(uow, call.caller, now)
            ctx = await self._context(uow, call, step, verified, now)
            turn = voice.advance(call.state, step.digits, ctx)
            if turn.prompt is not None:
                prompt = await uow.calls.save(step.sid, step.step, turn.state, turn.prompt, now)
                await uow.commit()
                return prompt
        prompt = await self._submit(call, turn, ctx)
        async with self.uow() as uow:
            await uow.calls.get(step.sid)
            prompt = await uow.calls.save(step.sid, step.step, turn.state, prompt, now)
            await uow.commit()
        return prompt

    async def ended(self, sid: str) -> None:
        """The caller hung up (the provider's status callback). A call not finished stores
        nothing: its readings are handed over only after the last one is confirmed."""
        async with self.uow() as uow:
            if await uow.calls.get(sid) is not None:
                await uow.calls.end(sid, self.clock())
                await uow.commit()

    async def _verified(self, uow: UnitOfWork, caller: str, now: datetime) -> tuple[str, ...]:
        """The UINs the caller's number is a verified contact of (docs/channels.md,
        "Contacts and linking"); none for a number that is no phone (a hidden one)."""
        try:
            phone = contact("phone", caller)
        except ContactError:
            return ()
        return tuple(await self.contacts.on(uow, now).accounts_of(phone))

    async def _context(
        self,
        uow: UnitOfWork,
        call: Call,
        step: CallStep,
        verified: tuple[str, ...],
        now: datetime,
    ) -> Context:
        day = local_day(now, self.rules.timezone)
        account = None
        uin = voice.uin_to_load(call.state, step.digits, verified)
        if uin is not None:
            found = await uow.accounts.load(uin, period_of(day, self.rules.cutoff_day))
            account = found[1] if found else None
        guessing = False
        limit = self.rules.unknown_uin_per_hour
        if call.state.phase == "uin" and step.digits and limit > 0:
            typed = await uow.calls.wrong_uins_since(call.caller, now - timedelta(hours=1))
            guessing = typed >= limit
        return Context(account, verified, day, self.rules, guessing)

    async def _submit(self, call: Call, turn: Turn, ctx: Context) -> Prompt:
        """The call's readings handed to the intake as one message; the outcome spoken."""
        assert turn.submission is not None
        submission = turn.submission
        receipt = await self.receive(
            InboundMessage(
                channel=Channel.VOICE,
                external_id=call.sid,
                sender=call.caller,
                recipient=call.called,
                text=submission.text,
                language=submission.language,
                meta=submission.meta,
            )
        )
        return voice.outcome(turn.state, ctx, receipt.message_id, receipt.status, receipt.reason)


def _goodbye(state: CallState) -> Prompt:
    lang = state.language
    return Prompt((Say(lang, say(lang, "goodbye")),))
