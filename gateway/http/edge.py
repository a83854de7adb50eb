"""The HTTP edge: the one place every request's headers, target and body are read before
any route sees them (``guard``, the app's innermost middleware but for the API's bearer
check), and the one place a JSON body or a route's parameters become a model.

What hostile bytes get here, instead of a traceback and a 500:

- a header value that is not UTF-8 is read as ISO-8859-1 (a wrong token, not a crash);
- a control character in the path or the query (NUL breaks PostgreSQL): 400; a path
  segment longer than any name (255 bytes): 404;
- a ``Content-Encoding`` other than gzip or deflate: 415; a broken gzip/deflate body: 400;
- a ``charset`` Python has no text codec for: 415; a multipart body (its parts have their
  own charsets and encodings, and no form of the gateway sends one): 415;
- a body over the app's ``client_max_size``, counted after decompression: 413;
- JSON nested past 200 levels, whatever the route: 400.

The body is read once, here; routes get the same bytes again from ``request.read()`` (and
``request.content``, for the few readers of the stream), so a webhook verifies its
signature over exactly the bytes that arrived.

The channels' webhooks (SMS) read their JSON bodies here too, so this module imports
nothing of ours (``tests/architecture/test_imports.py``).
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from aiohttp import StreamReader, web
from multidict import CIMultiDict
from pydantic import BaseModel, ValidationError
from pydantic_core import from_json

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Model = TypeVar("Model", bound=BaseModel)

# what aiohttp's parser decodes itself; anything else would reach a route still encoded
ENCODINGS = frozenset({"", "identity", "gzip", "deflate"})
# Python's codecs that are no charset of the web
NOT_CHARSETS = frozenset(
    {"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape", "utf-7"}
)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NAME_MAX = 255
PATH_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


ERRORS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest,
    404: web.HTTPNotFound,
    415: web.HTTPUnsupportedMediaType,
}


def refuse(status: int, text: str) -> web.HTTPException:
    """An HTTP error with a plain text message (the app's middlewares render it as JSON or
    as an HTML page, by path)."""
    return ERRORS[status](text=text)


def latin1_headers(request: web.Request) -> web.Request:
    """The request with every header value that is not UTF-8 read as ISO-8859-1, as
    RFC 9110 (5.5) says such bytes historically are. aiohttp hands them on as lone
    surrogates, which fail wherever the value is encoded again (a bearer token compared, a
    session cookie decrypted); read this way they are just a wrong token (401), a forged
    signature (403) or a cookie that is not ours (a new session)."""
    fixed = CIMultiDict[str]()
    changed = False
    for name, value in request.headers.items():
        try:
            value.encode()
        except UnicodeEncodeError:
            value = value.encode("utf-8", "surrogateescape").decode("latin-1")
            changed = True
        fixed.add(name, value)
    return request.clone(headers=fixed) if changed else request


def check_target(request: web.Request) -> None:
    if PATH_CONTROL.search(request.path):
        raise refuse(400, "the path holds a control character")
    if any(len(part.encode()) > NAME_MAX for part in request.path.split("/")):
        # no id, UIN, period or file of the gateway is that long (the static files'
        # handler would meet the operating system's "file name too long")
        raise refuse(404, "no such resource")
    for key, value in request.query.items():
        if CONTROL.search(key) or CONTROL.search(value):
            raise refuse(400, "the query holds a control character")


def check_charset(charset: str | None) -> None:
    """A charset must name a text encoding a client can mean: not an unknown name, not one
    of Python's byte codecs (base64, zlib) nor its own text tricks (``unicode_escape``
    turns ``\\ud800`` into a lone surrogate that fails later)."""
    if not charset:
        return
    try:
        name = codecs.lookup(charset).name
        b"\x00".decode(name)  # LookupError for a codec that is not a text encoding
    except (LookupError, ValueError):
        name = ""
    if not name or name in NOT_CHARSETS:
        raise refuse(415, f"unknown charset {charset[:40]!r}")


async def read_body(request: web.Request) -> bytes:
    """The whole body, decompressed and bounded; refused with a clear status otherwise.
    Read before anything is refused: aiohttp drains an unread body to reuse the
    connection, and logs a broken one as an unhandled exception."""
    try:
        raw = await request.read()  # 413 past client_max_size (aiohttp's own check)
    except web.HTTPRequestEntityTooLarge as e:
        _end(request, e)
        raise
    except web.RequestPayloadError:
        encoding = request.headers.get("Content-Encoding", "")[:40]
        error = refuse(400, f"the body cannot be decoded as Content-Encoding {encoding!r}")
        _end(request, error)
        raise error from None
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ENCODINGS:
        raise refuse(415, f"Content-Encoding {encoding[:40]!r} is not supported (gzip, deflate)")
    check_charset(request.charset)
    if request.content_type.startswith("multipart/"):
        # each part has its own charset and transfer encoding, which aiohttp's form reader
        # meets with LookupError/RuntimeError; no form or webhook of the gateway sends one
        raise refuse(415, "multipart bodies are not accepted: send a urlencoded form or JSON")
    check_json_depth(raw)
    _replay(request, raw)
    return raw


def check_json_depth(raw: bytes) -> None:
    """A body that is JSON nested past what a parser's stack holds is refused here, for
    every route: one that reads its JSON with the standard library (the Telegram webhook)
    would meet RecursionError. pydantic's reader stops at 200 levels in microseconds."""
    if raw.lstrip()[:1] not in (b"{", b"["):
        return
    try:
        from_json(raw)
    except ValueError as e:  # not JSON at all, or a number too long: the route's to judge
        if "recursion limit exceeded" in str(e):
            raise refuse(400, "the body must be JSON (recursion limit exceeded)") from None


def _end(request: web.Request, error: web.HTTPException) -> None:
    """The body is not read to its end: the answer closes the connection instead (the
    error middlewares keep ``Connection: close`` on the answer they render)."""
    request.content.feed_eof()
    request.protocol.close()
    error.force_close()


def _replay(request: web.Request, raw: bytes) -> None:
    """Give readers of ``request.content`` (a webhook reading the stream) the bytes read
    here. aiohttp has no public way to put a stream back."""
    stream = StreamReader(
        request.protocol, limit=max(len(raw), 2**16), loop=asyncio.get_running_loop()
    )
    if raw:
        stream.feed_data(raw)
    stream.feed_eof()
    request._payload = stream


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    request = latin1_headers(request)
    if request.body_exists:
        await read_body(request)
    check_target(request)
    return await handler(request)


def first_error(e: ValidationError) -> str:
    """``readings.0.value: Field required``: the first wrong field, for people."""
    first = e.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


def json_error(e: ValidationError) -> str:
    first = e.errors(include_url=False)[0]
    if first["type"] != "json_invalid":
        return first_error(e)
    detail = str(first.get("ctx", {}).get("error", ""))
    limits = ("recursion limit exceeded", "number out of range")
    hit = next((limit for limit in limits if limit in detail), None)
    return f"the body must be JSON ({hit})" if hit else "the body must be JSON"


async def json_body(
    request: web.Request, model: type[Model], *, plain_text: bool = True
) -> Model | None:
    """The JSON body as ``model``; None when there is none. Parsed by pydantic's own JSON
    reader, which bounds nesting and number size: anything else is 400 with the reason.
    ``plain_text``: no string of it may hold a control character (PostgreSQL stores no
    NUL); a channel that cleans its texts itself passes False."""
    raw = await request.read()
    if not raw.strip():
        return None
    try:
        body = model.model_validate_json(raw)
    except ValidationError as e:
        raise refuse(400, json_error(e)) from None
    except (RecursionError, ValueError):  # a custom validator's own limits
        raise refuse(400, "the body is not JSON this endpoint understands") from None
    if plain_text:
        check_text(_strings(body.model_dump()), "the body")
    return body


def check_text(values: Iterable[str], what: str) -> None:
    """Texts typed by people (a form, a JSON body) hold no control character but tab and
    line breaks: 400 otherwise."""
    if any(CONTROL.search(v) for v in values):
        raise refuse(400, f"{what} holds a control character")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def validated(model: type[Model], data: Mapping[str, Any], status: int = 400) -> Model:
    """A route's parameters (path and query) as ``model``; ``status`` with the first wrong
    field otherwise (404 where a wrong id names nothing that exists)."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as e:
        raise refuse(status, first_error(e)) from None
