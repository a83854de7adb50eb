"""OpenAPI 3.1 description of the period routes (``gateway.http.api.periods``), relative to
``/api/v1``: the API's OpenAPI document takes ``PATHS`` and ``SCHEMAS`` in."""

from __future__ import annotations

from typing import Any

from gateway.http.api.openapi_parts import ERROR, PAGE, json_body, list_of

_PERIOD = {"type": "string", "pattern": "^\\d{4}-(0[1-9]|1[0-2])$"}
_DECIMAL = {"type": "string", "description": "decimal"}
_NULLABLE_DECIMAL = {"type": ["string", "null"], "description": "decimal"}


SCHEMAS: dict[str, Any] = {
    "PeriodVolume": {
        "type": "object",
        "properties": {
            "uin": {"type": "string"},
            "meter": {"type": "string"},
            "zone": {"type": "integer"},
            "period": _PERIOD,
            "method": {"enum": ["actual", "average", "normative"]},
            "volume": _DECIMAL,
            "correction": _DECIMAL,
            "reading_start": _NULLABLE_DECIMAL,
            "reading_end": _NULLABLE_DECIMAL,
        },
    },
    "Inspection": {
        "type": "object",
        "properties": {
            "uin": {"type": "string"},
            "last_reading": {"type": ["string", "null"], "format": "date"},
            "meters": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "meter": {"type": "string"},
                        "service": {"type": "string"},
                        "last_reading": {"type": ["string", "null"], "format": "date"},
                    },
                },
            },
        },
    },
}

PATHS: dict[str, Any] = {
    "/periods/{period}/volumes": {
        "get": {
            "summary": "A closed period's billed volumes, in register order",
            "description": "JSON pages, or with `Accept: text/csv` the whole period as CSV "
            "(uin,meter,zone,period,method,volume,correction,reading_start,reading_end).",
            "parameters": [
                {"name": "period", "in": "path", "required": True, "schema": _PERIOD},
                *PAGE,
            ],
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {
                        "application/json": {"schema": list_of("PeriodVolume")},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                },
                "400": json_body(ERROR, "not a period YYYY-MM"),
                "401": json_body(ERROR, "missing or wrong bearer token"),
                "404": json_body(ERROR, "the period is not closed"),
            },
        }
    },
    "/inspections": {
        "get": {
            "summary": "Open accounts with a meter unread for 6 months or more",
            "parameters": [
                {
                    "name": "as_of",
                    "in": "query",
                    "schema": {"type": "string", "format": "date"},
                    "description": "the day to count from (default today)",
                },
                *PAGE,
            ],  # fmt: skip
            "responses": {
                "200": json_body(list_of("Inspection"), "OK"),
                "401": json_body(ERROR, "missing or wrong bearer token"),
            },
        }
    },
}
