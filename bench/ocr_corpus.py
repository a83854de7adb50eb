"""Synthetic meter photos with their true readings, for bench/ocr.py and the OCR tests.

Three faces: a water meter's drums (black drums with white digits, then red drums for the
decimals), an electricity meter's drums (all black, the last one red) and a 7-segment LCD
(dark segments, a decimal point). Each photo is then spoiled the way phone photos are:
rotation, perspective, blur, glare, a reflection, a finger or a sticker over part of the face
(never over a whole digit: a covered digit is unreadable for a person too). Deterministic:
the same seed makes the same photos, with Pillow's own bundled font (no system fonts).

    python bench/ocr_corpus.py --count 20 --out /tmp/ocr-corpus   # PNGs and truth.jsonl
"""

from __future__ import annotations

import argparse
import io
import json
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

KINDS = ("water", "electricity", "lcd")
SEGMENTS = {  # a b c d e f g (clockwise from the top, g in the middle)
    "0": "abcdef", "1": "bc", "2": "abdeg", "3": "abcdg", "4": "bcfg",
    "5": "acdfg", "6": "acdefg", "7": "abc", "8": "abcdefg", "9": "abcdfg",
}  # fmt: skip


@dataclass(frozen=True)
class Sample:
    name: str
    kind: str  # water, electricity, lcd
    digits: int  # integer drums / places
    decimals: int
    reading: str  # as printed on the face: "03127.456"
    spoil: tuple[str, ...]
    png: bytes

    @property
    def value(self) -> Decimal:
        return Decimal(self.reading)


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _drums(
    rng: random.Random, digits: int, decimals: int, red_from: int
) -> tuple[Image.Image, str]:
    """A meter face with a window of drums; drums from ``red_from`` on are red."""
    cell_w, cell_h, gap = 44, 64, 6
    n = digits + decimals
    width = n * (cell_w + gap) + 80
    face = Image.new("RGB", (width + 60, cell_h + 150), _jitter(rng, (225, 228, 232), 20))
    draw = ImageDraw.Draw(face)
    x0, y0 = 50, 60
    draw.rounded_rectangle(
        (x0 - 12, y0 - 12, x0 + n * (cell_w + gap) + 6, y0 + cell_h + 12), 8, fill=(30, 30, 34)
    )
    values = [rng.randrange(10) for _ in range(n)]
    f = font(52)
    for i, v in enumerate(values):
        left = x0 + i * (cell_w + gap)
        red = i >= red_from
        bg = _jitter(rng, (190, 25, 30), 15) if red else _jitter(rng, (15, 15, 18), 8)
        fg = (255, 255, 255) if red or rng.random() < 0.8 else (235, 235, 220)
        draw.rectangle((left, y0, left + cell_w, y0 + cell_h), fill=bg)
        draw.text((left + cell_w / 2, y0 + cell_h / 2), str(v), font=f, fill=fg, anchor="mm")
    small = font(16)
    draw.text(
        (x0, y0 + cell_h + 24), "m3" if decimals >= 2 else "kWh", font=small, fill=(40, 40, 40)
    )
    draw.text((x0 + 90, 18), f"No {rng.randrange(10**7):07d}", font=small, fill=(60, 60, 60))
    text = "".join(map(str, values))
    return face, f"{text[:digits]}.{text[digits:]}" if decimals else text


def _lcd(rng: random.Random, digits: int, decimals: int) -> tuple[Image.Image, str]:
    """A 7-segment LCD: dark segments on a grey-green glass, a point before the decimals."""
    w, h, gap, t = 34, 62, 14, 7
    n = digits + decimals
    width = n * (w + gap) + 70
    face = Image.new("RGB", (width + 40, h + 110), _jitter(rng, (70, 74, 78), 12))
    draw = ImageDraw.Draw(face)
    x0, y0 = 40, 42
    glass = _jitter(rng, (168, 182, 160), 12)
    draw.rectangle((x0 - 14, y0 - 14, x0 + n * (w + gap) + 4, y0 + h + 14), fill=glass)
    ink = _jitter(rng, (28, 32, 30), 6)
    ghost = tuple(c - 10 for c in glass)  # unlit segments faintly visible
    values = [rng.randrange(10) for _ in range(n)]
    for i, v in enumerate(values):
        left = x0 + i * (w + gap)
        for seg in "abcdefg":
            draw.polygon(
                _segment(seg, left, y0, w, h, t), fill=ink if seg in SEGMENTS[str(v)] else ghost
            )
        if decimals and i == digits - 1:
            draw.ellipse((left + w + 3, y0 + h - 8, left + w + 10, y0 + h - 1), fill=ink)
    text = "".join(map(str, values))
    return face, f"{text[:digits]}.{text[digits:]}" if decimals else text


def _segment(seg: str, x: int, y: int, w: int, h: int, t: int) -> list[tuple[float, float]]:
    m = y + h / 2
    horizontal = {"a": y, "g": m - t / 2, "d": y + h - t}
    if seg in horizontal:
        top = horizontal[seg]
        return [(x + t, top), (x + w - t, top), (x + w - t / 2, top + t / 2),
                (x + w - t, top + t), (x + t, top + t), (x + t / 2, top + t / 2)]  # fmt: skip
    left = x + w - t if seg in "bc" else x
    top, bottom = (y + t, m - 1) if seg in "bf" else (m + 1, y + h - t)
    return [(left, top), (left + t, top), (left + t, bottom), (left, bottom)]


def _jitter(rng: random.Random, rgb: tuple[int, int, int], by: int) -> tuple[int, int, int]:
    r, g, b = (max(0, min(255, c + rng.randint(-by, by))) for c in rgb)
    return (r, g, b)


def _spoil(rng: random.Random, img: Image.Image, hard: bool) -> tuple[Image.Image, list[str]]:
    done = []
    pad = Image.new("RGB", (img.width + 80, img.height + 80), _jitter(rng, (120, 120, 120), 40))
    pad.paste(img, (40, 40))
    img = pad
    if rng.random() < 0.5 or hard:  # a glare: a bright soft ellipse
        glare = Image.new("L", img.size, 0)
        gx, gy = rng.randrange(img.width), rng.randrange(img.height)
        ImageDraw.Draw(glare).ellipse((gx - 60, gy - 25, gx + 60, gy + 25), fill=150)
        img = Image.composite(Image.new("RGB", img.size, (255, 255, 250)), img,
                              glare.filter(ImageFilter.GaussianBlur(18)))  # fmt: skip
        done.append("glare")
    if rng.random() < 0.3:  # a reflection: a faint diagonal band
        band = Image.new("L", img.size, 0)
        x = rng.randrange(img.width)
        ImageDraw.Draw(band).polygon(
            [(x, 0), (x + 40, 0), (x - 60, img.height), (x - 100, img.height)], fill=70
        )
        img = Image.composite(Image.new("RGB", img.size, (250, 250, 250)), img,
                              band.filter(ImageFilter.GaussianBlur(6)))  # fmt: skip
        done.append("reflection")
    if rng.random() < 0.3:  # a finger or sticker over a corner of the face, off the digits
        d = ImageDraw.Draw(img)
        x = rng.choice((0, img.width - 90))
        d.ellipse(
            (x, img.height - 70, x + 110, img.height + 40), fill=_jitter(rng, (205, 160, 135), 15)
        )
        done.append("occlusion")
    if rng.random() < 0.4 or hard:  # perspective: one side further away
        dx = rng.randint(6, 22)
        w, h = img.size
        quad = (
            (0, 0, 0, h, w, h - dx, w, dx) if rng.random() < 0.5 else (0, dx, 0, h - dx, w, h, w, 0)
        )
        img = img.transform(img.size, Image.Transform.QUAD, quad, Image.Resampling.BILINEAR)
        done.append("perspective")
    angle = rng.uniform(-8, 8)
    img = img.rotate(angle, Image.Resampling.BICUBIC, expand=True, fillcolor=(110, 110, 110))
    done.append(f"rotate{angle:+.0f}")
    if rng.random() < 0.5 or hard:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.8, 1.8)))
        done.append("blur")
    return img, done


def sample(seed: int, kind: str | None = None) -> Sample:
    """One photo; ``kind`` water, electricity or lcd (else chosen by the seed)."""
    rng = random.Random(seed)
    kind = kind or KINDS[seed % len(KINDS)]
    if kind == "water":
        digits, decimals = 5, 3
        face, reading = _drums(rng, digits, decimals, red_from=digits)
    elif kind == "electricity":
        digits, decimals = 5, 1
        face, reading = _drums(rng, digits, decimals, red_from=digits)
    else:
        digits, decimals = rng.choice(((5, 1), (6, 2), (5, 2)))
        face, reading = _lcd(rng, digits, decimals)
    img, spoil = _spoil(rng, face, hard=seed % 7 == 0)
    out = io.BytesIO()
    img.save(out, "PNG", optimize=True)
    return Sample(
        f"{seed:04d}-{kind}", kind, digits, decimals, reading, tuple(spoil), out.getvalue()
    )


def corpus(count: int, seed: int = 1) -> list[Sample]:
    return [sample(seed * 10_000 + i) for i in range(count)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "truth.jsonl").open("w") as truth:
        for s in corpus(args.count, args.seed):
            (args.out / f"{s.name}.png").write_bytes(s.png)
            row = {
                "file": f"{s.name}.png",
                "kind": s.kind,
                "digits": s.digits,
                "decimals": s.decimals,
                "reading": s.reading,
                "spoil": list(s.spoil),
            }
            truth.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
