"""The generic SMS provider: JSON ``{"id", "from", "to", "text"}`` signed with
``X-Signature: sha256=<hex HMAC-SHA256 of the raw body>``, answered with JSON; replies are
also posted to its send API (``send_url``) from the outbox when one is configured.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Annotated, Any

import aiohttp
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from channels.sms.provider import same_signature
from gateway.domain.model import Channel, InboundMessage, Transport, clean_text
from gateway.http import edge
from gateway.http.responses import json_error, json_response
from gateway.service.outbox import Sender
from gateway.service.receive import Receipt


@dataclass(frozen=True)
class GenericSettings:
    secret: str = ""
    send_url: str = ""  # replies are posted here when set


SIGNATURE = "X-Signature"


def hmac_signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


NonEmpty = Annotated[str, Field(min_length=1)]


class GenericSms(BaseModel):
    """The generic provider's inbound message: ``{"id", "from", "to", "text"}``."""

    model_config = ConfigDict(populate_by_name=True)

    id: NonEmpty | int
    sender: NonEmpty | int = Field(alias="from")
    to: str | int | None = None
    text: str | None = None


class Generic:
    """The generic provider's inbound webhook and send API
    (``channels.sms.provider.SmsProvider``)."""

    route = "/sms/inbound"
    name = "generic SMS"
    label = "sms_inbound"
    signature_header = SIGNATURE

    def __init__(self, settings: GenericSettings) -> None:
        self.settings = settings

    @property
    def configured(self) -> bool:
        return bool(self.settings.secret)

    def verify(self, request: web.Request, raw: bytes) -> bool:
        given = request.headers.get(SIGNATURE, "")
        return same_signature(hmac_signature(raw, self.settings.secret), given)

    async def decode(self, request: web.Request, raw: bytes) -> InboundMessage | web.Response:
        data = await edge.json_body(request, GenericSms, plain_text=False)  # cleaned below
        if data is None:
            return json_error(400, "the body must be a JSON object with id, from and text")
        return InboundMessage(
            channel=Channel.SMS,
            external_id=str(data.id),
            sender=clean_text(str(data.sender))[:255],
            recipient=clean_text("" if data.to is None else str(data.to))[:255],
            text=clean_text(data.text or ""),
            reply_via=Transport.SMS_GENERIC if self.settings.send_url else None,
        )

    def answer(self, receipt: Receipt) -> web.Response:
        return json_response(
            {
                "id": receipt.message_id,
                "status": receipt.status,
                "reason": receipt.reason,
                "reply": receipt.reply,
            }
        )

    def sender(self, client: aiohttp.ClientSession) -> tuple[Transport, Sender] | None:
        if not self.settings.send_url:
            return None
        return Transport.SMS_GENERIC, GenericSender(self.settings, client)


class GenericSender:
    """Delivers outbox replies to the generic provider's ``send_url`` as signed JSON."""

    def __init__(self, settings: GenericSettings, client: aiohttp.ClientSession) -> None:
        self.settings = settings
        self.client = client

    async def __call__(self, outbox_id: int, recipient: str, body: str, meta: Any) -> None:
        payload = json.dumps(
            {"id": f"reply-{outbox_id}", "to": recipient, "text": body}, ensure_ascii=False
        ).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE: hmac_signature(payload, self.settings.secret),
            "Idempotency-Key": f"reply-{outbox_id}",
        }
        async with self.client.post(self.settings.send_url, data=payload, headers=headers) as resp:
            if resp.status >= 300:
                raise RuntimeError(f"send_url answered {resp.status}")
