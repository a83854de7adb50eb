"""What the SMS providers' case tables share (courier's shape): a raw request, the answer it
gets and what is stored for it, run through the app as built for production, on SQLite.

The provider's code paths do not depend on the database; both databases are covered by the
end-to-end tests in ``tests/e2e/test_sms*.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app.factory import init_app
from gateway.config import load_config
from storage.db import make_sessionmaker
from storage.models import Message, Outbox
from tests.conftest import Databases, clean
from tests.e2e.conftest import ACCOUNTS, ENV, HISTORY, NOW
from tests.helpers import seed

ACCEPTED = "Показания приняты"


@dataclass(frozen=True)
class Stored:
    """A message as the inbox holds it."""

    external_id: str
    sender: str
    text: str
    status: str
    reason: str | None = None
    recipient: str = ""
    meta: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Case:
    """A request exactly as sent (body bytes, headers) and what must come of it: the
    status, texts the answer holds, the messages stored (none for a refused request)."""

    id: str
    body: bytes
    headers: Mapping[str, str]
    status: int
    answer: tuple[str, ...] = ()
    stored: tuple[Stored, ...] = ()
    content_type: str = field(default="")


@dataclass
class Gateway:
    client: TestClient
    engine: AsyncEngine

    async def post(self, route: str, case: Case) -> tuple[int, str, str]:
        resp = await self.client.post(route, data=case.body, headers=dict(case.headers))
        return resp.status, resp.content_type, await resp.text()

    async def messages(self) -> list[Stored]:
        async with make_sessionmaker(self.engine)() as session:
            rows = (await session.execute(select(Message).order_by(Message.id))).scalars()
            return [
                Stored(
                    m.external_id, m.sender, m.text, str(m.status), m.reason, m.recipient, m.meta
                )
                for m in rows
            ]

    async def outbox(self) -> list[tuple[str, str, str]]:
        """(transport, recipient, body) of every queued reply."""
        async with make_sessionmaker(self.engine)() as session:
            rows = (await session.execute(select(Outbox).order_by(Outbox.id))).scalars()
            return [(r.channel, r.recipient, r.body) for r in rows]


GatewayFactory = Callable[[Mapping[str, str]], Any]


@pytest.fixture
async def gateway(databases: Databases) -> AsyncIterator[GatewayFactory]:
    """Starts the gateway with the test environment and ``changes`` to it (a key set to ""
    is dropped); seeded with the accounts of the end-to-end tests."""
    engine = await databases.engine("sqlite")
    await clean(engine)
    await seed(engine, ACCOUNTS, HISTORY)
    clients: list[TestClient] = []

    async def start(changes: Mapping[str, str]) -> Gateway:
        environ = {k: v for k, v in {**ENV, **changes}.items() if v}
        app = init_app(
            load_config(environ=environ), engine=engine, clock=lambda: NOW, background=False
        )
        client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return Gateway(client, engine)

    yield start
    for client in clients:
        await client.close()


async def check(gateway: Gateway, route: str, case: Case) -> None:
    status, content_type, text = await gateway.post(route, case)
    assert status == case.status, text
    if case.content_type:
        assert content_type == case.content_type
    for part in case.answer:
        assert part in text, text
    assert await gateway.messages() == list(case.stored)
