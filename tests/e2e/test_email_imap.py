"""The IMAP poller against a real Dovecot: stores unseen mail, flags it only after the
commit, survives the server going away, never stores a message twice."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from channels.email.imap import ImapPoller
from channels.email.imap_session import ImapSettings
from gateway.app.factory import init_app
from gateway.config import load_config
from gateway.service.mail_folders import MailFolders
from gateway.service.receive import Intake
from gateway.service.uow import StorageUnavailable
from storage.db import make_engine, make_sessionmaker
from storage.models import Message, Outbox
from tests.e2e.conftest import ACCOUNTS, ENV, HISTORY, NOW
from tests.helpers import seed, uow_of
from tests.support.db import count
from tests.support.dovecot import PASSWORD, USER, Dovecot, Mailbox
from tests.support.waiting import until

FIXTURES = Path(__file__).parent.parent / "fixtures" / "email"
OWN = ["readings@example.org"]
PROCESSED = "Processed"
SEEN = b"\\Seen"


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.eml").read_bytes()


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot()
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
async def mailbox(dovecot: Dovecot) -> Mailbox:
    box = Mailbox(dovecot.port)
    await box.empty(("INBOX", PROCESSED))
    return box


def settings(port: int, **kw: object) -> ImapSettings:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "ssl": False,
        "user": USER,
        "password": PASSWORD,
        "poll_seconds": 0.5,
    }
    values.update(kw)
    return ImapSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def intake(engine: AsyncEngine) -> Intake:
    sessions = make_sessionmaker(engine)
    await seed(sessions, ACCOUNTS, HISTORY)
    config = load_config(environ=ENV)
    return Intake(uow_of(sessions), config.rules, config.language, lambda: NOW)


@pytest.fixture
async def poller(dovecot: Dovecot, intake: Intake) -> AsyncIterator[ImapPoller]:
    p = ImapPoller(settings(dovecot.port), intake.receive, OWN, folders=MailFolders(intake.uow))
    yield p
    await p.close()


async def wait_count(engine: AsyncEngine, n: int, timeout: float = 30) -> None:
    async def stored() -> bool:
        return await count(engine, Message) >= n

    await until(stored, f"{n} message(s) stored", timeout)


async def test_new_mail_is_stored_then_flagged_seen_even_if_read_first(
    mailbox: Mailbox, poller: ImapPoller, engine: AsyncEngine
) -> None:
    await mailbox.append(fixture("outlook_cp1251_qp"))
    await mailbox.append(fixture("mailru_koi8r_base64"))
    await mailbox.append(fixture("thunderbird_utf8_subject"), flags=(SEEN,))  # read by staff
    assert await poller.poll_once() == 3
    assert all(SEEN in f for f in await mailbox.flags())
    async with make_sessionmaker(engine)() as session:
        rows = (await session.execute(select(Message).order_by(Message.id))).scalars().all()
    assert [(m.channel, m.sender, m.status) for m in rows] == [
        ("email", "sergey@corp.example.ru", "accepted"),
        ("email", "nina.s@mail.example.ru", "accepted"),
        ("email", "ivan.petrov@mail.example.ru", "accepted"),
    ]
    assert rows[0].raw == fixture("outlook_cp1251_qp")
    assert await count(engine, Outbox) == 3  # replies queued for smtp_out
    assert await poller.poll_once() == 0


async def test_a_message_whose_commit_fails_stays_unseen(
    dovecot: Dovecot, mailbox: Mailbox, poller: ImapPoller, engine: AsyncEngine
) -> None:
    await mailbox.append(fixture("gmail_html_only"))
    dead = make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    intake_down = Intake(uow_of(dead), load_config(environ={}).rules, "ru", lambda: NOW)
    down = ImapPoller(settings(dovecot.port), intake_down.receive, OWN)
    try:
        with pytest.raises(StorageUnavailable):
            await down.poll_once()
    finally:
        await down.close()
        await dead.dispose()
    assert await mailbox.flags() == [set()]
    assert await poller.poll_once() == 1
    assert await mailbox.flags() == [{SEEN}]


async def test_restarting_the_poller_stores_nothing_twice(
    dovecot: Dovecot, mailbox: Mailbox, intake: Intake, engine: AsyncEngine
) -> None:
    raw = fixture("iphone_reply_quoted")
    await mailbox.append(raw)
    first = ImapPoller(settings(dovecot.port), intake.receive, OWN)
    task = asyncio.create_task(first.run_forever())
    await wait_count(engine, 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # the same mail again (a resend, or a crash between the commit and \Seen)
    await mailbox.append(raw)
    second = ImapPoller(settings(dovecot.port), intake.receive, OWN)
    try:
        assert await second.poll_once() == 0
    finally:
        await second.close()
    assert await mailbox.flags() == [{SEEN}, {SEEN}]
    assert await count(engine, Message) == 1
    assert await count(engine, Outbox) == 1


async def test_processed_mail_is_moved(
    dovecot: Dovecot, mailbox: Mailbox, intake: Intake, engine: AsyncEngine
) -> None:
    await mailbox.append(fixture("forwarded_subject"))
    moving = ImapPoller(settings(dovecot.port, processed_folder=PROCESSED), intake.receive, OWN)
    try:
        assert await moving.poll_once() == 1
    finally:
        await moving.close()
    assert await mailbox.flags() == []
    assert await mailbox.flags(PROCESSED) == [{SEEN}]


async def test_gateway_polls_with_idle(
    dovecot: Dovecot, mailbox: Mailbox, engine: AsyncEngine
) -> None:
    """Wired through init_app; poll_seconds is long, so only IDLE can bring it in fast."""
    await seed(make_sessionmaker(engine), ACCOUNTS, HISTORY)
    env = {
        **ENV,
        "METER_GATEWAY_SMTP_ENABLED": "false",
        "METER_GATEWAY_IMAP_HOST": "127.0.0.1",
        "METER_GATEWAY_IMAP_PORT": str(dovecot.port),
        "METER_GATEWAY_IMAP_SSL": "false",
        "METER_GATEWAY_IMAP_USER": USER,
        "METER_GATEWAY_IMAP_PASSWORD": PASSWORD,
        "METER_GATEWAY_IMAP_POLL_SECONDS": "600",
    }
    app = init_app(load_config(environ=env), engine=engine, clock=lambda: NOW, background=True)
    async with TestClient(TestServer(app)):
        await mailbox.append(fixture("outlook_cp1251_qp"))
        await wait_count(engine, 1)
        await until(dovecot.idling, "the poller waiting in IDLE")
        await mailbox.append(fixture("mailru_koi8r_base64"))
        await wait_count(engine, 2)
    assert await mailbox.flags() == [{SEEN}, {SEEN}]


async def test_polls_when_the_server_has_no_idle(intake: Intake, engine: AsyncEngine) -> None:
    server = Dovecot(idle=False)
    server.start()
    p = ImapPoller(settings(server.port, poll_seconds=0.3), intake.receive, OWN)
    task = asyncio.create_task(p.run_forever())
    try:
        await until(server.sessions, "the poller logged in")  # mail comes after its first pass
        await Mailbox(server.port).append(fixture("gmail_html_only"))
        await wait_count(engine, 1)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        server.cleanup()


async def test_survives_the_server_going_away_and_coming_back(
    intake: Intake, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    server = Dovecot()
    server.start()
    p = ImapPoller(settings(server.port), intake.receive, OWN)
    task = asyncio.create_task(p.run_forever())
    try:
        box = Mailbox(server.port)
        await box.append(fixture("outlook_cp1251_qp"))
        await wait_count(engine, 1)
        await asyncio.to_thread(server.stop)
        # the poller notices, and retries meanwhile
        await until(lambda: any("retrying" in r.getMessage() for r in caplog.records))
        await asyncio.to_thread(server.start)
        await box.append(fixture("mailru_koi8r_base64"))
        await wait_count(engine, 2, timeout=40)
        assert not task.done()
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        server.cleanup()


async def test_the_folder_state_is_kept_in_the_database_across_restarts(
    dovecot: Dovecot, mailbox: Mailbox, intake: Intake, engine: AsyncEngine
) -> None:
    await mailbox.append(fixture("outlook_cp1251_qp"))
    first = ImapPoller(settings(dovecot.port), intake.receive, OWN, folders=MailFolders(intake.uow))
    try:
        assert await first.poll_once() == 1
    finally:
        await first.close()
    state = await MailFolders(intake.uow).load(first.mailbox)
    assert state is not None and state.last_uid > 0 and state.uidvalidity > 0
    # while no gateway runs, a person reads a new mail and marks the old one unread again
    await mailbox.append(fixture("mailru_koi8r_base64"), flags=(SEEN,))
    await asyncio.to_thread(
        mailbox.run,
        lambda c: (c.select_folder("INBOX"), c.remove_flags([state.last_uid], [SEEN])),
    )
    second = ImapPoller(
        settings(dovecot.port), intake.receive, OWN, folders=MailFolders(intake.uow)
    )
    try:
        assert await second.poll_once() == 1  # the new one; the old one is not fetched again
    finally:
        await second.close()
    assert await count(engine, Message) == 2


async def test_a_mail_failing_again_and_again_is_quarantined_and_the_rest_go_on(
    dovecot: Dovecot, mailbox: Mailbox, intake: Intake, engine: AsyncEngine
) -> None:
    bad = fixture("gmail_html_only")
    await mailbox.append(bad)
    await mailbox.append(fixture("outlook_cp1251_qp"))

    async def receive(inbound):  # type: ignore[no-untyped-def]
        if inbound.raw == bad:  # a bug of ours this mail alone triggers
            raise ValueError("cannot take this one")
        return await intake.receive(inbound)

    p = ImapPoller(
        settings(dovecot.port), receive, OWN, folders=MailFolders(intake.uow), max_failures=3
    )
    try:
        for _ in range(2):
            with pytest.raises(ValueError):
                await p.poll_once()
        assert await count(engine, Message) == 0  # stuck on it, counted
        assert await p.poll_once() == 1  # third failure: quarantined, the next one stored
        assert await p.poll_once() == 0
    finally:
        await p.close()
    assert await mailbox.flags() == [{b"\\Flagged"}, {SEEN}]
    state = await MailFolders(intake.uow).load(p.mailbox)
    assert state is not None and state.failing_uid is None and state.failures == 0


async def test_mail_is_filed_under_the_time_the_mailbox_got_it(
    mailbox: Mailbox, poller: ImapPoller, engine: AsyncEngine
) -> None:
    """Defect 9: mail that waited in the mailbox (the gateway down across the 25th) was
    filed under the day the poller took it. Now its INTERNALDATE counts."""
    got = datetime(2026, 11, 18, 21, 30, tzinfo=UTC)
    await mailbox.append(fixture("outlook_cp1251_qp"), when=got)
    assert await poller.poll_once() == 1
    async with make_sessionmaker(engine)() as session:
        message = (await session.execute(select(Message))).scalar_one()
    assert message.received_at == got


async def test_mail_arriving_during_a_pass_is_taken_without_waiting_for_idle(
    dovecot: Dovecot, mailbox: Mailbox, intake: Intake, engine: AsyncEngine
) -> None:
    """A mail appended while the poller stores the first one was announced in the answer
    to one of the pass's commands; IDLE would not announce it again and the poller would
    sit out its whole IDLE time (here an hour) before taking it."""
    appended: list[bool] = []

    async def receive_then_more_mail(inbound):  # type: ignore[no-untyped-def]
        if not appended:
            appended.append(True)
            await mailbox.append(fixture("mailru_koi8r_base64"))
        return await intake.receive(inbound)

    p = ImapPoller(settings(dovecot.port), receive_then_more_mail, OWN, idle_seconds=3600,
                   folders=MailFolders(intake.uow))  # fmt: skip
    await mailbox.append(fixture("outlook_cp1251_qp"))
    running = asyncio.create_task(p.run_forever())
    try:
        await wait_count(engine, 2, timeout=20)
    finally:
        await p.close()
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
