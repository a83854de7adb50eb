"""The JSON API under ``/api/v1`` (bearer token from ``api.tokens``), docs/api.md.

Bodies are the pydantic models of ``schemas``; the OpenAPI document is generated from them and
the route table in ``openapi`` (a new route is one line there: see its docstring)."""

from __future__ import annotations

from aiohttp import web

from gateway.http.api import accounts, events, messages, periods, review
from gateway.http.api.auth import bearer_auth
from gateway.http.api.openapi import document
from gateway.http.errors import json_response


async def openapi(request: web.Request) -> web.Response:
    return json_response(document())


def setup(app: web.Application) -> None:
    app.middlewares.append(bearer_auth)
    app.router.add_get("/api/v1/openapi.json", openapi)
    messages.setup(app)
    accounts.setup(app)
    periods.setup(app)
    review.setup(app)
    events.setup(app)
