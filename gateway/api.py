"""The JSON API under ``/api/v1`` (bearer token from ``api.tokens``), SPEC section 6."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels.common import INTAKE
from gateway import closing
from gateway.config import Config
from storage import repository as repo
from storage import volumes
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
            return web.json_response(
                {"error": "a valid bearer token is required"},
                status=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
    return await handler(request)


def _page(request: web.Request) -> tuple[int | None, int]:
    try:
        cursor = request.query.get("cursor")
        after = int(cursor) if cursor else None
        limit = min(int(request.query.get("limit", PAGE_DEFAULT)), PAGE_MAX)
    except ValueError:
        raise web.HTTPBadRequest(text="cursor and limit must be integers") from None
    if limit < 1:
        raise web.HTTPBadRequest(text="limit must be at least 1")
    return after, limit


def _num(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


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
    return web.json_response({"items": items, "next": nxt})


async def get_message(request: web.Request) -> web.Response:
    try:
        message_id = int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound(text="no such message") from None
    async with request.app[SESSIONS]() as session:
        message = await session.get(Message, message_id)
        if message is None:
            return web.json_response({"error": "no such message"}, status=404)
        readings = await repo.message_readings(session, [message.id])
    return web.json_response(message_json(message, readings.get(message.id, [])))


async def account_readings(request: web.Request) -> web.Response:
    after, limit = _page(request)
    uin = request.match_info["uin"]
    async with request.app[SESSIONS]() as session:
        rows = await repo.account_readings(session, uin, after, limit)
    if rows is None:
        return web.json_response({"error": f"no account with UIN {uin}"}, status=404)
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
    return web.json_response({"items": items, "next": nxt})


def _limit(request: web.Request) -> int:
    try:
        limit = min(int(request.query.get("limit", PAGE_DEFAULT)), PAGE_MAX)
    except ValueError:
        raise web.HTTPBadRequest(text="limit must be an integer") from None
    if limit < 1:
        raise web.HTTPBadRequest(text="limit must be at least 1")
    return limit


def _volume_cursor(request: web.Request) -> tuple[int, int] | None:
    cursor = request.query.get("cursor")
    if not cursor:
        return None
    meter_id, _, zone = cursor.partition(".")
    try:
        return int(meter_id), int(zone)
    except ValueError:
        raise web.HTTPBadRequest(text="cursor must be one returned as next") from None


async def period_volumes(request: web.Request) -> web.StreamResponse:
    """A closed period's volumes: JSON pages, or the whole period as streamed CSV when the
    client asks for ``text/csv`` (what a billing system imports)."""
    period = request.match_info["period"]
    after = _volume_cursor(request)
    limit = _limit(request)
    try:
        closing.check_period(period)
    except closing.PeriodError as e:
        return web.json_response({"error": str(e)}, status=400)
    async with request.app[SESSIONS]() as session:
        try:
            await closing.closed_period(session, period)
        except closing.PeriodError as e:
            return web.json_response({"error": str(e)}, status=404)
        if "text/csv" in request.headers.get("Accept", ""):
            return await _stream_csv(request, session, period)
        rows = await volumes.page_volumes(session, period, after, limit)
    items = [closing.volume_record(r) for r in rows]
    nxt = f"{rows[-1].meter_id}.{rows[-1].zone}" if len(rows) == limit else None
    return web.json_response({"items": items, "next": nxt})


async def _stream_csv(
    request: web.Request, session: AsyncSession, period: str
) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="volumes-{period}.csv"',
        }
    )
    await response.prepare(request)
    await response.write((",".join(closing.EXPORT_COLUMNS) + "\n").encode())
    batch: list[str] = []
    async for record in closing.records(session, period):
        batch.append(closing.csv_line(record))
        if len(batch) >= 1000:
            await response.write("".join(batch).encode())
            batch.clear()
    await response.write("".join(batch).encode())
    await response.write_eof()
    return response


async def inspections(request: web.Request) -> web.Response:
    """Open accounts with a meter unread for six months or more: the supplier must inspect.
    ``as_of=YYYY-MM-DD`` asks as of another day than today (in ``rules.timezone``)."""
    after, limit = _page(request)
    config = request.app[API_CONFIG]
    try:
        as_of = request.query.get("as_of")
        today = (
            date.fromisoformat(as_of)
            if as_of
            else request.app[INTAKE].clock().astimezone(ZoneInfo(config.rules.timezone)).date()
        )
    except ValueError:
        raise web.HTTPBadRequest(text="as_of must be a date YYYY-MM-DD") from None
    async with request.app[SESSIONS]() as session:
        page, nxt = await closing.inspections(session, today, after, limit)
    items = [
        {"uin": i.uin, "last_reading": i.last_reading.isoformat() if i.last_reading else None,
         "meters": i.meters}
        for i in page
    ]  # fmt: skip
    return web.json_response({"items": items, "next": str(nxt) if nxt is not None else None})


def setup(app: web.Application, config: Config) -> None:
    app[API_CONFIG] = config
    app.middlewares.append(bearer_auth)
    app.router.add_get("/api/v1/messages", list_messages)
    app.router.add_get("/api/v1/messages/{id}", get_message)
    app.router.add_get("/api/v1/accounts/{uin}/readings", account_readings)
    app.router.add_get("/api/v1/periods/{period}/volumes", period_volumes)
    app.router.add_get("/api/v1/inspections", inspections)
