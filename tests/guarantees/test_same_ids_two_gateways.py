"""The same message delivered twice at the same moment, to two gateway processes on one
PostgreSQL (a provider retrying through a load balancer) or twice to one gateway run with
``--workers 2``: both deliveries are answered 200 with the same answer, the message is
stored once, and neither process logs a traceback or a deadlock.

No delivery is retried here (unlike ``tests/support/fakes.post_sms``): a 503 is a
failure of this test. Both processes decide batches of the same messages at once, in
whatever order each received them, so batch inserts that lock the same rows in different
orders (a deadlock, answered 503) or a batch whose messages were all taken by the other
process (a crash in its decision step) show here. A deadlock the gateway ran again is
logged all the same, and fails the test: the lock order must leave none."""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Message
from tests.helpers import meter, seed
from tests.support.fakes import SmsProvider
from tests.support.gateway import Gateway
from tests.support.signing import signed_sms

pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)

SECRET = "same-ids-secret"
N, ROUNDS = 300, 5
WINDOW = 100  # messages delivered at once (each twice)
UIN = 5000000
Sessions = async_sessionmaker[AsyncSession]
Answer = tuple[int, Any]  # HTTP status, the JSON body (the text when it is not JSON)
# a traceback, or PostgreSQL's deadlock error (not "deadlock" alone: a path may hold it)
LOGGED = re.compile(r".*(?:Traceback|deadlock detected|DeadlockDetected).*")


def sms(r: int, i: int) -> tuple[str, str, str, str]:
    """(external id, sender, text, expected status) of message ``i`` of round ``r``. Most
    are readings, each for its own account except every tenth, which names the account of
    the message before it (one customer, two messages); some name no account, some an
    unknown one."""
    ext, sender = f"r{r}-{i}", f"+7901{r}{i:06d}"
    if i % 7 == 3:
        return ext, sender, "hello", "rejected"
    if i % 11 == 5:
        return ext, sender, f"{UIN - 1 - i} 100", "rejected"
    account = UIN + r * N + (i - 1 if i % 10 == 9 else i)
    return ext, sender, f"{account} 00{i:03d}", "accepted"


async def post(session: aiohttp.ClientSession, port: int, raw: str, sig: str) -> Answer:
    url = f"http://127.0.0.1:{port}/sms/inbound"
    async with session.post(url, data=raw, headers={"X-Signature": sig}) as resp:
        body = await resp.text()
        try:
            return resp.status, json.loads(body)
        except json.JSONDecodeError:
            return resp.status, body


async def deliver_twice(ports: list[int], r: int) -> dict[str, list[Answer]]:
    """Every message of round ``r`` to ``ports[0]`` and ``ports[1]`` at the same moment,
    WINDOW messages at a time, each over a fresh connection (with ``--workers`` either
    worker may take either). The second copies of a window start in another order than
    the first ones, as two machines behind a load balancer see them."""
    answers: dict[str, list[Answer]] = {f"r{r}-{i}": [] for i in range(N)}
    shuffled = random.Random(r)
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(port: int, i: int) -> None:
            ext, sender, text, _ = sms(r, i)
            answers[ext].append(await post(session, port, *signed_sms(SECRET, ext, sender, text)))

        for lo in range(0, N, WINDOW):
            window = list(range(lo, min(lo + WINDOW, N)))
            other = shuffled.sample(window, len(window))
            await asyncio.gather(
                *(job for i, j in zip(window, other, strict=True)
                  for job in (one(ports[0], i), one(ports[1], j)))
            )  # fmt: skip
    return answers


def failures(r: int, answers: dict[str, list[Answer]]) -> list[str]:
    """What is wrong with the answers of round ``r``: anything but 200, two different
    answers to one message, a status other than the text deserves."""
    wrong = []
    for i in range(N):
        ext, _, _, status = sms(r, i)
        first, second = answers[ext]
        if first[0] != 200 or second[0] != 200:
            wrong.append(f"{ext}: {first[0]} {second[0]} {first[1]!r} {second[1]!r}")
        elif first[1] != second[1]:
            wrong.append(f"{ext}: two answers {first[1]!r} {second[1]!r}")
        elif first[1]["status"] != status:
            wrong.append(f"{ext}: {first[1]!r}, expected {status}")
    return wrong


async def stored(sessions: Sessions) -> tuple[Counter[str], list[str]]:
    """How often each message is stored, and those not decided."""
    async with sessions() as s:
        ids = (await s.execute(select(Message.external_id))).scalars()
        pending = select(Message.external_id).where(Message.status == "pending")
        return Counter(ids), list((await s.execute(pending)).scalars())


async def run_rounds(
    tmp_path: Path, db_url: str, sessions: Sessions, args: list[str], gateways: int
) -> None:
    """Seed, start ``gateways`` processes run with ``args``, deliver ROUNDS rounds of N
    messages, each twice at once (to two gateways, or twice to the one), and check."""
    await seed(sessions, [meter(str(UIN + k), "E-1") for k in range(N * ROUNDS)])
    wrong: list[str] = []
    # the replies go out through the outbox, as in production
    async with SmsProvider() as provider:
        env = {
            "METER_GATEWAY_SMS_GENERIC_SECRET": SECRET,
            "METER_GATEWAY_SMS_GENERIC_SEND_URL": provider.url,
        }
        procs = [
            Gateway(tmp_path, db_url, env, log=f"gateway{n}.log", args=args).start()
            for n in range(gateways)
        ]
        try:
            await asyncio.gather(*(g.ready() for g in procs))
            ports = [g.port for g in procs]
            targets = ports if gateways == 2 else ports * 2
            for r in range(ROUNDS):
                wrong += failures(r, await deliver_twice(targets, r))
        finally:
            for g in procs:
                if g.running():
                    g.proc.terminate()  # type: ignore[union-attr]
            for g in procs:
                await g.wait()
        provider.check()
    logged = {g.log.name: LOGGED.findall(g.log_text()) for g in procs}
    assert (wrong, logged) == ([], {g.log.name: [] for g in procs}), (
        f"{len(wrong)} of {N * ROUNDS} messages wrong: {wrong[:5]}; "
        + "; ".join(f"{log}: {len(lines)} lines like {lines[:2]}" for log, lines in logged.items())
    )
    once = Counter(sms(r, i)[0] for r in range(ROUNDS) for i in range(N))
    assert await stored(sessions) == (once, [])


async def test_two_gateways_answer_a_message_sent_to_both_at_once_alike(
    tmp_path: Path, db_url: str, sessions: Sessions
) -> None:
    await run_rounds(tmp_path, db_url, sessions, [], gateways=2)


async def test_two_workers_answer_a_message_sent_twice_at_once_alike(
    tmp_path: Path, db_url: str, sessions: Sessions
) -> None:
    await run_rounds(tmp_path, db_url, sessions, ["--workers", "2"], gateways=1)
