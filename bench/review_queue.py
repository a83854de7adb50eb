"""Review queue benchmark: the queue page and a decision with 5,000 messages in review, each
under 150 ms of server time on PostgreSQL (issue 20; figures in bench/README.md).

Creates a scratch database, loads accounts with six months of readings (as
``bench/period_close.py`` does) and ``--items`` messages in review (implausible jumps,
ambiguous numbers and photos over SMS, email and Telegram, a few weeks apart), logs a
reviewer in to the app on a local socket, and times, by a middleware outermost in the app
(everything the server does for the request, session and rendering included):

- ``page``: the queue's first page (100 cards), a page in the middle (``after=``), and a
  reason's filter, ``--repeat`` times each;
- ``decision``: ``--repeat`` decisions (accept as parsed, then the 303 to the next card).

Prints one JSON line; the database is dropped afterwards.

    .venv/bin/python bench/review_queue.py [--items 5000] [--repeat 20] [--registers 9000]
        [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from period_close import load  # noqa: E402  (bench/period_close.py)
from scratch import scratch_database  # noqa: E402  (bench/scratch.py)

from gateway.app.factory import init_app  # noqa: E402
from gateway.app.lifecycle import settled  # noqa: E402
from gateway.config import load_config  # noqa: E402
from gateway.domain.staff import Role  # noqa: E402
from gateway.service.staff import add_staff  # noqa: E402
from storage.db import Database  # noqa: E402

TARGET_MS = 150
NOW = datetime(2026, 7, 20, 9, 0, tzinfo=UTC)  # after the loaded history (January to June)
PASSWORD = "bench passphrase"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
CHANNELS = ["sms", "email", "telegram"]


async def messages(conn: asyncpg.Connection, items: int) -> list[int]:
    """``items`` messages in review, each for an account's registers with a reading that
    jumps (every tenth an ambiguous number, every twentieth a photo); their ids."""
    rows = await conn.fetch(
        """SELECT DISTINCT ON (m.id, r.zone) a.uin, m.id, r.zone, r.value
           FROM readings r JOIN meters m ON m.id = r.meter_id JOIN accounts a ON a.id = m.account_id
           ORDER BY m.id, r.zone, r.period DESC"""
    )
    accounts: dict[str, list[int]] = {}
    for uin, _, _, value in rows:
        accounts.setdefault(uin, []).append(int(value))
    usable = [(u, v) for u, v in accounts.items() if max(v) < 90_000]
    records = []
    for i in range(items):
        uin, values = usable[i % len(usable)]
        jump = " ".join([uin, *(f"{v + 9000:05d}" for v in values)])
        reason, meta, text = "implausible_jump", {}, jump
        if i % 10 == 9:
            reason, meta = "ambiguous", {"ambiguous": [{"typed": "5123,201"}]}
            text = f"{uin} 5123,201"
        elif i % 20 == 4:
            reason, meta, text = "photo", {"photo": True}, ""
        received = NOW - timedelta(days=20) + timedelta(seconds=300 * i)
        channel = CHANNELS[i % 3]
        sender, data = f"+7900{i:07d}", json.dumps(meta)
        records.append((i + 1, channel, f"bench-{i}", sender, "", text, None, data, "ru",
                        received, "review", reason, uin, None, received))  # fmt: skip
    await conn.copy_records_to_table(
        "messages",
        records=records,
        columns=["id", "channel", "external_id", "sender", "recipient", "text", "raw", "meta",
                 "language", "received_at", "status", "reason", "uin", "reply", "processed_at"],
    )  # fmt: skip
    await conn.execute(
        "SELECT setval(pg_get_serial_sequence('messages', 'id'), (SELECT max(id) FROM messages))"
    )
    await conn.execute("VACUUM ANALYZE")
    return [r[0] for r in records if r[11] == "implausible_jump"]


def timer(spent: list[tuple[float, float]]) -> Callable[..., Awaitable[web.StreamResponse]]:
    """The request's server time, and the CPU time the gateway's process spent on it (the
    database's is not in it): on a busy machine the first grows, the second much less."""

    @web.middleware
    async def timed(request: web.Request, handler: Any) -> web.StreamResponse:
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return await handler(request)
        finally:
            spent.append(
                ((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000)
            )

    return timed


async def log_in(client: TestClient) -> str:
    async def token(path: str) -> str:
        found = CSRF.search(await (await client.get(path)).text())
        assert found is not None
        return found.group(1)

    form = {"login": "bench", "password": PASSWORD, "csrf": await token("/staff/login")}
    resp = await client.post("/staff/login", data=form, allow_redirects=False)
    assert resp.status == 303, resp.status
    return await token("/staff/review")


def summary(times: list[tuple[float, float]]) -> dict[str, float]:
    ordered = sorted(ms for ms, _ in times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    cpu = statistics.median(c for _, c in times)
    return {"median_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1),
            "cpu_median_ms": round(cpu, 1)}  # fmt: skip


async def measure(engine: Any, items: int, jumps: list[int], repeat: int) -> dict[str, Any]:
    db = Database.of(engine)
    await add_staff(db.uow, "bench", PASSWORD, Role.REVIEWER, NOW)
    env = {"METER_GATEWAY_STAFF_SESSION_SECRET": "bench-secret"}
    # as `meter-gateway run` serves it (settled: the start's objects out of the GC's way)
    app = settled(init_app(load_config(environ=env), engine=engine, clock=lambda: NOW,
                           background=False))  # fmt: skip
    spent: list[tuple[float, float]] = []
    app.middlewares.insert(0, timer(spent))
    async with TestClient(TestServer(app)) as client:
        csrf = await log_in(client)
        pages: list[tuple[float, float]] = []
        middle = str(items // 2)
        for _ in range(repeat):
            for query in ({}, {"after": middle}, {"reason": "ambiguous"}):
                spent.clear()
                resp = await client.get("/staff/review", params=query)
                assert resp.status == 200 and "m" in await resp.text()
                pages.append(spent[0])
        decisions: list[tuple[float, float]] = []
        for message_id in jumps[:repeat]:
            spent.clear()
            form = {"csrf": csrf, "mode": "parsed"}
            resp = await client.post(
                f"/staff/review/{message_id}/accept", data=form, allow_redirects=False
            )
            assert resp.status == 303, (resp.status, await resp.text())
            decisions.append(spent[0])
    return {"page": summary(pages), "decision": summary(decisions)}


async def bench(admin_url: str, items: int, repeat: int, registers: int) -> dict[str, Any]:
    async with scratch_database(admin_url) as scratch:
        conn = await scratch.connect()
        try:
            await load(conn, registers)
            jumps = await messages(conn, items)
        finally:
            await conn.close()
        figures = await measure(scratch.engine, items, jumps, repeat)
    return {"bench": "review_queue", "items_in_review": items, "page_size": 100, "repeat": repeat,
            **figures, "target_ms": TARGET_MS}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--registers", type=int, default=9000, help="about a third: accounts")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    figures = asyncio.run(bench(args.pg, args.items, args.repeat, args.registers))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
