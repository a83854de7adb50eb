"""A scripted caller on Twilio Voice: it posts the forms Twilio posts, signed by Twilio's own
``RequestValidator``, follows the TwiML answers (the ``<Gather>`` action with the keys
pressed, the ``<Redirect>`` on a silence), and checks each answer's shape against what
Twilio's own ``VoiceResponse`` makes of the same prompt."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

# (path and query, body, headers) -> (status, body)
Post = Callable[[str, bytes, dict[str, str]], Awaitable[tuple[int, str]]]


@dataclass(frozen=True)
class Answer:
    """A TwiML answer as the caller hears it."""

    status: int
    xml: str
    said: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    action: str | None = None  # where the keys go (a <Gather>), None: the call ends
    keys: int | None = None  # numDigits: 1 for a menu, None for a number up to #
    hangup: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.said)


def tree(xml: str) -> tuple[object, ...]:
    """An XML document as (tag, attributes, text, children), to compare shapes."""

    def node(e: ET.Element) -> tuple[object, ...]:
        return (e.tag, dict(e.attrib), (e.text or "").strip(), tuple(node(c) for c in e))

    return node(ET.fromstring(xml))


def expected(answer: Answer) -> str:
    """The same prompt as Twilio's library writes it: the oracle of the TwiML's shape."""
    r = VoiceResponse()
    if answer.action is not None:
        extra = {"num_digits": 1} if answer.keys == 1 else {}
        g = r.gather(
            input="dtmf", finish_on_key="#", action=answer.action, method="POST", timeout=6, **extra
        )
        for words, lang in zip(answer.said, answer.languages, strict=True):
            g.say(words, language=lang)
        r.redirect(answer.action, method="POST")
    else:
        for words, lang in zip(answer.said, answer.languages, strict=True):
            r.say(words, language=lang)
        if answer.hangup:
            r.hangup()
    return str(r)


def parse(status: int, xml: str) -> Answer:
    if status != 200:
        return Answer(status, xml)
    root = ET.fromstring(xml)
    gather = root.find("Gather")
    says = (gather if gather is not None else root).findall("Say")
    answer = Answer(
        status,
        xml,
        tuple(s.text or "" for s in says),
        tuple(s.get("language", "") for s in says),
        gather.get("action") if gather is not None else None,
        int(gather.get("numDigits", "0")) or None if gather is not None else None,
        root.find("Hangup") is not None,
    )
    assert tree(xml) == tree(expected(answer)), xml
    return answer


@dataclass
class Caller:
    """One call from ``number``; ``url`` is the gateway's /voice/twilio as Twilio reaches
    it (what it signs)."""

    post: Post
    url: str
    token: str
    number: str = "+79990000001"
    sid: str = "CA0001"
    called: str = "+74950000000"
    last: Answer | None = field(default=None)
    sent: tuple[str, dict[str, str]] | None = field(default=None)  # the last request

    def form(self, **more: str) -> dict[str, str]:
        return {
            "CallSid": self.sid,
            "AccountSid": "AC1",
            "From": self.number,
            "To": self.called,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            **more,
        }

    async def send(self, url: str, form: dict[str, str], signed_url: str = "") -> Answer:
        """``form`` posted to ``url``, signed (over ``signed_url`` if given); the answer."""
        signature = RequestValidator(self.token).compute_signature(signed_url or url, form)
        headers = {
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        self.sent = (url, form)
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        status, body = await self.post(path, urlencode(form).encode(), headers)
        return parse(status, body)

    async def dial(self) -> Answer:
        self.last = await self.send(self.url, self.form(CallStatus="ringing"))
        return self.last

    async def press(self, keys: str) -> Answer:
        """``keys`` typed at the last prompt (the finishing # is not sent, as Twilio does)."""
        assert self.last is not None and self.last.action is not None, self.last
        self.last = await self.send(self.last.action, self.form(Digits=keys))
        return self.last

    async def silence(self) -> Answer:
        """The prompt timed out: Twilio follows the <Redirect> without keys."""
        assert self.last is not None and self.last.action is not None, self.last
        self.last = await self.send(self.last.action, self.form())
        return self.last

    async def retry(self) -> Answer:
        """The last request again, as Twilio retries one whose answer it did not get."""
        assert self.sent is not None
        return await self.send(*self.sent)

    async def hang_up(self) -> Answer:
        """Twilio's status callback: the call is over."""
        url = f"{self.url}/status"
        return await self.send(url, self.form(CallStatus="completed", CallDuration="42"))
