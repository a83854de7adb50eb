"""The app's lifecycle: steps start phase by phase whatever order they were added in, stop in
the reverse order, a step that fails to start stops those started before it; ``init_app``
gives the app this one cleanup context, the database first and the channels last."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from gateway.app.factory import init_app
from gateway.app.keys import LIFECYCLE
from gateway.app.lifecycle import Lifecycle, Phase, StartupError, Step, settled
from gateway.config import load_config


def recording(log: list[str], name: str, fail: bool = False) -> Step:
    async def step(app: web.Application) -> AsyncIterator[None]:
        if fail:
            raise StartupError(f"{name} cannot start")
        log.append(f"start {name}")
        yield
        log.append(f"stop {name}")

    return step


async def test_steps_start_by_phase_and_stop_in_reverse() -> None:
    log: list[str] = []
    lifecycle = Lifecycle()
    # added as a channel wired before the composition root's own steps would add them
    lifecycle.add(Phase.CHANNELS, "bot", recording(log, "bot"))
    lifecycle.add(Phase.OUTBOX, "outbox", recording(log, "outbox"))
    lifecycle.add(Phase.DATABASE, "database", recording(log, "database"))
    lifecycle.add(Phase.CHANNELS, "smtp", recording(log, "smtp"))
    app = web.Application()
    ctx = lifecycle(app)
    await anext(ctx)
    assert log == ["start database", "start outbox", "start bot", "start smtp"]
    with pytest.raises(StopAsyncIteration):
        await anext(ctx)
    assert log[4:] == ["stop smtp", "stop bot", "stop outbox", "stop database"]


async def test_a_step_that_cannot_start_stops_the_ones_started() -> None:
    log: list[str] = []
    lifecycle = Lifecycle()
    lifecycle.add(Phase.CHANNELS, "smtp", recording(log, "smtp", fail=True))
    lifecycle.add(Phase.DATABASE, "database", recording(log, "database"))
    lifecycle.add(Phase.OUTBOX, "outbox", recording(log, "outbox"))
    with pytest.raises(StartupError, match="smtp cannot start"):
        await anext(lifecycle(web.Application()))
    assert log == ["start database", "start outbox", "stop outbox", "stop database"]


def test_init_app_has_one_cleanup_context_database_first_channels_last() -> None:
    config = load_config(
        environ={
            "METER_GATEWAY_DATABASE_URL": "sqlite+aiosqlite:///never-opened.sqlite3",
            "METER_GATEWAY_TELEGRAM_TOKEN": "123456:a-token",
            "METER_GATEWAY_TELEGRAM_MODE": "polling",
            "METER_GATEWAY_IMAP_HOST": "127.0.0.1",
            "METER_GATEWAY_IMAP_USER": "u",
            "METER_GATEWAY_IMAP_PASSWORD": "p",
        }
    )
    app = init_app(config)
    assert list(app.cleanup_ctx) == [app[LIFECYCLE]]
    assert app[LIFECYCLE].order() == [
        "database",
        "group commit",
        "Telegram bot session",
        "outbox and pending-message resume",
        "Telegram bot",
        "SMTP listener",
        "IMAP poller",
        "reminders",
    ]


async def test_a_settled_app_freezes_what_its_start_made_after_every_step() -> None:
    """``run`` serves ``settled(init_app(...))``: the lifecycle's steps start first, then the
    objects the start made are moved out of the garbage collector's way (gc.freeze)."""
    log: list[str] = []
    lifecycle = Lifecycle()
    lifecycle.add(Phase.CHANNELS, "bot", recording(log, "bot"))
    app = web.Application()
    app.cleanup_ctx.append(lifecycle)
    settled(app)
    gc.unfreeze()
    frozen_at_start: list[int] = []
    app.on_startup.insert(1, lambda _: _count(frozen_at_start))  # after the lifecycle's start
    app.freeze()  # aiohttp's: the app as a runner starts it
    try:
        await app.startup()
        assert log == ["start bot"]
        assert frozen_at_start == [0] and gc.get_freeze_count() > 0
        await app.cleanup()
    finally:
        gc.unfreeze()


async def _count(into: list[int]) -> None:
    into.append(gc.get_freeze_count())
