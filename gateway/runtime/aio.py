"""Small asyncio helpers for the gateway's long-running background tasks."""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


def raise_if_cancelling() -> None:
    """Call in a background loop's ``except Exception``: if this task was asked to stop,
    stop. A library can turn the ``CancelledError`` it received mid-operation into an error
    of its own (a database driver interrupted during I/O does), and a loop that logs and
    retries every ``Exception`` would then run on forever after its cancellation."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def stop_tasks(tasks: list[asyncio.Task[None]], timeout: float = 10) -> None:
    """Cancel background tasks and wait for them, but never forever, and without
    swallowing a cancellation of the caller (as ``suppress(CancelledError)`` around
    ``await task`` would)."""
    for task in tasks:
        task.cancel()
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        log.error("background task %s did not stop within %s s", task.get_name(), timeout)
