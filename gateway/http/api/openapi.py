"""The OpenAPI 3.1 description served at ``/api/v1/openapi.json``."""

from __future__ import annotations

from typing import Any

from gateway.http.api import openapi_periods, openapi_review
from gateway.http.api.openapi_parts import ERROR, PAGE, json_body, list_of

_UNAUTHORIZED = {"description": "missing or wrong bearer token",
                 "content": {"application/json": {"schema": ERROR}}}  # fmt: skip
_NOT_FOUND = {"description": "not found", "content": {"application/json": {"schema": ERROR}}}

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "meter-gateway API", "version": "1"},
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "MessageReading": {
                "type": "object",
                "properties": {
                    "meter": {"type": "string"},
                    "zone": {"type": "integer"},
                    "value": {"type": "string", "description": "decimal"},
                    "consumption": {"type": ["string", "null"]},
                    "period": {"type": "string", "pattern": "^\\d{4}-\\d{2}$"},
                    "status": {"type": "string"},
                },
            },
            "Message": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "channel": {"enum": ["sms", "email", "telegram", "web"]},
                    "external_id": {"type": "string"},
                    "sender": {"type": "string"},
                    "status": {"enum": ["pending", "accepted", "review", "rejected"]},
                    "reason": {"type": ["string", "null"]},
                    "readings": {"type": "array",
                                 "items": {"$ref": "#/components/schemas/MessageReading"}},
                    "reply": {"type": ["string", "null"]},
                    "received_at": {"type": "string", "format": "date-time"},
                },
            },
            "Reading": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "meter": {"type": "string"},
                    "zone": {"type": "integer"},
                    "value": {"type": "string"},
                    "consumption": {"type": ["string", "null"]},
                    "period": {"type": "string"},
                    "date": {"type": "string", "format": "date"},
                    "status": {"type": "string"},
                    "reason": {"type": ["string", "null"]},
                    "source": {"type": "string"},
                    "message_id": {"type": ["integer", "null"]},
                },
            },
            **openapi_periods.SCHEMAS,
            **openapi_review.SCHEMAS,
        },
    },
    "paths": {
        "/messages": {
            "get": {
                "summary": "Inbound messages, oldest first",
                "parameters": [
                    {"name": "channel", "in": "query",
                     "schema": {"enum": ["sms", "email", "telegram", "web"]}},
                    {"name": "external_id", "in": "query", "schema": {"type": "string"}},
                    *PAGE,
                ],
                "responses": {"200": json_body(list_of("Message")), "401": _UNAUTHORIZED},
            }
        },
        "/messages/{id}": {
            "get": {
                "summary": "One message with its readings and reply",
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "integer"}}],
                "responses": {"200": json_body({"$ref": "#/components/schemas/Message"}),
                              "401": _UNAUTHORIZED, "404": _NOT_FOUND},
            }
        },
        "/accounts/{uin}/readings": {
            "get": {
                "summary": "An account's readings, oldest first",
                "parameters": [{"name": "uin", "in": "path", "required": True,
                                "schema": {"type": "string"}}, *PAGE],
                "responses": {"200": json_body(list_of("Reading")), "401": _UNAUTHORIZED,
                              "404": _NOT_FOUND},
            }
        },
        **openapi_periods.PATHS,
        **openapi_review.PATHS,
    },
}  # fmt: skip
