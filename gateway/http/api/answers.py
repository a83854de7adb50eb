"""API answers built from the body models of ``gateway.http.api.schemas``, and JSON request
bodies read into them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel

from gateway.http.api.schemas import Error, dump
from gateway.http.edge import json_body
from gateway.http.errors import json_response

Body = TypeVar("Body", bound=BaseModel)


def answer(
    model: BaseModel, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return json_response(dump(model), status=status, headers=headers)


def error(status: int, message: str, headers: Mapping[str, str] | None = None) -> web.Response:
    """``{"error": message}`` with the status: what every API error looks like."""
    return answer(Error(error=message), status, headers)


async def read_body(request: web.Request, model: type[Body]) -> Body | None:
    """The request's JSON body as ``model``; None when there is no body; a JSON 400 naming
    the first wrong field (``readings.0.value: Field required``) when it is not one, and
    for JSON too deep or with a number too long (pydantic's JSON reader bounds both)."""
    return await json_body(request, model)
