"""``/api/v1/review``: the review queue, and the staff decisions on it."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway.domain.staff import ReviewFilter, ReviewItem
from gateway.http.api.messages import message_json
from gateway.http.api.paging import id_cursor, page_limit
from gateway.http.errors import json_error, json_response
from gateway.http.keys import REVIEW, UOW
from gateway.service.review import AlreadyHandled, Correction, NeedsValues, NotFound, ReviewError

API_ACTOR = "api"  # the audit log's "who" of decisions made with an API token


def item_json(item: ReviewItem) -> dict[str, Any]:
    return {**message_json(item.record), "text": item.text, "uin": item.uin,
            "ambiguous": item.ambiguous}  # fmt: skip


async def list_review(request: web.Request) -> web.Response:
    after, limit = id_cursor(request), page_limit(request)
    f = ReviewFilter(
        channel=request.query.get("channel") or None, reason=request.query.get("reason") or None
    )
    async with request.app[UOW]() as uow:
        items = await uow.review.page(f, after, limit)
    nxt = str(items[-1].record.id) if len(items) == limit else None
    return json_response({"items": [item_json(i) for i in items], "next": nxt})


def _message_id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound(text="no such message") from None


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="body is not JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return body


def corrections_of(body: dict[str, Any]) -> list[Correction]:
    readings = body.get("readings") or []
    if not isinstance(readings, list):
        raise web.HTTPBadRequest(text="readings must be a list")
    out = []
    for r in readings:
        try:
            out.append(Correction(str(r["meter"]), int(r.get("zone", 1)), str(r["value"])))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise web.HTTPBadRequest(
                text='each reading is {"meter": "...", "zone": 1, "value": "..."}'
            ) from None
    return out


def decision_error(e: ReviewError) -> web.Response:
    if isinstance(e, NotFound):
        return json_error(404, str(e))
    if isinstance(e, AlreadyHandled):
        return json_error(409, str(e))
    assert isinstance(e, NeedsValues)
    return json_error(422, str(e))


async def accept(request: web.Request) -> web.Response:
    message_id = _message_id(request)
    body = await _body(request)
    uin = body.get("uin")
    if uin is not None and not isinstance(uin, str | int):
        raise web.HTTPBadRequest(text="uin must be a string")
    try:
        record = await request.app[REVIEW].accept(
            message_id,
            API_ACTOR,
            uin=str(uin) if uin is not None else None,
            corrections=corrections_of(body),
        )
    except ReviewError as e:
        return decision_error(e)
    return json_response(message_json(record))


async def reject(request: web.Request) -> web.Response:
    message_id = _message_id(request)
    reason = (await _body(request)).get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise web.HTTPUnprocessableEntity(text='give {"reason": "text for the customer"}')
    try:
        record = await request.app[REVIEW].reject(message_id, API_ACTOR, reason)
    except ReviewError as e:
        return decision_error(e)
    return json_response(message_json(record))


def setup(app: web.Application) -> None:
    app.router.add_get("/api/v1/review", list_review)
    app.router.add_post("/api/v1/review/{id}/accept", accept)
    app.router.add_post("/api/v1/review/{id}/reject", reject)
