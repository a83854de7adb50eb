"""Issue 17, item 1: one email exhausted memory. The stdlib header parser was given
unbounded input: a folded Subject of many encoded words cost memory growing with the square
of its length (1.4 MB took the process past 20 GB), a plain folded 4.4 MB subject took 70 s.

Every email now passes ``channels/email/bounds.py`` before the parser sees it. The budget is
checked here: a 10 MB hostile mail of each shape costs under a second and under 50 MB
(tracemalloc's peak around the parse), and the mail is still stored whole and decided."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

import pytest
from sqlalchemy import select

from channels.email.bounds import MAX_HEADER, MAX_WORDS, bound
from channels.email.mime import to_inbound
from storage.db import make_sessionmaker
from storage.models import Message
from tests.e2e.test_email_smtp import Gateway
from tests.hostile.mail_gateway import TO, big_gateway_fixture, mail  # noqa: F401
from tests.support.mail import send_mail

MB = 1024 * 1024
SECONDS, BYTES = 1.0, 50 * MB
WORD = b"=?utf-8?B?0J/QvtC60LDQt9Cw0L3QuNGP?="  # "Показания"
PADDING = b"x" * 9 * MB  # the epilogue after the last part


def folded(piece: bytes, size: int) -> bytes:
    return b"\r\n ".join([piece] * (size // (len(piece) + 3)))


def multipart(part_headers: bytes) -> bytes:
    return (
        b'From: a@example.net\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\n1234567 5123 2010\r\n--b\r\n"
        + part_headers + b"\r\n\r\nxx\r\n--b--\r\n"
    )  # fmt: skip


HOSTILE: dict[str, Callable[[], bytes]] = {
    "subject-of-encoded-words": lambda: mail(folded(WORD, 10 * MB), b"1234567 5123 2010"),
    "plain-folded-subject": lambda: mail(folded(b"abcdefghij", int(4.4 * MB)), b"1234567 1 2"),
    "unfolded-subject": lambda: mail(b"x" * 10 * MB, b"1234567 5123 2010"),
    "many-headers": lambda: mail(extra=b"Received: from x by y\r\n" * (10 * MB // 23)),
    "many-subjects": lambda: mail(extra=(b"Subject: " + WORD + b"\r\n") * (10 * MB // 44)),
    # a part's header inside the part of the body the parser reads (its first MiB), then
    # padding: the check of every header as it is parsed (POLICY) is what bounds these
    "part-header-of-encoded-words": lambda: multipart(
        b'Content-Type: image/jpeg\r\nContent-Disposition: attachment; filename="'
        + b" ".join([WORD] * (MB // 40)) + b'"'
    ) + PADDING,
    "part-header-folded": lambda: multipart(
        b"Content-Type: a/b;\r\n " + folded(b"a=b;", 9000 * 7)
    ) + PADDING,
    "part-header-of-many-params": lambda: multipart(
        b"Content-Type: a/b" + b"; a=b" * (MB // 6)
    ) + PADDING,
    "blank-lines-body": lambda: mail(body=b"\r\n" * (5 * MB)),
    "one-char-lines-body": lambda: mail(body=b"1\r\n" * (10 * MB // 3)),
    "no-header-no-blank-line": lambda: b"1234567 5123 2010 " * (10 * MB // 18),
}  # fmt: skip


def measure(raw: bytes) -> tuple[float, int]:
    to_inbound(b"Subject: warm up\r\n\r\n\xd0\xbf\xd1\x80\xd0", [])  # imports, caches
    tracemalloc.start()
    try:
        start = time.perf_counter()
        to_inbound(raw, ["readings@example.org"])
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return elapsed, peak


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_10_mb_hostile_mail_costs_under_a_second_and_50_mb(name: str) -> None:
    raw = HOSTILE[name]()
    assert len(raw) >= 4 * MB
    elapsed, peak = measure(raw)
    assert elapsed < SECONDS, f"{name}: {elapsed:.2f} s"
    assert peak < BYTES, f"{name}: {peak / MB:.1f} MB"


def test_a_header_over_the_bound_is_left_out_not_cut_and_the_body_still_read() -> None:
    raw = mail(b"1234567 5123 " + folded(b"2010", MAX_HEADER + 10), b"1234567 5123 2010")
    inbound = to_inbound(raw, [])
    assert inbound.text == "1234567 5123 2010"  # from the body: half a subject is not read
    assert inbound.raw == raw  # stored whole
    [note] = [n for n in (inbound.meta or {})["left_out"] if n.startswith("subject:")]
    assert "bytes" in note


def test_many_encoded_words_are_left_out_and_a_normal_subject_is_read() -> None:
    too_many = mail(b" ".join([WORD] * (MAX_WORDS + 1)), b"")
    assert (to_inbound(too_many, []).meta or {})["left_out"][0].startswith("subject:")
    ten = mail(b" ".join([WORD] * 10) + b" 1234567 5123 2010")
    assert to_inbound(ten, []).text == "Показания" * 10 + " 1234567 5123 2010"


def test_the_view_holds_only_the_headers_read_the_first_of_each() -> None:
    raw = b"X-Junk: 1\r\nSubject: one\r\nSubject: two\r\nFrom: a@b.c\r\n\r\nbody\r\n"
    view = bound(raw).view
    assert view == b"Subject: one\r\nFrom: a@b.c\r\n\r\nbody\r\n"


def test_a_text_without_headers_is_read_as_the_body() -> None:
    assert to_inbound(b"1234567 5123 2010\r\nmore\r\n", []).text == "1234567 5123 2010"


async def test_a_hostile_mail_over_smtp_gets_250_and_is_stored_whole(
    big_gateway: Gateway,
) -> None:
    raw = HOSTILE["subject-of-encoded-words"]()
    refused = await send_mail(big_gateway.smtp_port, raw, TO)
    assert refused == {}
    [msg] = await big_gateway.messages(channel="email")
    assert (msg["status"], msg["reason"]) == ("accepted", None)  # the body's readings
    async with make_sessionmaker(big_gateway.engine)() as session:
        row = (await session.execute(select(Message.raw, Message.meta))).one()
    assert row.raw == raw  # nothing lost
    assert row.meta["left_out"][0].startswith("subject:")


def test_an_attachment_past_the_body_bound_is_marked_partial() -> None:
    photo = b"QUFBQUFB\r\n" * 300_000  # 3 MB of base64
    raw = multipart(b"Content-Type: image/jpeg\r\nContent-Transfer-Encoding: base64")
    raw = raw.replace(b"\r\n\r\nxx\r\n", b"\r\n\r\n" + photo)
    meta = to_inbound(raw, []).meta or {}
    [listed] = meta["attachments"]
    assert listed["content_type"] == "image/jpeg" and listed["partial"] is True
    assert meta["photo"] is True and meta["left_out"][0].startswith("body:")
