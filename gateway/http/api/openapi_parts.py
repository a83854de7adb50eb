"""Pieces every OpenAPI path description of the API shares."""

from __future__ import annotations

from typing import Any

PAGE = [
    {"name": "cursor", "in": "query", "schema": {"type": "string"},
     "description": "the `next` of the previous page"},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
]  # fmt: skip

ERROR = {"type": "object", "properties": {"error": {"type": "string"}}}


def list_of(ref: str) -> dict[str, Any]:
    """A page: ``{"items": [...], "next": cursor or null}``."""
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}},
            "next": {"type": ["string", "null"]},
        },
    }


def json_body(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}
