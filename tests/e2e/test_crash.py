"""kill -9 in the middle of intake: nothing acknowledged is lost, nothing is stored twice."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

from storage.models import Message, Reading
from tests.e2e.test_demo import free_port
from tests.helpers import meter, seed

SECRET = "crash-secret"
N = 120


def start(tmp_path: Path, port: int, db_url: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("METER_GATEWAY_")}
    env |= {
        "METER_GATEWAY_HTTP_PORT": str(port),
        "METER_GATEWAY_DATABASE_URL": db_url,
        "METER_GATEWAY_SMS_GENERIC_SECRET": SECRET,
        "METER_GATEWAY_RULES_RATE_LIMIT_PER_HOUR": "0",
        "METER_GATEWAY_SMTP_ENABLED": "false",
    }
    log = (tmp_path / "gateway.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "gateway", "run"], env=env, cwd=tmp_path, stdout=log, stderr=log
    )


async def wait_ready(port: int) -> None:
    async with aiohttp.ClientSession() as s:
        for _ in range(300):
            try:
                async with s.get(f"http://127.0.0.1:{port}/readyz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("gateway did not become ready")


async def send(session: aiohttp.ClientSession, port: int, i: int) -> bool:
    """True when the gateway acknowledged the message (HTTP 200)."""
    raw = json.dumps({"id": f"c{i}", "from": f"+7{i}", "text": f"{1000000 + i} 00{i:03d}"})
    sig = "sha256=" + hmac.new(SECRET.encode(), raw.encode(), hashlib.sha256).hexdigest()
    try:
        async with session.post(
            f"http://127.0.0.1:{port}/sms/inbound", data=raw, headers={"X-Signature": sig}
        ) as r:
            return r.status == 200 and (await r.json())["status"] == "accepted"
    except (TimeoutError, aiohttp.ClientError):
        return False


async def test_kill_9_loses_no_acknowledged_message_and_doubles_none(
    tmp_path, db_url, sessions
) -> None:
    await seed(sessions, [meter(str(1000000 + i), "E-1") for i in range(N)])
    port = free_port()
    proc = start(tmp_path, port, db_url)
    await wait_ready(port)
    acked: set[int] = set()
    async with aiohttp.ClientSession() as session:

        async def one(i: int) -> None:
            if await send(session, port, i):
                acked.add(i)

        tasks = [asyncio.create_task(one(i)) for i in range(N)]
        while len(acked) < N // 3:
            await asyncio.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        await asyncio.gather(*tasks)
    async with sessions() as s:
        stored = set((await s.execute(select(Message.external_id))).scalars())
    assert {f"c{i}" for i in acked} <= stored  # every acknowledged message survived
    # the provider retries everything it has no answer for; the gateway restarted
    proc = start(tmp_path, port, db_url)
    try:
        await wait_ready(port)
        async with aiohttp.ClientSession() as session:
            results = await asyncio.gather(*(send(session, port, i) for i in range(N)))
        assert all(results)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    async with sessions() as s:
        messages = (await s.execute(select(func.count()).select_from(Message))).scalar_one()
        readings = (await s.execute(select(func.count()).select_from(Reading))).scalar_one()
        pending = (
            await s.execute(select(func.count()).where(Message.status == "pending"))
        ).scalar_one()
    assert (messages, readings, pending) == (N, N, 0)
