"""The period API under ``/api/v1`` (docs/billing.md, "API"): a closed period's volumes, for
the billing system, and the meters the supplier must inspect. Same bearer token and paging
as the rest of the API."""

from __future__ import annotations

from aiohttp import web

from gateway.domain.clock import local_day
from gateway.http.api.answers import answer, error
from gateway.http.api.paging import INT32, id_cursor, int64, page_limit
from gateway.http.api.schemas import Inspection, Page, Volume
from gateway.http.edge import validated
from gateway.http.keys import CLOCK, CONFIG, UOW
from gateway.http.params import AsOf
from gateway.service import closing
from gateway.service.inspections import inspections as due_inspections
from gateway.service.uow import Volumes


def _volume_cursor(request: web.Request) -> tuple[int, int] | None:
    cursor = request.query.get("cursor")
    if not cursor:
        return None
    meter_id, _, zone = cursor.partition(".")
    try:
        return int64(meter_id), int64(zone, INT32)
    except ValueError:
        raise web.HTTPBadRequest(text="cursor must be one returned as next") from None


async def period_volumes(request: web.Request) -> web.StreamResponse:
    """A closed period's volumes: JSON pages, or the whole period as streamed CSV when the
    client asks for ``text/csv`` (what a billing system imports)."""
    period = request.match_info["period"]
    after = _volume_cursor(request)
    limit = page_limit(request)
    try:
        closing.check_period(period)
    except closing.PeriodError as e:
        return error(400, str(e))
    async with request.app[UOW]() as uow:
        try:
            await closing.closed_period(uow.volumes, period)
        except closing.PeriodError as e:
            return error(404, str(e))
        if "text/csv" in request.headers.get("Accept", ""):
            return await _stream_csv(request, uow.volumes, period)
        rows = await uow.volumes.page(period, after, limit)
    # the export's formatting (``closing.volume_record``), so JSON and CSV agree to the digit
    items = [Volume.model_validate(closing.volume_record(r)) for r in rows]
    nxt = f"{rows[-1].meter_id}.{rows[-1].zone}" if len(rows) == limit else None
    return answer(Page[Volume](items=items, next=nxt))


async def _stream_csv(request: web.Request, volumes: Volumes, period: str) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="volumes-{period}.csv"',
        }
    )
    await response.prepare(request)
    await response.write((",".join(closing.EXPORT_COLUMNS) + "\n").encode())
    batch: list[str] = []
    async for record in closing.records(volumes, period):
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
    limit = page_limit(request)
    after = id_cursor(request)
    config = request.app[CONFIG]
    as_of = validated(AsOf, request.query).as_of
    today = as_of or local_day(request.app[CLOCK](), config.rules.timezone)
    async with request.app[UOW]() as uow:
        page, nxt = await due_inspections(uow, today, after, limit)
    items = [Inspection.model_validate(i) for i in page]
    return answer(Page[Inspection](items=items, next=None if nxt is None else str(nxt)))


def setup(app: web.Application) -> None:
    app.router.add_get("/api/v1/periods/{period}/volumes", period_volumes)
    app.router.add_get("/api/v1/inspections", inspections)
