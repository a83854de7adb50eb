"""``/api/v1/messages``: what came in, what became of it, what was answered."""

from __future__ import annotations

from aiohttp import web

from gateway.http.api.answers import answer, error
from gateway.http.api.paging import id_cursor, page_limit
from gateway.http.api.schemas import Message, Page
from gateway.http.edge import validated
from gateway.http.keys import UOW
from gateway.http.params import MessagePath


async def list_messages(request: web.Request) -> web.Response:
    after, limit = id_cursor(request), page_limit(request)
    async with request.app[UOW]() as uow:
        messages = await uow.messages.page(
            request.query.get("channel"), request.query.get("external_id"), after, limit
        )
    nxt = str(messages[-1].id) if len(messages) == limit else None
    return answer(Page[Message](items=[Message.model_validate(m) for m in messages], next=nxt))


async def get_message(request: web.Request) -> web.Response:
    message_id = validated(MessagePath, request.match_info, 404).id
    async with request.app[UOW]() as uow:
        message = await uow.messages.record(message_id)
    if message is None:
        return error(404, "no such message")
    return answer(Message.model_validate(message))


def setup(app: web.Application) -> None:
    app.router.add_get("/api/v1/messages", list_messages)
    app.router.add_get("/api/v1/messages/{id}", get_message)
