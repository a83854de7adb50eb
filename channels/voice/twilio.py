"""Twilio Voice: the same signed urlencoded forms as Twilio's SMS webhook (verified by the
same code, ``channels.sms.twilio``), answered with TwiML: ``<Say>`` in the caller's
language, ``<Gather input="dtmf" finishOnKey="#">`` for what is typed next."""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element, SubElement, tostring

from aiohttp import web
from multidict import MultiDict

from channels.sms.twilio import SIGNATURE, form_fields, twilio_valid
from gateway.domain.calls import CallStep, Prompt
from gateway.domain.voice_texts import SPEECH_LANGUAGES

ROUTE = "/voice/twilio"
LABEL = "voice_twilio"  # in the metrics of refused requests
MAX_DIGITS = 32  # more keys than any UIN or reading has
KEYS = frozenset("0123456789*")
TIMEOUT = "6"  # seconds Twilio waits for the first key, and between keys


@dataclass(frozen=True)
class VoiceSettings:
    enabled: bool = False
    auth_token: str = ""
    public_url: str = ""  # the URL of ROUTE as Twilio reaches it; else the request's


class TwilioVoice:
    name = "Twilio Voice"
    label = LABEL
    signature_header = SIGNATURE

    def __init__(self, settings: VoiceSettings) -> None:
        self.settings = settings

    @property
    def configured(self) -> bool:
        return self.settings.enabled and bool(self.settings.auth_token)

    def base(self, request: web.Request) -> str:
        """The URL of ``ROUTE`` as Twilio reaches it: the step URLs are built on it."""
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/")
        return str(request.url.with_path(ROUTE).with_query(None))

    def verify(self, request: web.Request, raw: bytes) -> bool:
        """Signed as Twilio signs a webhook, over the URL it posted to (with the query)."""
        fields = form_fields(raw, request.content_type, request.charset)
        try:
            tail = request.path_qs.removeprefix(ROUTE)
            url = self.base(request) + tail if self.settings.public_url else str(request.url)
        except ValueError:  # a Host header no URL can be built from
            url = ""
        return twilio_valid(url, fields, self.settings.auth_token, request.headers)

    def step(self, request: web.Request, raw: bytes, number: int) -> CallStep:
        """The call and the keys of a verified request; 400 without the call's id."""
        form = MultiDict(form_fields(raw, request.content_type, request.charset))
        sid, caller = form.get("CallSid"), form.get("From")
        if not sid or caller is None:
            raise web.HTTPBadRequest(text="CallSid and From are required")
        digits = form.get("Digits")
        if digits is not None:
            digits = "".join(c for c in digits if c in KEYS)[:MAX_DIGITS]
        return CallStep(sid[:64], caller[:64], form.get("To", "")[:64], number, digits)

    def completed(self, request: web.Request, raw: bytes) -> str | None:
        """The call's id when a status callback says the call is over."""
        form = MultiDict(form_fields(raw, request.content_type, request.charset))
        if form.get("CallStatus") in ("completed", "busy", "failed", "no-answer", "canceled"):
            return form.get("CallSid") or None
        return None

    def answer(self, prompt: Prompt, base: str, step: int) -> web.Response:
        return web.Response(
            text=twiml(prompt, f"{base}/step?n={step + 1}"), content_type="text/xml"
        )


def twiml(prompt: Prompt, next_url: str) -> str:
    """``prompt`` as TwiML: spoken inside a ``<Gather>`` posting the keys to ``next_url``,
    then a ``<Redirect>`` there (no keys: the prompt timed out); or spoken, then hung up."""
    response = Element("Response")
    into = response
    if prompt.gather is not None:
        attributes = {"input": "dtmf", "finishOnKey": "#", "action": next_url,
                      "method": "POST", "timeout": TIMEOUT}  # fmt: skip
        if prompt.gather == "key":
            attributes["numDigits"] = "1"
        into = SubElement(response, "Gather", attributes)
    for line in prompt.say:
        SubElement(into, "Say", {"language": SPEECH_LANGUAGES[line.language]}).text = line.text
    if prompt.gather is not None:
        SubElement(response, "Redirect", {"method": "POST"}).text = next_url
    else:
        SubElement(response, "Hangup")
    return tostring(response, encoding="unicode", xml_declaration=True)


def empty() -> web.Response:
    return web.Response(text="<?xml version='1.0' encoding='utf-8'?>\n<Response />",
                        content_type="text/xml")  # fmt: skip
