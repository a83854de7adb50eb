"""SIGTERM under load: the gateway stops accepting, finishes the requests it took, stops
its background work and exits 0 within a bound; every message answered 200 is stored, and
no request got a 5xx (on both databases)."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import aiohttp
from sqlalchemy import select

from storage.models import Message
from tests.helpers import meter, seed
from tests.support.gateway import Gateway
from tests.support.signing import signed_sms
from tests.support.waiting import until

SECRET = "shutdown-secret"
N = 400
ENV = {
    "METER_GATEWAY_SMS_GENERIC_SECRET": SECRET,
    "METER_GATEWAY_RULES_RATE_LIMIT_PER_HOUR": "0",
}


class Load:
    """N signed SMS sent at once (64 connections); each one's HTTP status, or the name of
    the error it got instead, and when."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.results: dict[int, tuple[int | str, float]] = {}

    async def one(self, session: aiohttp.ClientSession, i: int) -> None:
        raw, sig = signed_sms(SECRET, f"s{i}", f"+7{i}", f"{1000000 + i} 00{i:03d}")
        url = f"http://127.0.0.1:{self.port}/sms/inbound"
        try:
            async with session.post(url, data=raw, headers={"X-Signature": sig}) as r:
                await r.read()
                self.results[i] = (r.status, time.monotonic())
        except (TimeoutError, aiohttp.ClientError) as e:
            self.results[i] = (type(e).__name__, time.monotonic())

    def answered(self) -> int:
        return sum(1 for status, _ in self.results.values() if status == 200)


async def test_sigterm_under_load_finishes_what_it_took_and_exits_0(
    tmp_path: Path, db_url: str, sessions
) -> None:
    await seed(sessions, [meter(str(1000000 + i), "E-1") for i in range(N)])
    gateway = Gateway(tmp_path, db_url, ENV).start()
    try:
        await gateway.ready()
        load = Load(gateway.port)
        timeout = aiohttp.ClientTimeout(total=60)
        connector = aiohttp.TCPConnector(limit=64)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            tasks = [asyncio.create_task(load.one(session, i)) for i in range(N)]
            await until(lambda: load.answered() >= N // 4, f"{N // 4} answers", interval=0.01)
            signalled = time.monotonic()
            gateway.proc.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
            await asyncio.gather(*tasks)
            code = await gateway.wait()
    finally:
        await gateway.close()  # its log has no traceback
    assert code == 0
    statuses = {status for status, _ in load.results.values()}
    assert not {s for s in statuses if isinstance(s, int) and s != 200}, statuses
    ok = {f"s{i}" for i, (status, _) in load.results.items() if status == 200}
    after = [t for status, t in load.results.values() if status == 200 and t > signalled]
    assert after, "no request in flight at SIGTERM was finished"
    assert len(ok) < N, "the gateway kept accepting after SIGTERM"
    async with sessions() as s:
        stored = dict((await s.execute(select(Message.external_id, Message.status))).all())
    # what was answered is stored and decided; nothing was stored without its answer
    assert set(stored) == ok
    assert set(stored.values()) == {"accepted"}
