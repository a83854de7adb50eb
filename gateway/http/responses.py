"""The JSON answers every HTTP route and channel webhook shares (imports nothing of ours,
so channels may use it as they use ``gateway.http.edge``)."""

from __future__ import annotations

import functools
import json
from typing import Any

from aiohttp import web

RETRY_AFTER_SECONDS = 30

# JSON answers keep Cyrillic readable (a reply read with curl, a log line), not \u-escaped.
json_response = functools.partial(
    web.json_response, dumps=functools.partial(json.dumps, ensure_ascii=False)
)


def json_error(status: int, message: str) -> web.Response:
    return json_response({"error": message}, status=status)


def unavailable() -> web.Response:
    """The database is down: nothing was stored, the provider must retry."""
    response = json_error(503, "storage unavailable, retry later")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


async def read_form(request: web.Request) -> Any:
    """The posted form; a body that is not one (a broken multipart) is 400, not 500."""
    try:
        return await request.post()
    except (ValueError, UnicodeDecodeError, AssertionError) as e:
        raise web.HTTPBadRequest(text=f"the body is not a form: {e}") from None
