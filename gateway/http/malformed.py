"""Requests aiohttp's own parser refuses (an obs-folded header, a bad character in a header
line, a line too long...) never reach the app: aiohttp answers them 400 itself, with the
offending bytes in the body and in an ERROR traceback in the log. Those bytes can be a
header's secret (``Authorization: Bearer\\r\\n <token>``).

aiohttp has no option or hook for this answer (no middleware sees it), so ``install``
wraps ``RequestHandler.handle_error`` for parse errors only: the answer and the one log
line (INFO, no traceback: a malformed request is the client's fault) carry llhttp's fixed
description of the fault ("Unexpected whitespace after header value"), never the bytes.
Every other error goes to aiohttp's own handler unchanged. ``tests/hostile`` checks the
body and the log on a real socket, so an aiohttp that changes this path fails the tests.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from aiohttp import web, web_protocol
from aiohttp.http_exceptions import (
    BadHttpMethod,
    BadStatusLine,
    ContentEncodingError,
    HttpProcessingError,
    InvalidHeader,
    LineTooLong,
    TransferEncodingError,
)

log = logging.getLogger(__name__)

# a description made of words only: llhttp's reasons are fixed texts
SAFE = re.compile(r"[A-Za-z][A-Za-z ,()-]{0,100}")
KINDS: list[tuple[type[HttpProcessingError], str]] = [
    (LineTooLong, "a line of the request is too long"),
    (BadHttpMethod, "bad request method"),
    (BadStatusLine, "bad request line"),
    (InvalidHeader, "bad header"),
    (ContentEncodingError, "unsupported Content-Encoding"),
    (TransferEncodingError, "bad Transfer-Encoding"),
]
GENERIC = "malformed HTTP request"


def reason_of(exc: HttpProcessingError) -> str:
    """What may be said about a parse error: never a byte of the request."""
    for kind, text in KINDS:
        if isinstance(exc, kind):
            return text
    # llhttp's errors read "<fixed description>:\n\n  <the bytes>\n  <pointer>"
    head, sep, _ = str(exc.message).partition(":\n")
    return head if sep and SAFE.fullmatch(head) else GENERIC


_original = web_protocol.RequestHandler.handle_error


def _handle_error(
    self: web_protocol.RequestHandler,
    request: web.BaseRequest,
    status: int = 500,
    exc: BaseException | None = None,
    message: str | None = None,
) -> web.StreamResponse:
    if not isinstance(exc, HttpProcessingError) or status >= 500:
        return _original(self, request, status, exc, message)
    reason = reason_of(exc)
    log.info("refused a malformed HTTP request from %s: %s", request.remote, reason)
    if request.writer.output_size > 0:
        raise ConnectionError("a response was already sent; cannot send the error")
    response = web.Response(status=status, text=f"{status}: {reason}", content_type="text/plain")
    response.force_close()
    return response


def install() -> None:
    """Idempotent; process-wide (every aiohttp server of the process answers this way)."""
    handler: Any = _handle_error
    web_protocol.RequestHandler.handle_error = handler  # type: ignore[method-assign]
