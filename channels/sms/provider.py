"""What an SMS provider is to the gateway: one small interface, as courier's channel handlers
are (verify, decode, answer, send), and what its implementations share.

A new provider is one module of this package with a class that has this shape and a
settings class of its own; the composition root (``gateway.app.channel_settings.sms_providers``)
builds it from its configuration section, and ``channels.sms.webhook`` serves it.
"""

from __future__ import annotations

import hmac
from typing import Protocol

import aiohttp
from aiohttp import web

from gateway.domain.model import InboundMessage, Transport
from gateway.service.outbox import Sender
from gateway.service.receive import Receipt

MAX_BODY = 64 * 1024  # no SMS webhook body is larger; the edge bounds every body at 1 MB


class SmsProvider(Protocol):
    """One SMS provider: its inbound webhook and, if it has one, its send API."""

    @property
    def route(self) -> str:
        """The path the provider posts its webhook to (``/sms/twilio``)."""

    @property
    def name(self) -> str:
        """Who it is, in the 503 when it is not configured ("Twilio")."""

    @property
    def label(self) -> str:
        """Its label in the metrics of refused requests (``sms_twilio``)."""

    @property
    def signature_header(self) -> str:
        """The header its signature travels in, named in the 403."""

    @property
    def configured(self) -> bool:
        """Its secret is set: without one no request can be verified (503)."""

    def verify(self, request: web.Request, raw: bytes) -> bool:
        """The request is signed by the provider, checked over ``raw``, the body exactly as
        it arrived, before anything else is made of it."""

    async def decode(self, request: web.Request, raw: bytes) -> InboundMessage | web.Response:
        """The customer's message in a verified request; or the answer to a request that
        carries none (a delivery report) or cannot be read (a 400)."""

    def answer(self, receipt: Receipt) -> web.Response:
        """The HTTP answer to the provider once the message is committed: the reply in the
        provider's format."""

    def sender(self, client: aiohttp.ClientSession) -> tuple[Transport, Sender] | None:
        """The outbox transport of its send API and the sender that uses it (replies that
        travel later); None when it answers only in the webhook's answer."""


def same_signature(expected: str, given: str) -> bool:
    """Constant-time comparison that treats any header (non-ASCII too) as just not matching."""
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogateescape"))
