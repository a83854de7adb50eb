"""The outbox sends a reply once: its lease covers the slowest batch, and a resend after a
crash carries the same Idempotency-Key and text, so the provider can drop it."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from channels.sms.generic import GenericSender, GenericSettings
from gateway.app.factory import intake
from gateway.config import load_config
from gateway.domain.model import Channel, InboundMessage
from gateway.service.outbox import SEND_TIMEOUT, OutboxWorker, lease_for
from storage.db import Database
from tests.e2e.conftest import ACCOUNTS, ENV, HISTORY, NOW
from tests.helpers import seed
from tests.support.fakes import SmsProvider


async def queue_replies(engine: AsyncEngine, clock: Any, count: int) -> Database:
    await seed(engine, ACCOUNTS, HISTORY)
    db = Database.of(engine)
    receiver = intake(load_config(environ=ENV), db, clock)
    for i in range(count):
        await receiver.receive(
            InboundMessage(Channel.SMS, f"o-{i}", f"+7{i}", "1234567 05123 02010",
                           reply_via="sms_generic")
        )  # fmt: skip
    return db


async def test_a_slow_batch_is_not_claimed_again_by_another_worker(engine: AsyncEngine) -> None:
    """Five sends, each taking its whole timeout: past the first lease (three timeouts)
    the worker has renewed what it still holds, and another worker claims nothing."""
    now = [NOW]
    db = await queue_replies(engine, lambda: now[0], 5)
    sent: list[int] = []
    stolen: list[int] = []
    looked: list[int] = []  # what the other worker claimed each time it looked

    async def fast(outbox_id: int, recipient: str, body: str, meta: Any) -> None:
        stolen.append(outbox_id)

    second = OutboxWorker(db.uow, {"sms_generic": fast}, lambda: now[0], batch=50)

    async def slow(outbox_id: int, recipient: str, body: str, meta: Any) -> None:
        # recorded, never asserted here: the worker takes an AssertionError in a sender
        # for a failed send and retries, and the test would pass
        sent.append(outbox_id)
        now[0] += timedelta(seconds=SEND_TIMEOUT)  # the provider took all of its time
        looked.append(await second.run_once())  # meanwhile, another worker looks

    first = OutboxWorker(db.uow, {"sms_generic": slow}, lambda: now[0], batch=50)
    assert await first.run_once() == 5
    assert now[0] - NOW > lease_for(SEND_TIMEOUT)  # the first lease alone had run out
    assert looked == [0] * 5, looked  # the other worker found nothing to claim, each time
    assert len(sent) == 5 and stolen == []
    async with db.uow() as uow:  # all five marked sent, none left for a retry
        assert await uow.outbox.claim(now[0] + timedelta(days=1), ["sms_generic"], 50,
                                      timedelta(1)) == []  # fmt: skip


async def test_rows_of_a_dead_worker_come_back_after_one_lease(engine: AsyncEngine) -> None:
    now = [NOW]
    db = await queue_replies(engine, lambda: now[0], 3)

    async def dies(outbox_id: int, recipient: str, body: str, meta: Any) -> None:
        raise asyncio.CancelledError  # killed in its first send

    with pytest.raises(asyncio.CancelledError):
        await OutboxWorker(db.uow, {"sms_generic": dies}, lambda: now[0]).run_once()
    sent: list[int] = []

    async def real(outbox_id: int, recipient: str, body: str, meta: Any) -> None:
        sent.append(outbox_id)

    other = OutboxWorker(db.uow, {"sms_generic": real}, lambda: now[0])
    assert await other.run_once() == 0
    now[0] += lease_for(SEND_TIMEOUT)
    assert await other.run_once() == 3 and len(sent) == 3


async def test_a_send_that_hangs_ends_at_the_send_timeout_and_is_retried(
    engine: AsyncEngine,
) -> None:
    db = await queue_replies(engine, lambda: NOW, 1)

    async def hangs(outbox_id: int, recipient: str, body: str, meta: Any) -> None:
        await asyncio.sleep(3600)

    worker = OutboxWorker(db.uow, {"sms_generic": hangs}, lambda: NOW, send_timeout=0.2)
    assert await asyncio.wait_for(worker.run_once(), 10) == 1
    async with db.uow() as uow:
        assert await uow.outbox.claim(NOW + timedelta(minutes=1), ["sms_generic"], 5, timedelta(1))


async def test_a_resend_after_a_crash_carries_the_same_key_and_text(engine: AsyncEngine) -> None:
    now = [NOW]
    db = await queue_replies(engine, lambda: now[0], 1)
    async with SmsProvider(delay=0) as provider, aiohttp.ClientSession() as client:
        settings = GenericSettings(secret="s", send_url=provider.url)
        real = GenericSender(settings, client)

        async def then_crash(outbox_id: int, recipient: str, body: str, meta: Any) -> None:
            await real(outbox_id, recipient, body, meta)
            raise asyncio.CancelledError  # the process dies before marking it sent

        with pytest.raises(asyncio.CancelledError):
            await OutboxWorker(db.uow, {"sms_generic": then_crash}, lambda: now[0]).run_once()
        now[0] = NOW + timedelta(days=1)  # the lease ran out; a restarted gateway resends
        assert await OutboxWorker(db.uow, {"sms_generic": real}, lambda: now[0]).run_once() == 1
    provider.check()
    first, again = provider.received
    assert (first.key, first.raw) == (again.key, again.raw) and first.key.startswith("reply-")
