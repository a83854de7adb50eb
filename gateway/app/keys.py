"""The application keys only the composition root reads (what it started, to stop it);
every key a request handler reads is in ``gateway.http.keys``."""

from __future__ import annotations

import asyncio

from aiohttp import web

from gateway.app.lifecycle import Lifecycle
from gateway.service.outbox import OutboxWorker

SMTP_SERVER: web.AppKey[asyncio.Server] = web.AppKey("smtp_server", asyncio.Server)
OUTBOX: web.AppKey[OutboxWorker] = web.AppKey("outbox", OutboxWorker)
LIFECYCLE: web.AppKey[Lifecycle] = web.AppKey("lifecycle", Lifecycle)
