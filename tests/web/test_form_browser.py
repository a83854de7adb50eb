"""The customer form in a real browser, and its CSRF and idempotency guarantees."""

from __future__ import annotations

import re

import aiohttp
from playwright.async_api import Page
from sqlalchemy import select

from storage.db import make_sessionmaker
from storage.models import Message
from tests.support.db import count
from tests.web.conftest import screenshot


async def count_messages(engine) -> int:  # type: ignore[no-untyped-def]
    return await count(engine, Message)


async def test_customer_submits_and_readings_are_accepted(page: Page, live, engine) -> None:
    await page.goto(f"{live}/")
    await page.click("text=Передать показания")
    await page.get_by_label("УИН").fill("1234567")
    await page.get_by_role("button", name="Далее").click()
    await page.get_by_label("Электроэнергия, Т1 (день)").fill("5123")
    await page.get_by_label("Электроэнергия, Т2 (ночь)").fill("2010")
    assert await page.locator("input[name=reading-1-1]").count() == 1
    assert "5000" not in await page.content()  # nothing stored about the account is shown
    await screenshot(page, "form", engine.dialect.name)
    await page.get_by_role("button", name="Передать показания").click()
    assert await page.locator("#status").get_attribute("data-status") == "accepted"
    # the form's sender is nobody's verified contact: no figures from the account
    reply = await page.locator("#reply").inner_text()
    assert "номер обращения" in reply and "расход" not in reply, reply
    receipt = await page.locator("#receipt").inner_text()
    async with make_sessionmaker(engine)() as s:
        message = (await s.execute(select(Message))).scalar_one()
    assert (message.channel, message.text, str(message.id)) == ("web", "1234567 5123 2010", receipt)


async def test_wrong_uin_says_so_and_keeps_it(page: Page, live, engine) -> None:
    await page.goto(f"{live}/submit?lang=en")
    await page.get_by_label("UIN").fill("9999999")
    await page.get_by_role("button", name="Next").click()
    assert "No account with this UIN" in await page.locator("#error").inner_text()
    assert await page.get_by_label("UIN").input_value() == "9999999"
    assert await count_messages(engine) == 0


async def test_rejected_reading_keeps_what_was_typed(page: Page, live) -> None:
    await page.goto(f"{live}/submit?uin=1234567")
    await page.get_by_label("Электроэнергия, Т1 (день)").fill("4000")
    await page.get_by_label("Электроэнергия, Т2 (ночь)").fill("2010")
    await page.get_by_role("button", name="Передать показания").click()
    assert await page.locator("#status").get_attribute("data-status") == "rejected"
    assert "меньше предыдущего" in await page.locator("#reply").inner_text()
    assert await page.get_by_label("Электроэнергия, Т1 (день)").input_value() == "4000"


async def test_post_without_csrf_token_is_refused_and_stores_nothing(live, engine) -> None:
    form = {"uin": "1234567", "reading-1-1": "5123", "reading-1-2": "2010"}
    async with aiohttp.ClientSession() as client:
        async with client.post(f"{live}/submit", data=form) as resp:
            assert resp.status == 403
            assert resp.content_type == "text/html"
            assert resp.headers["X-Frame-Options"] == "DENY"
        async with client.post(f"{live}/submit", data={**form, "csrf": "forged"}) as resp:
            assert resp.status == 403
    assert await count_messages(engine) == 0


async def test_double_click_is_one_message(page: Page, live, engine) -> None:
    await page.goto(f"{live}/submit?uin=1234567")
    await page.get_by_label("Электроэнергия, Т1 (день)").fill("5123")
    await page.get_by_label("Электроэнергия, Т2 (ночь)").fill("2010")
    submission = await page.locator("input[name=submission]").input_value()
    csrf = await page.locator("input[name=csrf]").input_value()
    form = {"csrf": csrf, "submission": submission, "uin": "1234567", "reading-1-1": "5123",
            "reading-1-2": "2010"}  # fmt: skip
    receipts = []
    for _ in range(2):
        resp = await page.request.post(f"{live}/submit", form=form)
        assert resp.status == 200
        found = re.search(r'<strong id="receipt">(\d+)</strong>', await resp.text())
        assert found, await resp.text()
        receipts.append(found.group(1))
    async with make_sessionmaker(engine)() as s:
        [stored] = (await s.execute(select(Message.id))).scalars().all()
    assert receipts == [str(stored)] * 2  # the second post is answered with the same receipt
