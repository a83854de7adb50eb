"""The published OpenAPI document is the truth about ``/api/v1``, on both databases: every route
of the app is in it, and real answers of every route, for every status the document declares,
match the schema it declares for that path, method, status and media type."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from pydantic import BaseModel
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.http.api.answers import read_body
from gateway.http.api.openapi import ROUTES, Route, build, document
from gateway.http.api.schemas import Message
from gateway.http.errors import json_errors
from tests.e2e.conftest import API_TOKEN
from tests.e2e.test_periods import closed
from tests.e2e.test_sms import post_generic

PREFIX = "/api/v1"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
DOC = "urn:meter-gateway:openapi"


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class Api:
    """Calls routes by their documented path and checks each answer against the document."""

    def __init__(self, client: TestClient, spec: dict[str, Any]) -> None:
        self.client = client
        self.spec = spec
        self.registry: Registry[Any] = Registry().with_resource(
            DOC, DRAFT202012.create_resource(spec)
        )
        self.seen: set[tuple[str, str, str]] = set()

    def errors(self, pointer: str, body: Any) -> list[str]:
        validator = Draft202012Validator(
            {"$ref": f"{DOC}#/{pointer}"},
            registry=self.registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: bool = True,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        body: Any = None,
        **args: str | int,
    ) -> tuple[int, Any]:
        resp = await self.client.request(
            method,
            PREFIX + path.format(**args),
            params=params,
            json=body,
            headers={**(AUTH if token else {}), **(headers or {})},
        )
        status, media = str(resp.status), resp.content_type
        operation = self.spec["paths"][path][method.lower()]
        assert status in operation["responses"], f"{method} {path}: {status} is not documented"
        assert media in operation["responses"][status].get("content", {}), (
            f"{method} {path}: {status} {media} is not documented"
        )
        body = await resp.json() if media == "application/json" else await resp.text()
        pointer = _pointer("paths", path, method.lower(), "responses", status, "content", media)
        problems = self.errors(pointer + "/schema", body)
        assert not problems, f"{method} {path} {status} does not match the document: {problems}"
        self.seen.add((method.upper(), path, status))
        return resp.status, body

    def documented(self) -> set[tuple[str, str, str]]:
        return {
            (method.upper(), path, status)
            for path, operations in self.spec["paths"].items()
            for method, operation in operations.items()
            for status in operation["responses"]
        }


@pytest.fixture
async def api(client: TestClient) -> Api:
    resp = await client.get(f"{PREFIX}/openapi.json")
    assert resp.status == 200
    return Api(client, await resp.json())


def test_the_document_is_valid_openapi_31() -> None:
    spec = document()
    validate_openapi(spec)
    assert spec["openapi"] == "3.1.0" and spec["servers"] == [{"url": PREFIX}]
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}


async def test_every_api_route_of_the_app_is_documented(api: Api) -> None:
    routes = {
        (route.method, route.resource.canonical.removeprefix(PREFIX))
        for route in api.client.server.app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith(PREFIX + "/")
        and route.method != "HEAD"  # aiohttp adds one to every GET
    }
    documented = {(m, p) for m, p, _ in api.documented()}
    assert routes == documented


async def test_the_checker_rejects_what_the_document_does_not_say(api: Api) -> None:
    message = _pointer("components", "schemas", "Message")
    assert api.errors(message, {"id": 1})  # fields missing
    page = _pointer("paths", "/messages", "get", "responses", "200", "content", "application/json")
    assert api.errors(page + "/schema", {"items": [{"id": "1"}], "next": None})
    assert not api.errors(page + "/schema", {"items": [], "next": None})


async def test_every_route_answers_every_status_as_documented(
    api: Api, engine: AsyncEngine
) -> None:
    # 401 from every protected route (the token is checked before anything else)
    for method, path, status in sorted(api.documented()):
        if status == "401":
            await api.call(method, path, token=False, id=1, uin="1234567", period="2026-10")
    await api.call("GET", "/openapi.json", token=False)

    # messages: accepted, in review and rejected ones, with and without readings and reasons
    for n, text in enumerate(["1234567 05123 02010", "1234567 09999 02010", "1234567 abc"]):
        assert (await post_generic(api.client, {"id": f"o{n}", "from": "+7", "text": text})).ok
    _, page = await api.call("GET", "/messages", params={"channel": "sms", "limit": "2"})
    assert len(page["items"]) == 2 and page["next"]
    _, rest = await api.call("GET", "/messages", params={"cursor": page["next"]})
    messages = page["items"] + rest["items"]
    assert [m["status"] for m in messages] == ["accepted", "review", "rejected"]
    assert messages[0]["readings"][0]["value"] == "5123"
    _, one = await api.call("GET", "/messages/{id}", id=messages[1]["id"])
    assert one == messages[1] and one["reason"] == "implausible_jump"
    await api.call("GET", "/messages", params={"external_id": "o2"})
    assert (await api.call("GET", "/messages/{id}", id=999999))[0] == 404
    assert (await api.call("GET", "/messages/{id}", id="abc"))[0] == 404
    for bad in ({"limit": "0"}, {"limit": "many"}, {"cursor": "abc"}):
        assert (await api.call("GET", "/messages", params=bad))[0] == 400

    # an account's readings, from the seeded history and the messages
    _, readings = await api.call("GET", "/accounts/{uin}/readings", uin="1234567")
    assert readings["items"][0]["date"] == "2026-08-20" and readings["next"] is None
    assert (await api.call("GET", "/accounts/{uin}/readings", uin="0000000"))[0] == 404
    bad_cursor = {"cursor": "x"}
    assert (await api.call("GET", "/accounts/{uin}/readings", uin="1", params=bad_cursor))[0] == 400

    # a closed period's volumes, as JSON pages and as CSV
    assert (await api.call("GET", "/periods/{period}/volumes", period="2026-10"))[0] == 404
    await closed(engine)
    _, volumes = await api.call(
        "GET", "/periods/{period}/volumes", period="2026-10", params={"limit": "2"}
    )
    assert volumes["items"][0]["volume"] == "100" and volumes["next"]
    more = {"cursor": volumes["next"]}
    await api.call("GET", "/periods/{period}/volumes", period="2026-10", params=more)
    _, text = await api.call(
        "GET", "/periods/{period}/volumes", period="2026-10", headers={"Accept": "text/csv"}
    )
    assert text.startswith("uin,meter,zone,period,method,")
    assert (await api.call("GET", "/periods/{period}/volumes", period="2026-9"))[0] == 400

    # inspections, as of today and six months after the last readings
    await api.call("GET", "/inspections")
    _, later = await api.call("GET", "/inspections", params={"as_of": "2027-04-20", "limit": "2"})
    assert later["items"][0]["last_reading"] == "2026-10-20" and later["next"]
    assert (await api.call("GET", "/inspections", params={"as_of": "April"}))[0] == 400

    # the review queue and its decisions
    assert (
        await post_generic(api.client, {"id": "o3", "from": "+7", "text": "1234567 5,123 2010"})
    ).ok
    _, queue = await api.call("GET", "/review", params={"channel": "sms"})
    jump, doubt = (i["id"] for i in queue["items"])
    assert queue["items"][1]["ambiguous"] and queue["items"][0]["text"] == "1234567 09999 02010"
    assert (await api.call("GET", "/review", params={"limit": "0"}))[0] == 400
    accept, reject = "/review/{id}/accept", "/review/{id}/reject"
    assert (await api.call("POST", accept, id=jump, body={"readings": "x"}))[0] == 400
    assert (await api.call("POST", reject, id=jump, body={"reason": 5}))[0] == 400
    assert (await api.call("POST", reject, id=jump))[0] == 422
    assert (await api.call("POST", accept, id=999999))[0] == 404
    assert (await api.call("POST", reject, id=999999, body={"reason": "no"}))[0] == 404
    assert (await api.call("POST", accept, id=doubt))[0] == 422  # ambiguous: values needed
    status, accepted = await api.call("POST", accept, id=jump)
    assert status == 200 and accepted["status"] == "accepted"
    assert (await api.call("POST", accept, id=jump))[0] == 409
    assert (await api.call("POST", reject, id=jump, body={"reason": "again"}))[0] == 409
    status, rejected = await api.call("POST", reject, id=doubt, body={"reason": "unreadable"})
    assert status == 200 and rejected["status"] == "rejected"

    # billing events: the imports' rows as JSON lists, and an account's events
    rows = {
        "/replacements": {"uin": "7654321", "meter": "CW-1", "zone": 1,
                          "removed_on": "2026-11-05", "removal_value": "105", "new_meter": "CW-2",
                          "installed_on": "2026-11-05", "installation_value": "0"},
        "/acts": {"uin": "1234567", "meter": "E-1", "zone": 2, "date": "2026-11-15",
                  "act": "inspection", "value": "2000"},
        "/residents": {"uin": "1234567", "date": "2026-11-16", "residents": 3},
    }  # fmt: skip
    for path, row in rows.items():
        assert (await api.call("POST", path, body=[{**row, "uin": "9999999"}]))[0] == 422
        assert (await api.call("POST", path, body=[{**row, "uin": ["x"]}]))[0] == 400
        assert (await api.call("POST", path, body=[row]))[0] == 200
    _, events = await api.call("GET", "/accounts/{uin}/events", uin="7654321")
    assert [r["source"] for r in events["readings"]] == ["removal", "installation"]
    assert (await api.call("GET", "/accounts/{uin}/events", uin="0000000"))[0] == 404

    assert api.documented() - api.seen == set(), "documented answers never checked"


@pytest.mark.parametrize(
    ("method", "path", "token", "status"),
    [
        ("GET", "/api/v1/nothing", True, 404),
        ("GET", "/api/nothing", True, 404),
        ("GET", "/api/v1/nothing", False, 401),
        ("POST", "/api/v1/messages", True, 405),
        ("DELETE", "/api/v1/messages/1", True, 405),
    ],
)
async def test_other_api_errors_are_json_too(
    api: Api, method: str, path: str, token: bool, status: int
) -> None:
    resp = await api.client.request(method, path, headers=AUTH if token else {})
    assert resp.status == status and resp.content_type == "application/json"
    assert not api.errors(_pointer("components", "schemas", "Error"), await resp.json())


class _Reading(BaseModel):
    meter: str
    zone: int


class _Correction(BaseModel):
    uin: str
    readings: list[_Reading] = []


async def test_request_bodies_are_read_into_models_and_bad_ones_are_json_400() -> None:
    async def echo(request: web.Request) -> web.Response:
        body = await read_body(request, _Correction)
        return web.json_response(None if body is None else body.model_dump())

    app = web.Application(middlewares=[json_errors])
    app.router.add_post("/", echo)
    async with TestClient(TestServer(app)) as c:
        assert await (await c.post("/", data=b"")).json() is None
        ok = await c.post("/", json={"uin": "1", "readings": [{"meter": "E-1", "zone": 1}]})
        assert (await ok.json())["readings"] == [{"meter": "E-1", "zone": 1}]
        for raw, why in [
            (b"{", "the body must be JSON"),
            (b'{"uin": "1", "readings": [{"meter": "E-1"}]}', "readings.0.zone: Field required"),
        ]:
            resp = await c.post("/", data=raw)
            assert resp.status == 400 and await resp.json() == {"error": why}


def test_a_route_with_a_json_body_is_one_line_of_the_table() -> None:
    spec = build(
        (*ROUTES, Route("POST", "/review/{id}/accept", "Accept", Message, body=_Correction,
                        errors={404: "no such message", 409: "no longer in review"}))
    )  # fmt: skip
    validate_openapi(spec)
    operation = spec["paths"]["/review/{id}/accept"]["post"]
    assert set(operation["responses"]) == {"200", "401", "404", "409"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/_Correction"}
    assert "_Reading" in spec["components"]["schemas"]
