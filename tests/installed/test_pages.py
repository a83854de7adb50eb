"""Every page of the installed gateway as a browser asks for it: the customer's (home,
form), the staff login, and, logged in as a user made with the installed ``staff add``,
the dashboard, the review queue and an account; an unknown page is a 404 page. Pages are
HTML with their stylesheet, never a 500."""

from __future__ import annotations

import pytest

from tests.installed.browser import Browser
from tests.installed.world import UINS, World

pytestmark = pytest.mark.installed

PASSWORD = "installed staff passphrase"


async def test_customer_pages(world: World) -> None:
    async with Browser(world.gateway.url) as browser:
        home = await browser.open("/")
        assert 'href="/submit"' in home.text
        for path in ("/submit", "/submit?lang=en", f"/submit?uin={UINS['web']}"):
            await browser.open(path)


async def test_staff_pages_after_logging_in_as_a_user_added_on_the_command_line(
    world: World,
) -> None:
    added = await world.cli("staff", "add", "rita", "--role", "reviewer", stdin=PASSWORD + "\n")
    assert added.strip() == "staff user rita added (reviewer)"
    async with Browser(world.gateway.url) as browser:
        # not logged in: the staff pages lead to the login page
        login = await browser.open("/staff/review")
        assert 'name="password"' in login.text
        login = await browser.open("/staff/login")
        dashboard = await browser.submit(login, login="rita", password=PASSWORD)
        assert 'name="password"' not in dashboard.text  # logged in: the dashboard
        assert "rita" in dashboard.text
        for path in ("/staff/", "/staff/review", "/staff/review?status=rejected&lang=en"):
            page = await browser.open(path)
            assert 'name="password"' not in page.text, path
        account = await browser.open(f"/staff/accounts/{UINS['sms']}")
        assert UINS["sms"] in account.text and "E-1" in account.text


async def test_unknown_pages_are_404_pages(world: World) -> None:
    async with Browser(world.gateway.url) as browser:
        await browser.open("/staff/no-such-page", status=404)
        await browser.open("/submit/no-such-page", status=404)
