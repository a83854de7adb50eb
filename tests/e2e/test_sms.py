"""SMS webhooks end to end: real signatures, idempotent retries, every reason code."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.domain.events import ReplacementRow
from gateway.service.events import record_replacements
from tests.e2e.conftest import API_TOKEN, GENERIC_SECRET, NOW, TWILIO_TOKEN, TWILIO_URL
from tests.helpers import meter, seed, uow_of
from tests.support.signing import signed_headers, twilio_signature

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


async def post_twilio(client: TestClient, sid: str, body: str, token: str = TWILIO_TOKEN):  # type: ignore[no-untyped-def]
    form = {
        "MessageSid": sid,
        "From": "+79990000001",
        "To": "+17377",
        "Body": body,
        "AccountSid": "AC123",
        "NumMedia": "0",
    }
    signed = {"X-Twilio-Signature": twilio_signature(token, TWILIO_URL, form)}
    return await client.post("/sms/twilio", data=form, headers=signed)


async def post_generic(client: TestClient, payload: Any, secret: str = GENERIC_SECRET):  # type: ignore[no-untyped-def]
    raw = json.dumps(payload, ensure_ascii=False).encode()
    return await client.post("/sms/inbound", data=raw, headers=signed_headers(secret, raw))


async def messages(client: TestClient, **query: str) -> list[dict[str, Any]]:
    resp = await client.get("/api/v1/messages", params=query, headers=AUTH)
    assert resp.status == 200
    return (await resp.json())["items"]


async def test_twilio_signed_by_twilio_library_is_accepted_with_twiml(client) -> None:
    resp = await post_twilio(client, "SM0001", "1234567 05123 02010")
    assert resp.status == 200
    assert resp.content_type == "text/xml"
    body = await resp.text()
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>')
    assert "Показания приняты" in body and "расход 123" in body
    [msg] = await messages(client, channel="sms", external_id="SM0001")
    assert msg["status"] == "accepted" and msg["sender"] == "+79990000001"
    assert [
        (r["meter"], r["zone"], r["value"], r["consumption"], r["period"]) for r in msg["readings"]
    ] == [("E-1", 1, "5123", "123", "2026-11"), ("E-1", 2, "2010", "35", "2026-11")]


async def test_twilio_forged_signature_is_403_and_stores_nothing(client) -> None:
    resp = await post_twilio(client, "SM0002", "1234567 05123 02010", token="wrong")
    assert resp.status == 403
    assert await messages(client, channel="sms") == []


async def test_twilio_repeat_returns_the_first_answer(client) -> None:
    first = await (await post_twilio(client, "SM0003", "1234567 05123 02010")).text()
    again = await (await post_twilio(client, "SM0003", "1234567 05123 02010")).text()
    assert first == again
    assert len(await messages(client, channel="sms")) == 1


async def test_generic_accepted_and_repeat_is_idempotent(client) -> None:
    payload = {"id": "g-1", "from": "+79990000001", "to": "7377", "text": "1234567 05123 02010"}
    first = await post_generic(client, payload)
    assert first.status == 200
    body = await first.json()
    assert body["status"] == "accepted" and body["reason"] is None
    again = await (await post_generic(client, payload)).json()
    assert again == body
    [msg] = await messages(client, channel="sms", external_id="g-1")
    assert msg["id"] == body["id"] and msg["reply"] == body["reply"]
    one = await client.get(f"/api/v1/messages/{body['id']}", headers=AUTH)
    assert (await one.json())["external_id"] == "g-1"


async def test_generic_forged_signature_is_403_and_stores_nothing(client) -> None:
    resp = await post_generic(
        client, {"id": "g-2", "from": "+7", "text": "1234567 1 2"}, secret="forged"
    )
    assert resp.status == 403
    assert "X-Signature" in (await resp.json())["error"]
    assert await messages(client) == []


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        pytest.param(b"not json", 400, id="not-json"),
        pytest.param(b"[1, 2]", 400, id="not-an-object"),
        pytest.param(b'{"from": "+7", "text": "1"}', 400, id="no-id"),
        pytest.param(b"\xff\xfe\x00binary", 400, id="binary"),
        pytest.param(b"x" * (64 * 1024 + 1), 413, id="too-large"),
    ],
)
async def test_generic_malformed_bodies_get_4xx_with_a_message(client, raw, status) -> None:
    resp = await client.post("/sms/inbound", data=raw, headers=signed_headers(GENERIC_SECRET, raw))
    assert resp.status == status
    assert (await resp.json())["error"]
    assert await messages(client) == []


async def replaced_meter(engine: AsyncEngine) -> None:
    """Account 4444444 whose only meter was removed on 2026-11-10, nothing installed yet."""
    await seed(
        engine, [meter("4444444", "E-1")], [("4444444", "E-1", 1, date(2026, 10, 20), "5000")]
    )
    removed = ReplacementRow(
        0, "4444444", "E-1", 1, date(2026, 11, 10), Decimal(5050), *(None,) * 6
    )
    await record_replacements(uow_of(engine), [removed], NOW)


# reason, text, status, and what the reply must say: the fault named with what was typed
REASON_CASES = [
    ("empty", "", "rejected", "Сообщение пустое."),
    ("no_uin", "привет", "rejected", "Не найден УИН."),
    ("unknown_uin", "9999999 1 2", "rejected", "Лицевой счёт с УИН 9999999 не найден."),
    ("account_closed", "2222222 5", "rejected", "Лицевой счёт закрыт"),
    ("reading_count_mismatch", "1234567 5123", "rejected", "Показаний в сообщении: 1, а нужно 2"),
    ("not_a_number", "1234567 5123 пять", "rejected", "Не удалось прочитать «пять»"),
    ("too_many_digits", "1234567 123456 2010", "rejected",
     "Показание 123456 (электроэнергия T1) длиннее, чем на счётчике"),
    ("too_many_decimals", "7654321 104.12345 41", "rejected",
     "В показании 104.12345 (ХВС) слишком много цифр после запятой, допустимо: 3."),
    ("decreasing", "1234567 4000 2010", "rejected",
     "Показание 4000 (электроэнергия T1) меньше предыдущего принятого."),
    ("implausible_jump", "1234567 09000 02010", "review", "Расход намного больше обычного"),
    ("meter_verification_expired", "3333333 150", "rejected",
     "Истёк срок поверки счётчика (электроэнергия)"),
    # 5123.201? or 5123 and 201 without a space?
    ("ambiguous", "1234567 5123,201", "review", "Показание «5123,201» можно прочитать по-разному"),
    # the meter was removed on 2026-11-10 (replaced_meter), the message is of 11-20
    ("meter_replaced", "4444444 5100", "rejected", "Счётчик (электроэнергия) заменён"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("reason", "text", "status", "says"), REASON_CASES, ids=[c[0] for c in REASON_CASES]
)
async def test_every_reason_code_is_reachable(client, engine, reason, text, status, says) -> None:
    if reason == "meter_replaced":
        await replaced_meter(engine)
    body = await (await post_generic(client, {"id": reason, "from": "+7999", "text": text})).json()
    assert (body["status"], body["reason"]) == (status, reason)
    assert says in body["reply"], body["reply"]
    if status == "rejected":  # nothing of the account's stored readings is told
        assert "5000" not in body["reply"] and "1975" not in body["reply"]


async def test_rate_limited_sender_is_answered_and_others_are_not_delayed(client) -> None:
    for i in range(6):
        body = await (
            await post_generic(
                client, {"id": f"flood-{i}", "from": "+7000", "text": "1234567 05123 02010"}
            )
        ).json()
    assert body["reason"] == "rate_limited"
    other = await (
        await post_generic(client, {"id": "calm", "from": "+7111", "text": "1234567 05123 02010"})
    ).json()
    assert other["status"] == "accepted"


async def test_api_requires_a_bearer_token(client) -> None:
    assert (await client.get("/api/v1/messages")).status == 401
    bad = await client.get("/api/v1/messages", headers={"Authorization": "Bearer nope"})
    assert bad.status == 401


async def test_account_readings_and_pagination(client) -> None:
    await post_generic(client, {"id": "r1", "from": "+7", "text": "1234567 05123 02010"})
    resp = await client.get(
        "/api/v1/accounts/1234567/readings", params={"limit": "3"}, headers=AUTH
    )
    page = await resp.json()
    assert len(page["items"]) == 3 and page["next"]
    rest = await (
        await client.get(
            "/api/v1/accounts/1234567/readings", params={"cursor": page["next"]}, headers=AUTH
        )
    ).json()
    assert rest["next"] is None
    values = [r["value"] for r in page["items"] + rest["items"]]
    assert values == ["4800", "4900", "5000", "1975", "5123", "2010"]
    missing = await client.get("/api/v1/accounts/0000000/readings", headers=AUTH)
    assert missing.status == 404


async def test_health_ready_and_metrics(client) -> None:
    assert (await client.get("/healthz")).status == 200
    assert (await client.get("/readyz")).status == 200
    await post_generic(client, {"id": "m1", "from": "+7", "text": "1234567 05123 02010"})
    text = await (await client.get("/metrics")).text()
    assert 'meter_gateway_messages_total{channel="sms",status="accepted"}' in text


async def test_database_down_means_503_retry_later() -> None:
    from aiohttp.test_utils import TestServer

    from gateway.app.factory import init_app
    from gateway.config import load_config
    from storage.db import make_engine
    from tests.e2e.conftest import ENV

    engine = make_engine(
        "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere", connect_args={"timeout": 2}
    )
    app = init_app(load_config(environ=ENV), engine=engine, background=False)
    async with TestClient(TestServer(app)) as down:
        resp = await post_generic(down, {"id": "x", "from": "+7", "text": "1234567 1 2"})
        assert resp.status == 503 and resp.headers["Retry-After"]
        resp = await post_twilio(down, "SMdown", "1234567 1 2")
        assert resp.status == 503
        assert (await down.get("/readyz")).status == 503
    await engine.dispose()


async def test_openapi_describes_every_api_route(client) -> None:
    resp = await client.get("/api/v1/openapi.json")  # no token needed to read the description
    spec = await resp.json()
    assert spec["openapi"].startswith("3.")
    routes = {
        r.resource.canonical.removeprefix("/api/v1")
        for r in client.server.app.router.routes()
        if r.resource is not None and r.resource.canonical.startswith("/api/v1/")
    }
    assert routes == set(spec["paths"])


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("53300", "sorry, too many clients already"),
        ("57P03", "the database system is starting up"),
    ],
)
async def test_database_refusing_connections_means_503_retry_later(code: str, message: str) -> None:
    """Two gateways under load can fill PostgreSQL's max_connections, and a restarting server
    refuses connections for a while: the sender is told to retry, as for a server that is
    down, not answered 500 (found by tests/guarantees/test_two_processes.py)."""
    from aiohttp.test_utils import TestServer

    from gateway.app.factory import init_app
    from gateway.config import load_config
    from storage.db import make_engine
    from tests.e2e.conftest import ENV
    from tests.e2e.refusing_pg import refusing_postgresql

    async with refusing_postgresql(code, message) as url:
        engine = make_engine(url)
        app = init_app(load_config(environ=ENV), engine=engine, background=False)
        try:
            async with TestClient(TestServer(app)) as full:
                resp = await post_generic(full, {"id": "x", "from": "+7", "text": "1234567 1 2"})
                assert resp.status == 503 and resp.headers["Retry-After"]
        finally:
            await engine.dispose()
