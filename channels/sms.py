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
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlparse
from xml.sax.saxutils import escape

import aiohttp
from aiohttp import web
from multidict import MultiDict
from pydantic import BaseModel, ConfigDict, Field

from channels.common import json_error, json_response, unavailable
from channels.web import edge
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
MAX_FIELDS = 200


SIGNATURE_SETTINGS = "X-Twilio-Webhooks-Signature-Settings"
ALGORITHMS = {"HMAC_SHA1": hashlib.sha1, "HMAC_SHA256": hashlib.sha256}


def twilio_signature(
    url: str, params: Iterable[tuple[str, str]], auth_token: str, algorithm: str = "HMAC_SHA1"
) -> str:
    """Twilio's scheme, as its ``RequestValidator`` computes it: the URL, then each field
    name followed by each of its distinct values, names and values sorted; HMAC, base64."""
    grouped: dict[str, set[str]] = {}
    for key, value in params:
        grouped.setdefault(key, set()).add(value)
    payload = url + "".join(
        key + value for key in sorted(grouped) for value in sorted(grouped[key])
    )
    digest = hmac.new(auth_token.encode(), payload.encode(), ALGORITHMS[algorithm]).digest()
    return base64.b64encode(digest).decode()


def signed_urls(url: str) -> list[str]:
    """The URL as Twilio may have signed it: without a port and with the scheme's default
    one (``RequestValidator`` accepts both, "since sig generation on back end is
    inconsistent")."""
    try:
        parsed = urlparse(url)
        port = parsed.port
    except ValueError:
        return [url]
    host = parsed.netloc.split(":")[0]
    bare = parsed._replace(netloc=host).geturl() if port else url
    default = 443 if parsed.scheme == "https" else 80
    explicit = url if port else parsed._replace(netloc=f"{parsed.netloc}:{default}").geturl()
    return [bare, explicit]


def twilio_algorithm(settings: str) -> str:
    """``key=...,algorithm=HMAC_SHA256`` from the settings header; HMAC_SHA1 without it."""
    for part in settings.split(","):
        name, sep, value = part.partition("=")
        if sep and name.strip() == "algorithm" and value.strip():
            return value.strip().upper()
    return "HMAC_SHA1"


def form_fields(raw: bytes, content_type: str, charset: str | None) -> list[tuple[str, str]]:
    """The fields of a urlencoded body, decoded as a form parser would; [] for anything
    else (a body that is no such form cannot carry a valid Twilio signature)."""
    if content_type != "application/x-www-form-urlencoded":
        return []
    try:
        text = raw.decode(charset or "utf-8")
        return parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (LookupError, ValueError):  # UnicodeDecodeError is a ValueError
        return []


def twilio_valid(url: str, fields: list[tuple[str, str]], token: str, headers: Any) -> bool:
    algorithm = twilio_algorithm(headers.get(SIGNATURE_SETTINGS, ""))
    if algorithm not in ALGORITHMS:
        return False
    given = headers.get("X-Twilio-Signature", "")
    return any(
        same_signature(twilio_signature(u, fields, token, algorithm), given)
        for u in signed_urls(url)
    )


def hmac_signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def same_signature(expected: str, given: str) -> bool:
    """Constant-time comparison that treats any header (non-ASCII too) as just not matching."""
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogateescape"))


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


NonEmpty = Annotated[str, Field(min_length=1)]


class GenericSms(BaseModel):
    """The generic provider's inbound message: ``{"id", "from", "to", "text"}``."""

    model_config = ConfigDict(populate_by_name=True)

    id: NonEmpty | int
    sender: NonEmpty | int = Field(alias="from")
    to: str | int | None = None
    text: str | None = None


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
        raw = await request.read()  # read once at the edge: bounded, decompressed
        if len(raw) > MAX_BODY:
            return json_error(413, f"body larger than {MAX_BODY} bytes")
        # verified before anything else is made of the body: the fields are only decoded
        # here to compute the signature, as Twilio's own validator does
        fields = form_fields(raw, request.content_type, request.charset)
        try:
            url = self.settings.twilio_public_url or str(request.url)
        except ValueError:  # a Host header no URL can be built from
            url = ""
        if not twilio_valid(url, fields, token, request.headers):
            metrics.REJECTED_REQUESTS.labels("sms_twilio", "signature").inc()
            raise web.HTTPForbidden(text="invalid X-Twilio-Signature")
        form = MultiDict(fields)
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
        raw = await request.read()  # read once at the edge: bounded, decompressed
        if len(raw) > MAX_BODY:
            return json_error(413, f"body larger than {MAX_BODY} bytes")
        given = request.headers.get("X-Signature", "")
        if not same_signature(hmac_signature(raw, secret), given):
            metrics.REJECTED_REQUESTS.labels("sms_inbound", "signature").inc()
            return json_error(403, "invalid X-Signature")
        data = await edge.json_body(request, GenericSms, plain_text=False)  # cleaned below
        if data is None:
            return json_error(400, "the body must be a JSON object with id, from and text")
        inbound = InboundMessage(
            channel=Channel.SMS,
            external_id=str(data.id),
            sender=clean_text(str(data.sender))[:255],
            recipient=clean_text("" if data.to is None else str(data.to))[:255],
            text=clean_text(data.text or ""),
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
