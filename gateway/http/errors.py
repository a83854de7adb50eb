"""Answers at the HTTP edge: JSON bodies, and errors as ``{"error": "..."}`` everywhere."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from gateway.http.responses import json_error, json_response

__all__ = ["json_error", "json_errors", "json_response"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """An HTTP error raised anywhere (a handler's ``HTTPBadRequest(text=...)``, aiohttp's own
    404/405/413) leaves as JSON ``{"error": text}`` with its status and headers."""
    try:
        return await handler(request)
    except web.HTTPException as e:
        if e.status < 400 or e.content_type != "text/plain":
            raise
        text = e.text or e.reason
        if text.startswith(f"{e.status}: "):  # aiohttp's default body: "404: Not Found"
            text = text.partition(": ")[2]
        response = json_error(e.status, text)
        for name in ("Allow", "Retry-After", "WWW-Authenticate"):
            if name in e.headers:
                response.headers[name] = e.headers[name]
        if e.keep_alive is False:  # the request's body was left unread: close
            response.force_close()
        return response
