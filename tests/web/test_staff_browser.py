"""The staff UI in a real browser: login, the queue, a correction, escaping, keyboard; in
Russian, as a reviewer sees it, and in English when chosen."""

from __future__ import annotations

from decimal import Decimal

from playwright.async_api import Page
from sqlalchemy import select

from gateway.config import load_config
from gateway.service.closing import close_period
from storage.db import make_sessionmaker
from storage.models import AuditEntry, Outbox
from tests.e2e.conftest import NOW
from tests.e2e.test_review_api import JUMP
from tests.helpers import uow_of
from tests.web.conftest import log_in, screenshot
from tests.web.test_helpers import sms


async def test_reviewer_corrects_a_reading_and_the_reply_is_queued(
    page: Page, live, engine
) -> None:
    message = await sms(live, JUMP, "j1")
    assert message["status"] == "review"
    await log_in(page, live)
    card = page.locator(f"#m{message['id']}")
    await card.get_by_label("Показание для E-1 Электроэнергия, Т1 (день)").fill("5100")
    await screenshot(page, "queue", engine.dialect.name)
    await card.get_by_role("button", name="Принять эти показания").click()
    await page.wait_for_url(f"{live}/staff/review")
    assert await page.locator(".flash").inner_text() == f"Сообщение {message['id']} принято."
    assert await page.locator(f"#m{message['id']}").count() == 0
    async with make_sessionmaker(engine)() as s:
        replies = (await s.execute(select(Outbox).order_by(Outbox.id))).scalars().all()
        audit = (await s.execute(select(AuditEntry))).scalar_one()
    assert [r.channel for r in replies] == ["sms_generic", "sms_generic"]
    # the sender is not a verified contact: the corrected value is not told back
    assert replies[1].recipient == "+7999j1" and "5100" not in replies[1].body
    assert replies[1].body.startswith("Показания приняты, номер обращения")
    assert (audit.actor, audit.action) == ("rita", "correct")


async def test_script_in_a_message_is_shown_as_text(page: Page, live) -> None:
    body = '1234567 <script>window.pwned = 1</script><img src=x onerror="window.pwned=2">'
    await sms(live, body, "x1")
    await log_in(page, live, "/staff/review?status=rejected")
    assert body in await page.locator("pre.raw").first.inner_text()
    assert await page.evaluate("window.pwned") is None


async def test_queue_works_with_the_keyboard_alone(page: Page, live) -> None:
    message = await sms(live, JUMP, "k1")
    await page.goto(f"{live}/staff/review")
    await page.wait_for_function("document.activeElement.id === 'login'")  # autofocus
    await page.keyboard.type("rita")
    await page.keyboard.press("Tab")
    await page.keyboard.type("correct horse battery")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{live}/staff/review")
    assert await page.locator(".error").count() == 0, await page.content()
    target = page.locator(f"#m{message['id']} button", has_text="Принять как разобрано")
    for _ in range(60):
        await page.keyboard.press("Tab")
        if await target.evaluate("b => b === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached 'Принять как разобрано'")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{live}/staff/review")
    assert "принято" in await page.locator(".flash").inner_text()


async def test_login_is_required_and_wrong_password_refused(page: Page, live) -> None:
    await page.goto(f"{live}/staff/review")
    assert page.url.startswith(f"{live}/staff/login")
    await page.fill("#login", "rita")
    await page.fill("#password", "wrong password")
    await page.click("button[type=submit]")
    assert "Неверный логин или пароль" in await page.locator(".error").inner_text()


async def test_dashboard_and_account_pages(page: Page, live, engine) -> None:
    await sms(live, JUMP, "d1")
    await sms(live, "1234567 05123 02010", "d2")
    await log_in(page, live, "/staff/")
    assert await page.locator("svg.chart").count() == 1
    await screenshot(page, "dashboard", engine.dialect.name)
    rules = load_config(environ={}).rules
    for period in ("2026-08", "2026-09", "2026-10"):  # actual, actual, actual
        await close_period(uow_of(engine), period, rules, {"electricity": Decimal(100)},
                           today=NOW.date(), now=NOW)  # fmt: skip
    await page.goto(f"{live}/staff/accounts/1234567")
    assert "Лицевой счёт 1234567" in await page.locator("h1").inner_text()
    assert await page.locator("svg.chart rect").count() > 2
    await screenshot(page, "account", engine.dialect.name)


async def test_english_is_chosen_once_and_kept_through_login(page: Page, live) -> None:
    message = await sms(live, JUMP, "e1")
    await page.goto(f"{live}/staff/review")
    assert await page.locator("h1").inner_text() == "Вход для сотрудников"
    await page.get_by_role("link", name="English").click()
    assert await page.locator("h1").inner_text() == "Staff login"
    assert await page.locator("html").get_attribute("lang") == "en"
    await page.fill("#login", "rita")
    await page.fill("#password", "correct horse battery")
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(f"{live}/staff/review")
    card = page.locator(f"#m{message['id']}")
    await card.get_by_label("Value for E-1 Electricity, T1 (day)").fill("5100")
    await card.get_by_role("button", name="Accept these values").click()
    await page.wait_for_url(f"{live}/staff/review")
    assert await page.locator(".flash").inner_text() == f"Message {message['id']} accepted."
    await page.get_by_role("link", name="Русский").click()
    assert await page.locator("h1").inner_text() == "Очередь проверки (0)"
