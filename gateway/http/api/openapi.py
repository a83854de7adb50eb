"""The OpenAPI 3.1 document served at ``/api/v1/openapi.json``, generated from the body models
(``gateway.http.api.schemas``) and the route table ``ROUTES`` below: no schema is written by
hand, so the document says what the handlers really answer.

Adding a route to the API: register its handler as usual (``app.router.add_post(...)`` in the
``setup`` of its resource module), then add ONE line to ``ROUTES``, for example::

    Route("POST", "/review/{id}/accept", "Accept a message in review", Message,
          body=Correction, errors={404: "no such message", 409: "no longer in review"}),

Paths are relative to ``/api/v1`` (the document's ``servers``). Every route needs the bearer
token and may answer 401 unless ``public=True``; ``paged=True`` adds the ``cursor`` and
``limit`` query parameters, their 400, and wraps the answer in ``Page``; ``{name}`` path
parameters are strings unless a ``Param`` of that name in ``params`` says otherwise.
``tests/e2e/test_openapi.py`` fails until the route is in this table and until a real answer
of each of its statuses has been checked against the document.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic.json_schema import models_json_schema

from gateway.domain.model import Channel
from gateway.http.api.event_schemas import (
    AccountEvents,
    Imported,
    MeterActs,
    Replacements,
    ResidentsChanges,
)
from gateway.http.api.paging import PAGE_DEFAULT, PAGE_MAX
from gateway.http.api.schemas import (
    Error,
    Inspection,
    Message,
    Page,
    Period,
    Reading,
    ReviewAccept,
    ReviewItem,
    ReviewReject,
    Volume,
)

REF = "#/components/schemas/{model}"


class OpenApiDocument(BaseModel):
    """This document itself (its own answer at ``/openapi.json``)."""

    model_config = ConfigDict(extra="allow")
    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]


@dataclass(frozen=True)
class Param:
    """A path or query parameter; ``type`` is anything pydantic describes (int, date, an
    enum, an ``Annotated`` with constraints)."""

    name: str
    type: Any = str
    where: Literal["path", "query"] = "query"
    description: str = ""

    def spec(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "in": self.where}
        if self.where == "path":
            out["required"] = True
        if self.description:
            out["description"] = self.description
        schema = TypeAdapter(self.type).json_schema(ref_template=REF)
        schema.pop("title", None)
        return {**out, "schema": schema}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # relative to /api/v1
    summary: str
    ok: type[BaseModel]  # the success body (of each item when paged)
    params: tuple[Param, ...] = ()
    errors: Mapping[int, str] = field(default_factory=dict)  # status -> when
    body: type[BaseModel] | None = None  # the JSON request body, if any
    paged: bool = False
    public: bool = False  # no bearer token needed
    status: int = 200  # of the success answer
    csv: bool = False  # the success answer is also CSV, with ``Accept: text/csv``
    description: str = ""

    @property
    def answer(self) -> type[BaseModel]:
        return Page[self.ok] if self.paged else self.ok  # type: ignore[name-defined]


PAGE = (
    Param("cursor", description="the `next` of the previous page"),
    Param(
        "limit",
        Annotated[int, Field(ge=1, le=PAGE_MAX)],
        description=f"page size, default {PAGE_DEFAULT}; larger asks get {PAGE_MAX}",
    ),
)
BAD_PAGE = "a limit or cursor that is not one (`limit=0`, a cursor not returned as `next`)"

ROUTES: tuple[Route, ...] = (
    Route("GET", "/openapi.json", "This document", OpenApiDocument, public=True),
    Route("GET", "/messages", "Inbound messages, oldest first", Message, paged=True,
          params=(Param("channel", Channel), Param("external_id"))),
    Route("GET", "/messages/{id}", "One message with its readings and reply", Message,
          params=(Param("id", int, "path"),), errors={404: "no such message"}),
    Route("GET", "/accounts/{uin}/readings", "An account's readings, oldest first", Reading,
          paged=True, errors={404: "no account with this UIN"}),
    Route("GET", "/periods/{period}/volumes",
          "A closed period's billed volumes, in register order", Volume, paged=True, csv=True,
          params=(Param("period", Period, "path"),),
          errors={400: "not a period YYYY-MM, or a bad limit or cursor",
                  404: "the period is not closed"},
          description="JSON pages, or with `Accept: text/csv` the whole period as CSV "
          "(uin,meter,zone,period,method,volume,correction,reading_start,reading_end)."),
    Route("GET", "/inspections", "Open accounts with a meter unread for 6 months or more",
          Inspection, paged=True, errors={400: "as_of is not a date, or a bad limit or cursor"},
          params=(Param("as_of", date, description="the day to count from (default today)"),)),
    Route("GET", "/review", "Messages in review, oldest first", ReviewItem, paged=True,
          params=(Param("channel", Channel), Param("reason"))),
    Route("POST", "/review/{id}/accept", "Accept a message in review", Message,
          body=ReviewAccept, params=(Param("id", int, "path"),),
          errors={400: "the body is not a correction", 404: "no such message",
                  409: "no longer in review (already handled)",
                  422: "values needed (ambiguous), or a corrected value the rules refuse"},
          description="Without a body the parse is accepted as it stands; with one, the "
          "corrected readings and/or another UIN. The customer is answered on the message's "
          "channel; the decision is audited."),
    Route("POST", "/review/{id}/reject", "Reject a message in review", Message,
          body=ReviewReject, params=(Param("id", int, "path"),),
          errors={400: "the body is not a rejection", 404: "no such message",
                  409: "no longer in review (already handled)", 422: "no reason given"}),
    Route("GET", "/accounts/{uin}/events",
          "An account's replacements, acts and residents changes, with their readings",
          AccountEvents, errors={404: "no account with this UIN"}),
    *(
        Route("POST", path, f"Record {what}, all or nothing", Imported, body=body,
              errors={400: "the body is not a list of such rows",
                      422: "a row the rules refuse (`row N: why`), or no rows"},
              description="The fields and rules of the CSV import of the same name "
              "(docs/billing.md, \"Events\"); a repeat changes nothing.")
        for path, what, body in (
            ("/replacements", "meter replacements", Replacements),
            ("/acts", "inspection, access refused, failure and recommissioning acts", MeterActs),
            ("/residents", "changes in the number of residents", ResidentsChanges),
        )
    ),
)  # fmt: skip


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(route: Route, refs: Mapping[tuple[Any, Any], dict[str, Any]]) -> dict[str, Any]:
    given = {p.name: p for p in route.params}
    in_path = [given.get(n, Param(n, where="path")) for n in re.findall(r"{(\w+)}", route.path)]
    params = [*in_path, *(p for p in route.params if p.where == "query")]
    errors = dict(route.errors)
    if route.paged:
        params += PAGE
        errors.setdefault(400, BAD_PAGE)
    if not route.public:
        errors[401] = "missing or wrong bearer token"
    ok = _json(refs[(route.answer, "serialization")], "OK")
    if route.csv:
        ok["content"]["text/csv"] = {"schema": {"type": "string"}}
    error = refs[(Error, "serialization")]
    responses = {str(route.status): ok} | {
        str(status): _json(error, why) for status, why in sorted(errors.items())
    }
    op: dict[str, Any] = {"summary": route.summary}
    if route.description:
        op["description"] = route.description
    if params:
        op["parameters"] = [p.spec() for p in params]
    if route.body is not None:
        body = refs[(route.body, "validation")]
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if route.public:
        op["security"] = []
    return op | {"responses": responses}


@functools.cache
def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``ROUTES`` (built once)."""
    return build(ROUTES)


def build(routes: Iterable[Route]) -> dict[str, Any]:
    """An OpenAPI 3.1 document of the routes, its schemas generated from their models."""
    routes = tuple(routes)
    models: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = [
        (Error, "serialization")
    ]
    for route in routes:
        models.append((route.answer, "serialization"))
        if route.body is not None:
            models.append((route.body, "validation"))
    refs, defs = models_json_schema(models, ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": "meter-gateway API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": defs.get("$defs", {}),
        },
    }
