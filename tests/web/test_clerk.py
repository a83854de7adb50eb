"""A review clerk works through 50 mixed items in Chromium with the keyboard alone (issue
20): accepted as parsed, corrected, reassigned to another UIN, rejected. Every key press is
counted per decision: accepting as parsed takes at most 2, a correction at most the typed
values' keys plus 2. After each decision the focus is in the next card of the queue.

On PostgreSQL only (the queue's order and counts run on both in
tests/e2e/test_review_queue.py)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import load_config
from gateway.domain.chats import ChatMessage, Photo, inbound_of
from gateway.service.receive import Intake
from storage.db import make_sessionmaker
from storage.models import AuditEntry, Message
from tests.e2e.conftest import ENV, NOW
from tests.e2e.test_review_api import AMBIGUOUS, JUMP
from tests.helpers import uow_of
from tests.web.conftest import log_in, serve
from tests.web.photo_messages import PNG
from tests.web.test_helpers import sms

pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)

# What the clerk does with each item, in queue order: 20 as parsed, 10 corrected (5 jumps
# typed anew, 5 ambiguous numbers given both values), 5 reassigned to the water account
# 7654321, 5 Telegram photos read (the UIN typed on the card, then the values), 10 rejected.
ROUND = ["accept", "correct", "accept", "reject", "ambiguous", "accept", "reassign", "accept",
         "photo", "reject"]  # fmt: skip
PLAN = (ROUND * 5)[:50]
TEXTS = {"accept": JUMP, "correct": JUMP, "reject": JUMP, "ambiguous": AMBIGUOUS,
         "reassign": JUMP}  # fmt: skip


class Keys:
    """The keyboard, counting presses: a chord (``Alt+KeyA``) is as many keys as it names."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0

    async def press(self, key: str) -> None:
        self.count += len(key.split("+"))
        await self.page.keyboard.press(key)

    async def type(self, text: str) -> None:
        """One key per character (Cyrillic too, as on a Russian layout)."""
        self.count += len(text)
        await self.page.keyboard.type(text)


async def focus_in(page: Page, message_id: int) -> None:
    await page.wait_for_function(
        "id => document.activeElement && document.activeElement.closest('#m' + id) !== null",
        arg=message_id,
    )


async def decide(page: Page, keys: Keys, kind: str, message_id: int) -> int:
    """One decision with the keyboard; how many keys it took (the value keys subtracted)."""
    typed = 0
    async with page.expect_navigation():
        if kind == "accept":
            await keys.press("Alt+KeyA")
        elif kind == "correct":
            await keys.type("5100")  # the first value is selected: typing replaces it
            typed = 4
            await keys.press("Enter")
        elif kind == "ambiguous":
            await keys.type("5123")
            await keys.press("Tab")
            await keys.type("2010")
            typed = 8
            await keys.press("Enter")
        elif kind == "reject":
            await keys.press("Alt+KeyR")
            await keys.type("не показания")
            typed = len("не показания")
            await keys.press("Enter")
        elif kind == "photo":  # the focus is in the photo card's UIN field
            await keys.type("7654321")
            await keys.press("Enter")  # loads the registers, the focus on the first
            await page.wait_for_function(
                "id => document.activeElement.id === `photo-${id}-p1`", arg=message_id
            )
            await keys.type("101.5")
            await keys.press("Tab")
            await keys.type("41")
            typed = 7 + 5 + 2
            await keys.press("Enter")
        else:  # reassign: another UIN shows its registers, then their values
            await keys.press("Alt+KeyU")
            await keys.type("7654321")
            async with page.expect_navigation():
                await keys.press("Enter")
            await focus_in(page, message_id)
            await keys.type("101.5")
            await keys.press("Tab")
            await keys.type("41")
            typed = 7 + 5 + 2
            await keys.press("Enter")
    return keys.count - typed


async def test_a_clerk_decides_50_items_with_the_keyboard_alone(
    page: Page, engine: AsyncEngine
) -> None:
    async with serve(engine) as live:
        ids = []
        config = load_config(environ=ENV)
        intake = Intake(uow_of(engine), config.rules, config.language, lambda: NOW)
        for i, kind in enumerate(PLAN):
            if kind == "photo":
                chat = ChatMessage(update_id=900 + i, chat_id=5000 + i, language="ru",
                                   photo=Photo(f"clerk-{i}", PNG))  # fmt: skip
                outcome = await intake.receive(inbound_of(chat, ""))
                assert outcome.reason == "photo", outcome
                ids.append(outcome.message_id)
                continue
            answer = await sms(live, TEXTS[kind], f"clerk{i}")
            assert answer["status"] == "review", answer
            ids.append(answer["id"])
        await log_in(page, live)
        extra: dict[str, list[int]] = {}
        for kind, message_id in zip(PLAN, ids, strict=True):
            await focus_in(page, message_id)
            keys = Keys(page)
            extra.setdefault(kind, []).append(await decide(page, keys, kind, message_id))
        await page.wait_for_url(f"{live}/staff/review")
        assert "Проверять нечего." in await page.inner_text("main")
    # accept as parsed in 2 keys; a correction in its values plus 2 at most
    assert set(extra["accept"]) == {2}
    assert max(extra["correct"] + extra["ambiguous"]) <= 2
    assert set(extra["reject"]) == {3}  # Alt+R, the reason, Enter
    assert set(extra["reassign"]) == {5}  # Alt+U, the UIN, Enter, the values, Tab, Enter
    assert set(extra["photo"]) == {3}  # the UIN, Enter, the values, Tab, Enter
    async with make_sessionmaker(engine)() as s:
        statuses = dict(
            (await s.execute(select(Message.status, func.count()).group_by(Message.status))).all()
        )
        actions = dict(
            (
                await s.execute(select(AuditEntry.action, func.count()).group_by(AuditEntry.action))
            ).all()
        )
    assert statuses == {"accepted": 40, "rejected": 10}
    assert actions == {
        "accept": 20,
        "correct": PLAN.count("correct") + PLAN.count("ambiguous"),
        "reassign": 10,  # a photo without a UIN is accepted for the one typed
        "reject": 10,
    }
