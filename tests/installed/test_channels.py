"""One message through each channel of the installed gateway to its reply, all channels
switched on in one process: the generic SMS provider and Twilio, a phone call on Twilio
Voice, the SMTP listener, the
IMAP poller against Dovecot, the Telegram bot (webhook in one run, polling in the other),
the web form."""

from __future__ import annotations

import aiohttp
import pytest

from tests.e2e.fake_telegram import message_update
from tests.installed.browser import Browser
from tests.installed.world import (
    GENERIC_SECRET,
    IMAP_MESSAGE_ID,
    IMAP_SENDER,
    READING,
    TWILIO_TOKEN,
    UINS,
    WEBHOOK_SECRET,
    World,
)
from tests.support.calls import Caller
from tests.support.fakes import post_sms
from tests.support.mail import TO, Received, customer_mail, send_mail
from tests.support.signing import twilio_signature
from tests.support.waiting import until

pytestmark = pytest.mark.installed

ACCEPTED = "Показания приняты"  # the Russian reply to accepted readings


def reply_to(world: World, recipient: str) -> list[Received]:
    return [m for m in world.sink.messages if m.rcpt_tos == [recipient]]


async def test_generic_sms_is_answered_and_the_reply_sent_to_the_provider(world: World) -> None:
    sender = "+79990000001"
    async with aiohttp.ClientSession() as s:
        answer = await post_sms(
            s, world.gateway.url, GENERIC_SECRET, "sms-1", sender, f"{UINS['sms']} {READING}"
        )
    assert answer is not None and answer["status"] == "accepted", answer
    assert answer["reply"].startswith(ACCEPTED)
    # the outbox also POSTs the reply, signed, to the provider's send API
    [key] = await until(lambda: world.provider.keys[sender], "the reply at the send API")
    assert world.provider.texts[key] == {answer["reply"]}


async def test_twilio_sms_is_answered_with_twiml(world: World) -> None:
    url = f"{world.gateway.url}/sms/twilio"
    form = {"MessageSid": "SM-installed-1", "From": "+79990000002", "To": "+70000000000",
            "Body": f"{UINS['twilio']} {READING}"}  # fmt: skip
    headers = {"X-Twilio-Signature": twilio_signature(TWILIO_TOKEN, url, form)}
    async with aiohttp.ClientSession() as s, s.post(url, data=form, headers=headers) as r:
        text = await r.text()
        assert (r.status, r.content_type) == (200, "text/xml"), text
    assert f"<Response><Message>{ACCEPTED}" in text


async def test_a_whole_phone_call_ends_with_the_spoken_reference_number(world: World) -> None:
    async with aiohttp.ClientSession() as s:

        async def post(path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
            async with s.post(f"{world.gateway.url}{path}", data=body, headers=headers) as r:
                return r.status, await r.text()

        url = f"{world.gateway.url}/voice/twilio"
        call = Caller(post, url, TWILIO_TOKEN, number="+79990000003", sid="CA-installed-1")
        assert "Здравствуйте" in (await call.dial()).text
        assert "Введите номер лицевого счёта" in (await call.silence()).text
        assert "электроэнергия: введите показания" in (await call.press(UINS["voice"])).text
        assert "вы ввели: ноль, ноль, один, пять, один" in (await call.press(READING)).text
        end = await call.press("1")
    assert end.hangup and end.said[0].startswith("Показания приняты. Номер обращения: "), end
    assert "расход" not in end.text  # the caller is no verified contact


async def test_mail_to_the_smtp_listener_is_answered_through_the_smarthost(world: World) -> None:
    sender, msgid = "smtp-customer@example.net", "<smtp-1@example.net>"
    subject = f"{UINS['smtp']} {READING}"
    raw = customer_mail(subject, sender=sender, msgid=msgid)
    assert await send_mail(world.smtp_port, raw, [TO], sender) == {}
    [reply] = await until(lambda: reply_to(world, sender), "the reply at the smarthost")
    assert reply.message["Subject"] == f"Re: {subject}"
    assert reply.message["In-Reply-To"] == msgid
    assert ACCEPTED in reply.message.get_content()


async def test_mail_in_the_imap_mailbox_is_taken_and_answered(world: World) -> None:
    # the mail waited in the mailbox before the gateway started
    [reply] = await until(lambda: reply_to(world, IMAP_SENDER), "the reply to the IMAP mail")
    assert reply.message["In-Reply-To"] == IMAP_MESSAGE_ID
    assert ACCEPTED in reply.message.get_content()
    # flagged after the commit, which came before the reply was queued
    assert [b"\\Seen" in flags for flags in await world.mailbox.flags()] == [True]


async def test_telegram_update_is_answered(world: World) -> None:
    update = message_update(7001, f"{UINS['telegram']} {READING}")
    if world.telegram_mode == "webhook":
        url = f"{world.gateway.url}/telegram/webhook"
        headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        async with aiohttp.ClientSession() as s, s.post(url, json=update, headers=headers) as r:
            assert r.status == 200, await r.text()
    else:
        world.bot.push(update)
    chat = str(update["message"]["chat"]["id"])
    [reply] = await until(
        lambda: [m for m in world.bot.sent() if str(m["chat_id"]) == chat], "the bot's reply"
    )
    assert reply["text"].startswith(ACCEPTED)


async def test_web_form_submission_is_answered_on_the_page(world: World) -> None:
    async with Browser(world.gateway.url) as browser:
        page = await browser.open(f"/submit?uin={UINS['web']}")
        result = await browser.submit(page, **{"reading-1-1": READING})
    assert 'data-status="accepted"' in result.text, result.text
    assert ACCEPTED in result.text
