"""The JSON API under ``/api/v1`` (bearer token from ``api.tokens``), SPEC section 6."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels.common import json_response
from gateway.config import Config
from gateway.domain.model import plain
from gateway.http.api.openapi import SPEC
from storage import repository as repo
from storage.models import Message

SESSIONS: web.AppKey[async_sessionmaker[AsyncSession]] = web.AppKey("sessions", async_sessionmaker)
API_CONFIG: web.AppKey[Config] = web.AppKey("api_config", Config)

PAGE_MAX = 500
PAGE_DEFAULT = 100

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def bearer_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/api/") and request.path != "/api/v1/openapi.json":
        tokens = [str(t) for t in request.app[API_CONFIG].section("api")["tokens"]]
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        ok = scheme.lower() == "bearer" and any(
            hmac.compare_digest(token.encode(), t.encode()) for t in tokens if t
        )
        if not ok:
            return json_response(
                {"error": "a valid bearer token is required"},
                status=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
    return await handler(request)


def page_limit(request: web.Request) -> int:
    """The ``limit`` of a list request: 1 to PAGE_MAX, PAGE_DEFAULT when absent."""
    try:
        limit = min(int(request.query.get("limit", PAGE_DEFAULT)), PAGE_MAX)
    except ValueError:
        raise web.HTTPBadRequest(text="limit must be an integer") from None
    if limit < 1:
        raise web.HTTPBadRequest(text="limit must be at least 1")
    return limit


def _page(request: web.Request) -> tuple[int | None, int]:
    cursor = request.query.get("cursor")
    try:
        after = int(cursor) if cursor else None
    except ValueError:
        raise web.HTTPBadRequest(text="cursor must be one returned as next") from None
    return after, page_limit(request)


def _num(value: Decimal | None) -> str | None:
    return None if value is None else plain(value)


def message_json(message: Message, readings: list[Any]) -> dict[str, Any]:
    return {
        "id": message.id,
        "channel": message.channel,
        "external_id": message.external_id,
        "sender": message.sender,
        "status": message.status,
        "reason": message.reason,
        "readings": [
            {
                "meter": r.name,
                "zone": r.zone,
                "value": _num(r.value),
                "consumption": _num(r.consumption),
                "period": r.period,
                "status": r.status,
            }
            for r in readings
        ],
        "reply": message.reply,
        "received_at": message.received_at.isoformat(),
    }


async def list_messages(request: web.Request) -> web.Response:
    after, limit = _page(request)
    async with request.app[SESSIONS]() as session:
        messages = await repo.list_messages(
            session, request.query.get("channel"), request.query.get("external_id"), after, limit
        )
        readings = await repo.message_readings(session, [m.id for m in messages])
    items = [message_json(m, readings.get(m.id, [])) for m in messages]
    nxt = str(messages[-1].id) if len(messages) == limit else None
    return json_response({"items": items, "next": nxt})


async def get_message(request: web.Request) -> web.Response:
    try:
        message_id = int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound(text="no such message") from None
    async with request.app[SESSIONS]() as session:
        message = await session.get(Message, message_id)
        if message is None:
            return json_response({"error": "no such message"}, status=404)
        readings = await repo.message_readings(session, [message.id])
    return json_response(message_json(message, readings.get(message.id, [])))


async def account_readings(request: web.Request) -> web.Response:
    after, limit = _page(request)
    uin = request.match_info["uin"]
    async with request.app[SESSIONS]() as session:
        rows = await repo.account_readings(session, uin, after, limit)
    if rows is None:
        return json_response({"error": f"no account with UIN {uin}"}, status=404)
    items = [
        {
            "id": r.id,
            "meter": r.name,
            "zone": r.zone,
            "value": _num(r.value),
            "consumption": _num(r.consumption),
            "period": r.period,
            "date": r.taken_on.isoformat(),
            "status": r.status,
            "reason": r.reason,
            "source": r.source,
            "message_id": r.message_id,
        }
        for r in rows
    ]
    nxt = str(rows[-1].id) if len(rows) == limit else None
    return json_response({"items": items, "next": nxt})


async def openapi(request: web.Request) -> web.Response:
    return json_response(SPEC)


def setup(app: web.Application, config: Config) -> None:
    app[API_CONFIG] = config
    app.middlewares.append(bearer_auth)
    app.router.add_get("/api/v1/openapi.json", openapi)
    app.router.add_get("/api/v1/messages", list_messages)
    app.router.add_get("/api/v1/messages/{id}", get_message)
    app.router.add_get("/api/v1/accounts/{uin}/readings", account_readings)
    from gateway.http.api import periods as api_periods  # its handlers use this module's keys

    api_periods.setup(app)
