"""What the bot adds to the reply to a photo OCR read (gateway/domain/chat_replies.py,
``reply_extra``): the question and its buttons only when the decider marked the photo asked
and the suggestion is still one to ask about (docs/channels.md, "Photos read by OCR")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.domain.chat_replies import reply_extra
from gateway.domain.model import Reason, Status, StoredMessage

OCR = {"value": "03127.456", "confidence": 0.93, "register": [5, 3], "size": [640, 360]}


def photo(language: str = "ru", **meta: Any) -> StoredMessage:
    return StoredMessage(
        7, "telegram", "42", "1234567", {"photo": {"file_id": "f"}, **meta}, language,
        datetime(2026, 11, 20, tzinfo=UTC), Status.REVIEW, Reason.PHOTO, "Фото получено...",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("language", "question", "buttons"),
    [
        ("ru", "На фото: 03127,456. Верно?", ["Да", "Исправить"]),
        ("en", "The photo reads 03127.456. Is that right?", ["Yes", "Correct it"]),
    ],
)
def test_an_asked_photo_is_answered_with_the_question(
    language: str, question: str, buttons: list[str]
) -> None:
    extra = reply_extra(photo(language, ocr=OCR, ocr_asked=True))
    assert extra["reply"] == question
    [row] = extra["buttons"]
    assert [b["text"] for b in row] == buttons
    assert [b["data"] for b in row] == ["ocr_yes:7", "ocr_fix:7"]


@pytest.mark.parametrize(
    "meta",
    [
        {"ocr": OCR},  # not a verified contact's: the decider did not mark it
        {"ocr": OCR, "ocr_asked": False},  # answered already
        {"ocr": {**OCR, "confidence": 0.5}, "ocr_asked": True},
        {"ocr": {**OCR, "register": None}, "ocr_asked": True},
        {"ocr_asked": True},
    ],
    ids=["unverified", "answered", "low", "several-registers", "nothing-read"],
)
def test_any_other_photo_gets_the_usual_reply(meta: dict[str, Any]) -> None:
    assert reply_extra(photo(**meta)) == {}
