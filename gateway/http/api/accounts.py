"""``/api/v1/accounts/{uin}/readings``: an account's reading history."""

from __future__ import annotations

from aiohttp import web

from gateway.http.api.answers import answer, error
from gateway.http.api.paging import id_cursor, page_limit
from gateway.http.api.schemas import Page, Reading
from gateway.http.keys import UOW


async def account_readings(request: web.Request) -> web.Response:
    after, limit = id_cursor(request), page_limit(request)
    uin = request.match_info["uin"]
    async with request.app[UOW]() as uow:
        rows = await uow.accounts.readings(uin, after, limit)
    if rows is None:
        return error(404, f"no account with UIN {uin}")
    nxt = str(rows[-1].id) if len(rows) == limit else None
    return answer(Page[Reading](items=[Reading.model_validate(r) for r in rows], next=nxt))


def setup(app: web.Application) -> None:
    app.router.add_get("/api/v1/accounts/{uin}/readings", account_readings)
