"""The database goes away under load and comes back (SPEC §7): on a throwaway PostgreSQL
cluster the test starts itself, crashed while signed SMS keep coming, while mail arrives by
SMTP and in the IMAP mailbox. Meanwhile: HTTP 503 with Retry-After, SMTP 451, IMAP mail left
where it is. Started again, without restarting the gateway: everything acknowledged is
there once, the provider's retries are taken, the IMAP mail is fetched, the replies queued
before the outage go out."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from storage.db import make_engine, make_sessionmaker, upgrade
from storage.models import Message, Reading
from tests.guarantees.pgcluster import Cluster
from tests.helpers import meter, seed
from tests.support.db import count
from tests.support.dovecot import Dovecot, Mailbox
from tests.support.fakes import SmsProvider
from tests.support.gateway import Gateway
from tests.support.mail import customer_mail, smtp_answer
from tests.support.ports import free_port
from tests.support.signing import signed_sms
from tests.support.waiting import until

SECRET = "outage-secret"
N = 90
UINS = [str(2000000 + i) for i in range(N + 2)]


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    c = Cluster()
    c.start()
    yield c
    c.cleanup()


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    d = Dovecot()
    d.start()
    yield d
    d.cleanup()


def mail(uin: str, message_id: str) -> bytes:
    sender = f"customer-{message_id}@example.net"
    return customer_mail("readings", f"{uin} 00123", sender, f"<{message_id}@example.net>")


class Load:
    """A provider posting N signed SMS, 8 at a time, each retried until it gets a 200."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.codes: Counter[int] = Counter()
        self.without_retry_after = 0
        self.acked: set[int] = set()

    async def run(self) -> None:
        gate = asyncio.Semaphore(8)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as s:
            await asyncio.gather(*(self.one(s, gate, i) for i in range(N)))

    async def one(self, s: aiohttp.ClientSession, gate: asyncio.Semaphore, i: int) -> None:
        raw, sig = signed_sms(SECRET, f"o{i}", f"+7900{i:04d}", f"{UINS[i]} 00{i:03d}")
        async with gate:
            for _ in range(600):
                try:
                    async with s.post(
                        f"http://127.0.0.1:{self.port}/sms/inbound",
                        data=raw,
                        headers={"X-Signature": sig},
                    ) as r:
                        self.codes[r.status] += 1
                        if r.status == 200:
                            self.acked.add(i)
                            return
                        if "Retry-After" not in r.headers:
                            self.without_retry_after += 1
                except aiohttp.ClientError:
                    self.codes[0] += 1
                await asyncio.sleep(0.1)  # a real provider waits longer; the test cannot


async def test_the_database_crashes_under_load_and_comes_back(
    tmp_path: Path, cluster: Cluster, dovecot: Dovecot
) -> None:
    engine = make_engine(cluster.url)
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    await seed(sessions, [meter(uin, "E-1") for uin in UINS])
    await engine.dispose()
    provider = SmsProvider()
    send_url = await provider.start()
    smtp_port = free_port()
    env = {
        "METER_GATEWAY_SMS_GENERIC_SECRET": SECRET,
        "METER_GATEWAY_SMS_GENERIC_SEND_URL": send_url,
        "METER_GATEWAY_OUTBOX_SEND_TIMEOUT": "1",
        "METER_GATEWAY_RULES_RATE_LIMIT_PER_HOUR": "0",
        "METER_GATEWAY_SMTP_ENABLED": "true",
        "METER_GATEWAY_SMTP_PORT": str(smtp_port),
        **dovecot.gateway_env(),
    }
    gateway = Gateway(tmp_path, cluster.url, env).start()
    port = gateway.port
    mailbox = Mailbox(dovecot.port)
    try:
        await gateway.ready()
        load = Load(port)
        running = asyncio.create_task(load.run())
        await until(lambda: len(load.acked) >= N // 3, f"{N // 3} SMS taken", interval=0.01)
        cluster.crash()
        acked_before = set(load.acked)
        # while it is down: mail by SMTP is deferred, mail in the mailbox stays there
        assert await smtp_answer(smtp_port, mail(UINS[N], "smtp-1")) == 451
        await mailbox.append(mail(UINS[N + 1], "imap-1"))
        async with aiohttp.ClientSession() as s, s.get(f"http://127.0.0.1:{port}/readyz") as r:
            assert r.status == 503
        await until(lambda: load.codes[503] > 0, "the load meeting the outage")
        assert gateway.running() and len(load.acked) < N  # still serving, through it
        cluster.start()
        await asyncio.wait_for(running, 120)  # the provider's retries are taken
        assert await smtp_answer(smtp_port, mail(UINS[N], "smtp-1")) == 250  # MTA retry
        engine = make_engine(cluster.url)
        sessions = make_sessionmaker(engine)
        by_mail = select(func.count()).where(Message.channel == "email")

        async def caught_up() -> bool:  # the IMAP poller and the outbox carry on by themselves
            return await count(sessions, by_mail) == 2 and provider.replied() == N

        await until(caught_up, "the IMAP mail stored and every SMS answered", 60)
    finally:
        await gateway.close()
        await provider.close()
    provider.check()
    assert set(load.codes) <= {200, 503}, load.codes  # never a 500, never a dropped socket
    assert load.without_retry_after == 0
    assert acked_before <= load.acked and len(load.acked) == N
    async with sessions() as s:
        rows = (await s.execute(select(Message.channel, Message.external_id, Message.status))).all()
    readings = await count(sessions, Reading)
    await engine.dispose()
    assert len(rows) == N + 2  # every SMS and both mails, once each
    assert len({(r.channel, r.external_id) for r in rows}) == N + 2
    assert {r.status for r in rows} == {"accepted"}
    assert readings == N + 2
    assert len(provider.keys) == N  # every SMS answered by the provider's send API, once
    assert all(len(keys) == 1 for keys in provider.keys.values())
