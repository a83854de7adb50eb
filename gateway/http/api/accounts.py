"""``/api/v1/accounts/{uin}/readings``: an account's reading history."""

from __future__ import annotations

from aiohttp import web

from gateway.http.api.messages import num
from gateway.http.api.paging import id_cursor, page_limit
from gateway.http.errors import json_error, json_response
from gateway.http.keys import UOW


async def account_readings(request: web.Request) -> web.Response:
    after, limit = id_cursor(request), page_limit(request)
    uin = request.match_info["uin"]
    async with request.app[UOW]() as uow:
        rows = await uow.accounts.readings(uin, after, limit)
    if rows is None:
        return json_error(404, f"no account with UIN {uin}")
    items = [
        {
            "id": r.id,
            "meter": r.meter,
            "zone": r.zone,
            "value": num(r.value),
            "consumption": num(r.consumption),
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


def setup(app: web.Application) -> None:
    app.router.add_get("/api/v1/accounts/{uin}/readings", account_readings)
