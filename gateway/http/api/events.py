"""``/api/v1/replacements``, ``/acts``, ``/residents`` and ``/accounts/{uin}/events``: billing
events as the CSV imports take them (docs/api.md, "Events"), all or nothing; a row the
rules refuse is 422 ``row N: why`` (N counts the list's items from 1)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from aiohttp import web
from pydantic import RootModel

from gateway.http.api.answers import answer, error, read_body
from gateway.http.api.event_schemas import (
    Imported,
    MeterActs,
    Replacements,
    ResidentsChanges,
    events_body,
)
from gateway.http.keys import CLOCK, UOW
from gateway.service import event_rows as er
from gateway.service.events import (
    account_events,
    record_acts,
    record_replacements,
    record_residents,
)
from gateway.service.uow import UnitOfWorkFactory

Parse = Callable[[int, Mapping[str, str]], Any]
Key = Callable[[Any], tuple[object, ...]]
Write = Callable[[Sequence[Any]], Awaitable[int]]


async def _import(
    request: web.Request, model: type[RootModel[Any]], parse: Parse, key: Key, write: Write
) -> web.Response:
    body = await read_body(request, model)
    if body is None or not body.root:
        return error(422, "give a JSON list of rows")
    records = [(n, item.record()) for n, item in enumerate(body.root, start=1)]
    try:
        done = await write(er.parse_all(records, parse, key))
    except er.RowError as e:
        return error(422, f"row {e.row}: {e}")
    return answer(Imported(imported=done))


async def replacements(request: web.Request) -> web.Response:
    uow: UnitOfWorkFactory = request.app[UOW]
    now = request.app[CLOCK]()
    return await _import(
        request, Replacements, er.parse_replacement, er.replacement_key,
        lambda rows: record_replacements(uow, rows, now),
    )  # fmt: skip


async def acts(request: web.Request) -> web.Response:
    uow: UnitOfWorkFactory = request.app[UOW]
    now = request.app[CLOCK]()
    return await _import(
        request, MeterActs, er.parse_act, er.act_key, lambda rows: record_acts(uow, rows, now)
    )


async def residents(request: web.Request) -> web.Response:
    uow: UnitOfWorkFactory = request.app[UOW]
    return await _import(
        request, ResidentsChanges, er.parse_residents, er.residents_key,
        lambda rows: record_residents(uow, rows),
    )  # fmt: skip


async def events_of_account(request: web.Request) -> web.Response:
    uin = request.match_info["uin"]
    found = await account_events(request.app[UOW], uin)
    if found is None:
        return error(404, f"no account with UIN {uin}")
    return answer(events_body(found))


def setup(app: web.Application) -> None:
    app.router.add_post("/api/v1/replacements", replacements)
    app.router.add_post("/api/v1/acts", acts)
    app.router.add_post("/api/v1/residents", residents)
    app.router.add_get("/api/v1/accounts/{uin}/events", events_of_account)
