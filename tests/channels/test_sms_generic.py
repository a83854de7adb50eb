"""The generic provider's webhook, case by case: a raw request -> the answer and what is
stored; and its send API, the outbox transport ``sms_generic``."""

from __future__ import annotations

import json

import pytest

from tests.channels.sms_cases import ACCEPTED, Case, GatewayFactory, Stored, check, gateway
from tests.e2e.conftest import GENERIC_SECRET
from tests.support.signing import signature

__all__ = ["gateway"]

ROUTE = "/sms/inbound"
SENDER = "+79990000001"
READING = "1234567 05123 02010"
FORGED = "invalid X-Signature"


def body(**fields: object) -> bytes:
    return json.dumps({"id": "g1", "from": SENDER, "text": READING, **fields}).encode()


def case(id: str, raw: bytes, status: int, *answer: str, stored: tuple[Stored, ...] = (),
         secret: str = GENERIC_SECRET, content_type: str = "") -> Case:  # fmt: skip
    """``raw`` sent as is, signed with ``secret`` ("": no signature header)."""
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["X-Signature"] = signature(secret, raw)
    return Case(id, raw, headers, status, answer, stored, content_type)


def accepted(external_id: str = "g1", sender: str = SENDER, recipient: str = "") -> Stored:
    return Stored(external_id, sender, READING, "accepted", None, recipient)


RAW = b'{"id": "g1",  "from": "+79990000001", "text": "1234567 05123 02010"}'

CASES = [
    case("a reading", body(), 200, '"status": "accepted"', ACCEPTED, stored=(accepted(),),
         content_type="application/json"),
    case("with a recipient", body(to="7377"), 200, stored=(accepted(recipient="7377"),)),
    case("numbers for id, from and to", body(id=42, to=7377, **{"from": 79990000001}), 200,
         stored=(accepted("42", "79990000001", "7377"),)),
    case("spacing the signature covers", RAW, 200, ACCEPTED, stored=(accepted(),)),
    case("unknown UIN", body(text="9999999 1"), 200, '"reason": "unknown_uin"',
         stored=(Stored("g1", SENDER, "9999999 1", "rejected", "unknown_uin"),)),
    case("no text", body(text=None), 200, '"status": "rejected"',
         stored=(Stored("g1", SENDER, "", "rejected", "empty"),)),
    case("a NUL in the text is a space", body(text="1234567 05123\x0002010"), 200, ACCEPTED,
         stored=(accepted(),)),
    case("a sender over 255 characters is cut", body(**{"from": "7" * 300}), 200,
         stored=(accepted(sender="7" * 255),)),
    case("no id", json.dumps({"from": SENDER, "text": READING}).encode(), 400, "id"),
    case("an empty id", body(id=""), 400, "id"),
    case("no from", json.dumps({"id": "g1", "text": READING}).encode(), 400, "from"),
    case("an empty signed body", b"", 400, "a JSON object with id, from and text"),
    case("not JSON", b"id=g1&from=1", 400, "JSON"),
    case("JSON nested 1000 deep", b"[" * 1000 + b"]" * 1000, 400, "recursion limit"),
    case("signed with another secret", body(), 403, FORGED, secret="wrong"),
    case("no signature", body(), 403, FORGED, secret=""),
    # the signature is over the bytes as they came, not over the JSON they hold
    Case("a signature over the same JSON spaced otherwise", RAW,
         {"X-Signature": signature(GENERIC_SECRET, body())}, 403, (FORGED,)),
    case("a body over 64 KB", body(text="1" * 70_000), 413, "65536"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_generic_case(gateway: GatewayFactory, case: Case) -> None:
    await check(await gateway({}), ROUTE, case)


async def test_a_repeat_gets_the_first_answer_and_stores_nothing_new(
    gateway: GatewayFactory,
) -> None:
    gw = await gateway({})
    first = case("first", body(), 200)
    answers = [await gw.post(ROUTE, first) for _ in range(3)]
    assert answers[0][0] == 200 and ACCEPTED in answers[0][2]
    assert answers[1:] == answers[:1] * 2
    assert await gw.messages() == [accepted()]


async def test_not_configured_is_503_so_the_provider_retries(gateway: GatewayFactory) -> None:
    gw = await gateway({"METER_GATEWAY_SMS_GENERIC_SECRET": ""})
    await check(gw, ROUTE, case("unconfigured", body(), 503, "generic SMS channel"))


async def test_without_send_url_the_reply_is_in_the_answer_only(gateway: GatewayFactory) -> None:
    gw = await gateway({})
    await check(gw, ROUTE, case("a reading", body(), 200, ACCEPTED, stored=(accepted(),)))
    assert await gw.outbox() == []


async def test_with_send_url_the_reply_is_queued_for_the_send_api(
    gateway: GatewayFactory,
) -> None:
    """The transport is stored as ``sms_generic``, the value existing outbox rows hold."""
    gw = await gateway({"METER_GATEWAY_SMS_GENERIC_SEND_URL": "http://127.0.0.1:9/send"})
    status, _, text = await gw.post(ROUTE, case("a reading", body(), 200))
    assert status == 200
    reply = json.loads(text)["reply"]
    assert ACCEPTED in reply
    assert await gw.outbox() == [("sms_generic", SENDER, reply)]
    [message] = await gw.messages()
    assert message.meta == {"reply_via": "sms_generic"}
