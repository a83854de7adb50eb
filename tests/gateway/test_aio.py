"""Background tasks stop when asked, even when a library turns the cancellation into an error."""

from __future__ import annotations

import asyncio

from gateway.runtime.aio import raise_if_cancelling, stop_tasks


async def _driver_call(entered: asyncio.Event) -> None:
    entered.set()
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        raise RuntimeError("connection interrupted") from None  # what some drivers do


async def test_a_retry_loop_stops_although_its_cancellation_became_an_error() -> None:
    entered = asyncio.Event()

    async def retry_loop() -> None:
        while True:
            try:
                await _driver_call(entered)
            except Exception:
                raise_if_cancelling()
                await asyncio.sleep(0.01)

    task = asyncio.create_task(retry_loop())
    await entered.wait()  # cancelled inside the driver's call, where it becomes an error
    await stop_tasks([task], timeout=30)
    assert task.cancelled()


async def test_stopping_a_task_that_ignores_cancellation_is_bounded() -> None:
    release = asyncio.Event()
    running = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            running.set()
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(stubborn())
    await running.wait()
    # it returns although the task never ends (were it unbounded, this would hang and the
    # global test timeout would fail the test): no wall-clock limit needed
    await stop_tasks([task], timeout=0.2)
    assert not task.done()
    release.set()
    task.cancel()
    await asyncio.wait([task], timeout=1)
