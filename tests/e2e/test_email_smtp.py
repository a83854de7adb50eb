"""The SMTP intake end to end: smtplib -> aiosmtpd in the gateway's loop -> database ->
a threaded reply through an aiosmtpd smarthost sink."""

from __future__ import annotations

import smtplib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from channels.email.mime import to_inbound
from channels.email.out import EmailSender
from gateway.app.factory import SMTP_SERVER, init_app, intake, own_addresses, smarthost
from gateway.config import load_config
from gateway.service.outbox import OutboxWorker
from storage.db import Database, make_engine, make_sessionmaker
from storage.models import Outbox
from tests.e2e.conftest import ACCOUNTS, API_TOKEN, ENV, HISTORY, NOW
from tests.helpers import seed
from tests.support.db import count
from tests.support.mail import Sink, customer_mail, send_mail, smtp_dialogue, start_sink

FIXTURES = Path(__file__).parent.parent / "fixtures" / "email"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
MAX_SIZE = 100_000
TO = ["readings@example.org"]


@dataclass
class Gateway:
    client: TestClient
    smtp_port: int
    sink: Sink
    engine: AsyncEngine

    async def messages(self, **query: str) -> list[dict[str, Any]]:
        resp = await self.client.get("/api/v1/messages", params=query, headers=AUTH)
        assert resp.status == 200
        return (await resp.json())["items"]

    async def outbox_rows(self) -> int:
        return await count(self.engine, Outbox)


def mail_env(sink_port: int) -> dict[str, str]:
    return {
        **ENV,
        "METER_GATEWAY_SMTP_PORT": "0",
        "METER_GATEWAY_SMTP_RECIPIENTS": "readings@example.org,energo@example.org",
        "METER_GATEWAY_SMTP_MAX_SIZE": str(MAX_SIZE),
        "METER_GATEWAY_SMTP_OUT_HOST": "127.0.0.1",
        "METER_GATEWAY_SMTP_OUT_PORT": str(sink_port),
        "METER_GATEWAY_SMTP_OUT_FROM": "energo@example.org",
    }


@pytest.fixture
async def gateway(engine: AsyncEngine) -> AsyncIterator[Gateway]:
    await seed(make_sessionmaker(engine), ACCOUNTS, HISTORY)
    sink, sink_server = await start_sink()
    config = load_config(environ=mail_env(sink.port))
    app = init_app(config, engine=engine, clock=lambda: NOW, background=True)
    async with TestClient(TestServer(app)) as client:
        port = app[SMTP_SERVER].sockets[0].getsockname()[1]
        yield Gateway(client, port, sink, engine)
    sink_server.close()
    await sink_server.wait_closed()


async def test_reading_by_mail_is_stored_then_250_and_answered_in_thread(gateway: Gateway) -> None:
    raw = (FIXTURES / "thunderbird_utf8_subject.eml").read_bytes()
    refused = await send_mail(gateway.smtp_port, raw, TO, mail_from="ivan.petrov@mail.example.ru")
    assert refused == {}
    msgid = "<7c1e2a40-1111-4f2e-9a3b-5a9e1c0d1e01@mail.example.ru>"
    [msg] = await gateway.messages(channel="email", external_id=msgid)
    assert msg["status"] == "accepted" and msg["sender"] == "ivan.petrov@mail.example.ru"
    assert [(r["meter"], r["zone"], r["value"]) for r in msg["readings"]] == [
        ("E-1", 1, "5123"),
        ("E-1", 2, "2010"),
    ]
    [reply] = await gateway.sink.wait_for(1)
    assert reply.rcpt_tos == ["ivan.petrov@mail.example.ru"]
    assert reply.mail_from == "energo@example.org"
    m = reply.message
    assert m["To"] == "ivan.petrov@mail.example.ru"
    assert m["From"] == "energo@example.org"
    assert m["Subject"] == "Re: УИН 1234567 показания 05123 02010"
    assert m["In-Reply-To"] == msgid
    assert m["References"] == msgid
    assert m["Auto-Submitted"] == "auto-replied"
    assert m.get_content().strip() == msg["reply"].strip()
    assert "Показания приняты" in m.get_content()


async def test_reply_to_a_reply_keeps_the_references_chain(gateway: Gateway) -> None:
    raw = (FIXTURES / "iphone_reply_quoted.eml").read_bytes()
    await send_mail(gateway.smtp_port, raw, ["Energo@Example.org"])
    [reply] = await gateway.sink.wait_for(1)
    msgid = "<5D3C2B1A-AAAA-BBBB-CCCC-0123456789AB@icloud.example.com>"
    assert reply.message["Subject"] == "Re: Показания приняты"
    assert reply.message["In-Reply-To"] == msgid
    assert reply.message["References"] == (f"<meter-gateway.reply.17.a1b2c3d4@example.org> {msgid}")


async def test_repeat_of_a_message_id_stores_and_answers_once(gateway: Gateway) -> None:
    raw = customer_mail("1234567 5123 2010", msgid="<same@example.net>")
    await send_mail(gateway.smtp_port, raw, TO)
    await send_mail(gateway.smtp_port, raw, TO)
    assert len(await gateway.messages(channel="email")) == 1
    await gateway.sink.wait_for(1)
    assert await gateway.outbox_rows() == 1


async def test_unknown_recipient_is_550(gateway: Gateway) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as e:
        await send_mail(
            gateway.smtp_port, customer_mail("1234567 5123 2010"), ["nobody@example.org"]
        )
    code, _ = e.value.recipients["nobody@example.org"]
    assert code == 550
    assert await gateway.messages(channel="email") == []


async def test_known_and_unknown_recipient_stores_once(gateway: Gateway) -> None:
    refused = await send_mail(
        gateway.smtp_port, customer_mail("1234567 5123 2010"), ["nobody@example.org", *TO]
    )
    assert refused["nobody@example.org"][0] == 550
    assert len(await gateway.messages(channel="email")) == 1


async def test_too_large_is_552_at_mail_from_and_at_data(gateway: Gateway) -> None:
    big = customer_mail("1234567 5123 2010", body=("x" * 70 + "\r\n") * (MAX_SIZE // 70 + 1))
    with pytest.raises(smtplib.SMTPSenderRefused) as e:
        await send_mail(gateway.smtp_port, big, TO)  # smtplib announces SIZE=
    assert e.value.smtp_code == 552
    code, _ = await smtp_dialogue(gateway.smtp_port, big, TO[0])  # a client that does not
    assert code == 552
    assert await gateway.messages(channel="email") == []


@pytest.mark.parametrize(
    "name", ["auto_reply_vacation", "bounce_mailer_daemon", "newsletter_bulk", "from_our_gateway"]
)
async def test_auto_mail_is_stored_but_never_answered(gateway: Gateway, name: str) -> None:
    """Issue 17, item 6: auto-generated mail is stored with reason auto_reply, its digits
    are never taken as a reading, and it gets no reply."""
    raw = (FIXTURES / f"{name}.eml").read_bytes()
    await send_mail(gateway.smtp_port, raw, TO)
    [msg] = await gateway.messages(channel="email")
    assert (msg["status"], msg["reason"], msg["readings"]) == ("rejected", "auto_reply", [])
    assert await gateway.outbox_rows() == 0


async def test_bounce_with_null_envelope_sender_is_not_read_nor_answered(gateway: Gateway) -> None:
    await send_mail(gateway.smtp_port, customer_mail("1234567 5123 2010"), TO, mail_from="")
    [msg] = await gateway.messages(channel="email")
    assert (msg["status"], msg["reason"], msg["readings"]) == ("rejected", "auto_reply", [])
    assert await gateway.outbox_rows() == 0


@pytest.mark.parametrize(
    ("reply_to", "mail_from", "expected"),
    [
        pytest.param("Ivan <ivan.home@example.com>", "bounces@lists.example.net",
                     "ivan.home@example.com", id="reply-to"),
        pytest.param(None, "Bounces@Lists.Example.net", "bounces@lists.example.net",
                     id="envelope-sender"),
    ],
)  # fmt: skip
async def test_reply_goes_to_reply_to_else_the_envelope_sender(
    gateway: Gateway, reply_to: str | None, mail_from: str, expected: str
) -> None:
    raw = customer_mail("1234567 5123 2010", sender="spoofed@victim.example")
    if reply_to:
        raw = f"Reply-To: {reply_to}\r\n".encode() + raw
    await send_mail(gateway.smtp_port, raw, TO, mail_from=mail_from)
    [reply] = await gateway.sink.wait_for(1)
    assert reply.rcpt_tos == [expected] and reply.message["To"] == expected
    [msg] = await gateway.messages(channel="email")
    assert msg["sender"] == "spoofed@victim.example"  # who wrote it, as the From says


# Every fixture through the real SMTP intake: (status, reason) after the commit.
OUTCOMES = [
    ("thunderbird_utf8_subject", "accepted", None),
    ("outlook_cp1251_qp", "accepted", None),
    ("mailru_koi8r_base64", "accepted", None),
    ("gmail_html_only", "accepted", None),
    ("iphone_reply_quoted", "accepted", None),
    ("outlook_original_message", "rejected", "no_uin"),
    ("forwarded_subject", "accepted", None),
    ("android_photo_attachment", "rejected", "unknown_uin"),
    ("yandex_html_blockquote", "rejected", "meter_verification_expired"),
    ("old_client_raw_8bit_cp1251", "rejected", "unknown_uin"),
    ("no_message_id", "rejected", "unknown_uin"),
    ("gmail_div_per_line", "accepted", None),
    ("photo_only", "review", "photo"),  # staff read the meter from the photo
]


@pytest.mark.parametrize(("name", "status", "reason"), OUTCOMES, ids=[o[0] for o in OUTCOMES])
async def test_fixture_outcome(
    gateway: Gateway, name: str, status: str, reason: str | None
) -> None:
    raw = (FIXTURES / f"{name}.eml").read_bytes()
    await send_mail(gateway.smtp_port, raw, TO)
    [msg] = await gateway.messages(channel="email")
    assert (msg["status"], msg["reason"]) == (status, reason)
    resp = await gateway.client.get(f"/api/v1/messages/{msg['id']}", headers=AUTH)
    assert resp.status == 200


async def test_database_down_means_451_and_the_mta_keeps_the_mail() -> None:
    dead = make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    sink, sink_server = await start_sink()
    app = init_app(load_config(environ=mail_env(sink.port)), engine=dead, background=True)
    try:
        async with TestClient(TestServer(app)):
            port = app[SMTP_SERVER].sockets[0].getsockname()[1]
            with pytest.raises(smtplib.SMTPDataError) as e:
                await send_mail(port, customer_mail("1234567 5123 2010"), TO)
            assert e.value.smtp_code == 451
    finally:
        await dead.dispose()
        sink_server.close()
        await sink_server.wait_closed()


async def test_a_failing_smarthost_is_retried_and_the_reply_sent_once(engine: AsyncEngine) -> None:
    await seed(make_sessionmaker(engine), ACCOUNTS, HISTORY)
    sink, sink_server = await start_sink()
    sink.fail = 1
    now = [NOW]
    config = load_config(environ=mail_env(sink.port))
    sessions = make_sessionmaker(engine)
    db = Database.of(engine)
    receiver = intake(config, db, lambda: now[0])
    worker = OutboxWorker(db.uow, {"email": EmailSender(smarthost(config))}, lambda: now[0])
    try:
        raw = (FIXTURES / "outlook_cp1251_qp.eml").read_bytes()
        await receiver.receive(to_inbound(raw, own_addresses(config)))
        assert await worker.run_once() == 1  # 451 from the smarthost
        async with sessions() as session:
            row = (await session.execute(select(Outbox))).scalar_one()
        assert (row.status, row.attempts) == ("pending", 1) and "451" in (row.last_error or "")
        assert await worker.run_once() == 0  # backing off
        now[0] = NOW + timedelta(minutes=1)
        assert await worker.run_once() == 1
        assert await worker.run_once() == 0
        [reply] = sink.messages
        assert reply.rcpt_tos == ["sergey@corp.example.ru"]
        assert reply.message["Subject"] == "Re: Показания счётчика"
        # a long id is folded onto its own line (RFC 5322 FWS); the value is the same
        assert reply.message["In-Reply-To"].strip() == (
            "<AM0PR02MB5345A1B2C3D4E5F6@AM0PR02MB5345.eurprd02.prod.outlook.com>"
        )
    finally:
        sink_server.close()
        await sink_server.wait_closed()
