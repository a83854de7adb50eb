"""``run --workers 2``: two processes serve one port, each message is stored once, SIGTERM
to the parent stops them all and leaves none behind, a worker that dies takes the gateway
down with exit 1 (no silent half-capacity), and SQLite is refused with one line."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from sqlalchemy import select

from gateway.domain.staff import Role
from gateway.service.staff import add_staff
from storage.db import make_sessionmaker
from storage.models import Message, Reading
from tests.conftest import Databases, clean
from tests.helpers import meter, seed, uow_of
from tests.support.db import count
from tests.support.gateway import Gateway, children_of, connections_held, run_cli
from tests.support.signing import signed_sms
from tests.support.waiting import until

SECRET = "workers-secret"
PASSWORD = "correct horse battery"
N = 200
ENV = {
    "METER_GATEWAY_SMS_GENERIC_SECRET": SECRET,
    "METER_GATEWAY_RULES_RATE_LIMIT_PER_HOUR": "0",
    "METER_GATEWAY_SMTP_ENABLED": "true",  # worker 0 alone listens
    "METER_GATEWAY_SMTP_PORT": "0",
}


async def postgresql(databases: Databases) -> tuple[str, object]:
    """The PostgreSQL test database, empty; its URL and a sessionmaker."""
    engine = await databases.engine("postgresql")
    await clean(engine)
    return await databases.url("postgresql"), make_sessionmaker(engine)


async def start(tmp_path: Path, url: str) -> tuple[Gateway, list[int]]:
    gateway = Gateway(tmp_path, url, ENV, args=["--workers", "2"]).start()
    await gateway.ready()

    def two_workers() -> list[int] | None:
        workers = children_of(gateway.pid)
        return workers if len(workers) == 2 else None

    return gateway, await until(two_workers, "2 workers")


async def both_serve(port: int, workers: list[int]) -> dict[int, int]:
    """Open 16 connections at once, keep them open, see which worker holds each; retried
    while the second worker may still be starting."""
    connector = aiohttp.TCPConnector(limit=16)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def ready() -> int:
            async with session.get(f"http://127.0.0.1:{port}/readyz") as r:
                return r.status

        async def every_worker_holds_one() -> dict[int, int] | None:
            assert set(await asyncio.gather(*(ready() for _ in range(16)))) == {200}
            held = connections_held(port, workers)
            return held if all(held.values()) else None

        return await until(every_worker_holds_one, "every worker taking connections", 60, 0.5)


async def send_all(port: int) -> dict[str, tuple[int, int]]:
    """N signed SMS over fresh connections (40 at a time): external id -> (status, id)."""
    out: dict[str, tuple[int, int]] = {}
    connector = aiohttp.TCPConnector(limit=40, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(i: int) -> None:
            raw, sig = signed_sms(SECRET, f"w{i}", f"+7{i}", f"{1000000 + i} 00{i:03d}")
            url = f"http://127.0.0.1:{port}/sms/inbound"
            async with session.post(url, data=raw, headers={"X-Signature": sig}) as r:
                out[f"w{i}"] = (r.status, (await r.json())["id"])

        await asyncio.gather(*(one(i) for i in range(N)))
    return out


async def staff_session_holds_on_every_worker(port: int) -> list[int]:
    """Log in once, then open the review queue over 16 fresh connections (both workers):
    the statuses, 200 where the session cookie was honoured."""
    base = f"http://127.0.0.1:{port}"
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as client:
        async with client.get(f"{base}/staff/login") as r:
            csrf = re.search(r'name="csrf" value="([^"]+)"', await r.text())
        assert csrf is not None
        form = {"login": "rita", "password": PASSWORD, "csrf": csrf.group(1)}
        async with client.post(f"{base}/staff/login", data=form, allow_redirects=False) as r:
            assert r.status == 303, r.status
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(cookie_jar=jar, connector=connector) as client:

        async def review() -> int:
            async with client.get(f"{base}/staff/review", allow_redirects=False) as r:
                return r.status

        return list(await asyncio.gather(*(review() for _ in range(16))))


def gone(pid: int) -> bool:
    """No such process (the parent reaped it)."""
    return not Path(f"/proc/{pid}").exists()


def dead(pid: int) -> bool:
    """Gone, or a zombie: an orphan is reaped by init, which in a container may never do it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return True


async def test_two_workers_share_the_port_store_once_and_stop_together(
    tmp_path: Path, databases: Databases
) -> None:
    url, sessions = await postgresql(databases)
    await seed(sessions, [meter(str(1000000 + i), "E-1") for i in range(N)])
    await add_staff(uow_of(sessions), "rita", PASSWORD, Role.REVIEWER, datetime.now(UTC))
    gateway, workers = await start(tmp_path, url)
    port = gateway.port
    try:
        held = await both_serve(port, workers)
        assert sum(held.values()) == 16
        first = await send_all(port)
        again = await send_all(port)  # a provider's retries, landing on either worker
        # no session secret configured: the workers still share one cookie key
        assert await staff_session_holds_on_every_worker(port) == [200] * 16
    finally:
        code = await gateway.stop()  # waited for, with a deadline; its log has no traceback
    assert {status for status, _ in first.values()} == {200}
    assert again == first  # the same message ids: the retries stored nothing new
    async with sessions() as s:
        statuses = set((await s.execute(select(Message.status))).scalars())
    messages, readings = await count(sessions, Message), await count(sessions, Reading)
    assert (messages, readings, statuses) == (N, N, {"accepted"})
    assert code == 0
    assert all(gone(pid) for pid in workers), [p for p in workers if not gone(p)]
    log = gateway.log_text()
    assert log.count("SMTP intake listening") == 1, "SMTP must be in one worker only"


async def test_a_worker_that_dies_stops_the_gateway_with_exit_1(
    tmp_path: Path, databases: Databases
) -> None:
    url, _ = await postgresql(databases)
    gateway, workers = await start(tmp_path, url)
    os.kill(workers[1], signal.SIGKILL)
    code = await gateway.stop(sig=0)  # no signal: waited for as it exits by itself
    assert code == 1
    assert all(gone(pid) for pid in workers)
    assert "exited with -9" in gateway.log_text()


async def test_killing_the_parent_stops_the_workers(tmp_path: Path, databases: Databases) -> None:
    url, _ = await postgresql(databases)
    gateway, workers = await start(tmp_path, url)
    assert gateway.proc is not None
    gateway.proc.kill()
    await gateway.wait()
    await until(lambda: all(dead(pid) for pid in workers), "the workers ending with their parent")


def test_workers_on_sqlite_are_refused_with_one_line(tmp_path: Path) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'g.sqlite3'}"
    done = run_cli("run", "--workers", "2", db_url=db_url, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "meter-gateway: error: --workers needs PostgreSQL (database.url is SQLite)"
    ]
    assert not (tmp_path / "g.sqlite3").exists()  # refused before anything was touched
