"""Issue 17, item 6: a raw 8-bit subject in KOI8-R or CP1251 (no encoded word) became
mojibake; a UTF-8 body with one bad byte was decoded whole as another charset. Each header
and each part is decoded on its own (charset-normalizer where nothing is declared or the
declaration is wrong), and a bad byte costs one character, not the message."""

from __future__ import annotations

import base64

import pytest

from channels.email.charset import decode_bytes
from channels.email.mime import to_inbound
from tests.e2e.test_email_smtp import Gateway
from tests.hostile.mail_gateway import TO, big_gateway_fixture, mail  # noqa: F401
from tests.support.mail import send_mail

SUBJECTS = [
    "УИН 1234567 показания 5123 2010",
    "Лс 1234567 показание 5123 2010",
    "ЛС 1234567 Т1 5123 Т2 2010",
    "Показания счётчика: 1234567 5123 2010",
    "ПОКАЗАНИЯ 1234567 5123 2010",
    "ЛС 1234567 5123 2010",
    "ХВС 12 ГВС 4",
]


@pytest.mark.parametrize("charset", ["koi8-r", "cp1251", "utf-8"])
@pytest.mark.parametrize("subject", SUBJECTS)
def test_a_raw_8bit_subject_is_read_in_its_charset(charset: str, subject: str) -> None:
    raw = b"From: a@example.net\r\nSubject: " + subject.encode(charset) + b"\r\n\r\n\r\n"
    assert to_inbound(raw, []).meta["subject"] == subject  # type: ignore[index]


@pytest.mark.parametrize("charset", ["koi8-r", "cp1251"])
def test_an_undeclared_8bit_body_is_read_in_its_charset(charset: str) -> None:
    body = "Здравствуйте!\r\nЛС 1234567\r\nТ1 5123\r\nТ2 2010\r\n\r\nСпасибо".encode(charset)
    raw = mail(b"", body, content_type=b"text/plain")
    assert to_inbound(raw, []).text == "ЛС 1234567\nТ1 5123\nТ2 2010"


def test_one_bad_byte_in_a_utf8_body_costs_one_character() -> None:
    body = "Добрый день! ЛС 1234567 показания 5123 2010".encode() + b"\xff" + " спасибо".encode()
    inbound = to_inbound(mail(b"", body), [])
    assert inbound.text == "Добрый день! ЛС 1234567 показания 5123 2010\ufffd спасибо"


def test_a_utf8_body_declared_as_koi8_r_that_does_not_fit_is_still_read() -> None:
    body = "ЛС 1234567 показания 5123 2010".encode() + b"\x98"  # no such byte in CP1251
    raw = mail(b"", body, content_type=b"text/plain; charset=windows-1251")
    assert to_inbound(raw, []).text.startswith("ЛС 1234567 показания 5123 2010")


def test_an_unknown_declared_charset_is_detected() -> None:
    raw = mail(b"", "ЛС 1234567 показания 5123 2010".encode("koi8-r"),
               content_type=b"text/plain; charset=x-unknown")  # fmt: skip
    assert to_inbound(raw, []).text == "ЛС 1234567 показания 5123 2010"


def test_each_header_in_its_own_charset() -> None:
    raw = (
        b"From: " + "Иван".encode("koi8-r") + b" <a@example.net>\r\n"
        b"Subject: " + "Показания 1234567 5123 2010".encode("cp1251") + b"\r\n\r\n"
    )
    inbound = to_inbound(raw, [])
    assert inbound.text == "Показания 1234567 5123 2010" and inbound.sender == "a@example.net"


def test_an_encoded_word_in_a_wrong_charset_is_read() -> None:
    word = "Показания".encode("cp1251")
    raw = b"Subject: =?utf-8?B?" + base64.b64encode(word) + b"?= 1234567 5123 2010\r\n\r\n"
    assert to_inbound(raw, []).meta["subject"] == "Показания 1234567 5123 2010"  # type: ignore[index]


@pytest.mark.parametrize(
    ("data", "declared", "text"),
    [
        (b"plain", None, "plain"),
        ("Привет".encode(), "us-ascii", "Привет"),
        ("Привет".encode("koi8-r"), "koi8-r", "Привет"),
        ("ъ".encode("cp1251"), None, "ъ"),  # too short to tell: something, never an error
    ],
)
def test_decode_bytes(data: bytes, declared: str | None, text: str) -> None:
    assert decode_bytes(data, declared) == text or len(decode_bytes(data, declared)) == len(text)


async def test_a_koi8_r_subject_through_smtp_is_accepted(big_gateway: Gateway) -> None:
    raw = mail("УИН 1234567 показания 5123 2010".encode("koi8-r"))
    await send_mail(big_gateway.smtp_port, raw, TO)
    [msg] = await big_gateway.messages(channel="email")
    assert (msg["status"], [r["value"] for r in msg["readings"]]) == ("accepted", ["5123", "2010"])


@pytest.mark.parametrize(
    ("from_", "sender"),
    [
        (b"=?utf-8?Q?evil=40x.example?= <real@y.example>", "real@y.example"),
        (b"=?utf-8?B?0JjQstCw0L3QvtCyLCDQmNCy0LDQvQ==?= <ivan@y.example>", "ivan@y.example"),
        ("Иван".encode("koi8-r") + b" <k@y.example>", "k@y.example"),
    ],
    ids=["encoded-address-in-name", "encoded-comma-in-name", "raw-8bit-name"],
)
def test_a_decoded_display_name_never_poses_as_the_address(from_: bytes, sender: str) -> None:
    assert to_inbound(b"From: " + from_ + b"\r\nSubject: x\r\n\r\n", []).sender == sender
