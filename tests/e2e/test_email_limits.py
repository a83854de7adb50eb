"""Memory bounds of the mail channels: concurrent SMTP sessions are limited (421 beyond)."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app.factory import SMTP_SERVER, init_app
from gateway.config import load_config
from tests.e2e.test_email_smtp import mail_env
from tests.support.waiting import until


async def greeting(port: int) -> tuple[bytes, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    return await asyncio.wait_for(reader.readline(), 10), writer


async def test_sessions_beyond_smtp_max_sessions_get_421(engine: AsyncEngine) -> None:
    env = {**mail_env(1), "METER_GATEWAY_SMTP_MAX_SESSIONS": "2"}
    app = init_app(load_config(environ=env), engine=engine, background=True)
    async with TestClient(TestServer(app)):
        port = app[SMTP_SERVER].sockets[0].getsockname()[1]
        first, a = await greeting(port)
        second, b = await greeting(port)
        assert first.startswith(b"220") and second.startswith(b"220")
        third, c = await greeting(port)
        assert third.startswith(b"421 ")
        c.close()
        a.close()
        opened: list[asyncio.StreamWriter] = []

        async def welcomed() -> bool:  # once the server has seen a close, a session is free
            again, d = await greeting(port)
            opened.append(d)
            if not again.startswith(b"220"):
                assert again.startswith(b"421 "), again
                d.close()
            return again.startswith(b"220")

        await until(welcomed, "a session freed by the close")
        for w in (b, *opened):
            w.close()
