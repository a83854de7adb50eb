"""The review endpoints of the JSON API: list, accept (as parsed, corrected, reassigned),
reject; a second decision is 409; an ambiguous message without values is 422."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from storage.db import make_sessionmaker
from storage.models import AuditEntry, Reading
from tests.e2e.test_sms import AUTH, post_generic

JUMP = "1234567 09000 02010"  # zone 1 jumps 4000 in a month where 100 is usual
AMBIGUOUS = "1234567 5123,201"  # a decimal, or two readings with the space missing


async def submit(client: TestClient, text: str, sid: str) -> dict[str, Any]:
    payload = {"id": sid, "from": f"+7999{sid}", "text": text}
    return await (await post_generic(client, payload)).json()


async def review(client: TestClient, **query: str) -> list[dict[str, Any]]:
    resp = await client.get("/api/v1/review", params=query, headers=AUTH)
    assert resp.status == 200
    return (await resp.json())["items"]


async def post(client: TestClient, path: str, body: Any = None):  # type: ignore[no-untyped-def]
    return await client.post(path, json=body, headers=AUTH)


async def test_queue_lists_review_messages_oldest_first_with_filters(client) -> None:
    jump = await submit(client, JUMP, "1")
    amb = await submit(client, AMBIGUOUS, "2")
    await submit(client, "1234567 05123 02010", "3")  # accepted: not in the queue
    items = await review(client)
    assert [i["id"] for i in items] == [jump["id"], amb["id"]]
    assert items[0]["reason"] == "implausible_jump" and items[0]["text"] == JUMP
    assert items[1]["ambiguous"] and items[1]["uin"] == "1234567"
    assert [i["id"] for i in await review(client, reason="ambiguous")] == [amb["id"]]
    assert await review(client, channel="email") == []
    assert (await client.get("/api/v1/review")).status == 401


async def test_accept_as_parsed_stores_accepted_readings_and_audits(client, engine) -> None:
    msg = await submit(client, JUMP, "1")
    resp = await post(client, f"/api/v1/review/{msg['id']}/accept")
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "accepted" and body["reason"] is None
    assert "Показания приняты" in body["reply"]
    accepted = [
        (r["value"], r["consumption"]) for r in body["readings"] if r["status"] == "accepted"
    ]
    assert accepted == [("9000", "4000"), ("2010", "35")]
    assert await review(client) == []
    async with make_sessionmaker(engine)() as s:
        [entry] = (await s.execute(select(AuditEntry))).scalars().all()
        statuses = sorted(
            (
                await s.execute(select(Reading.status).where(Reading.message_id == msg["id"]))
            ).scalars()
        )
    assert (entry.actor, entry.action, entry.message_id) == ("api", "accept", msg["id"])
    assert entry.before["status"] == "review" and entry.after["status"] == "accepted"
    assert statuses == ["accepted", "accepted", "superseded", "superseded"]


async def test_accept_with_corrected_values(client) -> None:
    msg = await submit(client, JUMP, "1")
    body = {"readings": [{"meter": "E-1", "zone": 1, "value": "5100"}]}
    resp = await post(client, f"/api/v1/review/{msg['id']}/accept", body)
    assert resp.status == 200
    readings = [(r["zone"], r["value"], r["consumption"]) for r in (await resp.json())["readings"]
                if r["status"] == "accepted"]  # fmt: skip
    assert readings == [(1, "5100", "100"), (2, "2010", "35")]


async def test_ambiguous_without_values_is_422_then_accepted_with_values(client) -> None:
    msg = await submit(client, AMBIGUOUS, "1")
    resp = await post(client, f"/api/v1/review/{msg['id']}/accept")
    assert resp.status == 422
    assert "values" in (await resp.json())["error"]
    assert [i["id"] for i in await review(client)] == [msg["id"]]
    values = [{"meter": "E-1", "zone": 1, "value": "5123"}, {"meter": "E-1", "zone": 2,
              "value": "2010"}]  # fmt: skip
    resp = await post(client, f"/api/v1/review/{msg['id']}/accept", {"readings": values})
    assert resp.status == 200 and (await resp.json())["status"] == "accepted"


async def test_reassign_to_another_uin(client) -> None:
    msg = await submit(client, "7654321 150 45", "1")  # decreasing? no: CW 100 -> 150 fine
    assert msg["status"] == "accepted"
    wrong = await submit(client, "1234567 5123,201", "2")
    values = [{"meter": "CW-1", "zone": 1, "value": "151.5"}, {"meter": "HW-1", "zone": 1,
              "value": "46"}]  # fmt: skip
    resp = await post(client, f"/api/v1/review/{wrong['id']}/accept",
                      {"uin": "7654321", "readings": values})  # fmt: skip
    assert resp.status == 200
    assert [r["meter"] for r in (await resp.json())["readings"]] == ["CW-1", "HW-1"]


async def test_reject_sends_the_reason_and_second_decision_is_409(client) -> None:
    msg = await submit(client, JUMP, "1")
    resp = await post(client, f"/api/v1/review/{msg['id']}/reject", {"reason": "Проверьте T1"})
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "rejected" and body["reason"] == "implausible_jump"
    assert body["reply"].startswith("Показания не приняты: Проверьте T1.")
    again = await post(client, f"/api/v1/review/{msg['id']}/accept")
    assert again.status == 409
    assert (await post(client, "/api/v1/review/999999/accept")).status == 404
    assert (await post(client, f"/api/v1/review/{msg['id']}/reject", {})).status == 422


async def test_two_concurrent_accepts_one_wins(client, engine) -> None:
    msg = await submit(client, JUMP, "1")
    path = f"/api/v1/review/{msg['id']}/accept"
    first, second = await asyncio.gather(post(client, path), post(client, path))
    assert sorted([first.status, second.status]) == [200, 409]
    async with make_sessionmaker(engine)() as s:
        mine = select(Reading).where(Reading.message_id == msg["id"], Reading.status == "accepted")
        accepted = (await s.execute(mine)).all()
        audits = (await s.execute(select(AuditEntry))).all()
    assert len(accepted) == 2 and len(audits) == 1
