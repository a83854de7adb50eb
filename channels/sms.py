"""SMS providers' webhooks: Twilio (form + X-Twilio-Signature, TwiML answer) and a generic
JSON provider (HMAC-SHA256 ``X-Signature``, JSON answer, replies sent to ``send_url``).

Inbound order, as in every channel: verify the signature on the raw request, decode, build
one ``InboundMessage``, hand it to the intake (which commits), then answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import aiohttp
from aiohttp import web

from channels.common import json_error, json_response, read_form, unavailable
from gateway import metrics
from gateway.domain.model import Channel, InboundMessage, clean_text
from gateway.service.receive import Receive
from gateway.service.uow import StorageUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsSettings:
    twilio_auth_token: str = ""
    twilio_public_url: str = ""  # the URL Twilio posts to, as signed; else the request's
    generic_secret: str = ""
    generic_send_url: str = ""  # replies are posted here when set


MAX_BODY = 64 * 1024


def twilio_signature(url: str, params: Iterable[tuple[str, str]], auth_token: str) -> str:
    """Twilio's documented scheme: the full URL, then each POST field name followed by its
    value, fields sorted by name (and values of a repeated field sorted); HMAC-SHA1, base64."""
    grouped: dict[str, list[str]] = {}
    for key, value in params:
        grouped.setdefault(key, []).append(value)
    payload = url + "".join(
        key + value for key in sorted(grouped) for value in sorted(grouped[key])
    )
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def hmac_signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def same_signature(expected: str, given: str) -> bool:
    """Constant-time comparison that treats any header (non-ASCII too) as just not matching."""
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogateescape"))


async def read_bounded(request: web.Request, limit: int) -> bytes:
    """The whole body, however many pieces it arrives in, but never more than ``limit`` + 1
    bytes (a longer body is cut there: the caller answers 413)."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = await request.content.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def twiml(reply: str) -> web.Response:
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Response><Message>{escape(reply)}</Message></Response>"
    )
    return web.Response(text=text, content_type="text/xml")


MAX_MEDIA = 10  # Twilio's own limit of media per MMS


def twilio_meta(form: Mapping[str, Any]) -> dict[str, Any] | None:
    """An MMS's media (``NumMedia``, ``MediaUrl0``, ``MediaContentType0``, ...) as
    ``{"media": [{"url", "content_type"}]}``: the photo of the meter is the evidence staff
    review. The files stay at the provider (fetching them needs the account's API key)."""
    try:
        count = min(int(str(form.get("NumMedia", "0"))), MAX_MEDIA)
    except ValueError:
        count = 0
    media = [
        {
            "url": clean_text(str(form.get(f"MediaUrl{i}", "")))[:1000],
            "content_type": clean_text(str(form.get(f"MediaContentType{i}", "")))[:100],
        }
        for i in range(count)
        if form.get(f"MediaUrl{i}")
    ]
    return {"media": media} if media else None


class SmsWebhooks:
    """The inbound webhooks of both providers, handing messages to ``receive``."""

    def __init__(self, receive: Receive, settings: SmsSettings) -> None:
        self.receive = receive
        self.settings = settings

    def setup(self, app: web.Application) -> None:
        app.router.add_post("/sms/twilio", self.twilio_webhook)
        app.router.add_post("/sms/inbound", self.generic_webhook)

    async def twilio_webhook(self, request: web.Request) -> web.Response:
        token = self.settings.twilio_auth_token
        if not token:
            raise web.HTTPServiceUnavailable(text="the Twilio channel is not configured")
        form = await read_form(request)
        params = [(k, v) for k, v in form.items() if isinstance(v, str)]
        url = self.settings.twilio_public_url or str(request.url)
        given = request.headers.get("X-Twilio-Signature", "")
        if not same_signature(twilio_signature(url, params, token), given):
            metrics.REJECTED_REQUESTS.labels("sms_twilio", "signature").inc()
            raise web.HTTPForbidden(text="invalid X-Twilio-Signature")
        if "MessageStatus" in form and "Body" not in form:
            return self.status_callback(form)
        sid = form.get("MessageSid") or form.get("SmsSid")
        sender = form.get("From")
        if not isinstance(sid, str) or not sid or not isinstance(sender, str):
            raise web.HTTPBadRequest(text="MessageSid and From are required")
        body = form.get("Body", "")
        inbound = InboundMessage(
            channel=Channel.SMS,
            external_id=sid,
            sender=sender,
            recipient=str(form.get("To", "")),
            text=clean_text(body if isinstance(body, str) else ""),
            meta=twilio_meta(form),
        )
        try:
            receipt = await self.receive(inbound)
        except StorageUnavailable:
            return unavailable()
        return twiml(receipt.reply)

    def status_callback(self, form: Mapping[str, Any]) -> web.Response:
        """Twilio reporting on a message it sent for us (``MessageStatus``, no ``Body``): not a
        customer's message. Our replies travel as TwiML, whose SID we never learn, so there
        is no row to record it against: it is logged, counted, and answered empty."""
        status = str(form.get("MessageStatus", ""))[:32]
        metrics.REJECTED_REQUESTS.labels("sms_twilio", "status_callback").inc()
        log.info(
            "Twilio status %s for %s (error %s)",
            status,
            str(form.get("MessageSid", ""))[:64],
            str(form.get("ErrorCode", "-"))[:16],
        )
        return web.Response(
            text='<?xml version="1.0" encoding="UTF-8"?><Response/>', content_type="text/xml"
        )

    async def generic_webhook(self, request: web.Request) -> web.Response:
        secret = self.settings.generic_secret
        if not secret:
            return json_error(503, "the generic SMS channel is not configured")
        raw = await read_bounded(request, MAX_BODY)
        if len(raw) > MAX_BODY:
            return json_error(413, f"body larger than {MAX_BODY} bytes")
        given = request.headers.get("X-Signature", "")
        if not same_signature(hmac_signature(raw, secret), given):
            metrics.REJECTED_REQUESTS.labels("sms_inbound", "signature").inc()
            return json_error(403, "invalid X-Signature")
        try:
            data: Any = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            return json_error(400, f"body is not JSON: {e}")
        if not isinstance(data, dict):
            return json_error(400, "body must be a JSON object")
        problems = [
            k for k in ("id", "from") if not isinstance(data.get(k), str | int) or data.get(k) == ""
        ]
        if problems or not isinstance(data.get("text", ""), str):
            return json_error(400, "fields id and from are required, text must be a string")
        inbound = InboundMessage(
            channel=Channel.SMS,
            external_id=str(data["id"]),
            sender=clean_text(str(data["from"]))[:255],
            recipient=clean_text(str(data.get("to", "")))[:255],
            text=clean_text(data.get("text") or ""),
            reply_via="sms_generic" if self.settings.generic_send_url else None,
        )
        try:
            receipt = await self.receive(inbound)
        except StorageUnavailable:
            return unavailable()
        return json_response(
            {
                "id": receipt.message_id,
                "status": receipt.status,
                "reason": receipt.reason,
                "reply": receipt.reply,
            }
        )


class GenericSmsSender:
    """Delivers outbox replies to the generic provider's ``send_url`` as signed JSON."""

    def __init__(self, settings: SmsSettings, client: aiohttp.ClientSession) -> None:
        self.settings = settings
        self.client = client

    async def __call__(self, outbox_id: int, recipient: str, body: str, meta: Any) -> None:
        payload = json.dumps(
            {"id": f"reply-{outbox_id}", "to": recipient, "text": body}, ensure_ascii=False
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Signature": hmac_signature(payload, self.settings.generic_secret),
            "Idempotency-Key": f"reply-{outbox_id}",
        }
        async with self.client.post(
            self.settings.generic_send_url, data=payload, headers=headers
        ) as resp:
            if resp.status >= 300:
                raise RuntimeError(f"send_url answered {resp.status}")
