"""Signed SMS posts to a live server (the generic provider's webhook)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from tests.e2e.conftest import GENERIC_SECRET
from tests.support.signing import signature


async def sms(base: str, text: str, sid: str) -> dict[str, Any]:
    raw = json.dumps({"id": sid, "from": f"+7999{sid}", "text": text}).encode()
    sig = signature(GENERIC_SECRET, raw)
    async with (
        aiohttp.ClientSession() as client,
        client.post(f"{base}/sms/inbound", data=raw, headers={"X-Signature": sig}) as resp,
    ):
        assert resp.status == 200
        return dict(await resp.json())
