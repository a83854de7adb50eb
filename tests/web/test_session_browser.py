"""The staff session in Chromium: a link to a staff page from a mail or a chat (another
site) arrives logged in (``SameSite=Lax``), and "log out everywhere" is in the header."""

from __future__ import annotations

from playwright.async_api import Page, Route

from tests.web.conftest import log_in

MAIL = "http://mail.example.org"


async def test_a_link_from_another_site_arrives_logged_in(live: str, page: Page) -> None:
    await log_in(page, live, "/staff/review")
    target = f"{live}/staff/review?reason=ambiguous"

    async def mail(route: Route) -> None:  # the outside world: a webmail page with the link
        body = f'<!doctype html><a id="link" href="{target}">item</a>'
        await route.fulfill(status=200, content_type="text/html", body=body)

    await page.route(f"{MAIL}/**", mail)
    await page.goto(f"{MAIL}/inbox")
    await page.click("#link")
    await page.wait_for_load_state()
    assert page.url == target  # not the login page
    await page.click("text=Выйти на всех устройствах")
    await page.wait_for_url(f"{live}/staff/login?lang=ru")
    await page.goto(target)
    assert page.url.startswith(f"{live}/staff/login?next=")
