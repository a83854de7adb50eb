"""OpenAPI 3.1 description of the period routes (``gateway.api_periods``), relative to
``/api/v1``: the API's OpenAPI document takes ``PATHS`` and ``SCHEMAS`` in."""

from __future__ import annotations

from typing import Any

_PERIOD = {"type": "string", "pattern": "^\\d{4}-(0[1-9]|1[0-2])$"}
_DECIMAL = {"type": "string", "description": "decimal"}
_NULLABLE_DECIMAL = {"type": ["string", "null"], "description": "decimal"}
_ERROR = {"type": "object", "properties": {"error": {"type": "string"}}}
_PAGE = [
    {"name": "cursor", "in": "query", "schema": {"type": "string"},
     "description": "the `next` of the previous page"},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
]  # fmt: skip


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _list_of(ref: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}},
            "next": {"type": ["string", "null"]},
        },
    }


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
                *_PAGE,
            ],
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {
                        "application/json": {"schema": _list_of("PeriodVolume")},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                },
                "400": _json(_ERROR, "not a period YYYY-MM"),
                "401": _json(_ERROR, "missing or wrong bearer token"),
                "404": _json(_ERROR, "the period is not closed"),
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
                *_PAGE,
            ],  # fmt: skip
            "responses": {
                "200": _json(_list_of("Inspection"), "OK"),
                "401": _json(_ERROR, "missing or wrong bearer token"),
            },
        }
    },
}
