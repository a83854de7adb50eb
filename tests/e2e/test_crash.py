"""kill -9 in the middle of intake, twice: nothing acknowledged is lost, nothing is stored
twice, and no reply goes out twice with different texts (SPEC §7).

A fake SMS provider stands in for the outside world on both sides: it posts signed
webhooks (retrying whatever got no answer) and receives the replies at ``send_url``,
recording each Idempotency-Key with the text it came with."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from storage.models import Message, Reading
from tests.helpers import meter, seed
from tests.support.db import count
from tests.support.fakes import SmsProvider
from tests.support.gateway import Gateway
from tests.support.ports import free_port
from tests.support.signing import signed_sms
from tests.support.waiting import until

SECRET = "crash-secret"
N = 150


def text_of(i: int) -> str:
    """Most messages are readings; every fifth has no UIN (answered ``rejected``)."""
    return "hello" if i % 5 == 0 else f"{1000000 + i} 00{i:03d}"


async def send(session: aiohttp.ClientSession, port: int, i: int) -> str | None:
    """The status the gateway answered with, or None without a 2xx answer."""
    raw, sig = signed_sms(SECRET, f"c{i}", f"+7{i}", text_of(i))
    try:
        async with session.post(
            f"http://127.0.0.1:{port}/sms/inbound", data=raw, headers={"X-Signature": sig}
        ) as r:
            if r.status != 200:
                return None
            return str((await r.json())["status"])
    except (TimeoutError, aiohttp.ClientError):
        return None


async def load_then_kill(gateway: Gateway, kill_after: int | None) -> dict[int, str]:
    """Send all N messages at once; SIGKILL the gateway (and its workers: its whole process
    group, as a power cut or the OOM killer on the machine) once ``kill_after`` are
    answered."""
    answered: dict[int, str] = {}
    async with aiohttp.ClientSession() as session:

        async def one(i: int) -> None:
            status = await send(session, gateway.port, i)
            if status is not None:
                answered[i] = status

        tasks = [asyncio.create_task(one(i)) for i in range(N)]
        if kill_after is not None:
            await until(
                lambda: len(answered) >= kill_after or all(t.done() for t in tasks),
                f"{kill_after} answers before the kill",
                interval=0.005,
            )
            await gateway.kill()
        await asyncio.gather(*tasks)
    return answered


async def test_killed_twice_under_load_loses_nothing_and_doubles_nothing(
    tmp_path: Path, db_url, sessions
) -> None:
    await killed_twice(tmp_path, db_url, sessions, ())


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
async def test_two_workers_killed_twice_lose_nothing_and_double_nothing(
    tmp_path: Path, db_url, sessions
) -> None:
    """The same with ``run --workers 2`` (group commit in each worker, one port)."""
    await killed_twice(tmp_path, db_url, sessions, ("--workers", "2"))


async def killed_twice(tmp_path: Path, db_url: str, sessions, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    await seed(sessions, [meter(str(1000000 + i), "E-1") for i in range(N)])
    provider = SmsProvider()
    send_url = await provider.start()
    env = {
        "METER_GATEWAY_SMS_GENERIC_SECRET": SECRET,
        "METER_GATEWAY_SMS_GENERIC_SEND_URL": send_url,
        "METER_GATEWAY_RULES_RATE_LIMIT_PER_HOUR": "0",
        "METER_GATEWAY_OUTBOX_SEND_TIMEOUT": "1",  # held rows come back after 3 s
    }
    port = free_port()
    first_answer: dict[int, str] = {}
    try:
        # two rounds killed mid-run; the provider retries everything each time (answered
        # ones too: a lost answer looks the same to it), then a last round runs to the end
        for kill_after in (N // 4, N // 2, None):
            gateway = Gateway(tmp_path, db_url, env, port=port, args=args).start()
            await gateway.ready()
            answered = await load_then_kill(gateway, kill_after)
            for i, status in answered.items():
                # a retry is answered as the first delivery was
                assert first_answer.setdefault(i, status) == status, i
            async with sessions() as s:
                stored = dict((await s.execute(select(Message.external_id, Message.status))).all())
            for i, status in first_answer.items():  # every acknowledged message survived,
                assert stored[f"c{i}"] == status  # with the status it was answered with
        assert len(first_answer) == N  # the last round answered everything
        try:  # every message gets its one reply: the outbox drains on the last gateway,
            # rows the killed ones held come back after their lease
            await until(lambda: sum(map(len, provider.keys.values())) >= N, f"{N} replies")
        finally:
            await gateway.stop()
    finally:
        await provider.close()
    provider.check()
    messages, readings = await count(sessions, Message), await count(sessions, Reading)
    pending = await count(sessions, select(func.count()).where(Message.status == "pending"))
    accepted = sum(1 for i in range(N) if i % 5)
    assert (messages, readings, pending) == (N, accepted, 0)
    assert len(provider.keys) == N, "a message got no reply"
    assert all(len(keys) == 1 for keys in provider.keys.values()), "a message got two replies"
    assert all(len(texts) == 1 for texts in provider.texts.values()), "a key, two texts"
