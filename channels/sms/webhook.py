"""The SMS webhooks: every provider's route, in the order every channel keeps.

Verify the signature over the raw request, decode, build one ``InboundMessage``, hand it to
the intake (which commits), then answer. Nothing of a request is parsed before it is
verified, and nothing is stored for one that is refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

from channels.sms.provider import MAX_BODY, SmsProvider
from gateway.http.responses import json_error, unavailable
from gateway.runtime import metrics
from gateway.service.receive import Receive
from gateway.service.uow import StorageUnavailable

Handler = Callable[[web.Request], Awaitable[web.Response]]


class SmsWebhooks:
    """The inbound webhooks of ``providers``, handing messages to ``receive``."""

    def __init__(self, receive: Receive, providers: Iterable[SmsProvider]) -> None:
        self.receive = receive
        self.providers = tuple(providers)

    def setup(self, app: web.Application) -> None:
        # a provider that is not configured keeps its route and answers 503, which the
        # provider retries, rather than 404, which it would drop
        for provider in self.providers:
            app.router.add_post(provider.route, self.handler(provider))

    def handler(self, provider: SmsProvider) -> Handler:
        async def webhook(request: web.Request) -> web.Response:
            return await self.inbound(provider, request)

        return webhook

    async def inbound(self, provider: SmsProvider, request: web.Request) -> web.Response:
        if not provider.configured:
            return json_error(503, f"the {provider.name} channel is not configured")
        raw = await request.read()  # read once at the edge: bounded, decompressed
        if len(raw) > MAX_BODY:
            return json_error(413, f"body larger than {MAX_BODY} bytes")
        if not provider.verify(request, raw):
            metrics.REJECTED_REQUESTS.labels(provider.label, "signature").inc()
            return json_error(403, f"invalid {provider.signature_header}")
        decoded = await provider.decode(request, raw)
        if isinstance(decoded, web.Response):
            return decoded
        try:
            receipt = await self.receive(decoded)
        except StorageUnavailable:
            return unavailable()
        return provider.answer(receipt)
