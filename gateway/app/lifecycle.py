"""The app's start-up and shut-down in one place: an ordered list of steps, run as the
app's one cleanup context (``gateway.app.factory`` owns it; channels add steps to it).

A step is an async generator function as aiohttp's cleanup contexts are: the part before
``yield`` starts something, the part after stops it. Each step belongs to a phase; steps
start phase by phase, in the order they were added within one, and stop in exactly the
reverse order. So the database opens before anything that uses it and closes after
everything that used it, whichever order the composition root and the channels add their
steps in. A step that fails to start stops the ones started before it.
"""

from __future__ import annotations

import errno
import gc
import logging
from collections.abc import AsyncIterator, Callable
from enum import IntEnum

from aiohttp import web

log = logging.getLogger(__name__)

Step = Callable[[web.Application], AsyncIterator[None]]


class Phase(IntEnum):
    DATABASE = 1  # opened first, closed last
    INTAKE = 2  # the group commit: every message taken is answered before the database closes
    TRANSPORTS = 3  # what the outbox sends with (the bot's session): closed after it stopped
    OUTBOX = 4  # the outbox worker and the pending-message resume
    CHANNELS = 5  # channels' background work: SMTP listener, IMAP poller, Telegram, reminders


class StartupError(Exception):
    """A step that cannot start for a reason the operator fixes (a port taken): one line."""


def listen_error(key: str, host: str, port: int, error: OSError) -> StartupError:
    """``key: host:port is already in use`` (or why else nothing can listen there)."""
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if error.errno == errno.EADDRINUSE:
        return StartupError(f"{key}: {address} is already in use")
    return StartupError(f"{key}: cannot listen on {address}: {error.strerror or error}")


class Lifecycle:
    def __init__(self) -> None:
        self._steps: list[tuple[Phase, str, Step]] = []

    def add(self, phase: Phase, name: str, step: Step) -> None:
        self._steps.append((phase, name, step))

    def order(self) -> list[str]:
        """The steps' names in the order they start."""
        return [name for _, name, _ in self._ordered()]

    def _ordered(self) -> list[tuple[Phase, str, Step]]:
        return sorted(self._steps, key=lambda s: s[0])  # stable: added order within a phase

    async def __call__(self, app: web.Application) -> AsyncIterator[None]:
        """The app's cleanup context: every step started, then (at stop) stopped; a step
        stops as at a normal stop even when a later one failed to start, and one that fails
        to stop does not keep the others from stopping (the first such error is raised)."""
        started: list[tuple[str, AsyncIterator[None]]] = []
        try:
            for _, name, step in self._ordered():
                log.debug("starting: %s", name)
                running = step(app)
                await anext(running)
                started.append((name, running))
            yield
        except BaseException:
            await _stop_all(started)  # the error that stopped the start is the one raised
            raise
        errors = await _stop_all(started)
        if errors:
            raise errors[0]


async def _stop_all(started: list[tuple[str, AsyncIterator[None]]]) -> list[Exception]:
    errors: list[Exception] = []
    for name, running in reversed(started):
        log.debug("stopping: %s", name)
        try:
            await anext(running)
        except StopAsyncIteration:
            continue
        except Exception as e:
            log.exception("stopping %s failed", name)
            errors.append(e)
        else:
            errors.append(RuntimeError(f"the start-up step {name!r} yields more than once"))
    return errors


def settled(app: web.Application) -> web.Application:
    """The app as ``run`` serves it: once every step has started, what the start made (the
    modules, templates, metadata: it lives as long as the process) is frozen out of the
    garbage collector, so a full collection no longer walks it while a request waits (the
    review queue page's p95 went from 115-139 ms to 55-58 ms; bench/README.md)."""

    async def freeze(_: web.Application) -> None:
        gc.collect()
        gc.freeze()

    app.on_startup.append(freeze)  # after the lifecycle's steps: aiohttp runs those first
    return app
