"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from gateway.http.errors import json_response
from gateway.http.keys import PING
from gateway.runtime import metrics

log = logging.getLogger(__name__)

# The whole check, connecting included, answers within this many seconds.
READY_TIMEOUT = 5.0


async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    try:
        async with asyncio.timeout(READY_TIMEOUT):
            await request.app[PING]()
    except Exception as e:  # the reason goes to the log, never to an anonymous caller
        log.warning("readiness check failed: %s", "timeout" if isinstance(e, TimeoutError) else e)
        return json_response({"status": "unavailable"}, status=503)
    return json_response({"status": "ready"})


async def metrics_view(request: web.Request) -> web.Response:
    return web.Response(body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def setup(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_view)
