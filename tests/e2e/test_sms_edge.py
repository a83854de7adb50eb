"""SMS webhooks at the edge: bodies in pieces, odd headers, provider payloads (issue 9)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_sessionmaker
from storage.models import Message
from tests.e2e.conftest import GENERIC_SECRET, TWILIO_TOKEN, TWILIO_URL
from tests.e2e.test_sms import messages
from tests.support.signing import signature, signed_headers, twilio_signature


async def raw_post(client: TestClient, path: str, headers: dict[str, str], pieces: list[bytes]):  # type: ignore[no-untyped-def]
    """POST over a plain socket, the body written in ``pieces`` with a pause between them."""
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    body_len = sum(len(p) for p in pieces)
    head = f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Length: {body_len}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "Connection: close\r\n\r\n"
    writer.write(head.encode("latin-1"))
    for piece in pieces:
        writer.write(piece)
        await writer.drain()
        await asyncio.sleep(0.2)
    answer = await reader.read()
    writer.close()
    status = int(answer.split(b" ", 2)[1])
    return status, answer.split(b"\r\n\r\n", 1)[1]


async def test_generic_body_in_two_tcp_pieces_is_verified_whole(client) -> None:
    raw = json.dumps({"id": "split-1", "from": "+7999", "text": "1234567 05123 02010"}).encode()
    headers = signed_headers(GENERIC_SECRET, raw)
    status, body = await raw_post(client, "/sms/inbound", headers, [raw[:20], raw[20:]])
    assert status == 200, body
    assert json.loads(body)["status"] == "accepted"
    assert len(await messages(client, external_id="split-1")) == 1


async def test_generic_oversized_body_in_pieces_is_413(client) -> None:
    raw = b"x" * (64 * 1024 + 10)
    sig = {"X-Signature": signature(GENERIC_SECRET, raw)}
    status, _ = await raw_post(client, "/sms/inbound", sig, [raw[:100], raw[100:]])
    assert status == 413


async def test_non_ascii_signature_headers_are_403_not_500(client) -> None:
    raw = b'{"id": "na", "from": "+7", "text": "1"}'
    status, _ = await raw_post(
        client, "/sms/inbound", {"X-Signature": "sha256=\u00e9\u00e9"}, [raw]
    )
    assert status == 403
    form = b"MessageSid=SM1&From=%2B7&Body=1"
    status, _ = await raw_post(
        client,
        "/sms/twilio",
        {
            "X-Twilio-Signature": "\u00e9t\u00e9",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        [form],
    )
    assert status == 403
    assert await messages(client) == []


async def post_twilio_form(client: TestClient, form: dict[str, str]):  # type: ignore[no-untyped-def]
    signed = {"X-Twilio-Signature": twilio_signature(TWILIO_TOKEN, TWILIO_URL, form)}
    return await client.post("/sms/twilio", data=form, headers=signed)


async def stored_meta(engine: AsyncEngine) -> list[dict[str, Any] | None]:
    async with make_sessionmaker(engine)() as session:
        return list((await session.execute(select(Message.meta))).scalars())


async def test_twilio_status_callback_is_recognised_and_stores_nothing(client) -> None:
    # as Twilio posts it after delivering our reply: no Body, a MessageStatus
    form = {
        "SmsSid": "SM5e0b1f7c6f3a4c2a9d4f1e2b3c4d5e6f",
        "SmsStatus": "delivered",
        "MessageStatus": "delivered",
        "To": "+79990000001",
        "MessageSid": "SM5e0b1f7c6f3a4c2a9d4f1e2b3c4d5e6f",
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "From": "+17377",
        "ApiVersion": "2010-04-01",
    }
    resp = await post_twilio_form(client, form)
    assert resp.status == 200 and resp.content_type == "text/xml"
    assert "<Message>" not in await resp.text() and "<Response/>" in await resp.text()
    assert await messages(client) == []


async def test_twilio_status_callback_with_a_forged_signature_is_403(client) -> None:
    form = {"MessageSid": "SM1", "MessageStatus": "failed", "From": "+1", "To": "+7"}
    resp = await client.post("/sms/twilio", data=form, headers={"X-Twilio-Signature": "x"})
    assert resp.status == 403


async def test_twilio_mms_keeps_its_media_with_the_message(client, engine) -> None:
    media = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME"
    form = {
        "MessageSid": "MM0123456789abcdef0123456789abcdef",
        "SmsMessageSid": "MM0123456789abcdef0123456789abcdef",
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "From": "+79990000001",
        "To": "+17377",
        "Body": "1234567 05123 02010",
        "NumMedia": "2",
        "NumSegments": "1",
        "MediaUrl0": media + "0",
        "MediaContentType0": "image/jpeg",
        "MediaUrl1": media + "1",
        "MediaContentType1": "image/png",
    }
    resp = await post_twilio_form(client, form)
    assert resp.status == 200 and "Показания приняты" in await resp.text()
    [msg] = await messages(client, external_id=form["MessageSid"])
    assert msg["status"] == "accepted"
    [meta] = await stored_meta(engine)
    assert meta is not None and meta["media"] == [
        {"url": media + "0", "content_type": "image/jpeg"},
        {"url": media + "1", "content_type": "image/png"},
    ]
