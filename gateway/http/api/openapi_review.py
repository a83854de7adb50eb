"""OpenAPI of ``/api/v1/review``: the queue and the staff decisions."""

from __future__ import annotations

from typing import Any

from gateway.http.api.openapi_parts import ERROR, PAGE, json_body, list_of

_ERR = {"content": {"application/json": {"schema": ERROR}}}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_MESSAGE = json_body({"$ref": "#/components/schemas/Message"}, "the message, decided")
_DECISION = {
    "404": {"description": "no such message", **_ERR},
    "409": {"description": "no longer in review (already handled)", **_ERR},
    "422": {"description": "nothing acceptable: give values, a UIN or a reason", **_ERR},
}

SCHEMAS: dict[str, Any] = {
    "ReviewItem": {
        "allOf": [{"$ref": "#/components/schemas/Message"}],
        "properties": {
            "text": {"type": "string", "description": "the message as received"},
            "uin": {"type": ["string", "null"]},
            "ambiguous": {"type": "array", "items": {"type": "object"},
                          "description": "candidate values of an ambiguous message"},
        },
    },
    "Accept": {
        "type": "object",
        "properties": {
            "uin": {"type": "string", "description": "reassign to this account"},
            "readings": {"type": "array", "items": {
                "type": "object", "required": ["meter", "value"],
                "properties": {"meter": {"type": "string"}, "zone": {"type": "integer"},
                               "value": {"type": "string"}}}},
        },
    },
    "Reject": {"type": "object", "required": ["reason"],
               "properties": {"reason": {"type": "string", "description": "for the customer"}}},
}  # fmt: skip

PATHS: dict[str, Any] = {
    "/review": {
        "get": {
            "summary": "Messages in review, oldest first",
            "parameters": [
                {"name": "channel", "in": "query", "schema": {"type": "string"}},
                {"name": "reason", "in": "query", "schema": {"type": "string"}},
                *PAGE,
            ],
            "responses": {"200": json_body(list_of("ReviewItem"))},
        }
    },
    "/review/{id}/accept": {
        "post": {
            "summary": "Accept as parsed, or with corrected values, or for another UIN",
            "parameters": [_ID],
            "requestBody": {"required": False, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Accept"}}}},
            "responses": {"200": _MESSAGE, **_DECISION},
        }
    },
    "/review/{id}/reject": {
        "post": {
            "summary": "Reject with a reason the customer is told",
            "parameters": [_ID],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Reject"}}}},
            "responses": {"200": _MESSAGE, **_DECISION},
        }
    },
}  # fmt: skip
