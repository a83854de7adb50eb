"""Twilio's webhook, case by case: a raw request -> the answer and what is stored.

Signatures are made by Twilio's own ``RequestValidator`` (``tests.support.signing``).
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from tests.channels.sms_cases import ACCEPTED, Case, GatewayFactory, Stored, check, gateway
from tests.e2e.conftest import TWILIO_TOKEN, TWILIO_URL

__all__ = ["gateway"]

ROUTE = "/sms/twilio"
FORM = "application/x-www-form-urlencoded"
SENDER = "+79990000001"
READING = "1234567 05123 02010"
MEDIA = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME0"
VALIDATOR = RequestValidator(TWILIO_TOKEN)


def sms(sid: str = "SM1", body: str = READING, **more: str) -> list[tuple[str, str]]:
    return [("MessageSid", sid), ("From", SENDER), ("To", "+17377"), ("Body", body), *more.items()]


def signed(
    fields: list[tuple[str, str]],
    *,
    token: str = TWILIO_TOKEN,
    algorithm: str = "HMAC_SHA1",
    content_type: str = FORM,
    **headers: str,
) -> tuple[bytes, dict[str, str]]:
    """The urlencoded body and its headers, signed as Twilio signs it."""
    signature = RequestValidator(token).compute_signature(TWILIO_URL, dict(fields), algorithm)
    return urlencode(fields).encode(), {
        "Content-Type": content_type,
        "X-Twilio-Signature": signature,
        **headers,
    }


def case(id: str, request: tuple[bytes, dict[str, str]], status: int, *answer: str,
         stored: tuple[Stored, ...] = (), content_type: str = "") -> Case:  # fmt: skip
    body, headers = request
    return Case(id, body, headers, status, answer, stored, content_type)


def accepted(sid: str = "SM1", text: str = READING, **meta: object) -> Stored:
    return Stored(sid, SENDER, text, "accepted", None, "+17377", meta or None)


FORGED = "invalid X-Twilio-Signature"
SHA256 = {"X-Twilio-Webhooks-Signature-Settings": "key=k1,algorithm=HMAC_SHA256"}

CASES = [
    case("a reading", signed(sms()), 200, "<Response><Message>", ACCEPTED,
         stored=(accepted(),), content_type="text/xml"),
    case("SmsSid for MessageSid", signed([("SmsSid", "SM2"), *sms()[1:]]), 200, ACCEPTED,
         stored=(accepted("SM2"),)),
    case("unknown UIN", signed(sms(body="9999999 1")), 200, "<Message>",
         stored=(Stored("SM1", SENDER, "9999999 1", "rejected", "unknown_uin", "+17377"),)),
    case("an MMS keeps its media", signed(sms(NumMedia="1", MediaUrl0=MEDIA,
                                              MediaContentType0="image/jpeg")), 200, ACCEPTED,
         stored=(accepted(media=[{"url": MEDIA, "content_type": "image/jpeg"}]),)),
    case("NumMedia not a number", signed(sms(NumMedia="x", MediaUrl0=MEDIA)), 200,
         stored=(accepted(),)),
    case("a NUL in the body is a space", signed(sms(body="1234567 05123\x0002010")), 200,
         ACCEPTED, stored=(accepted(),)),
    case("a repeated identical field", signed([*sms(), ("NumMedia", "0"), ("NumMedia", "0")]),
         200, ACCEPTED, stored=(accepted(),)),
    case("HMAC-SHA256 named in the settings header",
         signed(sms(), algorithm="HMAC_SHA256", **SHA256), 200, ACCEPTED, stored=(accepted(),)),
    case("a status callback", signed([("MessageSid", "SM9"), ("MessageStatus", "delivered"),
                                      ("From", "+17377"), ("To", SENDER)]),
         200, "<Response/>", content_type="text/xml"),
    case("no MessageSid", signed(sms()[1:]), 400, "MessageSid and From are required"),
    case("no From", signed([f for f in sms() if f[0] != "From"]), 400, "MessageSid and From"),
    case("an empty signed form", signed([]), 400, "MessageSid and From are required"),
    case("signed with another token", signed(sms(), token="wrong"), 403, FORGED),
    case("no signature", (urlencode(sms()).encode(), {"Content-Type": FORM}), 403, FORGED),
    case("SHA-256 signature without the settings header",
         signed(sms(), algorithm="HMAC_SHA256"), 403, FORGED),
    case("an algorithm Twilio does not have",
         signed(sms(), **{"X-Twilio-Webhooks-Signature-Settings": "algorithm=HMAC_MD5"}),
         403, FORGED),
    case("the signed form sent as JSON", signed(sms(), content_type="application/json"),
         403, FORGED),
    case("a field added after signing",
         (signed(sms())[0] + b"&To=%2B1", signed(sms())[1]), 403, FORGED),
    case("a body over 64 KB", signed(sms(body="1" * 70_000)), 413, "65536"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_twilio_case(gateway: GatewayFactory, case: Case) -> None:
    await check(await gateway({}), ROUTE, case)


async def test_a_repeat_gets_the_first_answer_and_stores_nothing_new(
    gateway: GatewayFactory,
) -> None:
    gw = await gateway({})
    first = case("first", signed(sms()), 200, ACCEPTED, stored=(accepted(),))
    answers = [await gw.post(ROUTE, first) for _ in range(3)]
    assert answers[0][0] == 200 and ACCEPTED in answers[0][2]
    assert answers[1:] == answers[:1] * 2
    assert await gw.messages() == [accepted()]


async def test_not_configured_is_503_so_twilio_retries(gateway: GatewayFactory) -> None:
    gw = await gateway({"METER_GATEWAY_SMS_TWILIO_AUTH_TOKEN": ""})
    await check(gw, ROUTE, case("unconfigured", signed(sms()), 503, "Twilio channel"))


async def test_replies_travel_in_twiml_only(gateway: GatewayFactory) -> None:
    gw = await gateway({})
    await check(gw, ROUTE, case("a reading", signed(sms()), 200, stored=(accepted(),)))
    assert await gw.outbox() == []
