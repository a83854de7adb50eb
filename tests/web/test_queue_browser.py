"""The queue's keys in Chromium (issue 20): Alt+N and Alt+P move between cards, their first
value field focused; a second clerk's decision on an item already decided lands on the 409
page inside the staff layout, whose link to the next item takes the focus. Under the
pages' Content-Security-Policy (the script is /static/queue.js, nothing inline). On SQLite
only: the queue's queries run on both in tests/e2e/test_review_queue.py."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from tests.e2e.test_review_api import AMBIGUOUS, JUMP
from tests.e2e.test_review_queue import STEADY, STEADY_JUMP
from tests.helpers import meter, seed
from tests.web.conftest import log_in, screenshot
from tests.web.test_helpers import sms

# the keys are the script's, whatever the database: SQLite (as scripts/screenshots runs)
pytestmark = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


async def focused_card(page: Page) -> str:
    return str(
        await page.evaluate(
            "() => { const c = document.activeElement.closest('article'); return c && c.id }"
        )
    )


async def test_keys_move_between_cards_and_a_stale_decision_is_409_in_the_layout(
    page: Page, live: str, engine
) -> None:
    await seed(engine, [meter("5555555", "E-5")], STEADY)  # a usual average on the first card
    texts = [STEADY_JUMP, AMBIGUOUS, JUMP]
    ids = [(await sms(live, text, f"k{i}"))["id"] for i, text in enumerate(texts)]
    await log_in(page, live)
    assert await focused_card(page) == f"m{ids[0]}"
    assert await page.evaluate("() => document.activeElement.classList.contains('value')")
    await page.keyboard.press("Alt+KeyN")
    assert await focused_card(page) == f"m{ids[1]}"
    assert page.url.endswith(f"#m{ids[1]}")
    await page.keyboard.press("Alt+KeyP")
    assert await focused_card(page) == f"m{ids[0]}"
    await screenshot(page, "queue-keys", engine.dialect.name)

    other = await page.context.new_page()  # a second clerk (or a second tab) on the same item
    await other.goto(f"{live}/staff/messages/{ids[0]}")
    async with page.expect_navigation():
        await page.keyboard.press("Alt+KeyA")
    assert await focused_card(page) == f"m{ids[1]}"
    async with other.expect_navigation():
        await other.keyboard.press("Alt+KeyA")
    assert "уже обработано" in await other.inner_text("main .error")
    assert await other.locator("header nav a[href='/staff/review']").count() == 1
    assert await other.evaluate("() => document.activeElement.id") == "next-item"
    async with other.expect_navigation():
        await other.keyboard.press("Enter")
    assert await focused_card(other) == f"m{ids[1]}"
    await other.close()
