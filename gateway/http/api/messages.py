"""``/api/v1/messages``: what came in, what became of it, what was answered."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiohttp import web

from gateway.domain.model import MessageRecord, ReadingRecord, plain
from gateway.http.api.paging import id_cursor, int64, page_limit
from gateway.http.errors import json_error, json_response
from gateway.http.keys import UOW


def num(value: Decimal | None) -> str | None:
    return None if value is None else plain(value)


def reading_json(r: ReadingRecord) -> dict[str, Any]:
    return {
        "meter": r.meter,
        "zone": r.zone,
        "value": num(r.value),
        "consumption": num(r.consumption),
        "period": r.period,
        "status": r.status,
    }


def message_json(message: MessageRecord) -> dict[str, Any]:
    return {
        "id": message.id,
        "channel": message.channel,
        "external_id": message.external_id,
        "sender": message.sender,
        "status": message.status,
        "reason": message.reason,
        "readings": [reading_json(r) for r in message.readings],
        "reply": message.reply,
        "received_at": message.received_at.isoformat(),
    }


async def list_messages(request: web.Request) -> web.Response:
    after, limit = id_cursor(request), page_limit(request)
    async with request.app[UOW]() as uow:
        messages = await uow.messages.page(
            request.query.get("channel"), request.query.get("external_id"), after, limit
        )
    nxt = str(messages[-1].id) if len(messages) == limit else None
    return json_response({"items": [message_json(m) for m in messages], "next": nxt})


async def get_message(request: web.Request) -> web.Response:
    try:
        message_id = int64(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound(text="no such message") from None
    async with request.app[UOW]() as uow:
        message = await uow.messages.record(message_id)
    if message is None:
        return json_error(404, "no such message")
    return json_response(message_json(message))


def setup(app: web.Application) -> None:
    app.router.add_get("/api/v1/messages", list_messages)
    app.router.add_get("/api/v1/messages/{id}", get_message)
