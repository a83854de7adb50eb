"""Intake benchmark: signed ``POST /sms/inbound`` against PostgreSQL (the target:
docs/operations.md, "Performance targets").

For each ``--workers N``: creates a scratch PostgreSQL database (migrated, one seeded
account per message), then
1. drives a bare aiohttp server (N processes on one port, ``SO_REUSEPORT``; answers 200,
   stores nothing) with wrk: ``--connections`` back to back for ``--seconds``;
2. starts the real gateway (``python -m gateway run --workers N``) and drives it with the
   same wrk load, each request a new message for a new account, each answer sent after
   the commit;
3. sends a steady ``--rate`` messages/s to the gateway from a paced asyncio client (open
   loop: a slow answer never delays the next send; latency counted from the scheduled
   send) for p50/p99;
4. reads the gateway's peak RSS (``VmHWM``, summed over the parent and its workers; a
   forked worker's shared pages count in each: ``pss_mb_at_end`` splits them), and drops
   the database. wrk (``bench/intake.lua``) sends precomputed signed bodies: a Python
   load generator on the same two cores would cap the bare figure.

Prints one JSON line per configuration:

    {"bench": "intake", "workers": 1, "accepted_per_second": ..., "bare_per_second": ...,
     "ratio": ..., "p50_ms_at_rate": ..., "p99_ms_at_rate": ..., "peak_rss_mb": ..., ...}

Usage: python bench/intake.py [--workers 1 2] [--seconds 15] [--connections 64]
       [--threads 1] [--rate 500] [--seconds-at-rate 20] [--messages 100000] [--pg URL]
Needs wrk (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from processes import (  # bench/processes.py
    children_of,
    cpu_seconds,
    free_port,
    machine_busy,
    memory_mb,
    stop,
    wait_port,
)

SECRET = "bench-secret"
ROOT = Path(__file__).resolve().parents[1]
LUA = Path(__file__).with_name("intake.lua")
WARMUP_SECONDS = 2
WARMUP_MESSAGES = 5000

BARE_SERVER = """
import sys
from aiohttp import web
async def ok(request):
    await request.read()
    return web.json_response({"id": 0, "status": "accepted", "reason": None, "reply": "ok"})
app = web.Application()
app.router.add_post("/sms/inbound", ok)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None,
            reuse_port=True)
"""


def body(i: int, run: str) -> bytes:
    uin = 1_000_000 + i
    text = f"{uin} {5000 + i % 7:05d}"
    return json.dumps(
        {"id": f"{run}-{i}", "from": f"+7999{i:07d}", "to": "7377", "text": text}
    ).encode()


def signature(raw: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()


def write_bodies(path: Path, bodies: list[bytes]) -> Path:
    path.write_bytes(b"".join(signature(raw).encode() + b" " + raw + b"\n" for raw in bodies))
    return path


def wrk(port: int, bodies: Path, args: argparse.Namespace, seconds: int) -> dict[str, Any]:
    """One closed-loop wrk run; its summary (``bench/intake.lua`` prints it)."""
    url = f"http://127.0.0.1:{port}/sms/inbound"
    command = ["wrk", f"--threads={args.threads}", f"--connections={args.connections}",
               f"--duration={seconds}s", "--timeout=10s", f"--script={LUA}", url,
               "--", str(bodies), str(args.threads)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
    found = re.search(r"^WRK (\{.*\})$", done.stdout, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"wrk printed no summary: {done.stdout} {done.stderr}")
    out: dict[str, Any] = json.loads(found.group(1))
    out["ok"] = out["requests"] - out["status_errors"]
    out["ok_per_second"] = out["ok"] / (out["duration_us"] / 1e6)
    return out


async def paced(url: str, bodies: list[bytes], rate: float) -> tuple[list[float], dict[str, int]]:
    """Send at a steady ``rate``; each 200's latency from its scheduled send, and what the
    others got (a status, or the client's error)."""
    latencies: list[float] = []
    failed: Counter[str] = Counter()
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def one(raw: bytes, due: float) -> None:
            headers = {"X-Signature": signature(raw), "Content-Type": "application/json"}
            try:
                async with session.post(url, data=raw, headers=headers) as r:
                    await r.read()
                    if r.status != 200:
                        failed[str(r.status)] += 1
                        return
            except (TimeoutError, aiohttp.ClientError) as e:
                failed[type(e).__name__] += 1
                return
            latencies.append(time.perf_counter() - due)

        tasks = []
        start = time.perf_counter()
        for i, raw in enumerate(bodies):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(raw, due)))
        await asyncio.gather(*tasks)
    return sorted(latencies), dict(failed)


def percentile_ms(sorted_seconds: list[float], p: float) -> float | None:
    if not sorted_seconds:
        return None
    return round(sorted_seconds[max(0, int(len(sorted_seconds) * p) - 1)] * 1000, 2)


async def seed(dsn: str, accounts: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(
            "accounts",
            records=[(i + 1, str(1_000_000 + i), "open", 1) for i in range(accounts)],
            columns=["id", "uin", "status", "residents"],
        )
        meter = (1, "electricity", 1, 5, 0, "active")
        await conn.copy_records_to_table(
            "meters",
            records=[(i + 1, i + 1, "E-1", *meter) for i in range(accounts)],
            columns=["id", "account_id", "name", "position", "service", "zones", "digits",
                     "decimals", "status"],
        )  # fmt: skip
        await conn.execute("ANALYZE accounts, meters")  # as `meter-gateway data import` does
    finally:
        await conn.close()


async def configuration(args: argparse.Namespace, workers: int, tmp: Path) -> dict[str, Any]:
    admin_dsn = args.pg.replace("+asyncpg", "")
    name = f"mg_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = admin_dsn.rsplit("/", 1)[0] + "/" + name
    steady = int(args.rate * args.seconds_at_rate)
    run = uuid.uuid4().hex[:6]
    bodies = [body(i, run) for i in range(WARMUP_MESSAGES + args.messages + steady)]
    at_rate = WARMUP_MESSAGES + args.messages  # where the paced client's bodies begin
    warm_file = write_bodies(tmp / "warm.txt", bodies[:WARMUP_MESSAGES])
    load_file = write_bodies(tmp / "load.txt", bodies[WARMUP_MESSAGES:at_rate])
    procs: list[subprocess.Popen[bytes]] = []
    logs = (tmp / f"servers-{workers}.log").open("ab")
    try:
        env = {
            **os.environ,
            "METER_GATEWAY_DATABASE_URL": dsn.replace("postgresql://", "postgresql+asyncpg://"),
            "METER_GATEWAY_SMS_GENERIC_SECRET": SECRET,
            "METER_GATEWAY_RULES_RATE_LIMIT_PER_HOUR": "0",
            "METER_GATEWAY_SMTP_ENABLED": "false",
        }
        gateway_cmd = [sys.executable, "-m", "gateway"]
        subprocess.run([*gateway_cmd, "db", "upgrade"], env=env, check=True, cwd=ROOT, stdout=logs)
        await seed(dsn, len(bodies))

        bare_port = free_port()
        bare_cmd = [sys.executable, "-c", BARE_SERVER, str(bare_port)]
        procs = [subprocess.Popen(bare_cmd, stdout=logs, stderr=logs) for _ in range(workers)]
        await wait_port(bare_port)
        await asyncio.sleep(1)  # every bare process listening
        wrk(bare_port, warm_file, args, WARMUP_SECONDS)
        bare = wrk(bare_port, load_file, args, args.seconds)
        stop(procs)

        port = free_port()
        env["METER_GATEWAY_HTTP_PORT"] = str(port)
        gateway = subprocess.Popen(
            [*gateway_cmd, "run", "--workers", str(workers)],
            env=env,
            cwd=ROOT,
            stdout=logs,
            stderr=logs,
        )
        procs = [gateway]
        await wait_port(port)
        while len(children_of(gateway.pid)) < (workers if workers > 1 else 0):
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)  # every worker listening
        wrk(port, warm_file, args, WARMUP_SECONDS)
        pids = [gateway.pid, *children_of(gateway.pid)]
        cpu, machine = cpu_seconds(pids), machine_busy()
        accepted = wrk(port, load_file, args, args.seconds)
        cpu, machine_after = cpu_seconds(pids) - cpu, machine_busy()
        busy = (machine_after[0] - machine[0]) / (machine_after[1] - machine[1])
        latencies, failed = await paced(
            f"http://127.0.0.1:{port}/sms/inbound", bodies[at_rate:], args.rate
        )
        memory = [memory_mb(pid) for pid in pids]
        stop(procs)
        procs = []
        conn = await asyncpg.connect(dsn)
        stored = await conn.fetchval("SELECT count(*) FROM messages WHERE status = 'accepted'")
        await conn.close()
    finally:
        stop(procs)
        logs.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    errors = {k: accepted[k] for k in accepted if k.endswith(("errors", "timeouts"))}
    return {
        "bench": "intake",
        "workers": workers,
        "load": f"wrk, {args.threads} thread(s), {args.connections} connections, {args.seconds} s",
        "accepted_per_second": round(accepted["ok_per_second"], 1),
        "bare_per_second": round(bare["ok_per_second"], 1),
        "ratio": round(accepted["ok_per_second"] / bare["ok_per_second"], 3),
        "ratio_target": 0.5,
        "gateway_errors": {k: v for k, v in errors.items() if v},
        "repeats": accepted["repeats"],
        # the gateway's own CPU per answered message (PostgreSQL's and wrk's not included)
        "gateway_cpu_ms_per_message": round(cpu * 1000 / max(1, accepted["ok"]), 2),
        "machine_cpu_busy": round(busy, 2),  # all cores, during that run: 1.0 is saturated
        "p50_ms_under_load": round(accepted["p50_us"] / 1000, 2),
        "p99_ms_under_load": round(accepted["p99_us"] / 1000, 2),
        "rate": args.rate,
        "p50_ms_at_rate": percentile_ms(latencies, 0.50),
        "p99_ms_at_rate": percentile_ms(latencies, 0.99),
        "p99_target_ms": 50,
        "failed_at_rate": failed,
        "peak_rss_mb": round(sum(m["VmHWM"] for m in memory), 1),
        "peak_rss_mb_by_process": [round(m["VmHWM"], 1) for m in memory],
        "rss_target_mb": 200,
        "rss_mb_at_end": round(sum(m["VmRSS"] for m in memory), 1),
        "pss_mb_at_end": round(sum(m["Pss"] for m in memory), 1),
        "accepted_stored": stored,
        "cpus": os.cpu_count(),
    }


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, nargs="+", default=[1], help="one run per value")
    ap.add_argument("--seconds", type=int, default=15, help="each wrk run's length")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1, help="wrk threads")
    ap.add_argument("--messages", type=int, default=100000, help="bodies for the wrk run")
    ap.add_argument("--rate", type=float, default=500)
    ap.add_argument("--seconds-at-rate", type=float, default=20)
    ap.add_argument(
        "--pg",
        default=os.environ.get(
            "METER_GATEWAY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        print("bench/intake.py: wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        for workers in args.workers:
            try:
                result = await configuration(args, workers, Path(tmp))
            except Exception:
                for log in Path(tmp).glob("servers-*.log"):  # what the servers said, last
                    sys.stderr.write("".join(log.read_text().splitlines(True)[-30:]))
                raise
            print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
