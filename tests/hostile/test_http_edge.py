"""Hostile bytes at the HTTP edge (issue 17, items 3 and 5), on a real socket and both
databases: every body is read in one place (``gateway.http.edge``) before a route parses it,
header bytes that are not UTF-8 never crash a route, and aiohttp's own 400 for a request it
cannot parse never repeats the request's bytes, in the answer or in the log.

Also the helpers of the other ``test_http_*`` files: raw requests over a socket (what an
HTTP client refuses to send) and a logged-in staff session."""

from __future__ import annotations

import asyncio
import gzip
import logging
import re
import zlib
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.domain.staff import Role
from gateway.service.staff import add_staff
from tests.e2e.conftest import API_TOKEN, NOW, client
from tests.e2e.test_sms import AUTH, messages
from tests.helpers import uow_of

__all__ = ["client"]

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PASSWORD = "correct horse battery"
FORM = "application/x-www-form-urlencoded"


@dataclass
class Answer:
    status: int
    head: bytes
    body: bytes


async def raw(client: TestClient, request: bytes, timeout: float = 10) -> Answer:
    """One request written as bytes on a fresh connection (``Connection: close`` is the
    caller's), the whole answer read back."""
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    try:
        writer.write(request)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return Answer(int(head.split(b" ", 2)[1]), head, body)


def request_bytes(
    method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1".encode(), b"Host: test"]
    lines += [name + b": " + value for name, value in headers]
    lines += [b"Content-Length: " + str(len(body)).encode(), b"Connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


async def log_in(client: TestClient, engine: AsyncEngine) -> str:
    """Staff member rita logged in (the session cookie in the client's jar); her CSRF token."""
    await add_staff(uow_of(engine), "rita", PASSWORD, Role.REVIEWER, NOW)
    token = await csrf_of(client, "/staff/login")
    form = {"login": "rita", "password": PASSWORD, "csrf": token}
    resp = await client.post("/staff/login", data=form, allow_redirects=False)
    assert resp.status == 303
    return await csrf_of(client, "/staff/review")  # a fresh session has a fresh token


async def csrf_of(client: TestClient, path: str) -> str:
    found = CSRF.search(await (await client.get(path)).text())
    assert found is not None
    return found.group(1)


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


# --- bodies: one reader, before any route ----------------------------------------------


@pytest.mark.parametrize(
    "path", ["/sms/twilio", "/sms/inbound", "/submit", "/api/v1/review/1/accept"]
)
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_broken_compressed_body_is_400_and_logs_no_exception(
    client: TestClient, caplog: pytest.LogCaptureFixture, path: str, encoding: str
) -> None:
    broken = gzip.compress(b"x" * 100)[:12] + b"\x00garbage" * 10
    headers = {"Content-Encoding": encoding, "Content-Type": FORM, **AUTH}
    resp = await client.post(path, data=broken, headers=headers)
    assert resp.status == 400
    assert "Content-Encoding" in await resp.text()
    assert resp.headers.get("Connection") == "close"  # the rest of the body is not read
    assert (await client.get("/healthz")).status == 200  # and the next request is served
    assert errors_logged(caplog) == []


async def test_a_content_encoding_aiohttp_does_not_decode_is_415(client: TestClient) -> None:
    for encoding in ("compress", "x-gzip", "gzip, gzip", "identity;q=0"):
        resp = await client.post("/sms/inbound", data=b"{}", headers={"Content-Encoding": encoding})
        assert resp.status == 415, encoding
        assert "Content-Encoding" in (await resp.json())["error"]


async def test_a_compressed_body_is_bounded_after_decompression(client: TestClient) -> None:
    bomb = gzip.compress(b"0" * (8 * 1024 * 1024))  # 8 KB that grow to 8 MB
    resp = await client.post("/sms/inbound", data=bomb, headers={"Content-Encoding": "gzip"})
    assert resp.status == 413 and resp.headers.get("Connection") == "close"
    # a good compressed body is read as the bytes it stands for
    resp = await client.post(
        "/api/v1/review/1/accept",
        data=zlib.compress(b'{"uin": 1}'),
        headers={"Content-Encoding": "deflate", **AUTH},
    )
    assert resp.status == 400 and "uin" in (await resp.json())["error"]


@pytest.mark.parametrize("path", ["/submit", "/staff/login", "/sms/twilio"])
@pytest.mark.parametrize("charset", ["x-unknown", "base64", "unicode_escape", "zlib", "idna"])
async def test_a_charset_that_is_no_text_encoding_is_415(
    client: TestClient, caplog: pytest.LogCaptureFixture, path: str, charset: str
) -> None:
    headers = {"Content-Type": f"{FORM}; charset={charset}", "X-Twilio-Signature": "x"}
    resp = await client.post(path, data=b"uin=1234567&csrf=x", headers=headers)
    assert resp.status == 415
    assert "charset" in await resp.text()
    assert errors_logged(caplog) == []


async def test_a_known_charset_still_reads_the_form(client: TestClient) -> None:
    body = "login=рита&password=x".encode("cp1251")
    resp = await client.post(
        "/staff/login", data=body, headers={"Content-Type": f"{FORM}; charset=windows-1251"}
    )
    assert resp.status == 403  # read fine, refused for its missing CSRF token only


# --- headers: not UTF-8 is a wrong credential, never a crash -------------------------


async def test_non_utf8_bytes_in_authorization_are_401(client: TestClient) -> None:
    for value in (b"Bearer \xff\xfe", b"Bearer " + API_TOKEN.encode() + b"\xe9", b"\xc3"):
        answer = await raw(
            client, request_bytes("GET", "/api/v1/messages", [(b"Authorization", value)])
        )
        assert answer.status == 401, value
        assert b"bearer token" in answer.body


async def test_non_utf8_bytes_in_the_session_cookie_are_a_new_session(client: TestClient) -> None:
    for cookie in (b"mg_session=\xff\xfe", b"\xff=1; mg_session=abc", b"mg_session=\xd0"):
        for path in ("/staff/review", "/staff/login", "/submit?uin=1234567"):
            answer = await raw(client, request_bytes("GET", path, [(b"Cookie", cookie)]))
            assert answer.status in {200, 303}, (cookie, path, answer.status)


async def test_non_utf8_signature_headers_are_403(client: TestClient) -> None:
    for path, name in (("/sms/inbound", b"X-Signature"), ("/sms/twilio", b"X-Twilio-Signature")):
        headers = [(name, b"\xff\xfe"), (b"Content-Type", FORM.encode())]
        answer = await raw(client, request_bytes("POST", path, headers, b"a=b"))
        assert answer.status == 403, path
    assert await messages(client) == []


async def test_an_obs_folded_authorization_leaves_no_token_in_answer_or_log(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for folded in (b"Bearer\r\n " + API_TOKEN.encode(), b"Bearer " + API_TOKEN.encode() + b"\x01"):
        answer = await raw(
            client, request_bytes("GET", "/api/v1/messages", [(b"Authorization", folded)])
        )
        assert answer.status == 400
        assert API_TOKEN.encode() not in answer.head + answer.body
        assert answer.body.startswith(b"400: ")  # the fault named, its bytes not
    assert API_TOKEN not in caplog.text
    assert "malformed HTTP request" in caplog.text or "header" in caplog.text
    assert errors_logged(caplog) == []


# --- the request target -------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/api/v1/accounts/%00/readings",
        "/api/v1/messages?channel=%00",
        "/api/v1/messages?external_id=a%01b",
        "/staff/accounts/1%002",
        "/submit?uin=1234567%00",
    ],
)
async def test_a_control_character_in_path_or_query_is_400(client: TestClient, target: str) -> None:
    resp = await client.get(target, headers=AUTH)
    assert resp.status == 400
    assert "control character" in await resp.text()


@pytest.mark.parametrize(
    "target",
    ["/static/" + "9" * 400, "/api/v1/messages/" + "9" * 300, "/staff/accounts/" + "1" * 256],
)
async def test_a_path_segment_longer_than_any_name_is_404(client: TestClient, target: str) -> None:
    """The static files' handler met the operating system's "file name too long" (500);
    no id, UIN or period is that long either (a staff page answers before its login check)."""
    resp = await client.get(target, headers=AUTH)
    assert resp.status == 404


@pytest.mark.parametrize("path", ["/submit", "/staff/login", "/sms/twilio", "/sms/inbound"])
@pytest.mark.parametrize(
    "part",
    [
        b"Content-Type: text/plain; charset=x-unknown",
        b"Content-Type: text/plain; charset=base64",
        b"Content-Transfer-Encoding: foo",
        b"Content-Encoding: gzip",
    ],
)
async def test_a_multipart_body_is_415_whatever_its_parts_say(
    client: TestClient, caplog: pytest.LogCaptureFixture, path: str, part: bytes
) -> None:
    """Each part of a multipart body has its own charset and transfer encoding (aiohttp's
    form reader met them with LookupError and RuntimeError): no form of the gateway sends
    one, so the edge takes none."""
    body = (
        b'--b\r\nContent-Disposition: form-data; name="uin"\r\n' + part + b"\r\n\r\n12\r\n--b--\r\n"
    )
    headers = {"Content-Type": "multipart/form-data; boundary=b"}
    resp = await client.post(path, data=body, headers=headers)
    assert resp.status == 415 and "multipart" in await resp.text()
    assert errors_logged(caplog) == []
