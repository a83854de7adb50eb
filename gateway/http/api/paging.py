"""Paging of list answers: ``{"items": [...], "next": cursor or null}``."""

from __future__ import annotations

from aiohttp import web

PAGE_MAX = 500
PAGE_DEFAULT = 100
INT64 = range(-(2**63), 2**63)  # what an id column holds
INT32 = range(-(2**31), 2**31)  # what a small number column (a zone) holds


def int64(text: str, bounds: range = INT64) -> int:
    """An integer the database can compare with an id; ValueError for any other text
    (a number out of range is not an id anyone has, and must not reach the driver)."""
    value = int(text)
    if value not in bounds:
        raise ValueError(f"{text!r} is out of range")
    return value


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
        return int64(cursor) if cursor else None
    except ValueError:
        raise web.HTTPBadRequest(text="cursor must be one returned as next") from None
