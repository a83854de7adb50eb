"""Bearer tokens (``api.tokens``) for everything under ``/api/`` but the OpenAPI document."""

from __future__ import annotations

import hmac

from aiohttp import web

from gateway.http.api.answers import error
from gateway.http.errors import Handler
from gateway.http.keys import CONFIG


@web.middleware
async def bearer_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/api/") and request.path != "/api/v1/openapi.json":
        tokens = request.app[CONFIG].api.tokens
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        ok = scheme.lower() == "bearer" and any(
            hmac.compare_digest(token.encode(), t.encode()) for t in tokens if t
        )
        if not ok:
            return error(
                401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"}
            )
    return await handler(request)
