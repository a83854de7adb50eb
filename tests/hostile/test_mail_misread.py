"""Issue 17, item 6, the mail the gateway misread: lines over 1,000 bytes refused with a
permanent 500, a mail without From: stored with an empty sender (all such mails sharing one
rate-limit bucket), a reading in the HTML part missed when the text part is blank, and
auto-generated mail whose digits were accepted as a customer's reading."""

from __future__ import annotations

import pytest

from channels.email.mime import to_inbound
from tests.e2e.test_email_smtp import Gateway
from tests.hostile.mail_gateway import MAX_SIZE, TO, big_gateway_fixture, mail  # noqa: F401
from tests.support.mail import send_mail, smtp_dialogue

# --- lines over 1,000 bytes ------------------------------------------------------------


async def test_smtp_lines_over_1000_bytes_are_taken(big_gateway: Gateway) -> None:
    html = b"<html><body><p>1234567 5123 2010</p>" + b"<span>&nbsp;</span>" * 5000 + b"</body>"
    raw = mail(b"", html, content_type=b"text/html; charset=utf-8")
    assert max(len(line) for line in raw.split(b"\n")) > 90_000
    assert await send_mail(big_gateway.smtp_port, raw, TO) == {}
    [msg] = await big_gateway.messages(channel="email")
    assert (msg["status"], [r["value"] for r in msg["readings"]]) == ("accepted", ["5123", "2010"])


async def test_a_line_over_the_size_limit_is_552_not_500(big_gateway: Gateway) -> None:
    raw = mail(b"1234567 5123 2010", b"x" * (MAX_SIZE + 10))
    code, _ = await smtp_dialogue(big_gateway.smtp_port, raw, TO[0])
    assert code == 552
    assert await big_gateway.messages(channel="email") == []


# --- no From: ----------------------------------------------------------------------------


async def test_without_from_the_envelope_sender_is_the_sender_and_gets_the_reply(
    big_gateway: Gateway,
) -> None:
    for who in ("anna@example.net", "boris@example.net"):
        raw = mail(sender=b"", msgid=f"<{who}>".encode())
        await send_mail(big_gateway.smtp_port, raw, TO, mail_from=who)
    first, second = await big_gateway.messages(channel="email")
    assert (first["sender"], second["sender"]) == ("anna@example.net", "boris@example.net")
    replies = await big_gateway.sink.wait_for(2)
    assert sorted(r.rcpt_tos[0] for r in replies) == ["anna@example.net", "boris@example.net"]


async def test_mails_without_from_do_not_share_one_rate_limit_bucket(
    big_gateway: Gateway,
) -> None:
    """The e2e configuration allows 5 messages an hour per sender."""
    for i in range(6):
        who = f"customer{i}@example.net"
        raw = mail(sender=b"", msgid=f"<{who}>".encode())
        await send_mail(big_gateway.smtp_port, raw, TO, mail_from=who)
    assert all(m["reason"] != "rate_limited" for m in await big_gateway.messages())


def test_imap_mail_without_from_takes_the_return_path() -> None:
    inbound = to_inbound(b"Return-Path: <Anna@Example.net>\r\n" + mail(sender=b""), [])
    assert inbound.sender == "anna@example.net" and inbound.reply_via == "email"
    assert (inbound.meta or {})["sender_from"] == "envelope"


# --- the reading only in the HTML part ---------------------------------------------------

ALTERNATIVE = (
    b"From: a@example.net\r\nSubject: meters\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n'
    b"--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"
    b"--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    b"<div>1234567</div><div>5123 2010</div>\r\n--alt--\r\n"
)


@pytest.mark.parametrize("plain", [b"", b"   \r\n\t\r\n", b"\xc2\xa0"], ids=["empty", "ws", "nbsp"])
def test_a_reading_in_the_html_part_is_read_when_the_text_part_is_blank(plain: bytes) -> None:
    assert to_inbound(ALTERNATIVE % plain, []).text == "1234567\n5123 2010"


def test_a_text_part_with_words_is_still_preferred() -> None:
    assert to_inbound(ALTERNATIVE % b"7654321 1 2", []).text == "7654321 1 2"


# --- auto-generated mail -----------------------------------------------------------------

REPORT = (
    b"From: MAILER-DAEMON@mx.example.org\r\nSubject: Undelivered: 1234567 5123 2010\r\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
    b"--r\r\nContent-Type: text/plain\r\n\r\n1234567 5123 2010\r\n--r--\r\n"
)


@pytest.mark.parametrize(
    ("raw", "mail_from"),
    [
        pytest.param(mail(), "", id="null-sender"),
        pytest.param(REPORT.replace(b"MAILER-DAEMON", b"reports"), "x@example.org",
                     id="multipart-report"),
        pytest.param(mail(extra=b"Auto-Submitted: auto-replied\r\n"), "a@example.net",
                     id="auto-submitted"),
        pytest.param(mail(extra=b"Precedence: auto_reply\r\n"), "a@example.net",
                     id="precedence"),
    ],
)  # fmt: skip
async def test_auto_generated_mail_is_stored_never_read_never_answered(
    big_gateway: Gateway, raw: bytes, mail_from: str
) -> None:
    await send_mail(big_gateway.smtp_port, raw, TO, mail_from=mail_from)
    [msg] = await big_gateway.messages(channel="email")
    assert (msg["status"], msg["reason"], msg["readings"]) == ("rejected", "auto_reply", [])
    assert await big_gateway.outbox_rows() == 0


async def test_auto_submitted_no_is_a_person(big_gateway: Gateway) -> None:
    await send_mail(big_gateway.smtp_port, mail(extra=b"Auto-Submitted: no\r\n"), TO)
    [msg] = await big_gateway.messages(channel="email")
    assert msg["status"] == "accepted"
    await big_gateway.sink.wait_for(1)
