"""Twilio: a urlencoded form signed with ``X-Twilio-Signature``, answered with TwiML.

The signature is checked exactly as Twilio's own ``RequestValidator`` checks it, over the
raw body before anything else is made of it. Replies travel in the TwiML answer; Twilio's
send API is not used (no outbox transport).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlparse
from xml.sax.saxutils import escape

import aiohttp
from aiohttp import web
from multidict import MultiDict

from channels.sms.provider import same_signature
from gateway.domain.model import Channel, InboundMessage, Transport, clean_text
from gateway.runtime import metrics
from gateway.service.outbox import Sender
from gateway.service.receive import Receipt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TwilioSettings:
    auth_token: str = ""
    public_url: str = ""  # the URL Twilio posts to, as signed; else the request's


MAX_FIELDS = 200
MAX_MEDIA = 10  # Twilio's own limit of media per MMS
FORM = "application/x-www-form-urlencoded"
SIGNATURE = "X-Twilio-Signature"
LABEL = "sms_twilio"  # in the metrics of refused requests
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
    if content_type != FORM:
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
    given = headers.get(SIGNATURE, "")
    return any(
        same_signature(twilio_signature(u, fields, token, algorithm), given)
        for u in signed_urls(url)
    )


def twiml(reply: str) -> web.Response:
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Response><Message>{escape(reply)}</Message></Response>"
    )
    return web.Response(text=text, content_type="text/xml")


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


def status_callback(form: Mapping[str, Any]) -> web.Response:
    """Twilio reporting on a message it sent for us (``MessageStatus``, no ``Body``): not a
    customer's message. Our replies travel as TwiML, whose SID we never learn, so there is
    no row to record it against: it is logged, counted, and answered empty."""
    status = str(form.get("MessageStatus", ""))[:32]
    metrics.REJECTED_REQUESTS.labels(LABEL, "status_callback").inc()
    log.info(
        "Twilio status %s for %s (error %s)",
        status,
        str(form.get("MessageSid", ""))[:64],
        str(form.get("ErrorCode", "-"))[:16],
    )
    return web.Response(
        text='<?xml version="1.0" encoding="UTF-8"?><Response/>', content_type="text/xml"
    )


class Twilio:
    """Twilio's "A message comes in" webhook (``channels.sms.provider.SmsProvider``)."""

    route = "/sms/twilio"
    name = "Twilio"
    label = LABEL
    signature_header = SIGNATURE

    def __init__(self, settings: TwilioSettings) -> None:
        self.settings = settings

    @property
    def configured(self) -> bool:
        return bool(self.settings.auth_token)

    def verify(self, request: web.Request, raw: bytes) -> bool:
        # the fields are only decoded here to compute the signature, as Twilio's own
        # validator does
        fields = form_fields(raw, request.content_type, request.charset)
        try:
            url = self.settings.public_url or str(request.url)
        except ValueError:  # a Host header no URL can be built from
            url = ""
        return twilio_valid(url, fields, self.settings.auth_token, request.headers)

    async def decode(self, request: web.Request, raw: bytes) -> InboundMessage | web.Response:
        form = MultiDict(form_fields(raw, request.content_type, request.charset))
        if "MessageStatus" in form and "Body" not in form:
            return status_callback(form)
        sid = form.get("MessageSid") or form.get("SmsSid")
        sender = form.get("From")
        if not sid or sender is None:
            raise web.HTTPBadRequest(text="MessageSid and From are required")
        return InboundMessage(
            channel=Channel.SMS,
            external_id=sid,
            sender=sender,
            recipient=form.get("To", ""),
            text=clean_text(form.get("Body", "")),
            meta=twilio_meta(form),
        )

    def answer(self, receipt: Receipt) -> web.Response:
        return twiml(receipt.reply)

    def sender(self, client: aiohttp.ClientSession) -> tuple[Transport, Sender] | None:
        return None
