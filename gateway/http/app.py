"""The one place that builds the HTTP application and wires its dependencies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime

import aiohttp
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from channels import email_imap, email_out, email_smtp, sms
from channels.common import INTAKE, json_response
from gateway.aio import stop_tasks
from gateway.config import Config
from gateway.http.api import messages as api
from gateway.service.outbox import OutboxWorker, Sender
from gateway.service.receive import Clock, Intake
from storage.db import make_engine, make_sessionmaker
from storage.locks import AdvisoryLock

log = logging.getLogger(__name__)

ENGINE: web.AppKey[AsyncEngine] = web.AppKey("engine", AsyncEngine)
OUTBOX: web.AppKey[OutboxWorker] = web.AppKey("outbox", OutboxWorker)
SMTP_SERVER: web.AppKey[asyncio.Server] = web.AppKey("smtp_server", asyncio.Server)


def utc_now() -> datetime:
    return datetime.now(UTC)


def init_app(
    config: Config,
    *,
    engine: AsyncEngine | None = None,
    clock: Clock = utc_now,
    senders: Mapping[str, Sender] | None = None,
    background: bool = True,
) -> web.Application:
    """Build the app. ``engine`` is created from config when not given (and then disposed
    with the app); ``senders`` add or replace outbox transports (tests pass fakes of the
    outside world here); ``background`` runs the outbox worker, the pending-message
    recovery and the mail channels (the SMTP listener, the IMAP poller) when configured."""
    app = web.Application(client_max_size=1024 * 1024)
    own_engine = engine is None
    app[ENGINE] = engine if engine is not None else make_engine(config.database_url)
    sessions = make_sessionmaker(app[ENGINE])
    app[api.SESSIONS] = sessions
    app[INTAKE] = Intake(sessions, config, clock)

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_view)
    sms.setup(app, config)
    api.setup(app, config)

    async def workers(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as client:
            transports: dict[str, Sender] = {}
            if config.section("sms.generic")["send_url"]:
                transports["sms_generic"] = sms.GenericSmsSender(config, client)
            if config.section("smtp_out")["host"]:
                transports["email"] = email_out.EmailSender(config)
            transports.update(senders or {})
            app[OUTBOX] = OutboxWorker(sessions, transports, clock)
            tasks = []
            if background:
                tasks.append(asyncio.create_task(resume(app[INTAKE])))
                tasks.append(asyncio.create_task(app[OUTBOX].run_forever()))
            yield
            await stop_tasks(tasks)

    async def dispose(app: web.Application) -> AsyncIterator[None]:
        yield
        if own_engine:
            await app[ENGINE].dispose()

    app.cleanup_ctx.append(dispose)
    app.cleanup_ctx.append(workers)
    if background:
        app.cleanup_ctx.append(email_channels(config))
    return app


def email_channels(config: Config) -> Callable[[web.Application], AsyncIterator[None]]:
    """The SMTP listener (``smtp.enabled``) and the IMAP poller (``imap.host`` set), in the
    app's own event loop."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        intake = app[INTAKE]
        tasks: list[asyncio.Task[None]] = []
        if config.section("smtp")["enabled"]:
            app[SMTP_SERVER] = await email_smtp.start_smtp_server(intake, config)
        if config.section("imap")["host"]:
            poller = email_imap.ImapPoller(
                email_imap.ImapSettings.from_config(config),
                intake,
                email_smtp.own_addresses(config),
                lock=AdvisoryLock(app[ENGINE], email_imap.LOCK_NAME),
            )
            tasks.append(asyncio.create_task(poller.run_forever()))
        yield
        await stop_tasks(tasks)
        if SMTP_SERVER in app:
            app[SMTP_SERVER].close()
            await app[SMTP_SERVER].wait_closed()

    return ctx


async def resume(intake: Intake) -> None:
    try:
        done = await intake.resume_pending()
    except Exception:
        log.exception("resuming pending messages failed; they stay pending until next start")
        return
    if done:
        log.info("decided %d message(s) left pending by an earlier run", done)


async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    try:
        async with request.app[ENGINE].connect() as conn:
            await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=5)
    except Exception as e:
        return json_response({"status": "unavailable", "error": str(e)[:200]}, status=503)
    return json_response({"status": "ready"})


async def metrics_view(request: web.Request) -> web.Response:
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})
