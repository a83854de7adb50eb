"""PostgreSQL refusing a new connection (``max_connections`` reached, as when workers x pool
size outgrow it, or the server starting up or shutting down) is "retry later": 503 with
``Retry-After``, not a 500. asyncpg raises its own error from ``connect``, and SQLAlchemy
passes it on untranslated."""

from __future__ import annotations

import uuid

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import make_url

from gateway.app.factory import init_app
from gateway.config import load_config
from storage.db import make_engine
from tests.conftest import PG_ADMIN_URL, Databases, _pg_admin
from tests.e2e.conftest import ENV, GENERIC_SECRET
from tests.support.signing import signed_sms


async def test_too_many_connections_is_503_retry_later(databases: Databases) -> None:
    await databases.engine("postgresql")  # created and migrated
    url = make_url(await databases.url("postgresql"))
    role = f"mg_limited_{uuid.uuid4().hex[:8]}"
    admin = await _pg_admin(PG_ADMIN_URL)
    # a role allowed no connection: the server answers "too many connections" (53300)
    await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'limited' CONNECTION LIMIT 0")
    try:
        limited = url.set(username=role, password="limited").render_as_string(False)
        engine = make_engine(limited)
        app = init_app(load_config(environ=ENV), engine=engine, background=False)
        try:
            async with TestClient(TestServer(app)) as client:
                raw, sig = signed_sms(GENERIC_SECRET, "full-1", "+79990000001", "1234567 1 2")
                resp = await client.post("/sms/inbound", data=raw, headers={"X-Signature": sig})
                assert resp.status == 503 and resp.headers["Retry-After"]
                assert (await client.get("/readyz")).status == 503
        finally:
            await engine.dispose()
    finally:
        await admin.execute(f"DROP ROLE {role}")
        await admin.close()
