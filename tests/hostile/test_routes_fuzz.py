"""The fuzz tier of the HTTP edge (issue 17): hypothesis sends hostile requests to EVERY
route of the route table of an app built by ``gateway.app.factory.init_app`` (read from
``app.router.routes()``: a new route is fuzzed without touching this file), on a real SQLite
database, over a plain socket so that any byte can be sent.

Each request varies the method, the path parameters (ids past 64 bits, percent-encoded
bytes, text), the query, the body (bytes, forms, JSON nested deep or with long numbers,
multipart), its Content-Type and charset, its Content-Encoding (gzip, deflate, broken,
unknown), the credentials (none, wrong, not UTF-8, valid: a bearer token, a logged-in staff
session with its CSRF token, webhook signatures over the body) and other headers. Every
answer must come within the time budget and be below 500 (503 only as documented: with
``Retry-After``), and nothing may be logged at ERROR or with a traceback."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import re
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from multidict import MultiDict
from twilio.request_validator import RequestValidator

from channels.sms.generic import hmac_signature
from gateway.app.factory import init_app
from gateway.config import load_config
from gateway.domain.staff import Role
from gateway.service.staff import add_staff
from storage.db import make_sessionmaker
from tests.conftest import Databases, clean
from tests.e2e.conftest import ACCOUNTS, API_TOKEN, ENV, GENERIC_SECRET, HISTORY, NOW, TWILIO_TOKEN
from tests.e2e.conftest import TWILIO_URL as TWILIO_PUBLIC_URL
from tests.e2e.test_review_api import AMBIGUOUS, JUMP, submit
from tests.helpers import seed, uow_of
from tests.hostile.test_http_edge import PASSWORD, csrf_of

TELEGRAM_SECRET = "fuzz-telegram-secret"
FUZZ_ENV = {
    **ENV,
    "METER_GATEWAY_RULES_RATE_LIMIT_PER_HOUR": "0",
    "METER_GATEWAY_WEB_RATE_LIMIT_PER_HOUR": "0",
    "METER_GATEWAY_STAFF_SESSION_SECRET": "fuzz-session-secret",
    # the bot on, so its webhook is in the route table; its API is nowhere (refused)
    "METER_GATEWAY_TELEGRAM_TOKEN": "123456789:AAHfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz0",
    "METER_GATEWAY_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
    "METER_GATEWAY_TELEGRAM_API_BASE": "http://127.0.0.1:9",
    # the phone line on, its public URL the one the requests are signed for: a call coming
    # in is fuzzed past its signature (its steps' URLs differ: refused at the signature)
    "METER_GATEWAY_VOICE_TWILIO_ENABLED": "true",
    "METER_GATEWAY_VOICE_TWILIO_PUBLIC_URL": TWILIO_PUBLIC_URL,
}
EXAMPLES = 50  # per route; about a minute for the whole table on a shared machine
BUDGET_SECONDS = 5.0  # per request, with two cores shared by the whole test run
PLACEHOLDER = re.compile(r"\{([^}:]+)(:[^}]*)?\}")


def route_table() -> list[tuple[str, str]]:
    """(method, path template) of every route the app serves, as its router lists them."""
    app = init_app(load_config(environ=FUZZ_ENV), background=False)
    found = set()
    for route in app.router.routes():
        resource = route.resource
        assert resource is not None
        template = resource.canonical
        if isinstance(resource, web.StaticResource):
            template += "/{filename}"
        found.add((route.method, template))
    return sorted(found)


ROUTES = route_table()


@dataclass
class Gateway:
    server: TestServer
    cookie: str
    csrf: str


class Errors(logging.Handler):
    """Every record at ERROR or with a traceback, from any logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.seen.append(f"{record.name}: {record.getMessage()}")


@pytest.fixture(scope="module")
async def gateway(databases: Databases) -> AsyncIterator[Gateway]:
    engine = await databases.engine("sqlite")
    await clean(engine)
    await seed(make_sessionmaker(engine), ACCOUNTS, HISTORY)
    await add_staff(uow_of(engine), "rita", PASSWORD, Role.REVIEWER, NOW)
    app = init_app(
        load_config(environ=FUZZ_ENV), engine=engine, clock=lambda: NOW, background=False
    )
    async with TestClient(TestServer(app)) as client:
        token = await csrf_of(client, "/staff/login")
        form = {"login": "rita", "password": PASSWORD, "csrf": token}
        assert (await client.post("/staff/login", data=form, allow_redirects=False)).status == 303
        for i, text in enumerate([JUMP, AMBIGUOUS, JUMP, "1234567 05123 02010"]):
            await submit(client, text, f"fuzz-{i}")  # ids 1-4: messages in review and not
        csrf = await csrf_of(client, "/staff/review")
        cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["mg_session"]
        yield Gateway(client.server, cookie.value, csrf)
        await clean(engine)


@pytest.fixture
def errors() -> Iterator[Errors]:
    handler = Errors()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


# --- what a hostile client sends ----------------------------------------------------

HOSTILE = ["", "0", "-1", str(2**63), str(2**64), "9" * 400, "0001-01-01", "9999-12-31",
           "1e999", "١٢٣", " 1", "1.5", "null", "\x00", "a\x01b", "//evil.example",
           "../../../etc/passwd", "<script>", "%", "\u202e", "1.99999999999999999999", "2026-13",
           "2026-02-30"]  # fmt: skip
PLAUSIBLE = ["1", "2", "1234567", "7654321", "2026-10", "2026-11-20", "en", "ru", "review",
             "rejected", "confirmed", "sms", "web", "accept", "reject", "values", "E-1",
             "CW-1", "app.css", "/staff/review", "5123", "показания",
             "1234567 05123 02010"]  # fmt: skip
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=24)
VALUE = st.sampled_from(HOSTILE) | st.sampled_from(PLAUSIBLE) | TEXT
# the names routes read (of a query, a form, a JSON body); each is sent with a fair chance
# so that a handler meets its own parameters, hostile, without a list per route
QUERY_KEYS = ["limit", "cursor", "as_of", "since", "until", "channel", "reason", "uin",
              "lang", "next", "status", "sort", "external_id"]  # fmt: skip
BODY_KEYS = ["uin", "lang", "csrf", "login", "password", "submission", "mode", "next",
             "reason", "reading-1-1", "reading-1-2", "value-0", "meter-0", "zone-0",
             "MessageSid", "From", "To", "Body", "NumMedia", "MediaUrl0", "MessageStatus",
             "id", "from", "text", "readings", "update_id", "message"]  # fmt: skip
KEYS = QUERY_KEYS + BODY_KEYS
KEY = st.sampled_from(KEYS) | TEXT


@st.composite
def named(draw: st.DrawFn, names: list[str], odds: int) -> list[tuple[str, str]]:
    """Each name with a chance of one in ``odds``, a hostile or a plausible value; a few
    more pairs of any name."""
    chosen = [(k, draw(VALUE)) for k in names if draw(st.integers(1, odds)) == 1]
    return chosen + draw(st.lists(st.tuples(KEY, VALUE), max_size=2))


FIELDS = named(BODY_KEYS, 2)
SCALARS = (
    st.none() | st.booleans() | st.integers() | st.integers(min_value=10**300) | VALUE | st.floats()
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEY, inner, max_size=4),
    max_leaves=12,
)
FORM = "application/x-www-form-urlencoded"
CONTENT_TYPES = [None, "application/json", FORM, f"{FORM}; charset=utf-8",
                 f"{FORM}; charset=cp1251", f"{FORM}; charset=x-unknown",
                 f"{FORM}; charset=base64", f"{FORM}; charset=utf-16",
                 "multipart/form-data; boundary=b", "multipart/form-data", "text/plain",
                 "application/json; charset=koi8-r", "application/octet-stream"]  # fmt: skip
ENCODINGS = [None, None, None, "gzip", "deflate", "broken-gzip", "br", "identity", "compress"]
VALID_AUTH = b"Bearer " + API_TOKEN.encode()
AUTHS = [b"", b"Bearer wrong", b"Bearer \xff\xfe", b"Basic x", "Bearer токен".encode()]
COOKIES = ["none", "garbage", "not-utf8"]
HOSTS = [b"test", b"test:99999", b"\xff", b"[::1", b"a b", b"example.org:443"]
EXTRA = [(b"Accept", b"text/csv"), (b"Accept", b"text/html"), (b"Accept-Language", b"\xd0"),
         (b"X-Telegram-Bot-Api-Secret-Token", b"\xff"), (b"Referer", b"\xff\xfe"),
         (b"X-Twilio-Webhooks-Signature-Settings", b"algorithm=HMAC_SHA256"),
         (b"X-Forwarded-For", b"1.2.3.4"), (b"Transfer-Encoding", b"chunked")]  # fmt: skip


def mostly(usual: Any, others: list[Any]) -> st.SearchStrategy[Any]:
    """``usual`` two times in three, else one of ``others``: a request hostile in every
    respect at once is refused at the edge and never reaches a route's own code."""
    return st.one_of(st.just(usual), st.just(usual), st.sampled_from(others))


@dataclass
class Body:
    raw: bytes
    fields: list[tuple[str, str]] | None  # a form's fields, for the Twilio signature
    content_type: str | None = None  # what such a body is sent as, most of the time


@st.composite
def bodies(draw: st.DrawFn, csrf: str) -> Body:
    kind = draw(
        st.sampled_from(["none", "bytes", "form", "form", "json", "any-json", "deep", "multipart"])
    )
    if kind == "none":
        return Body(b"", None)
    if kind == "bytes":
        return Body(draw(st.binary(max_size=300)), None)
    if kind == "any-json":
        return Body(json.dumps(draw(JSON)).encode(), None, "application/json")
    if kind == "deep":
        depth = draw(st.integers(min_value=100, max_value=30_000))
        return Body(
            b'{"id": "d", "from": "+7", "readings": ' + b"[" * depth + b"]" * depth + b"}",
            None,
            "application/json",
        )
    fields = draw(FIELDS)
    if draw(mostly(True, [False])):
        fields.append(("csrf", csrf))
    if kind == "json":
        return Body(
            json.dumps(dict(fields) | draw(st.dictionaries(KEY, JSON, max_size=2))).encode(),
            None,
            "application/json",
        )
    if kind == "form":
        return Body(urlencode(fields).encode(), fields, FORM)
    # each part with headers of its own: a charset, a transfer encoding
    part_headers = st.sampled_from(
        [b"", b"Content-Type: text/plain; charset=x-unknown\r\n",
         b"Content-Type: text/plain; charset=cp1251\r\n", b"Content-Transfer-Encoding: foo\r\n",
         b"Content-Transfer-Encoding: base64\r\n", b"Content-Encoding: gzip\r\n"]
    )  # fmt: skip
    parts = b"".join(
        b'--b\r\nContent-Disposition: form-data; name="'
        + k.encode()
        + b'"\r\n'
        + draw(part_headers)
        + b"\r\n"
        + v.encode()
        + b"\r\n"
        for k, v in fields
    )
    return Body(parts + b"--b--\r\n", fields, "multipart/form-data; boundary=b")


def compress(raw: bytes, encoding: str | None) -> bytes:
    if encoding == "gzip":
        return gzip.compress(raw)
    if encoding == "deflate":
        return zlib.compress(raw)
    if encoding == "broken-gzip":
        return gzip.compress(raw)[:10] + b"\x00\xffbroken" * 3
    return raw


@st.composite
def requests(draw: st.DrawFn, method: str, template: str, gateway: Gateway) -> bytes:
    def fill(match: re.Match[str]) -> str:
        return quote(draw(VALUE), safe="")

    path = PLACEHOLDER.sub(fill, template)
    if query := draw(named(QUERY_KEYS, 3)):
        path += "?" + urlencode(query)
    verb = draw(mostly(method, ["GET", "POST", "PUT", "DELETE", "OPTIONS"]))
    body = draw(bodies(gateway.csrf))
    encoding = draw(mostly(None, ENCODINGS))
    headers: list[tuple[bytes, bytes]] = [(b"Host", draw(mostly(b"test", HOSTS)))]
    content_type = draw(mostly(body.content_type, CONTENT_TYPES))
    if content_type:
        headers.append((b"Content-Type", content_type.encode()))
    if encoding:
        headers.append((b"Content-Encoding", encoding.removeprefix("broken-").encode()))
    # valid credentials most of the time: most 500s hide behind them
    if auth := draw(mostly(VALID_AUTH, AUTHS)):
        headers.append((b"Authorization", auth))
    cookie = draw(mostly("session", COOKIES))
    if cookie != "none":
        value = {"session": gateway.cookie.encode(), "garbage": b"abc", "not-utf8": b"\xff\xfe"}
        headers.append((b"Cookie", b"mg_session=" + value[cookie]))
    if draw(mostly(True, [False])):  # signed as the providers sign: the decoded body, the form
        headers.append((b"X-Signature", hmac_signature(body.raw, GENERIC_SECRET).encode()))
        params = MultiDict(body.fields or [])
        twilio = RequestValidator(TWILIO_TOKEN).compute_signature(TWILIO_PUBLIC_URL, params)
        headers.append((b"X-Twilio-Signature", twilio.encode()))
    if draw(mostly(True, [False])):
        headers.append((b"X-Telegram-Bot-Api-Secret-Token", TELEGRAM_SECRET.encode()))
    headers += draw(st.lists(st.sampled_from(EXTRA), max_size=2))
    payload = compress(body.raw, encoding)
    if (b"Transfer-Encoding", b"chunked") in headers:
        framed = (
            f"{len(payload):x}\r\n".encode() + payload + b"\r\n0\r\n\r\n"
            if payload
            else b"0\r\n\r\n"
        )
    else:
        headers.append((b"Content-Length", str(len(payload)).encode()))
        framed = payload
    head = [f"{verb} {path} HTTP/1.1".encode(), *(k + b": " + v for k, v in headers)]
    return b"\r\n".join([*head, b"Connection: close"]) + b"\r\n\r\n" + framed


async def send(server: TestServer, request: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        writer.write(request)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), BUDGET_SECONDS * 2)
    finally:
        writer.close()
    head = data.partition(b"\r\n\r\n")[0]
    return int(head.split(b" ", 2)[1]), head


@pytest.mark.parametrize(("method", "template"), ROUTES, ids=[f"{m} {t}" for m, t in ROUTES])
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_no_route_answers_a_hostile_request_with_a_5xx(
    gateway: Gateway, errors: Errors, method: str, template: str, data: Any
) -> None:
    request = data.draw(requests(method, template, gateway), label="request")
    errors.seen.clear()
    started = time.monotonic()
    status, head = await send(gateway.server, request)
    elapsed = time.monotonic() - started
    assert status < 500 or (status == 503 and b"Retry-After" in head), status
    assert errors.seen == []
    assert elapsed < BUDGET_SECONDS


# one parameter at a time, with every credential valid: what random draws rarely combine
SWEEP = ["-1", str(2**63), "9" * 400, "0001-01-01", "9999-12-31", "١٢٣"]


def sweep(template: str, method: str) -> Iterator[str]:
    """The route's path with each path parameter in turn hostile (the others ``1``), and
    for GET each query name of QUERY_KEYS in turn hostile."""
    names = [m.group(1) for m in PLACEHOLDER.finditer(template)]
    for name in names:
        for value in SWEEP:
            yield PLACEHOLDER.sub(
                lambda m, n=name, v=value: quote(v if m.group(1) == n else "1", safe=""),  # type: ignore[misc]
                template,
            )
    if method == "GET":
        base = PLACEHOLDER.sub("1", template)
        for key in QUERY_KEYS:
            for value in SWEEP:
                yield f"{base}?{urlencode({key: value})}"


SWEPT = [(m, t) for m, t in ROUTES if m != "HEAD"]


@pytest.mark.parametrize(("method", "template"), SWEPT, ids=[f"{m} {t}" for m, t in SWEPT])
async def test_each_parameter_alone_hostile_with_valid_credentials_is_no_5xx(
    gateway: Gateway, errors: Errors, method: str, template: str
) -> None:
    body = urlencode({"csrf": gateway.csrf}).encode()
    headers = [(b"Host", b"test"), (b"Authorization", VALID_AUTH),
               (b"Cookie", b"mg_session=" + gateway.cookie.encode()),
               (b"Content-Type", FORM.encode()),
               (b"Content-Length", str(len(body)).encode())]  # fmt: skip
    for path in sweep(template, method):
        head = [f"{method} {path} HTTP/1.1".encode(), *(k + b": " + v for k, v in headers)]
        request = b"\r\n".join([*head, b"Connection: close"]) + b"\r\n\r\n" + body
        status, answer = await send(gateway.server, request)
        assert status < 500 or (status == 503 and b"Retry-After" in answer), (status, path)
        assert errors.seen == [], path


def test_the_route_table_is_read_whole() -> None:
    """Every kind of route is fuzzed: the API, the staff UI, the form, the webhooks (the
    Telegram one too), health and the static files."""
    paths = {template for _, template in ROUTES}
    for expected in ("/api/v1/review/{id}/accept", "/sms/twilio", "/submit", "/healthz",
                     "/telegram/webhook", "/staff/review/{id}/{action}"):  # fmt: skip
        assert expected in paths, paths
    assert any(t.startswith("/static/") for t in paths)
