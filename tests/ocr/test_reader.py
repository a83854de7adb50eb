"""The photo reader with the real engine (the ocr extra) on generated meter photos
(tests/fixtures/ocr/, made by bench/ocr_corpus.py): the reading, and the photos it does not
read (too large, not an image, no digits, the pool full) without blocking the event loop."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

import pytest

from gateway.service.ocr import OcrSettings, PhotoReader, read_photo
from tests.web.photo_messages import JPEG, NOT_AN_IMAGE, png

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ocr"
TRUTH = {row["file"]: row for row in json.loads((FIXTURES / "truth.json").read_text())}


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_the_reading_on_the_photo_is_suggested(name: str) -> None:
    truth = TRUTH[name]
    found = read_photo((FIXTURES / name).read_bytes(), (truth["digits"], truth["decimals"]), 10**7)
    assert found is not None and found["value"] == truth["reading"], (truth, found)
    assert 0.5 <= found["confidence"] <= 1
    width, height = found["size"]
    for corners in found["boxes"]:  # the boxes drawn over the photo lie on it
        assert len(corners) == 4
        assert all(-5 <= x <= width + 5 and -5 <= y <= height + 5 for x, y in corners)


def test_red_drums_are_the_decimals_without_a_register() -> None:
    found = read_photo((FIXTURES / "10005-water.png").read_bytes(), None, 10**7)
    assert found is not None and Decimal(found["value"]) == Decimal("47505.815"), found
    assert found["split_by"] == "colour"


async def test_photos_that_are_not_read() -> None:
    reader = PhotoReader(OcrSettings(workers=1, max_size=200_000, max_pixels=1_000_000))
    photo = (FIXTURES / "10003-electricity.png").read_bytes()
    try:
        assert await reader.read(NOT_AN_IMAGE, None) is None
        assert await reader.read(JPEG, None) is None  # a JPEG's header only: not decodable
        assert await reader.read(png(1200, 1000), None) is None  # over max_pixels
        assert await reader.read(png(320, 200), None) is None  # no digits on it
        assert await reader.read(photo + b"\0" * 200_000, (5, 1)) is None  # over max_size
        assert (await reader.read(photo, (5, 1)) or {}).get("value") == "26647.4"
    finally:
        reader.close()


async def test_a_flood_of_photos_is_bounded_and_the_loop_runs_meanwhile() -> None:
    reader = PhotoReader(OcrSettings(workers=1))
    photo = (FIXTURES / "10004-lcd.png").read_bytes()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    try:
        found = await asyncio.gather(*(reader.read(photo, (5, 2)) for _ in range(8)))
    finally:
        ticker.cancel()
        reader.close()
    read = [f for f in found if f is not None]
    assert len(read) == 4  # one worker, four may wait: the others are not read at all
    assert all(f["value"] == "60822.19" for f in read)
    assert ticks > 100  # the loop went on while photos were read in the pool
