"""Background tasks stop when asked, even when a library turns the cancellation into an error."""

from __future__ import annotations

import asyncio
import time

from gateway.aio import raise_if_cancelling, stop_tasks


async def _driver_call() -> None:
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        raise RuntimeError("connection interrupted") from None  # what some drivers do


async def test_a_retry_loop_stops_although_its_cancellation_became_an_error() -> None:
    async def retry_loop() -> None:
        while True:
            try:
                await _driver_call()
            except Exception:
                raise_if_cancelling()
                await asyncio.sleep(0.01)

    task = asyncio.create_task(retry_loop())
    await asyncio.sleep(0.05)
    await stop_tasks([task], timeout=5)
    assert task.cancelled()


async def test_stopping_a_task_that_ignores_cancellation_is_bounded() -> None:
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0.01)
    start = time.monotonic()
    await stop_tasks([task], timeout=0.2)
    assert time.monotonic() - start < 2 and not task.done()
    release.set()
    task.cancel()
    await asyncio.wait([task], timeout=1)
