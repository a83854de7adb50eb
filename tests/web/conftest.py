"""The app on a real socket driven by Debian's Chromium through Playwright (never
``playwright install``: scripts/test installs the ``chromium`` package)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, async_playwright
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app.factory import init_app
from gateway.config import load_config
from gateway.domain.staff import Role
from gateway.service.staff import add_staff
from tests.e2e.conftest import ACCOUNTS, ENV, HISTORY, NOW
from tests.helpers import seed, uow_of

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).parent.parent / "artifacts"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is required: apt-get install chromium (scripts/test does)")
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        await b.close()


@contextlib.asynccontextmanager
async def serve(
    engine: AsyncEngine,
    clock: Callable[[], datetime] = lambda: NOW,
    apps: list[web.Application] | None = None,
    **settings: str,
) -> AsyncIterator[str]:
    """The seeded gateway with staff member rita on a real socket; yields its base URL.
    ``settings``: more METER_GATEWAY_* variables; ``apps``, if given, gets the app."""
    await seed(engine, ACCOUNTS, HISTORY)
    await add_staff(uow_of(engine), "rita", PASSWORD, Role.REVIEWER, NOW)
    env = {**ENV, "METER_GATEWAY_STAFF_SESSION_SECRET": "test-secret", **settings}
    app = init_app(load_config(environ=env), engine=engine, clock=clock, background=False)
    if apps is not None:
        apps.append(app)
    server = TestServer(app)
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@pytest.fixture
async def live(engine: AsyncEngine) -> AsyncIterator[str]:
    """The gateway's base URL; replies to generic SMS are queued for ``sms_generic``."""
    async with serve(engine, METER_GATEWAY_SMS_GENERIC_SEND_URL="http://127.0.0.1:9/send") as url:
        yield url


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1000, "height": 900})
    p = await context.new_page()
    yield p
    await context.close()


async def screenshot(page: Page, name: str, backend: str) -> None:
    """Saved as a test artifact (tests/artifacts/<name>-<backend>.png), never over
    the docs' copies in docs/screenshots: ``scripts/screenshots`` refreshes those."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}-{backend}.png"), full_page=True)


async def log_in(page: Page, base: str, next_path: str = "/staff/review") -> None:
    await page.goto(f"{base}{next_path}")
    await page.fill("#login", "rita")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}{next_path}")
