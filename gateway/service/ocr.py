"""Reading a meter photo with OCR (docs/channels.md, "Photos read by OCR").

The engine (``rapidocr-onnxruntime``, the ``ocr`` extra) is imported and loaded lazily, once
per process, on first use. Recognition runs in a small thread pool, off the event loop; at
most ``workers`` photos are read at once and a few more wait: past that a photo is not read
(it goes to review as it would without OCR), so a flood of photos never stalls intake. A
photo over ``max_size`` bytes or ``max_pixels`` pixels, or that is not a JPEG, PNG, WebP or
GIF Pillow can decode, is not read. What is read is a suggestion and never more: the caller
stores it in the message's meta for the customer or a clerk to confirm.
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from gateway.domain.ocr_geometry import (
    Cell,
    TextBox,
    beside,
    cells,
    gap,
    reading_row,
    split,
    suggest,
)
from gateway.domain.photos import sniff

log = logging.getLogger(__name__)

ENGINE_MODULE = "rapidocr_onnxruntime"
LONGEST_SIDE = 1600  # a phone photo is scaled down to this before reading
WAITING_PER_WORKER = 4  # photos that may wait for a worker; more are not read
RED_SHARE = 0.25  # a cell is a red drum when this share of its pixels is red
MIN_ALONE = 0.6  # the score a drum read alone needs


def available() -> bool:
    """Whether the ``ocr`` extra is installed (without importing it: that takes seconds)."""
    return importlib.util.find_spec(ENGINE_MODULE) is not None


@dataclass(frozen=True)
class OcrSettings:
    workers: int = 1
    max_size: int = 10 * 1024 * 1024
    max_pixels: int = 20_000_000


_engine: Any = None
_engine_lock = threading.Lock()


def engine() -> Any:
    """The OCR engine of this process, loaded on first use (about a second and 100 MB)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            from rapidocr_onnxruntime import RapidOCR

            # one thread per photo (the pool gives the parallelism); no rotated-text
            # classifier (a meter photo is upright within a few degrees); detection on the
            # photo scaled to 640 px at most, which keeps a drum row well readable
            _engine = RapidOCR(
                intra_op_num_threads=1,
                inter_op_num_threads=1,
                use_cls=False,
                det_limit_side_len=640,
                det_limit_type="max",
            )
        return _engine


class PhotoReader:
    """Reads photos in a bounded pool; ``read`` gives the meta to store, or None."""

    def __init__(self, settings: OcrSettings) -> None:
        self.settings = settings
        self._pool = ThreadPoolExecutor(settings.workers, thread_name_prefix="ocr")
        self._slots = asyncio.Semaphore(settings.workers)
        self._waiting = 0

    async def read(self, image: bytes, register: tuple[int, int] | None) -> dict[str, Any] | None:
        """The suggestion a photo makes for a register of ``(digits, decimals)`` (None:
        unknown, the face alone splits the reading), as ``meta["ocr"]``; None when the photo
        is not read (too large, not an image, the pool full) or shows no reading."""
        if len(image) > self.settings.max_size or sniff(image) is None:
            return None
        if self._waiting >= self.settings.workers * WAITING_PER_WORKER:
            log.warning("OCR busy: a photo goes to review unread")
            return None
        self._waiting += 1
        try:
            async with self._slots:
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(
                    self._pool, read_photo, image, register, self.settings.max_pixels
                )
        except Exception:
            log.exception("reading a photo failed")
            return None
        finally:
            self._waiting -= 1

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def read_photo(
    image: bytes, register: tuple[int, int] | None, max_pixels: int
) -> dict[str, Any] | None:
    """``PhotoReader.read`` in the calling thread (the bench and the pool call it)."""
    pixels = _decode(image, max_pixels)
    if pixels is None:
        return None
    found, _ = engine()(pixels[:, :, ::-1])  # the engine takes OpenCV's BGR order
    boxes = [
        TextBox(tuple((float(x), float(y)) for x, y in quad), str(text), float(score))  # type: ignore[arg-type]
        for quad, text, score in found or []
    ]
    row = reading_row(boxes)
    if not row:
        return None
    row_cells = cells(row)
    if register is not None and not any(c.char in ".," for c in row_cells):
        row_cells = _complete(pixels, row_cells, sum(register))
    red = [_red(pixels, c.centre, c.width, c.height) for c in row_cells]
    reading = suggest(split(row_cells, red), min(b.score for b in row), register)
    if reading is None:
        return None
    height, width = pixels.shape[:2]
    return {
        "value": reading.text,
        "confidence": reading.confidence,
        "split_by": reading.split_by,
        "register": list(register) if register else None,
        "size": [width, height],
        "boxes": [[[round(x), round(y)] for x, y in b.corners] for b in row],
    }


def _complete(pixels: Any, row_cells: list[Cell], drums: int) -> list[Cell]:
    """The row with the drums the engine missed, each read alone: one missing inside the
    row (two drums twice as far apart), then at either end (the red drums of a water meter
    often come out as a line of their own, or not at all)."""
    row_cells = list(row_cells)
    while len(row_cells) < drums and (inside := gap(row_cells)) is not None:
        at, cell = inside
        char = _read_one(pixels, cell)
        if char is None:
            break
        row_cells.insert(at, Cell(char, cell.centre, cell.width, cell.height, cell.score))
    while len(row_cells) < drums:
        for right in (True, False):
            probe = beside(row_cells, right)
            char = _read_one(pixels, probe) if probe is not None else None
            if probe is not None and char is not None:
                found = Cell(char, probe.centre, probe.width, probe.height, probe.score)
                row_cells = [*row_cells, found] if right else [found, *row_cells]
                break
        else:
            return row_cells
    return row_cells


def _read_one(pixels: Any, cell: Cell) -> str | None:
    """One drum read alone (recognition without detection): its digit, or None."""
    x, y = cell.centre
    rx, ry = int(cell.width * 0.6), int(cell.height * 0.6)
    crop = pixels[max(0, int(y) - ry) : int(y) + ry, max(0, int(x) - rx) : int(x) + rx]
    if crop.shape[0] < 8 or crop.shape[1] < 8:
        return None
    [(text, score)], _ = engine().text_rec([crop[:, :, ::-1].copy()])
    text = str(text).strip()
    return text if len(text) == 1 and text.isdigit() and score >= MIN_ALONE else None


def _decode(image: bytes, max_pixels: int) -> Any:
    """The photo as an RGB array scaled to ``LONGEST_SIDE``; None if it cannot be read."""
    import numpy
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(image)) as img:
            if img.width * img.height > max_pixels:
                return None
            img.draft("RGB", (LONGEST_SIDE, LONGEST_SIDE))  # JPEG: decode at a smaller scale
            rgb = img.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    rgb.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
    return numpy.asarray(rgb)


def _red(pixels: Any, centre: tuple[float, float], width: float, height: float) -> bool:
    """Whether the drum around ``centre`` is red: a share of its pixels clearly red."""
    x, y = centre
    rx, ry = max(2, int(width * 0.4)), max(2, int(height * 0.35))
    patch = pixels[max(0, int(y) - ry) : int(y) + ry, max(0, int(x) - rx) : int(x) + rx]
    if patch.size == 0:
        return False
    r, g, b = (patch[:, :, i].astype(int) for i in range(3))
    return bool(((r > g + 60) & (r > b + 60)).mean() >= RED_SHARE)
