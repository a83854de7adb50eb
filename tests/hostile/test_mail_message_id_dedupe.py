"""Issue 17, item 6: two different mails with the same Message-ID (broken clients and
forwarders do this): the second got 250 and was silently dropped. A mail is a repeat only
when its Message-ID and its content (sender, subject, date, body) are both the same; the
same mail delivered again — an MTA's retry, another relay's Received:, SMTP and then IMAP —
is still stored once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from channels.email.imap import ImapPoller
from channels.email.mime import to_inbound
from gateway.config import load_config
from gateway.service.mail_folders import MailFolders
from gateway.service.receive import Intake
from storage.db import make_sessionmaker
from storage.models import Message
from tests.e2e.conftest import ACCOUNTS, ENV, HISTORY, NOW
from tests.e2e.test_email_imap import Mailbox, settings
from tests.e2e.test_email_smtp import Gateway
from tests.helpers import seed, uow_of
from tests.hostile.mail_gateway import TO, big_gateway_fixture, mail  # noqa: F401
from tests.support.dovecot import Dovecot
from tests.support.mail import send_mail

OWN = ["readings@example.org"]
FIRST = mail(b"1234567 5123 2010", msgid=b"<same@broken.example>")
OTHER = mail(b"7654321 105,5 41,2", msgid=b"<same@broken.example>")
RELAYED = b"Received: from relay2.example.org by mx; Fri, 20 Nov 2026 12:00:00 +0300\r\n"


async def test_two_different_mails_with_one_message_id_are_both_stored_and_answered(
    big_gateway: Gateway,
) -> None:
    await send_mail(big_gateway.smtp_port, FIRST, TO)
    await send_mail(big_gateway.smtp_port, OTHER, TO)
    first, other = await big_gateway.messages(channel="email")
    assert first["external_id"] == "<same@broken.example>"
    assert other["external_id"].startswith("<same@broken.example>#")
    assert [r["value"] for r in first["readings"]] == ["5123", "2010"]
    assert [r["value"] for r in other["readings"]] == ["105.5", "41.2"]
    await big_gateway.sink.wait_for(2)
    assert await big_gateway.outbox_rows() == 2


async def test_the_same_mail_again_through_another_relay_is_stored_once(
    big_gateway: Gateway,
) -> None:
    for raw in (FIRST, OTHER, FIRST, RELAYED + FIRST, OTHER, RELAYED + OTHER):
        assert await send_mail(big_gateway.smtp_port, raw, TO) == {}
    assert len(await big_gateway.messages(channel="email")) == 2
    await big_gateway.sink.wait_for(2)
    assert await big_gateway.outbox_rows() == 2


@pytest.fixture(scope="module")
def imap_server() -> Iterator[Dovecot]:
    server = Dovecot()
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
async def imap_intake(engine: AsyncEngine) -> Intake:
    sessions = make_sessionmaker(engine)
    await seed(sessions, ACCOUNTS, HISTORY)
    config = load_config(environ=ENV)
    return Intake(uow_of(sessions), config.rules, config.language, lambda: NOW)


@pytest.fixture
async def imap_poller(imap_server: Dovecot, imap_intake: Intake) -> AsyncIterator[ImapPoller]:
    await Mailbox(imap_server.port).empty()
    poller = ImapPoller(
        settings(imap_server.port), imap_intake.receive, OWN, folders=MailFolders(imap_intake.uow)
    )
    yield poller
    await poller.close()


async def test_smtp_then_imap_of_one_mail_is_one_message_and_another_is_two(
    imap_server: Dovecot, imap_poller: ImapPoller, imap_intake: Intake, engine: AsyncEngine
) -> None:
    """The mailbox copy carries what the delivering MTA added (Return-Path, Delivered-To,
    its Received:); the content is the same, so it is the mail SMTP already stored. A
    different mail under the same id in the mailbox is stored too, and flagged seen."""
    await imap_intake.receive(to_inbound(FIRST, OWN, envelope_from="ivan@example.net"))
    delivered = b"Return-Path: <ivan@example.net>\r\nDelivered-To: readings@example.org\r\n"
    box = Mailbox(imap_server.port)
    await box.append(delivered + RELAYED + FIRST)
    await box.append(delivered + OTHER)
    assert await imap_poller.poll_once() == 1  # only OTHER is new
    assert all(b"\\Seen" in f for f in await box.flags())
    async with make_sessionmaker(engine)() as session:
        rows = (await session.execute(select(Message).order_by(Message.id))).scalars().all()
    assert [m.external_id[:21] for m in rows] == ["<same@broken.example>"] * 2
    assert [m.text for m in rows] == ["1234567 5123 2010", "7654321 105,5 41,2"]
    assert await imap_poller.poll_once() == 0
