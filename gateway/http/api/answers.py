"""API answers built from the body models of ``gateway.http.api.schemas``."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web
from pydantic import BaseModel

from gateway.http.api.schemas import Error, dump
from gateway.http.errors import json_response


def answer(
    model: BaseModel, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return json_response(dump(model), status=status, headers=headers)


def error(status: int, message: str, headers: Mapping[str, str] | None = None) -> web.Response:
    """``{"error": message}`` with the status: what every API error looks like."""
    return answer(Error(error=message), status, headers)
