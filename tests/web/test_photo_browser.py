"""The photo card and the account page in Chromium: the photo drawn inline, a UIN typed on
the card loads that account's registers as value fields (Enter loads, never submits; an
unknown UIN is said so) and the readings are accepted from them; at 390 px no staff page
scrolls sideways."""

from __future__ import annotations

from decimal import Decimal

from playwright.async_api import Browser, Page
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import load_config
from gateway.service.closing import close_period
from storage.db import make_sessionmaker
from storage.models import Message, Reading
from tests.e2e.conftest import NOW
from tests.e2e.test_review_api import JUMP
from tests.helpers import uow_of
from tests.web.conftest import log_in, screenshot
from tests.web.photo_messages import receive_photos
from tests.web.test_helpers import sms


async def test_a_photo_is_decided_from_the_uin_typed_on_its_card(
    page: Page, live: str, engine: AsyncEngine
) -> None:
    telegram, _ = await receive_photos(engine)
    await log_in(page, live, "/staff/review?channel=telegram")
    card = page.locator(f"#m{telegram}")
    image = card.locator("img")
    await image.scroll_into_view_if_needed()
    await page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=await image.element_handle()
    )
    assert await image.evaluate("img => img.naturalWidth") == 320
    assert await card.locator("a.photo-link").get_attribute("href") == await image.get_attribute(
        "src"
    )
    uin = card.get_by_label("УИН на фото")
    await uin.fill("0000001")  # no such account: said so, no value fields
    await card.get_by_role("button", name="Показать счётчики").click()
    await (
        card.locator("[data-photo-status]")
        .filter(has_text="Лицевого счёта 0000001 нет.")
        .wait_for()
    )
    assert await card.locator("input.value").count() == 0
    await uin.fill("7654321")
    await uin.press("Enter")  # loads the registers; the form is not sent
    first = card.locator(f"#photo-{telegram}-p1")
    await first.wait_for()
    assert page.url.endswith("/staff/review?channel=telegram")
    assert await first.evaluate("e => e === document.activeElement")
    assert await first.get_attribute("name") == "value-p1"
    assert "последнее принятое: 100.000 (2026-10-20)" in await card.inner_text()
    await page.keyboard.type("101.5")
    await card.get_by_label("Показание для HW-1 · Горячая вода").fill("41.25")
    await screenshot(page, "photo", engine.dialect.name)
    await card.get_by_role("button", name="Принять эти показания").click()
    await page.wait_for_load_state()
    async with make_sessionmaker(engine)() as s:
        message = (await s.execute(select(Message).where(Message.id == telegram))).scalar_one()
        values = (await s.execute(select(Reading.value).where(Reading.message_id == telegram)
                                  .order_by(Reading.id))).scalars().all()  # fmt: skip
    assert (message.status, message.uin) == ("accepted", "7654321")
    assert values == [Decimal("101.5"), Decimal("41.25")]


async def test_no_staff_page_scrolls_sideways_at_390_px(
    browser: Browser, live: str, engine: AsyncEngine
) -> None:
    await sms(live, JUMP, "n1")
    await sms(live, "1234567 5,123 2010 " + "x" * 120, "n2")  # a long word in a message
    await receive_photos(engine)
    rules = load_config(environ={}).rules
    for period in ("2026-08", "2026-09", "2026-10"):
        await close_period(uow_of(engine), period, rules, {"electricity": Decimal(100)},
                           today=NOW.date(), now=NOW)  # fmt: skip
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    page = await context.new_page()
    try:
        await log_in(page, live, "/staff/accounts/1234567")
        for path in ("/staff/accounts/1234567", "/staff/accounts/7654321", "/staff/",
                     "/staff/review"):  # fmt: skip
            await page.goto(f"{live}{path}")
            width = await page.evaluate("document.scrollingElement.scrollWidth")
            assert width <= 390, (path, width)
        await page.goto(f"{live}/staff/accounts/1234567")
        await screenshot(page, "account-390", engine.dialect.name)
    finally:
        await context.close()
