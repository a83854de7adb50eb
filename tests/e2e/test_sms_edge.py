"""SMS webhooks at the edge: bodies in pieces, odd headers, provider payloads (issue 9)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json

from aiohttp.test_utils import TestClient

from tests.e2e.conftest import GENERIC_SECRET
from tests.e2e.test_sms import messages


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
    sig = "sha256=" + hmac.new(GENERIC_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    headers = {"X-Signature": sig, "Content-Type": "application/json"}
    status, body = await raw_post(client, "/sms/inbound", headers, [raw[:20], raw[20:]])
    assert status == 200, body
    assert json.loads(body)["status"] == "accepted"
    assert len(await messages(client, external_id="split-1")) == 1


async def test_generic_oversized_body_in_pieces_is_413(client) -> None:
    raw = b"x" * (64 * 1024 + 10)
    sig = "sha256=" + hmac.new(GENERIC_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    status, _ = await raw_post(client, "/sms/inbound", {"X-Signature": sig}, [raw[:100], raw[100:]])
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
