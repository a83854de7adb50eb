"""The composition root: the one place that builds the database, the use cases, the
channels and their senders, for the HTTP app and the CLI alike. Nothing is created at import
time; tests call the same functions with their own engine, clock and fake senders."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import TypeVar

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from channels import email_imap, email_out, email_smtp, sms
from gateway.aio import stop_tasks
from gateway.config import Config
from gateway.http import api, health
from gateway.http.errors import json_errors
from gateway.http.keys import CLOCK, CONFIG, INTAKE, PING, UOW
from gateway.service.outbox import OutboxWorker, Sender
from gateway.service.receive import Clock, Intake
from storage.db import Database

log = logging.getLogger(__name__)

T = TypeVar("T")

SMTP_SERVER: web.AppKey[asyncio.Server] = web.AppKey("smtp_server", asyncio.Server)
OUTBOX: web.AppKey[OutboxWorker] = web.AppKey("outbox", OutboxWorker)


def utc_now() -> datetime:
    return datetime.now(UTC)


def database(config: Config, engine: AsyncEngine | None = None) -> Database:
    return Database.of(engine) if engine is not None else Database(config.database_url)


def intake(config: Config, db: Database, clock: Clock) -> Intake:
    return Intake(db.uow, config.rules, config.language, clock)


def sms_settings(config: Config) -> sms.SmsSettings:
    twilio, generic = config.section("sms.twilio"), config.section("sms.generic")
    return sms.SmsSettings(
        twilio_auth_token=str(twilio["auth_token"]),
        twilio_public_url=str(twilio["public_url"]),
        generic_secret=str(generic["secret"]),
        generic_send_url=str(generic["send_url"]),
    )


def own_addresses(config: Config) -> tuple[str, ...]:
    recipients = [str(r) for r in config.section("smtp")["recipients"]]
    return tuple(email_smtp.own_addresses(recipients, str(config.section("smtp_out")["from"])))


def smtp_settings(config: Config) -> email_smtp.SmtpSettings:
    c = config.section("smtp")
    return email_smtp.SmtpSettings(
        host=str(c["host"]),
        port=int(c["port"]),
        recipients=tuple(str(r) for r in c["recipients"]),
        max_size=int(c["max_size"]),
        own=own_addresses(config),
        max_sessions=int(c["max_sessions"]),
    )


def imap_settings(config: Config) -> email_imap.ImapSettings:
    c = config.section("imap")
    return email_imap.ImapSettings(
        host=str(c["host"]),
        port=int(c["port"]),
        ssl=bool(c["ssl"]),
        user=str(c["user"]),
        password=str(c["password"]),
        folder=str(c["folder"]) or "INBOX",
        processed_folder=str(c["processed_folder"]),
        poll_seconds=float(c["poll_seconds"]),
        max_size=int(config.section("smtp")["max_size"]),
    )


def smarthost(config: Config) -> email_out.Smarthost:
    c = config.section("smtp_out")
    return email_out.Smarthost(
        host=str(c["host"]),
        port=int(c["port"]),
        starttls=bool(c["starttls"]),
        user=str(c["user"]),
        password=str(c["password"]),
        sender=str(c["from"]),
    )


def outbox_senders(config: Config, client: aiohttp.ClientSession) -> dict[str, Sender]:
    """The outbox transports the configuration turns on."""
    out: dict[str, Sender] = {}
    settings = sms_settings(config)
    if settings.generic_send_url:
        out["sms_generic"] = sms.GenericSmsSender(settings, client)
    if config.section("smtp_out")["host"]:
        out["email"] = email_out.EmailSender(smarthost(config))
    return out


def init_app(
    config: Config,
    *,
    engine: AsyncEngine | None = None,
    clock: Clock = utc_now,
    senders: Mapping[str, Sender] | None = None,
    background: bool = True,
) -> web.Application:
    """Build the app. The engine is created when the app starts (and disposed when it
    stops) unless ``engine`` is given; ``senders`` add or replace outbox transports (tests
    pass fakes of the outside world here); ``background`` runs the outbox worker, the
    pending-message recovery and the mail channels (SMTP listener, IMAP poller)."""
    db = database(config, engine)
    app = web.Application(client_max_size=1024 * 1024, middlewares=[json_errors])
    app[CONFIG] = config
    app[CLOCK] = clock
    app[UOW] = db.uow
    app[PING] = db.ping
    app[INTAKE] = intake(config, db, clock)
    health.setup(app)
    sms.SmsWebhooks(app[INTAKE].receive, sms_settings(config)).setup(app)
    api.setup(app)

    async def open_database(app: web.Application) -> AsyncIterator[None]:
        await db.open()
        yield
        await db.close()

    async def workers(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as client:
            transports = {**outbox_senders(config, client), **(senders or {})}
            app[OUTBOX] = OutboxWorker(db.uow, transports, clock)
            tasks = []
            if background:
                tasks.append(asyncio.create_task(resume(app[INTAKE])))
                tasks.append(asyncio.create_task(app[OUTBOX].run_forever()))
            yield
            await stop_tasks(tasks)

    app.cleanup_ctx.append(open_database)
    app.cleanup_ctx.append(workers)
    if background:
        app.cleanup_ctx.append(email_channels(config, db))
    return app


def email_channels(
    config: Config, db: Database
) -> Callable[[web.Application], AsyncIterator[None]]:
    """The SMTP listener (``smtp.enabled``) and the IMAP poller (``imap.host`` set), in the
    app's own event loop."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        receive = app[INTAKE].receive
        tasks: list[asyncio.Task[None]] = []
        if config.section("smtp")["enabled"]:
            app[SMTP_SERVER] = await email_smtp.start_smtp_server(receive, smtp_settings(config))
        if config.section("imap")["host"]:
            poller = email_imap.ImapPoller(
                imap_settings(config),
                receive,
                own_addresses(config),
                lock=db.lock(email_imap.LOCK_NAME),
                uow=db.uow,
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


def run_with_database(
    config: Config, work: Callable[[Database], Awaitable[T]], *, migrate: bool = True
) -> T:
    """For one-shot commands: open the database (migrated), run ``work``, close it."""

    async def go() -> T:
        db = database(config)
        await db.open()
        try:
            if migrate:
                await db.upgrade()
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(go())
