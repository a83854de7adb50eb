"""Two gateway processes on one PostgreSQL (SPEC §7): every message is stored and decided
once, and answered once, whichever process it reached, however often.

Two real ``python -m gateway run`` processes share the database and every channel: signed
SMS webhooks (a provider's retries reach both machines at the same moment, or one after
the other), mail over SMTP to both listeners (the same Message-ID to both at once), one
IMAP mailbox both are configured to poll (one polls, the other stands by and takes over
when the first stops), and both outbox workers deliver replies to a fake SMS provider and
an SMTP smarthost that count every delivery. Meanwhile an operator runs ``period close``
twice at once: one closes, the other is refused."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from channels.email.imap import LOCK_NAME
from gateway.domain.periods import add_months, parse_period
from storage.locks import lock_key
from storage.models import Message, Outbox, Period, PeriodVolume, Reading
from tests.helpers import meter, seed
from tests.support.db import count
from tests.support.dovecot import Dovecot, Mailbox
from tests.support.fakes import SmsProvider, post_sms
from tests.support.gateway import Gateway, start_cli
from tests.support.mail import customer_mail, deliver_mail, start_sink
from tests.support.ports import free_port
from tests.support.waiting import until

# the test is about several processes on one PostgreSQL: not run on SQLite
pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)

SECRET = "two-processes-secret"
IN_FLIGHT = 24  # SMS messages being delivered at once
N_SMS, N_SMTP, N_IMAP, N_BILLED = 200, 40, 16, 5
SMS_UIN, SMTP_UIN, IMAP_UIN, BILLED_UIN = 1000000, 2000000, 3000000, 4000000
TO = ["readings@example.org"]
IMAP_LOG = "IMAP connected to"  # what the process holding the poller's lock logs
Sessions = async_sessionmaker[AsyncSession]


def sms_text(i: int) -> str:
    """Most are readings; every fifth has no UIN (answered ``rejected``)."""
    return "hello" if i % 5 == 0 else f"{SMS_UIN + i} 00{i:03d}"


def mail(sender: str, msgid: str, text: str) -> bytes:
    return customer_mail(text, sender=sender, msgid=msgid, date=datetime.now(UTC))


def imap_mail(k: int) -> bytes:
    return mail(f"i{k}@example.net", f"<imap-{k}@example.net>", f"{IMAP_UIN + k} 00{k + 1:03d}")


def past_period() -> tuple[str, list[tuple[str, str, int, date, str]]]:
    """Last month (it may be closed whatever today is) and readings at its end and the
    month before's, so its volumes are computed from actual readings."""
    today = datetime.now(ZoneInfo("Europe/Moscow")).date()
    period = add_months(f"{today.year:04d}-{today.month:02d}", -1)
    before = add_months(period, -1)
    history = [
        (str(BILLED_UIN + b), "E-1", 1, date(*parse_period(p), 20), value)
        for b in range(N_BILLED)
        for p, value in ((before, "100"), (period, "150"))
    ]
    return period, history


async def until_counted(sessions: Sessions, stmt: object, n: int, timeout: float = 60) -> None:
    """Wait until ``stmt`` counts ``n`` (the bound is for a loaded machine)."""

    async def counted() -> bool:
        return await count(sessions, stmt) == n

    await until(counted, f"{stmt} to count {n}", timeout)


async def someone_holds(engine: AsyncEngine, name: str) -> bool:
    """Whether another session holds the advisory lock ``name`` (tried, and let go)."""
    async with engine.connect() as conn:
        got = await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(name)})
        if got.scalar_one():
            await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(name)})
            return False
    return True


async def sms_traffic(ports: list[int]) -> None:
    """Every even message reaches both processes at once; some odd ones are retried on the
    other process after the first answer. A repeat is answered as the first delivery.
    At most IN_FLIGHT messages at a time: all at once, the two gateways' pools (40
    connections each) and this test's engine fill PostgreSQL's default 100 connections, and
    the answers are 503 "retry later" (tested in tests/e2e/test_sms.py)."""
    in_flight = asyncio.Semaphore(IN_FLIGHT)
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    async with aiohttp.ClientSession() as session:

        async def one(i: int) -> None:
            async with in_flight:
                await deliver(i)

        async def deliver(i: int) -> None:
            args = (SECRET, f"s{i}", f"+7900{i:07d}", sms_text(i))
            if i % 2 == 0:
                got = await asyncio.gather(*(post_sms(session, p, *args) for p in urls))
            else:
                first, other = (urls[0], urls[1]) if i // 2 % 2 else (urls[1], urls[0])
                got = [await post_sms(session, first, *args)]
                if i % 3 == 0:
                    got.append(await post_sms(session, other, *args))
            assert got[0] is not None and all(g == got[0] for g in got), (i, got)

        await asyncio.gather(*(one(i) for i in range(N_SMS)))


async def smtp_traffic(ports: list[int]) -> None:
    """Every even mail is handed to both listeners at once (an MTA retrying elsewhere)."""

    async def one(j: int) -> None:
        sender = f"c{j}@example.net"
        raw = mail(sender, f"<smtp-{j}@example.net>", f"{SMTP_UIN + j} 00{j + 1:03d}")
        targets = ports if j % 2 == 0 else [ports[j // 2 % 2]]
        refused = await asyncio.gather(*(deliver_mail(p, raw, TO, sender) for p in targets))
        assert all(r == {} for r in refused), (j, refused)

    await asyncio.gather(*(one(j) for j in range(N_SMTP)))


async def imap_traffic(sessions: Sessions, imap_port: int) -> None:
    """Half the mailbox waited for the gateways; the rest arrives once that half is stored
    (the poller is in IDLE then, see ``append``)."""
    taken = select(func.count()).where(Message.external_id.like("<imap-%"))
    await until_counted(sessions, taken, N_IMAP // 2)
    await Mailbox(imap_port).append_all([imap_mail(k) for k in range(N_IMAP // 2, N_IMAP)])


async def close_twice(tmp_path: Path, db_url: str, engine: AsyncEngine, period: str) -> None:
    """Two ``period close`` at once. A close of a large database takes minutes: here the
    test holds a write lock on the volumes table, so the first close to take the close
    lock waits inside its transaction, and the other one surely runs meanwhile."""
    async with engine.connect() as conn:
        held = await conn.begin()
        await conn.execute(text("LOCK TABLE period_volumes IN EXCLUSIVE MODE"))
        procs = [await start_cli(tmp_path, db_url, "period", "close", period) for _ in range(2)]
        runs = [asyncio.ensure_future(p.communicate()) for p in procs]
        done, _ = await asyncio.wait(runs, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        assert len(done) == 1, f"{len(done)} of the two closes ended while one had to wait"
        await held.rollback()
    [refused] = [procs[n] for n in range(2) if runs[n] in done]
    [closed] = [p for p in procs if p is not refused]
    out, err = runs[procs.index(refused)].result()
    assert refused.returncode == 1 and out == b"", (out, err)
    assert err.decode().splitlines() == [
        "meter-gateway: error: another period close is running; try again when it is done"
    ]
    out, err = await asyncio.wait_for(runs[procs.index(closed)], 30)
    assert closed.returncode == 0, err
    registers = N_SMS + N_SMTP + N_IMAP + 1 + N_BILLED  # one meter, one zone each
    assert (
        out.decode()
        .splitlines()[0]
        .startswith(f"period {period} closed: {registers} register(s): actual {N_BILLED}, ")
    )


async def test_two_gateways_store_decide_and_answer_every_message_once(
    tmp_path: Path, db_url: str, sessions: Sessions, engine: AsyncEngine
) -> None:
    period, history = past_period()
    uins = [SMS_UIN + i for i in range(N_SMS)] + [SMTP_UIN + j for j in range(N_SMTP)]
    uins += [IMAP_UIN + k for k in range(N_IMAP + 1)] + [BILLED_UIN + b for b in range(N_BILLED)]
    await seed(sessions, [meter(str(u), "E-1") for u in uins], history)
    provider = SmsProvider()
    send_url = await provider.start()
    sink, sink_server = await start_sink()
    dovecot = Dovecot()
    dovecot.start()
    mailbox = Mailbox(dovecot.port)
    gateways: list[Gateway] = []
    try:
        # half the mailbox waits for the gateways, half arrives while they run
        await mailbox.append_all([imap_mail(k) for k in range(N_IMAP // 2)])
        smtp_ports = [free_port(), free_port()]
        for n in range(2):
            env = {
                "METER_GATEWAY_SMS_GENERIC_SECRET": SECRET,
                "METER_GATEWAY_SMS_GENERIC_SEND_URL": send_url,
                "METER_GATEWAY_RULES_RATE_LIMIT_PER_HOUR": "0",
                "METER_GATEWAY_RULES_UNKNOWN_UIN_PER_HOUR": "0",
                "METER_GATEWAY_SMTP_ENABLED": "true",
                "METER_GATEWAY_SMTP_HOST": "127.0.0.1",
                "METER_GATEWAY_SMTP_PORT": str(smtp_ports[n]),
                "METER_GATEWAY_SMTP_RECIPIENTS": TO[0],
                "METER_GATEWAY_SMTP_OUT_HOST": "127.0.0.1",
                "METER_GATEWAY_SMTP_OUT_PORT": str(sink.port),
                **dovecot.gateway_env(),
            }
            gateways.append(Gateway(tmp_path, db_url, env, log=f"gateway{n}.log").start())
        await asyncio.gather(*(g.ready() for g in gateways))

        await asyncio.gather(
            sms_traffic([g.port for g in gateways]),
            smtp_traffic(smtp_ports),
            imap_traffic(sessions, dovecot.port),
            close_twice(tmp_path, db_url, engine, period),
        )
        mails = N_SMTP + N_IMAP
        all_sent = select(func.count()).where(Outbox.status == "sent")
        await until_counted(sessions, all_sent, N_SMS + mails)

        # one process polls the mailbox (it holds the lock), the other stands by;
        # stopped, the first lets go and the other takes over
        pollers = [n for n in range(2) if IMAP_LOG in gateways[n].log_text()]
        assert len(pollers) == 1, f"gateways that polled the mailbox: {pollers}"
        poller = pollers[0]
        assert await someone_holds(engine, LOCK_NAME)
        await gateways[poller].stop()
        await mailbox.append_all([imap_mail(N_IMAP)])
        await until_counted(sessions, all_sent, N_SMS + mails + 1)
        assert IMAP_LOG in gateways[1 - poller].log_text()
        # a later SMS, answered after everything above: a second delivery of any earlier
        # reply would have come before this one's
        async with aiohttp.ClientSession() as session:
            args = (SECRET, f"s{N_SMS}", f"+7900{N_SMS:07d}", sms_text(N_SMS))
            assert await post_sms(session, gateways[1 - poller].url, *args) is not None
        await until(lambda: provider.replied() == N_SMS + 1, "the later SMS answered")
    finally:
        for gateway in gateways:
            await gateway.close()
        dovecot.cleanup()
        sink_server.close()
        await sink_server.wait_closed()
        await provider.close()
    provider.check()

    # every message has one row, decided (none pending), with its one reading if accepted
    async with sessions() as s:
        rows = (await s.execute(select(Message.channel, Message.external_id, Message.status))).all()
        per_message = (
            await s.execute(
                select(Reading.message_id, func.count())
                .where(Reading.message_id.is_not(None))
                .group_by(Reading.message_id)
            )
        ).all()
        by_status = select(Outbox.status, func.count()).group_by(Outbox.status)
        outbox = (await s.execute(by_status)).all()
    expected = {("sms", f"s{i}") for i in range(N_SMS + 1)}  # the later one too
    expected |= {("email", f"<smtp-{j}@example.net>") for j in range(N_SMTP)}
    expected |= {("email", f"<imap-{k}@example.net>") for k in range(N_IMAP + 1)}
    assert len(rows) == len(expected) and {(c, e) for c, e, _ in rows} == expected
    rejected = sum(1 for i in range(N_SMS + 1) if i % 5 == 0)
    assert Counter(status for *_, status in rows) == {
        "accepted": len(expected) - rejected,
        "rejected": rejected,
    }
    assert len(per_message) == len(expected) - rejected and {n for _, n in per_message} == {1}
    assert dict(outbox) == {"sent": len(expected)}

    # every reply went out once: no Idempotency-Key, no Message-ID delivered twice
    assert len(provider.deliveries) == N_SMS + 1 and set(provider.deliveries.values()) == {1}
    assert all(len(k) == 1 for k in provider.keys.values()) and len(provider.keys) == N_SMS + 1
    assert all(len(texts) == 1 for texts in provider.texts.values())
    ids = Counter(m.message["Message-ID"] for m in sink.messages)
    assert len(ids) == N_SMTP + N_IMAP + 1 and set(ids.values()) == {1}
    assert sorted(r for m in sink.messages for r in m.rcpt_tos) == sorted(
        [f"c{j}@example.net" for j in range(N_SMTP)]
        + [f"i{k}@example.net" for k in range(N_IMAP + 1)]
    )

    # the period was closed once: one volume per register, the period marked closed
    volumes = select(func.count()).where(PeriodVolume.period == period)
    registers = N_SMS + N_SMTP + N_IMAP + 1 + N_BILLED  # one meter, one zone each
    assert await count(sessions, volumes) == registers
    status = select(Period.status).where(Period.period == period)
    async with sessions() as s:
        assert (await s.execute(status)).scalars().all() == ["closed"]
