"""``/api/v1/review``: the review queue, and the staff decisions on it."""

from __future__ import annotations

from aiohttp import web

from gateway.domain.staff import ReviewFilter
from gateway.domain.staff import ReviewItem as Item
from gateway.http.api.answers import answer, error, read_body
from gateway.http.api.paging import id_cursor, page_limit
from gateway.http.api.schemas import Message, Page, ReviewAccept, ReviewItem, ReviewReject
from gateway.http.edge import validated
from gateway.http.keys import REVIEW, UOW
from gateway.http.params import MessagePath
from gateway.service.review import AlreadyHandled, Correction, NeedsValues, NotFound, ReviewError

API_ACTOR = "api"  # the audit log's "who" of decisions made with an API token


def item_model(item: Item) -> ReviewItem:
    message = Message.model_validate(item.record)
    return ReviewItem(
        **message.model_dump(), text=item.text, uin=item.uin, ambiguous=item.ambiguous
    )


async def list_review(request: web.Request) -> web.Response:
    after, limit = id_cursor(request), page_limit(request)
    f = ReviewFilter(
        channel=request.query.get("channel") or None, reason=request.query.get("reason") or None
    )
    async with request.app[UOW]() as uow:
        items = await uow.review.page(f, after, limit)
    nxt = str(items[-1].record.id) if len(items) == limit else None
    return answer(Page[ReviewItem](items=[item_model(i) for i in items], next=nxt))


def _message_id(request: web.Request) -> int:
    return validated(MessagePath, request.match_info, 404).id


def decision_error(e: ReviewError) -> web.Response:
    if isinstance(e, NotFound):
        return error(404, str(e))
    if isinstance(e, AlreadyHandled):
        return error(409, str(e))
    assert isinstance(e, NeedsValues)
    return error(422, str(e))


async def accept(request: web.Request) -> web.Response:
    message_id = _message_id(request)
    body = await read_body(request, ReviewAccept) or ReviewAccept()
    corrections = [Correction(r.meter, r.zone, r.value) for r in body.readings]
    try:
        record = await request.app[REVIEW].accept(
            message_id, API_ACTOR, uin=body.uin, corrections=corrections
        )
    except ReviewError as e:
        return decision_error(e)
    return answer(Message.model_validate(record))


async def reject(request: web.Request) -> web.Response:
    message_id = _message_id(request)
    body = await read_body(request, ReviewReject)
    if body is None or not body.reason.strip():
        return error(422, 'give {"reason": "text for the customer"}')
    try:
        record = await request.app[REVIEW].reject(message_id, API_ACTOR, body.reason)
    except ReviewError as e:
        return decision_error(e)
    return answer(Message.model_validate(record))


def setup(app: web.Application) -> None:
    app.router.add_get("/api/v1/review", list_review)
    app.router.add_post("/api/v1/review/{id}/accept", accept)
    app.router.add_post("/api/v1/review/{id}/reject", reject)
