"""The composition root: the one place that builds the database, the use cases, the
channels and their senders, for the HTTP app and the CLI alike. Nothing is created at import
time; tests call the same functions with their own engine, clock and fake senders."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import TypeVar

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from channels.email import imap as email_imap
from channels.email import out as email_out
from channels.email import smtp as email_smtp
from channels.sms.webhook import SmsWebhooks
from channels.voice.twilio import TwilioVoice
from channels.voice.webhook import VoiceWebhooks
from gateway.app.channel_settings import (
    form_registers,
    imap_settings,
    ocr_settings,
    own_addresses,
    smarthost,
    sms_providers,
    smtp_settings,
    telegram_settings,
    voice_settings,
    web_settings,
)
from gateway.app.keys import LIFECYCLE, OUTBOX, SMTP_SERVER
from gateway.app.lifecycle import Lifecycle, Phase, Step, listen_error
from gateway.config import Config
from gateway.domain.chat_replies import reply_extra
from gateway.domain.clock import utc_now
from gateway.domain.model import Transport
from gateway.http import api, edge, health, pages, staff
from gateway.http.errors import json_errors
from gateway.http.form import WebForm
from gateway.http.keys import (
    CHATS,
    CLOCK,
    CONFIG,
    CONTACTS,
    INTAKE,
    PING,
    RECEIVE,
    REMINDERS,
    REVIEW,
    UOW,
)
from gateway.runtime.aio import raise_if_cancelling, stop_tasks
from gateway.service import reminders
from gateway.service.batch import BatchIntake
from gateway.service.calls import CallUseCases
from gateway.service.chats import ChatUseCases
from gateway.service.contacts import ContactUseCases
from gateway.service.decider import ReplyExtra
from gateway.service.group_commit import GroupCommit
from gateway.service.mail_folders import MailFolders
from gateway.service.ocr import PhotoReader
from gateway.service.ocr_intake import reading_photos
from gateway.service.outbox import OutboxWorker, Sender
from gateway.service.receive import Clock, Intake
from gateway.service.review import Review
from storage.db import Database

log = logging.getLogger(__name__)

T = TypeVar("T")

RESUME_SECONDS = 15.0


def database(config: Config, engine: AsyncEngine | None = None) -> Database:
    return Database.of(engine) if engine is not None else Database(config.database_url)


def sms_notices(config: Config) -> str | None:
    """The outbox transport that reaches a phone with a notice: the generic provider's send
    API when it is configured (Twilio answers in its webhook only)."""
    return Transport.SMS_GENERIC if config.sms.generic.send_url else None


def intake(config: Config, db: Database, clock: Clock) -> Intake:
    extras: dict[str, ReplyExtra] = {Transport.TELEGRAM: reply_extra}
    return Intake(db.uow, config.rules, config.language, clock, extras, sms_notices(config))


def outbox_senders(config: Config, client: aiohttp.ClientSession) -> dict[str, Sender]:
    """The outbox transports the configuration turns on."""
    out: dict[str, Sender] = {}
    for provider in sms_providers(config):
        if (send := provider.sender(client)) is not None:
            transport, sender = send
            out[transport] = sender
    if config.smtp_out.host:
        out[Transport.EMAIL] = email_out.EmailSender(smarthost(config))
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
    pending-message recovery and the channels' background work (SMTP listener, IMAP poller,
    Telegram long polling and reminders). Start and stop are the steps of one ``Lifecycle``
    (``gateway.app.lifecycle``): the database first, then the group commit, the outbox, the
    channels; at stop the reverse, the database last."""
    db = database(config, engine)
    app = web.Application(
        client_max_size=1024 * 1024, middlewares=[json_errors, pages.html_pages, edge.guard]
    )
    app[CONFIG] = config
    app[CLOCK] = clock
    app[UOW] = db.uow
    app[PING] = db.ping
    app[INTAKE] = one = intake(config, db, clock)
    group = GroupCommit(BatchIntake(one), config.intake.batch_size, config.intake.queue_limit)
    # [ocr] enabled: a photo without readings is read before intake (a suggestion only)
    reader = PhotoReader(ocr_settings(config)) if config.ocr.enabled else None
    app[RECEIVE] = group.receive
    if reader is not None:
        app[RECEIVE] = reading_photos(reader, db.uow, config.rules, clock, group.receive)
    app[REVIEW] = Review(db.uow, config.rules, config.language, clock)
    app[CONTACTS] = ContactUseCases(db.uow, config.rules, clock)
    app[CHATS] = ChatUseCases(db.uow, app[RECEIVE], config.rules, clock, app[CONTACTS])
    app[REMINDERS] = reminders.Reminders(
        db.uow, config.rules, config.telegram.reminder_day, clock, sms_notices(config)
    )
    health.setup(app)
    pages.setup(app, config)
    staff.setup(app)
    SmsWebhooks(app[RECEIVE], sms_providers(config)).setup(app)
    WebForm(app[RECEIVE], form_registers(db, config, clock), web_settings(config)).setup(app)
    contacts = ContactUseCases(db.uow, config.rules, clock)
    calls = CallUseCases(db.uow, app[RECEIVE], contacts, config.rules, clock)
    VoiceWebhooks(calls, TwilioVoice(voice_settings(config))).setup(app)
    api.setup(app)

    lifecycle = Lifecycle()
    app[LIFECYCLE] = lifecycle
    app.cleanup_ctx.append(lifecycle)  # the app's one cleanup context: every step in it

    async def open_database(app: web.Application) -> AsyncIterator[None]:
        await db.open()
        yield
        await db.close()

    async def drain_intake(app: web.Application) -> AsyncIterator[None]:
        yield
        await group.close()  # every message taken is answered before the database closes
        if reader is not None:
            await asyncio.to_thread(reader.close)

    lifecycle.add(Phase.DATABASE, "database", open_database)
    lifecycle.add(Phase.INTAKE, "group commit", drain_intake)
    bot_senders: dict[str, Sender] = {}
    tg = telegram_settings(config)
    if tg is not None:
        # aiogram takes seconds to import: only a gateway with the bot on pays for it, not
        # every one-shot CLI command
        from gateway.app.telegram import setup as setup_bot

        bot_senders = setup_bot(app, lifecycle, tg, db, background)

    async def outbox(app: web.Application) -> AsyncIterator[None]:
        timeout = aiohttp.ClientTimeout(total=config.outbox.send_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as client:
            transports = {**outbox_senders(config, client), **bot_senders, **(senders or {})}
            app[OUTBOX] = OutboxWorker(
                db.uow, transports, clock, send_timeout=config.outbox.send_timeout
            )
            tasks = []
            if background:
                tasks.append(asyncio.create_task(resume_forever(app[INTAKE])))
                tasks.append(asyncio.create_task(app[OUTBOX].run_forever()))
            yield
            await stop_tasks(tasks)

    lifecycle.add(Phase.OUTBOX, "outbox and pending-message resume", outbox)
    if background:
        if config.smtp.enabled:
            lifecycle.add(Phase.CHANNELS, "SMTP listener", smtp_listener(config))
        if config.imap.host:
            lifecycle.add(Phase.CHANNELS, "IMAP poller", imap_poller(config, db))
        lifecycle.add(Phase.CHANNELS, "reminders", reminder_work(db))
    return app


def reminder_work(db: Database) -> Step:
    """The contacts' reminders on every channel (one process sends them, an advisory lock)."""

    async def step(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(app[REMINDERS].run_forever(db.lock(reminders.LOCK_NAME)))
        yield
        await stop_tasks([task])

    return step


def smtp_listener(config: Config) -> Step:
    """The SMTP listener (``smtp.enabled``) on ``smtp.host:smtp.port``, in the app's loop."""
    settings = smtp_settings(config)

    async def step(app: web.Application) -> AsyncIterator[None]:
        try:
            server = await email_smtp.start_smtp_server(app[RECEIVE], settings, app[CLOCK])
        except OSError as e:
            raise listen_error("smtp", settings.host, settings.port, e) from e
        app[SMTP_SERVER] = server
        yield
        server.close()
        await server.wait_closed()

    return step


def imap_poller(config: Config, db: Database) -> Step:
    """The IMAP poller (``imap.host`` set): one process polls (an advisory lock)."""

    async def step(app: web.Application) -> AsyncIterator[None]:
        poller = email_imap.ImapPoller(
            imap_settings(config),
            app[RECEIVE],
            own_addresses(config),
            lock=db.lock(email_imap.LOCK_NAME),
            folders=MailFolders(db.uow),
        )
        task = asyncio.create_task(poller.run_forever())
        yield
        await stop_tasks([task])

    return step


async def resume_forever(intake: Intake, interval: float = RESUME_SECONDS) -> None:
    """Decide messages left pending (a crash, a failed decision, the database gone in
    between), at start and then every ``interval`` seconds, for as long as the app runs."""
    while True:
        try:
            done = await intake.resume_pending()
        except Exception as e:
            raise_if_cancelling()
            log.warning("resuming pending messages failed (retrying in %s s): %s", interval, e)
        else:
            if done:
                log.info("decided %d message(s) left pending", done)
        await asyncio.sleep(interval)


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
