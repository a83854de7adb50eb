"""Billing events through the API and what intake makes of them, on both databases: a
replaced meter's position takes the new meter's readings, the removed one's are refused,
the inspector's reading is the previous one and clears the inspections list."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from aiohttp.test_utils import TestClient

from tests.e2e.test_sms import AUTH, post_generic
from tests.helpers import seed

# CW-1 of 7654321 (last reading 100 on 2026-10-20) replaced; "now" is 2026-11-20
REPLACEMENT = {
    "uin": "7654321",
    "meter": "CW-1",
    "zone": 1,
    "removed_on": "2026-11-05",
    "removal_value": "105.5",
    "new_meter": "CW-1N",
    "installed_on": "2026-11-06",
    "installation_value": "0",
    "verified_until": "2032-11-06",
}


async def post(client: TestClient, path: str, body: Any) -> tuple[int, Any]:
    resp = await client.post(f"/api/v1/{path}", json=body, headers=AUTH)
    return resp.status, await resp.json()


async def sms(client: TestClient, ident: str, text: str) -> dict[str, Any]:
    return await (await post_generic(client, {"id": ident, "from": "+7", "text": text})).json()


async def test_after_a_replacement_the_position_is_the_new_meter(client: TestClient) -> None:
    assert await post(client, "replacements", [REPLACEMENT]) == (200, {"imported": 1})
    assert await post(client, "replacements", [REPLACEMENT]) == (200, {"imported": 1})
    body = await sms(client, "r1", "7654321 3.5 41")
    assert (body["status"], body["reason"]) == ("accepted", None), body["reply"]
    message = await (await client.get(f"/api/v1/messages/{body['id']}", headers=AUTH)).json()
    # compared with the installation reading, in this very period
    assert [(r["meter"], r["value"], r["consumption"]) for r in message["readings"]] == [
        ("CW-1N", "3.5", "3.5"),
        ("HW-1", "41", "1"),
    ]
    events = await (await client.get("/api/v1/accounts/7654321/events", headers=AUTH)).json()
    assert events["replacements"] == [{**REPLACEMENT, "digits": None, "decimals": None,
                                       "verified_until": None}]  # fmt: skip
    assert [(r["meter"], r["date"], r["period"], r["value"], r["source"]) for r in
            events["readings"]] == [
        ("CW-1", "2026-11-05", "2026-11", "105.5", "removal"),
        ("CW-1N", "2026-11-06", "2026-11", "0", "installation"),
    ]  # fmt: skip
    assert events["acts"] == [] and events["residents"] == []


async def test_a_reading_of_the_removed_meter_is_refused_until_the_new_one(
    client: TestClient,
) -> None:
    removed = {**REPLACEMENT, "new_meter": None, "installed_on": None, "installation_value": None}
    assert (await post(client, "replacements", [removed]))[0] == 200
    body = await sms(client, "r2", "7654321 106 41")
    assert (body["status"], body["reason"]) == ("rejected", "meter_replaced")
    assert "заменён" in body["reply"] and "100" not in body["reply"]
    # the installation arrives: the same position now reads the new meter
    assert (await post(client, "replacements", [REPLACEMENT]))[0] == 200
    body = await sms(client, "r3", "7654321 2 41")
    assert body["status"] == "accepted", body["reply"]


async def test_the_inspector_reading_is_the_previous_one_and_clears_inspections(
    client: TestClient,
) -> None:
    stale = await client.get("/api/v1/inspections", params={"as_of": "2027-04-25"}, headers=AUTH)
    assert "3333333" in [i["uin"] for i in (await stale.json())["items"]]
    acts = [
        {"uin": "1234567", "meter": "E-1", "zone": 1, "date": "2026-11-15", "act": "inspection",
         "value": "5100"},
        {"uin": "3333333", "meter": "E-1", "zone": 1, "date": "2026-11-15", "act": "inspection",
         "value": "120"},
        {"uin": "3333333", "meter": "E-1", "zone": 1, "date": "2026-11-01",
         "act": "access_refused"},
    ]  # fmt: skip
    assert await post(client, "acts", acts) == (200, {"imported": 3})
    body = await sms(client, "i1", "1234567 05150 02010")
    message = await (await client.get(f"/api/v1/messages/{body['id']}", headers=AUTH)).json()
    assert message["readings"][0]["consumption"] == "50"  # from the inspector's 5100, not 5000
    # the customer's reading of the same period supersedes no event's reading
    history = await client.get("/api/v1/accounts/1234567/readings", headers=AUTH)
    inspected = [r for r in (await history.json())["items"] if r["source"] == "inspection"]
    assert [(r["date"], r["value"], r["status"]) for r in inspected] == [
        ("2026-11-15", "5100", "accepted")
    ]
    later = await client.get("/api/v1/inspections", params={"as_of": "2027-04-25"}, headers=AUTH)
    assert "3333333" not in [i["uin"] for i in (await later.json())["items"]]
    events = await (await client.get("/api/v1/accounts/3333333/events", headers=AUTH)).json()
    assert [(a["date"], a["act"], a["value"]) for a in events["acts"]] == [
        ("2026-11-01", "access_refused", None),
        ("2026-11-15", "inspection", "120"),
    ]


async def test_bad_rows_are_422_naming_the_row_and_store_nothing(client: TestClient) -> None:
    residents = [{"uin": "1234567", "date": "2026-11-16", "residents": 3},
                 {"uin": "9999999", "date": "2026-11-16", "residents": 2}]  # fmt: skip
    assert await post(client, "residents", residents) == (
        422,
        {"error": "row 2: no account '9999999'"},
    )
    low = {**REPLACEMENT, "removal_value": "99"}
    status, body = await post(client, "replacements", [low])
    assert status == 422 and body["error"].startswith("row 1: removal_value 99 is below")
    act = {"uin": "1234567", "meter": "E-1", "zone": 1, "date": "2026-11-15", "act": "inspection"}
    status, body = await post(client, "acts", [act])
    assert (status, body["error"]) == (422, "row 1: an inspection act needs a value")
    assert (await post(client, "acts", []))[0] == 422
    assert (await post(client, "residents", {"uin": "1"}))[0] == 400
    events = await (await client.get("/api/v1/accounts/1234567/events", headers=AUTH)).json()
    assert events["residents"] == [] and events["replacements"] == []
    assert (await client.get("/api/v1/accounts/0000000/events", headers=AUTH)).status == 404
    ok = [{"uin": "1234567", "date": "2026-11-16", "residents": 3},
          {"uin": "1234567", "date": "2026-12-01", "residents": 0, "owners": 2}]  # fmt: skip
    assert await post(client, "residents", ok) == (200, {"imported": 2})
    events = await (await client.get("/api/v1/accounts/1234567/events", headers=AUTH)).json()
    assert events["residents"] == [{**ok[0], "owners": None}, ok[1]]


async def test_the_staff_account_page_lists_the_events(client: TestClient, engine: Any) -> None:
    from tests.hostile.test_http_edge import log_in

    assert (await post(client, "replacements", [REPLACEMENT]))[0] == 200
    act = {"uin": "7654321", "meter": "HW-1", "zone": 1, "date": "2026-11-12", "act": "failed",
           "value": "40.5"}  # fmt: skip
    assert (await post(client, "acts", [act]))[0] == 200
    assert (await post(client, "residents", [{"uin": "7654321", "date": "2026-11-16",
                                               "residents": 4}]))[0] == 200  # fmt: skip
    await log_in(client, engine)
    page = await (await client.get("/staff/accounts/7654321")).text()
    assert "Замены счётчиков" in page
    rows = re.findall(r"<tr><td>(.*?)</td></tr>", page)
    assert "CW-1</td><td>1</td><td>2026-11-05</td><td>105.5</td><td>CW-1N</td><td>2026-11-06" \
        "</td><td>0" in rows  # fmt: skip
    assert "2026-11-12</td><td>HW-1</td><td>1</td><td>неисправность счётчика</td><td>40.5" in rows
    assert "2026-11-16</td><td>4</td><td>" in rows


async def test_on_one_day_the_inspector_reading_is_the_previous_one(
    client: TestClient, engine: Any
) -> None:
    act = {"uin": "1234567", "meter": "E-1", "zone": 2, "date": "2026-10-22", "act": "inspection",
           "value": "2000"}  # fmt: skip
    assert (await post(client, "acts", [act]))[0] == 200
    # the customer's history of the same day, stored after the act
    await seed(engine, [], [("1234567", "E-1", 2, date(2026, 10, 22), "2005")])
    body = await sms(client, "i2", "1234567 05150 02010")
    message = await (await client.get(f"/api/v1/messages/{body['id']}", headers=AUTH)).json()
    assert message["readings"][1]["consumption"] == "10"  # from 2000, not 2005
