"""Bad input over every HTTP endpoint, and many random messages through intake: never a
5xx (the database is up: not even 503 "retry later", which would hide a failure taken for
an outage), never a crash, and every stored message has a status
and, where not accepted, a reason (issue 9, "the guarantees as a whole")."""

from __future__ import annotations

import random
import string

from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from gateway.config import load_config
from gateway.domain.model import Channel, InboundMessage
from gateway.service.receive import Intake
from storage.db import make_sessionmaker
from storage.models import Message
from tests.conftest import clean
from tests.e2e.conftest import API_TOKEN, GENERIC_SECRET
from tests.helpers import meter, seed, uow_of
from tests.support.signing import signed_headers

NASTY = [
    b"", b"\x00\xff\xfe", "показания".encode("cp1251"), b"{", b"[]", b"null", b'{"id": []}',
    b'{"id": "x", "from": "+7", "text": 5}', b"A" * 70_000, b"'; DROP TABLE messages; --",
    b"<script>alert(1)</script>", b'{"id":"\\ud800","from":"+7","text":"\\u0000"}',
    b'{"id": 9223372036854775808, "from": "+7", "text": "1234567 1 2"}',
]  # fmt: skip
PATHS = [
    ("POST", "/sms/inbound"), ("POST", "/sms/twilio"), ("POST", "/submit"), ("GET", "/submit"),
    ("POST", "/staff/login"), ("GET", "/api/v1/messages"), ("GET", "/api/v1/messages/1"),
    ("POST", "/api/v1/review/1/accept"), ("POST", "/api/v1/review/1/reject"),
    ("GET", "/api/v1/periods/2026-10/volumes"), ("GET", "/api/v1/inspections"),
    ("GET", "/readyz"), ("GET", "/nothing/here"),
]  # fmt: skip
HEADERS = [
    {}, {"X-Signature": "sha256=00"}, {"X-Signature": "sha256=ключ"},
    {"X-Twilio-Signature": "проверка"}, {"Authorization": f"Bearer {API_TOKEN}"},
    {"Authorization": "Bearer \u0442\u043e\u043a\u0435\u043d"},
    {"Content-Type": "application/x-www-form-urlencoded"},
    {"Content-Type": "multipart/form-data; boundary=x"},
]  # fmt: skip


def signed(body: bytes) -> dict[str, str]:
    return signed_headers(GENERIC_SECRET, body)


async def send(client: TestClient, method: str, path: str, body: bytes, headers: dict) -> int:  # type: ignore[type-arg]
    async with client.request(method, path, data=body, headers=headers) as resp:
        await resp.read()
        return resp.status


async def test_a_corpus_of_bad_requests_never_gets_a_5xx(client: TestClient) -> None:
    seen = []
    for method, path in PATHS:
        for body in NASTY:
            for headers in HEADERS:
                status = await send(client, method, path, body, headers)
                seen.append((status, method, path))
                assert status < 500, (status, method, path, body[:40], headers)
            # correctly signed, so the body itself is what gets judged
            status = await send(client, method, path, body, signed(body))
            assert status < 500, (status, method, path, body[:40])
    assert any(s == 200 for s, _, _ in seen) and any(s == 403 for s, _, _ in seen)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.binary(max_size=2000) | st.text(max_size=500).map(str.encode))
async def test_random_signed_bodies_never_get_a_5xx(client: TestClient, body: bytes) -> None:
    status = await send(client, "POST", "/sms/inbound", body, signed(body))
    assert status in {200, 400, 413}


async def test_ten_thousand_random_messages_each_end_with_a_status(databases) -> None:
    """On SQLite only: the rules are the same on both databases, and 10,000 messages on
    each would double the time for nothing new."""
    engine = await databases.engine("sqlite")
    await clean(engine)
    sessions = make_sessionmaker(engine)
    await seed(sessions, [meter("1234567", "E-1", zones=2), meter("7654321", "W-1", decimals=3)])
    config = load_config(environ={"METER_GATEWAY_RULES_RATE_LIMIT_PER_HOUR": "0"})
    intake = Intake(uow_of(sessions), config.rules, config.language, lambda: _now())
    rng = random.Random(2026)
    alphabet = string.printable + "УИНЛСТдеьночХВСГабв№#;,./\u00a0\u0660\u0661\uff11"
    pieces = ["1234567", "7654321", "05123", "2010", "Т1", "ночь", "ХВС", "12,5", "25.11", "/"]
    for i in range(10_000):
        if rng.random() < 0.5:
            text = " ".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        else:
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        sender = f"+7{rng.randint(0, 50)}"
        await intake.receive(InboundMessage(Channel.SMS, f"r{i}", sender, text))
    async with sessions() as s:
        rows = (await s.execute(select(Message.status, Message.reason))).all()
    assert len(rows) == 10_000
    assert {status for status, _ in rows} <= {"accepted", "review", "rejected"}
    assert all(reason for status, reason in rows if status != "accepted")


def _now():  # type: ignore[no-untyped-def]
    from tests.e2e.conftest import NOW

    return NOW
