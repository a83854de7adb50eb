"""The phone line's routes: the call comes in (``POST /voice/twilio``), each step of its
dialogue (``/voice/twilio/step?n=N``), and the status callback (``/voice/twilio/status``).

As every webhook: verified over the raw request before anything is made of it; nothing is
stored for a request that is refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from channels.sms.provider import MAX_BODY
from channels.voice.twilio import ROUTE, TwilioVoice, empty
from gateway.domain.calls import CallStep, Prompt, Say
from gateway.domain.voice_texts import say
from gateway.http.responses import json_error, unavailable
from gateway.runtime import metrics
from gateway.service.calls import CallUseCases
from gateway.service.uow import StorageUnavailable


class VoiceWebhooks:
    def __init__(self, calls: CallUseCases, provider: TwilioVoice) -> None:
        self.calls = calls
        self.provider = provider

    def setup(self, app: web.Application) -> None:
        app.router.add_post(ROUTE, self.incoming)
        app.router.add_post(f"{ROUTE}/step", self.step)
        app.router.add_post(f"{ROUTE}/status", self.status)

    async def _verified(self, request: web.Request) -> bytes | web.Response:
        provider = self.provider
        if not provider.configured:
            return json_error(503, f"the {provider.name} channel is not configured")
        raw = await request.read()
        if len(raw) > MAX_BODY:
            return json_error(413, f"body larger than {MAX_BODY} bytes")
        if not provider.verify(request, raw):
            metrics.REJECTED_REQUESTS.labels(provider.label, "signature").inc()
            return json_error(403, f"invalid {provider.signature_header}")
        return raw

    async def incoming(self, request: web.Request) -> web.Response:
        raw = await self._verified(request)
        if isinstance(raw, web.Response):
            return raw
        step = self.provider.step(request, raw, 0)
        return await self._answer(request, step, self.calls.incoming)

    async def step(self, request: web.Request) -> web.Response:
        raw = await self._verified(request)
        if isinstance(raw, web.Response):
            return raw
        try:
            number = int(request.query.get("n", ""))
        except ValueError:
            number = -1
        if not 0 < number < 1000:
            return json_error(400, "n must be the step's number")
        step = self.provider.step(request, raw, number)
        return await self._answer(request, step, self.calls.step)

    async def status(self, request: web.Request) -> web.Response:
        raw = await self._verified(request)
        if isinstance(raw, web.Response):
            return raw
        sid = self.provider.completed(request, raw)
        if sid is not None:
            try:
                await self.calls.ended(sid)
            except StorageUnavailable:
                return unavailable()
        return empty()

    async def _answer(
        self,
        request: web.Request,
        step: CallStep,
        use_case: Callable[[CallStep], Awaitable[Prompt]],
    ) -> web.Response:
        try:
            prompt = await use_case(step)
        except StorageUnavailable:
            # said to the caller, not a 503: Twilio would only say "an application error"
            prompt = Prompt((Say("ru", say("ru", "unavailable")),))
        return self.provider.answer(prompt, self.provider.base(request), step.step)
