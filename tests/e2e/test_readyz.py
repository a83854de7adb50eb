"""``/readyz`` tells whether the database answers, within a bound, and nothing more.

The bound is shown without a wall-clock limit (a busy machine would make one flaky): the
database never answers, so a 503 can only come from the check giving up at its timeout,
which it does no sooner than that timeout; a check without one hangs, and the global test
timeout fails it."""

from __future__ import annotations

import asyncio
import time

from aiohttp.test_utils import TestClient, TestServer

from gateway.app.factory import init_app
from gateway.config import load_config
from gateway.http import health
from storage.db import make_engine
from tests.e2e.conftest import ENV


async def ready(url: str) -> tuple[int, dict[str, str], float]:
    engine = make_engine(url)
    app = init_app(load_config(environ=ENV), engine=engine, background=False)
    try:
        async with TestClient(TestServer(app)) as c:
            start = time.monotonic()
            resp = await c.get("/readyz")
            return resp.status, await resp.json(), time.monotonic() - start
    finally:
        await engine.dispose()


async def test_database_refusing_gives_503_without_its_error_text() -> None:
    status, body, _ = await ready("postgresql+asyncpg://secretuser@127.0.0.1:1/secretdb")
    assert status == 503
    assert body == {"status": "unavailable"}


async def test_database_that_never_answers_is_unavailable_within_the_bound(monkeypatch) -> None:
    monkeypatch.setattr(health, "READY_TIMEOUT", 1.0)
    silent: list[asyncio.StreamWriter] = []

    async def accept(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        silent.append(w)  # accepts the connection and never says a word

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        status, body, took = await ready(f"postgresql+asyncpg://u@127.0.0.1:{port}/db")
    finally:
        for w in silent:
            w.close()
        server.close()
    assert status == 503 and body == {"status": "unavailable"}
    assert silent, "the check never reached the database"
    assert took >= 1.0  # it waited for the database as long as READY_TIMEOUT, then gave up
