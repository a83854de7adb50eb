"""Intake benchmark (SPEC section 8): signed ``POST /sms/inbound`` against PostgreSQL.

Starts the real gateway (``meter-gateway run``) on a fresh PostgreSQL database seeded with
accounts, and a bare aiohttp server that answers 200 and stores nothing; drives both with
the same load generator (64 concurrent clients); then holds a steady 500 messages/s against
the gateway for the latency figure. Prints one JSON line:

    {"bench": "intake", "accepted_per_second": ..., "bare_per_second": ..., "ratio": ...,
     "p99_ms_at_500": ..., "peak_rss_mb": ..., ...}

Usage: python bench/intake.py [--messages 20000] [--concurrency 64] [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import asyncpg

SECRET = "bench-secret"
ROOT = Path(__file__).resolve().parents[1]

BARE_SERVER = """
import sys
from aiohttp import web
async def ok(request):
    await request.read()
    return web.json_response({"id": 0, "status": "accepted", "reason": None, "reply": "ok"})
app = web.Application()
app.router.add_post("/sms/inbound", ok)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _, w = await asyncio.open_connection("127.0.0.1", port)
            w.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def body(i: int, run: str) -> bytes:
    uin = 1_000_000 + i
    text = f"{uin} {5000 + i % 7:05d}"
    return json.dumps(
        {"id": f"{run}-{i}", "from": f"+7999{i:07d}", "to": "7377", "text": text}
    ).encode()


async def post(session: aiohttp.ClientSession, url: str, raw: bytes) -> float:
    sig = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    start = time.perf_counter()
    async with session.post(
        url, data=raw, headers={"X-Signature": sig, "Content-Type": "application/json"}
    ) as r:
        await r.read()
        if r.status != 200:
            raise RuntimeError(f"status {r.status}")
    return time.perf_counter() - start


async def closed_loop(url: str, bodies: list[bytes], concurrency: int) -> float:
    """Messages per second with ``concurrency`` clients sending back to back."""
    queue = iter(bodies)
    conn = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=conn) as session:

        async def client() -> None:
            for raw in queue:
                await post(session, url, raw)

        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        return len(bodies) / (time.perf_counter() - start)


async def open_loop(url: str, bodies: list[bytes], rate: float) -> list[float]:
    """Send at a steady ``rate``; returns each acknowledgement's latency."""
    latencies: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def one(raw: bytes) -> None:
            latencies.append(await post(session, url, raw))

        tasks = []
        start = time.perf_counter()
        for i, raw in enumerate(bodies):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(raw)))
        await asyncio.gather(*tasks)
    return latencies


async def seed(dsn: str, accounts: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(
            "accounts",
            records=[(i + 1, str(1_000_000 + i), "open", 1) for i in range(accounts)],
            columns=["id", "uin", "status", "residents"],
        )
        await conn.copy_records_to_table(
            "meters",
            records=[
                (i + 1, i + 1, "E-1", 1, "electricity", 1, 5, 0, "active") for i in range(accounts)
            ],
            columns=[
                "id",
                "account_id",
                "name",
                "position",
                "service",
                "zones",
                "digits",
                "decimals",
                "status",
            ],
        )
    finally:
        await conn.close()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=20000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--rate", type=float, default=500)
    ap.add_argument("--seconds-at-rate", type=float, default=20)
    ap.add_argument(
        "--pg",
        default=os.environ.get(
            "METER_GATEWAY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = ap.parse_args()

    admin_dsn = args.pg.replace("+asyncpg", "")
    name = f"mg_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = admin_dsn.rsplit("/", 1)[0] + "/" + name
    steady = int(args.rate * args.seconds_at_rate)
    total = args.messages + steady
    procs: list[subprocess.Popen[bytes]] = []
    logs = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the servers
    try:
        env = {
            **os.environ,
            "METER_GATEWAY_DATABASE_URL": dsn.replace("postgresql://", "postgresql+asyncpg://"),
            "METER_GATEWAY_SMS_GENERIC_SECRET": SECRET,
            "METER_GATEWAY_RULES_RATE_LIMIT_PER_HOUR": "0",
            "METER_GATEWAY_SMTP_ENABLED": "false",
        }
        subprocess.run(
            [sys.executable, "-m", "gateway", "db", "upgrade"],
            env=env,
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        await seed(dsn, total)
        gw_port, bare_port = free_port(), free_port()
        env["METER_GATEWAY_HTTP_PORT"] = str(gw_port)
        gateway = subprocess.Popen(
            [sys.executable, "-m", "gateway", "run"], env=env, cwd=ROOT, stdout=logs, stderr=logs
        )
        procs.append(gateway)
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", BARE_SERVER, str(bare_port)], stdout=logs, stderr=logs
            )
        )
        await wait_port(gw_port)
        await wait_port(bare_port)
        run = uuid.uuid4().hex[:6]
        bodies = [body(i, run) for i in range(total)]
        warm = bodies[: args.concurrency * 4]
        await closed_loop(f"http://127.0.0.1:{bare_port}/sms/inbound", warm, args.concurrency)
        bare = await closed_loop(
            f"http://127.0.0.1:{bare_port}/sms/inbound", bodies[: args.messages], args.concurrency
        )
        accepted = await closed_loop(
            f"http://127.0.0.1:{gw_port}/sms/inbound", bodies[: args.messages], args.concurrency
        )
        latencies = sorted(
            await open_loop(
                f"http://127.0.0.1:{gw_port}/sms/inbound", bodies[args.messages :], args.rate
            )
        )
        p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
        stored = await (await asyncpg.connect(dsn)).fetchval(
            "SELECT count(*) FROM messages WHERE status = 'accepted'"
        )
        print(
            json.dumps(
                {
                    "bench": "intake",
                    "messages": args.messages,
                    "concurrency": args.concurrency,
                    "accepted_per_second": round(accepted, 1),
                    "bare_per_second": round(bare, 1),
                    "ratio": round(accepted / bare, 3),
                    "ratio_target": 0.5,
                    "rate": args.rate,
                    "p99_ms_at_rate": round(p99, 2),
                    "p99_target_ms": 50,
                    "peak_rss_mb": round(peak_rss_mb(gateway.pid), 1),
                    "rss_target_mb": 200,
                    "accepted_stored": stored,
                    "cpus": os.cpu_count(),
                }
            )
        )
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=30)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
