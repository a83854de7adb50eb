"""One message through each channel of the installed gateway to its reply, all channels
switched on in one process: the generic SMS provider and Twilio, the SMTP listener, the
IMAP poller against Dovecot, the Telegram bot (webhook in one run, polling in the other),
the web form."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from imapclient import IMAPClient
from twilio.request_validator import RequestValidator

from tests.e2e.dovecot import PASSWORD as IMAP_PASSWORD
from tests.e2e.dovecot import USER as IMAP_USER
from tests.e2e.fake_telegram import message_update
from tests.e2e.mail import Received, send_mail
from tests.guarantees.outside import mail
from tests.installed.browser import Browser
from tests.installed.world import (
    GENERIC_SECRET,
    IMAP_MESSAGE_ID,
    IMAP_SENDER,
    OWN,
    READING,
    TWILIO_TOKEN,
    UINS,
    WEBHOOK_SECRET,
    World,
    until,
)
from tests.process import signed_sms

pytestmark = pytest.mark.installed

ACCEPTED = "Показания приняты"  # the Russian reply to accepted readings


def reply_to(world: World, recipient: str) -> list[Received]:
    return [m for m in world.sink.messages if m.rcpt_tos == [recipient]]


async def test_generic_sms_is_answered_and_the_reply_sent_to_the_provider(world: World) -> None:
    sender = "+79990000001"
    raw, signature = signed_sms(GENERIC_SECRET, "sms-1", sender, f"{UINS['sms']} {READING}")
    async with (
        aiohttp.ClientSession() as s,
        s.post(
            f"{world.gateway.base}/sms/inbound",
            data=raw,
            headers={"X-Signature": signature, "Content-Type": "application/json"},
        ) as r,
    ):
        assert r.status == 200, await r.text()
        answer = await r.json()
    assert answer["status"] == "accepted", answer
    assert answer["reply"].startswith(ACCEPTED)
    # the outbox also POSTs the reply to the provider's send API
    await until(lambda: world.provider.keys[sender], "the reply at the provider's send API")
    [key] = world.provider.keys[sender]
    assert world.provider.texts[key] == {answer["reply"]}


async def test_twilio_sms_is_answered_with_twiml(world: World) -> None:
    url = f"{world.gateway.base}/sms/twilio"
    form = {"MessageSid": "SM-installed-1", "From": "+79990000002", "To": "+70000000000",
            "Body": f"{UINS['twilio']} {READING}"}  # fmt: skip
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
    async with (
        aiohttp.ClientSession() as s,
        s.post(url, data=form, headers={"X-Twilio-Signature": signature}) as r,
    ):
        text = await r.text()
        assert (r.status, r.content_type) == (200, "text/xml"), text
    assert f"<Response><Message>{ACCEPTED}" in text


async def test_mail_to_the_smtp_listener_is_answered_through_the_smarthost(world: World) -> None:
    sender, msgid = "smtp-customer@example.net", "<smtp-1@example.net>"
    subject = f"{UINS['smtp']} {READING}"
    refused = await send_mail(world.smtp_port, mail(sender, msgid, subject), [OWN], sender)
    assert refused == {}
    await until(lambda: reply_to(world, sender), "the reply at the smarthost")
    [reply] = reply_to(world, sender)
    assert reply.message["Subject"] == f"Re: {subject}"
    assert reply.message["In-Reply-To"] == msgid
    assert ACCEPTED in reply.message.get_content()


def seen_in_inbox(port: int) -> bool:
    client = IMAPClient("127.0.0.1", port=port, ssl=False, timeout=10)
    client.login(IMAP_USER, IMAP_PASSWORD)
    try:
        client.select_folder("INBOX", readonly=True)
        [flags] = client.fetch(client.search(["ALL"]), ["FLAGS"]).values()
        return b"\\Seen" in flags[b"FLAGS"]
    finally:
        client.logout()


async def test_mail_in_the_imap_mailbox_is_taken_and_answered(world: World) -> None:
    # the mail waited in the mailbox before the gateway started
    await until(lambda: reply_to(world, IMAP_SENDER), "the reply to the IMAP mail")
    [reply] = reply_to(world, IMAP_SENDER)
    assert reply.message["In-Reply-To"] == IMAP_MESSAGE_ID
    assert ACCEPTED in reply.message.get_content()
    # flagged only after the commit, which came before the reply was queued
    assert await asyncio.to_thread(seen_in_inbox, world.dovecot.port)


async def test_telegram_update_is_answered(world: World) -> None:
    update = message_update(7001, f"{UINS['telegram']} {READING}")
    if world.telegram_mode == "webhook":
        async with (
            aiohttp.ClientSession() as s,
            s.post(
                f"{world.gateway.base}/telegram/webhook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
            ) as r,
        ):
            assert r.status == 200, await r.text()
    else:
        world.bot.push(update)
    chat = update["message"]["chat"]["id"]
    await world.bot.wait_for(
        lambda: any(
            ACCEPTED in m["text"] for m in world.bot.sent() if str(m["chat_id"]) == str(chat)
        ),
        timeout=30,
    )


async def test_web_form_submission_is_answered_on_the_page(world: World) -> None:
    async with Browser(world.gateway.base) as browser:
        page = await browser.open(f"/submit?uin={UINS['web']}")
        result = await browser.submit(page, **{"reading-1-1": READING})
    assert 'data-status="accepted"' in result.text, result.text
    assert ACCEPTED in result.text
