"""Real-world messages (tests/fixtures/email) -> sender, text, threading, reply or not."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from channels.email.html import html_to_text
from channels.email.mime import parse_email, to_inbound
from channels.email.text import choose_text, own_lines
from gateway.domain.model import Channel

FIXTURES = Path(__file__).parent.parent / "fixtures" / "email"
OWN = ["readings@example.org"]

# fixture, sender, chosen text, answered (no_reply reason otherwise), attachments
CASES = [
    (
        "thunderbird_utf8_subject",
        "ivan.petrov@mail.example.ru",
        "УИН 1234567 показания 05123 02010",
        None,
        [],
    ),
    (
        "outlook_cp1251_qp",
        "sergey@corp.example.ru",
        "ЛС 1234567\nТ1 5123\nТ2 2010",
        None,
        [],
    ),
    ("mailru_koi8r_base64", "nina.s@mail.example.ru", "7654321 ХВС 105,5 ГВС 41,2", None, []),
    ("gmail_html_only", "olga.k@gmail.example.com", "7654321 ХВС 105,5 ГВС 41,2", None, []),
    ("iphone_reply_quoted", "petr@icloud.example.com", "1234567 5123 2010", None, []),
    (
        "outlook_original_message",
        "anna@corp.example.ru",
        "Спасибо, а когда будет перерасчёт?",
        None,
        [],
    ),
    ("forwarded_subject", "vera@yandex.example.ru", "1234567 5123 2010", None, []),
    (
        "android_photo_attachment",
        "dmitry@gmail.example.com",
        "1111111 00321",
        None,
        [("счётчик.jpg", "image/jpeg", 2075)],
    ),
    ("yandex_html_blockquote", "maria@yandex.example.ru", "3333333 150", None, []),
    (
        "old_client_raw_8bit_cp1251",
        "babushka@narod.example.ru",
        "Лс 1111111 показание 00400",
        None,
        [],
    ),
    ("no_message_id", "someone@example.net", "1111111 00410", None, []),
    # one <div> per line: the blank lines between them do not cut the readings off
    ("gmail_div_per_line", "anna.k@gmail.example.com", "ЛС 1234567\nТ1 5123 Т2 2010", None, []),
    ("photo_only", "pavel@mail.example.ru", "Показания", None, [("meter.jpg", "image/jpeg", 206)]),
    (
        "auto_reply_vacation",
        "ivan.petrov@mail.example.ru",
        "Я в отпуске до 1 декабря. 1234567",
        "auto_submitted",
        [],
    ),
    (
        "bounce_mailer_daemon",
        "mailer-daemon@mx.example.org",
        "<nobody@example.com>: host mx.example.com said: 550 5.1.1 User unknown",
        "auto_submitted",
        [],
    ),
    ("newsletter_bulk", "news@shop.example.com", "1234567 discounts", "precedence", []),
    ("from_our_gateway", "readings@example.org", "1234567 5123 2010", "own_address", []),
]


def load(name: str) -> bytes:
    return (FIXTURES / f"{name}.eml").read_bytes()


def test_every_fixture_is_in_the_table() -> None:
    assert {p.stem for p in FIXTURES.glob("*.eml")} == {c[0] for c in CASES}


@pytest.mark.parametrize(
    ("name", "sender", "text", "no_reply", "attachments"), CASES, ids=[c[0] for c in CASES]
)
def test_fixture(name: str, sender: str, text: str, no_reply: str | None, attachments) -> None:
    raw = load(name)
    inbound = to_inbound(raw, OWN, recipient="Readings@Example.org")
    assert inbound.channel == Channel.EMAIL
    assert inbound.sender == sender
    assert inbound.text == text
    assert inbound.raw == raw
    assert inbound.recipient == "readings@example.org"
    meta = dict(inbound.meta or {})
    assert meta.get("no_reply") == no_reply
    assert inbound.reply_via == (None if no_reply else "email")
    found = [(a["filename"], a["content_type"], a["size"]) for a in meta.get("attachments", [])]
    assert found == attachments


def test_message_id_is_the_external_id_and_threading_is_kept() -> None:
    inbound = to_inbound(load("yandex_html_blockquote"), OWN)
    assert inbound.external_id == "<987651700000000@yandex.example.ru>"
    meta = dict(inbound.meta or {})
    assert meta["message_id"] == "<987651700000000@yandex.example.ru>"
    assert meta["references"] == [
        "<first@yandex.example.ru>",
        "<meter-gateway.reply.19.a1b2c3d4@example.org>",
    ]
    assert meta["subject"] == "Re: показания"


def test_without_message_id_the_external_id_is_a_hash_of_the_raw_message() -> None:
    raw = load("no_message_id")
    first, again = to_inbound(raw, OWN), to_inbound(raw, OWN)
    assert first.external_id.startswith("sha256:") and len(first.external_id) == 71
    assert first.external_id == again.external_id
    assert to_inbound(raw + b"x", OWN).external_id != first.external_id


def test_a_null_envelope_sender_is_a_bounce_and_not_answered() -> None:
    inbound = to_inbound(load("no_message_id"), OWN, envelope_from="")
    assert inbound.reply_via is None
    assert (inbound.meta or {})["no_reply"] == "null_envelope_sender"


def test_imap_mail_uses_return_path_as_envelope_sender() -> None:
    """IMAP has no SMTP session: the Return-Path the delivering MTA wrote stands for it."""
    bounce = to_inbound(b"Return-Path: <>\r\n" + load("no_message_id"), OWN)
    assert bounce.reply_via is None and (bounce.meta or {})["no_reply"] == "null_envelope_sender"
    routed = to_inbound(b"Return-Path: <Real@Example.net>\r\n" + load("no_message_id"), OWN)
    assert routed.reply_via == "email" and (routed.meta or {})["reply_to"] == "real@example.net"


def test_a_reply_to_our_own_address_is_never_sent() -> None:
    raw = b"Reply-To: readings@example.org\r\n" + load("no_message_id")
    assert to_inbound(raw, ["readings@example.org"]).reply_via is None


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\x00\xff\xfe garbage \x80\x81", id="binary"),
        pytest.param(b"Subject: =?unknown-charset?B?AAAA?=\r\n\r\nbody", id="unknown-charset"),
        pytest.param(
            b"From: a@b.c\r\nContent-Type: text/plain; charset=nonsense\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!",
            id="bad-base64-bad-charset",
        ),
        pytest.param(
            b"From: <<<@@@>>>\r\nMessage-ID: " + b"x" * 400 + b"\r\n\r\n1234567 1",
            id="absurd-headers",
        ),
        pytest.param(
            b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n--b\r\n', id="broken-mime"
        ),
    ],
)
def test_malformed_mail_still_gives_a_message(raw: bytes) -> None:
    inbound = to_inbound(raw, OWN)
    assert inbound.external_id and len(inbound.external_id) <= 255
    assert "\x00" not in inbound.text
    parse_email(raw)


@pytest.mark.parametrize(
    ("subject", "body", "text"),
    [
        pytest.param("1234567 5123 2010", "", "1234567 5123 2010", id="subject"),
        pytest.param("RE: Fwd: 1234567 5123", "", "1234567 5123", id="subject-reply-prefixes"),
        pytest.param("Re: показания", "1234567 5123 2010", "1234567 5123 2010", id="body"),
        pytest.param(
            "показания",
            "Здравствуйте!\n\nУИН 1234567\nдень 5123\nночь 2010\n\nСпасибо",
            "УИН 1234567\nдень 5123\nночь 2010",
            id="body-block-across-lines",
        ),
        pytest.param(
            "",
            "2 раза уже отправляю!\n1234567 5123 2010",
            "1234567 5123 2010",
            id="a-clean-line-wins-over-an-earlier-number",
        ),
        pytest.param(
            "",
            "Добрый день\n1234567 5123 пять",
            "1234567 5123 пять",
            id="no-clean-line-the-first-with-a-number",
        ),
        pytest.param(
            "",
            "Не знаю номер\n\nOn Fri, 20 Nov 2026 at 12:00, Gateway <r@example.org> wrote:\n"
            "Expected: 1234567 5000 1975",
            "Не знаю номер",
            id="quote-header-english",
        ),
        pytest.param("показания", "", "показания", id="subject-only-without-uin"),
        pytest.param("", "", "", id="nothing"),
    ],
)
def test_choose_text(subject: str, body: str, text: str) -> None:
    assert choose_text(subject, body) == text


def test_html_to_text_keeps_blocks_drops_scripts_and_marks_quotes() -> None:
    html = (
        "<html><head><style>p{color:red}</style><title>t</title></head><body>"
        "<p>1234567&nbsp;5123<br>2010</p><script>alert(1)</script>"
        "<blockquote><p>old 7654321 1 2</p></blockquote><div>&lt;ok&gt;</div></body></html>"
    )
    assert html_to_text(html) == "1234567 5123\n2010\n\n> old 7654321 1 2\n\n<ok>"
    assert own_lines(html_to_text(html)) == ["1234567 5123", "2010", "", "", "<ok>"]


RELAYED = (
    b"Received: from relay.example.org by gateway.example.org; Thu, 26 Nov 2026 08:00:00 +0300\r\n"
    b"Received: from phone by relay.example.org; Wed, 25 Nov 2026 23:50:00 +0300\r\n"
    b"From: Ivan <ivan@example.com>\r\nTo: readings@example.org\r\n"
    b"Subject: 1234567 5123 2010\r\nMessage-ID: <r1@example.com>\r\n\r\nbody\r\n"
)


@pytest.mark.parametrize(
    ("ours", "expected"),
    [
        # our relay took it on the 26th 08:00 (Moscow): that is when it arrived
        (datetime(2026, 11, 27, 12, 0, tzinfo=UTC), datetime(2026, 11, 26, 5, 0, tzinfo=UTC)),
        # a Received date from the future is not believed
        (datetime(2026, 11, 26, 4, 0, tzinfo=UTC), datetime(2026, 11, 26, 4, 0, tzinfo=UTC)),
        # nor one from more than a week before
        (datetime(2026, 12, 10, 0, 0, tzinfo=UTC), datetime(2026, 12, 10, 0, 0, tzinfo=UTC)),
    ],
    ids=["relayed-later", "future", "stale"],
)
def test_arrival_is_the_last_hops_received_date_when_plausible(
    ours: datetime, expected: datetime
) -> None:
    """Defect 9: after an outage (SMTP 451, the relay retrying), a reading was filed under
    the day the gateway finally took it, possibly the next period."""
    assert to_inbound(RELAYED, [], received_at=ours).received_at == expected
