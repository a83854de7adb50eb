"""Photos of meters kept with their messages, as staff see them (docs/staff.md, "Photos").

Where a message keeps its images: a Telegram photo is the message's ``raw`` bytes (its meta
``photo`` is a dict); an email keeps the whole mail in ``raw`` and lists its attachments in
meta ``attachments`` (the images among them are the photos); an MMS's media stay at the
provider (meta ``media``, links only). The type served is the one the bytes show, never the
one a sender declared.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# (magic bytes at the start, or at an offset) -> the content type they prove
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
)


def sniff(data: bytes) -> str | None:
    """The image type ``data`` really is (JPEG, PNG, WebP, GIF); None for anything else."""
    for offset, magic, kind in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class PhotoRef:
    """One photo a message holds: ``index`` among its images (the URL's), a name to show."""

    index: int
    name: str


@dataclass(frozen=True)
class ExternalMedia:
    """A file kept at the SMS provider: a link only (fetching it needs the provider's key)."""

    url: str
    content_type: str


def stored_photos(meta: Mapping[str, Any]) -> list[PhotoRef]:
    """The photos the gateway itself holds for a message with this meta, in order."""
    photo = meta.get("photo")
    if isinstance(photo, Mapping) and photo.get("stored_in") == "raw":
        return [PhotoRef(0, "telegram")]
    images = [
        a
        for a in meta.get("attachments") or []
        if isinstance(a, Mapping) and str(a.get("content_type", "")).startswith("image/")
    ]
    # the last attachment of a mail cut at its bound is partial: its bytes are not all there
    return [
        PhotoRef(i, str(a.get("filename") or ""))
        for i, a in enumerate(images)
        if not a.get("partial")
    ]


def other_attachments(meta: Mapping[str, Any]) -> list[str]:
    """The attachments that are not photos, as names to show (never as links)."""
    out = []
    for a in meta.get("attachments") or []:
        if isinstance(a, Mapping) and not str(a.get("content_type", "")).startswith("image/"):
            out.append(f"{a.get('filename') or '—'} ({a.get('content_type')}, {a.get('size')} B)")
    return out


def external_media(meta: Mapping[str, Any]) -> list[ExternalMedia]:
    """An MMS's media at the provider; only http(s) URLs (never ``javascript:``)."""
    out = []
    for m in meta.get("media") or []:
        if not isinstance(m, Mapping):
            continue
        url = str(m.get("url", ""))
        if url.startswith(("https://", "http://")):
            out.append(ExternalMedia(url, str(m.get("content_type", ""))))
    return out


_READING = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,6})?")  # as the face shows it: 03127.456
# the confidence from which a suggestion is put to the customer as a question (docs/channels.md,
# "Photos read by OCR"): a row short of a drum (x0.6) never reaches it
ASK_FROM = 0.7


@dataclass(frozen=True)
class OcrMark:
    """What OCR read on a message's first photo (meta ``ocr``; docs/channels.md, "Photos
    read by OCR"), as the staff card shows it: the suggestion pre-filled with an "OCR"
    mark, the boxes drawn over the photo (SVG points in the photo's ``size``)."""

    value: str
    percent: int  # the confidence
    size: tuple[int, int]
    polygons: tuple[str, ...]


def ocr_mark(meta: Mapping[str, Any]) -> OcrMark | None:
    """The OCR suggestion stored with a message; None when there is none or it is not
    one (meta is data: every part is checked before a page shows it)."""
    found = meta.get("ocr")
    if not isinstance(found, Mapping):
        return None
    value, confidence, size = found.get("value"), found.get("confidence"), found.get("size")
    if not isinstance(value, str) or not _READING.fullmatch(value):
        return None
    if not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
        return None
    if not (isinstance(size, list) and len(size) == 2 and all(_number(n) for n in size)):
        return None
    polygons = []
    for corners in found.get("boxes") or []:
        if isinstance(corners, list) and all(
            isinstance(p, list) and len(p) == 2 and all(_number(n) for n in p) for p in corners
        ):
            polygons.append(" ".join(f"{int(x)},{int(y)}" for x, y in corners))
    return OcrMark(value, round(confidence * 100), (int(size[0]), int(size[1])), tuple(polygons))


def _number(n: object) -> bool:
    return isinstance(n, int | float) and not isinstance(n, bool) and abs(n) < 100_000


def ocr_question(meta: Mapping[str, Any] | None) -> str | None:
    """The suggestion a customer may be asked to confirm (as on the face: ``03127.456``):
    read for the account's one register, with at least ``ASK_FROM`` confidence; else None
    (the photo goes to review as it is)."""
    mark = ocr_mark(meta or {})
    found = (meta or {}).get("ocr")
    if mark is None or not isinstance(found, Mapping) or not found.get("register"):
        return None
    return mark.value if float(found["confidence"]) >= ASK_FROM else None
