"""Paging of list answers: ``{"items": [...], "next": cursor or null}``."""

from __future__ import annotations

from aiohttp import web

PAGE_MAX = 500
PAGE_DEFAULT = 100


def page_limit(request: web.Request) -> int:
    """The ``limit`` of a list request: 1 to PAGE_MAX, PAGE_DEFAULT when absent."""
    try:
        limit = min(int(request.query.get("limit", PAGE_DEFAULT)), PAGE_MAX)
    except ValueError:
        raise web.HTTPBadRequest(text="limit must be an integer") from None
    if limit < 1:
        raise web.HTTPBadRequest(text="limit must be at least 1")
    return limit


def id_cursor(request: web.Request) -> int | None:
    """The ``cursor`` of a list ordered by id: the last id of the previous page."""
    cursor = request.query.get("cursor")
    try:
        return int(cursor) if cursor else None
    except ValueError:
        raise web.HTTPBadRequest(text="cursor must be one returned as next") from None
