"""The outside world's SMS provider, faked: its send API receives the gateway's replies.

A fake never asserts inside a request handler: the gateway would take the failure for an
ordinary send error and retry (the outbox catches it), and the test would pass. What the
fake finds wrong goes to ``problems``, which the test asserts empty (``check()``)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from tests.support.ports import free_port
from tests.support.signing import signature, signed_sms
from tests.support.waiting import until


@dataclass(frozen=True)
class Delivery:
    payload: dict[str, Any]
    key: str  # Idempotency-Key
    raw: bytes
    signed: bool | None  # the X-Signature matched (None: no secret to check against)


class SmsProvider:
    """Every delivery recorded, and counted by Idempotency-Key, recipient and text. With a
    ``secret`` the X-Signature is checked; ``fail_next`` deliveries are answered 500."""

    def __init__(self, secret: str | None = None, delay: float = 0.005) -> None:
        self.secret = secret
        self.delay = delay  # a real provider takes a moment
        self.received: list[Delivery] = []
        self.deliveries: Counter[str] = Counter()  # Idempotency-Key -> times delivered
        self.keys: dict[str, set[str]] = defaultdict(set)  # recipient -> keys
        self.texts: dict[str, set[str]] = defaultdict(set)  # key -> texts
        self.problems: list[str] = []
        self.fail_next = 0
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        if self.fail_next:
            self.fail_next -= 1
            return web.Response(status=500)
        try:
            payload = json.loads(raw)
            key = request.headers["Idempotency-Key"]
            to, text = payload["to"], payload["text"]
        except (ValueError, KeyError, TypeError) as e:
            self.problems.append(f"malformed delivery ({e!r}): {raw[:200]!r}")
            return web.Response(status=400)
        signed = None
        if self.secret is not None:
            signed = request.headers.get("X-Signature") == signature(self.secret, raw)
            if not signed:
                self.problems.append(f"delivery {key} not signed with the secret")
        self.received.append(Delivery(payload, key, raw, signed))
        self.deliveries[key] += 1
        self.keys[to].add(key)
        self.texts[key].add(text)
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.json_response({"ok": True})

    def replied(self) -> int:
        """How many distinct replies (Idempotency-Keys) arrived."""
        return len(self.deliveries)

    def check(self) -> None:
        assert self.problems == [], self.problems

    async def start(self) -> str:
        """Listen on a free port; returns the send URL for the gateway's config."""
        app = web.Application()
        app.router.add_post("/send", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}/send"
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SmsProvider:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def post_sms(
    session: aiohttp.ClientSession,
    base: str,
    secret: str,
    external_id: str,
    sender: str,
    text: str,
    timeout: float = 30,
) -> dict[str, Any] | None:
    """The provider's side of a signed webhook: the gateway's JSON answer, or None without a
    200. A 503 (the database refused: PostgreSQL full, or down) is retried, as the
    provider would, until the deadline."""
    raw, sig = signed_sms(secret, external_id, sender, text)

    async def attempt() -> tuple[dict[str, Any] | None] | None:
        async with session.post(f"{base}/sms/inbound", data=raw, headers={"X-Signature": sig}) as r:
            if r.status == 503:
                return None
            return (dict(await r.json()) if r.status == 200 else None,)

    [answer] = await until(attempt, f"an answer other than 503 to {external_id}", timeout, 0.2)
    return answer
