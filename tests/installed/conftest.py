"""The as-installed tier: the wheel is built and installed into a fresh virtualenv once
per test run (``tests/support/installed.py``); every test here runs that installation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.installed.world import World, start_world
from tests.support.installed import Installed, build_wheel, install


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "installed: runs the wheel installed into a fresh virtualenv (tests/installed)"
    )


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("installed")
    return install(build_wheel(work), work / "venv")


# Two runs of everything: PostgreSQL with the Telegram bot on its webhook, SQLite with the
# bot long polling.
RUNS = [("postgresql", "webhook"), ("sqlite", "polling")]


@pytest.fixture(scope="package", params=RUNS, ids=[f"{db}-{mode}" for db, mode in RUNS])
async def world(
    request: pytest.FixtureRequest, installed: Installed, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    """``meter-gateway run`` from the installed wheel, every channel on, and its outside
    world; stopped after the last test of the run (exit 0, no traceback in its log)."""
    backend, mode = request.param
    async with start_world(
        installed, tmp_path_factory.mktemp(f"{backend}-{mode}"), backend, mode
    ) as w:
        yield w


@pytest.fixture(autouse=True)
def no_traceback(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test of a running gateway: nothing in its log went wrong unanswered."""
    yield
    if "world" in request.fixturenames:
        request.getfixturevalue("world").gateway.check_log()
