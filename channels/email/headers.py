"""Header values of an email as plain text, whatever the client put in them.

Headers arrive RFC 2047-encoded, folded over several lines, or as raw 8-bit bytes in a
charset nobody declared (old clients, some Russian webmail). ``header`` gives each one as
a single line of text; ``decode_bytes`` (``charset``) is the charset detection it
shares with bodies.
Everything here is total: what cannot be decoded comes back as close to the original as
possible, never as an exception.
"""

from __future__ import annotations

import re
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses

from channels.email.charset import decode_bytes


def header(msg: Message, name: str) -> str:
    """A header as text, also when a client sent raw 8-bit bytes instead of RFC 2047, or
    encoded words in a charset they are not in: decoded here from the raw value, each run
    of bytes in its own charset (``decode_bytes``), not by the stdlib's header classes."""
    return _unfold(decode_2047(raw_header(msg, name)))


def raw_header(msg: Message, name: str) -> str:
    """The first ``name`` header as sent, encoded words still encoded ("" when none); raw
    8-bit bytes are decoded (``decode_bytes``)."""
    raw = next((v for k, v in msg.raw_items() if k.lower() == name), None)
    if raw is None:
        return ""
    # the stdlib keeps undecodable header bytes as lone surrogates (surrogateescape)
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        raw = decode_bytes(raw.encode("ascii", "surrogateescape"), None)
    return raw


def decode_2047(value: str) -> str:
    """RFC 2047 encoded words (``=?koi8-r?B?...?=``) decoded, each run of words in its
    charset (detected when that is unknown or wrong); ``value`` itself if broken."""
    if "=?" not in value:
        return value
    try:
        chunks = decode_header(value)
    except Exception:
        return value
    return "".join(
        chunk
        if isinstance(chunk, str)
        # text outside encoded words comes back as raw-unicode-escape bytes: undo that
        else chunk.decode("raw-unicode-escape", "replace")
        if charset is None
        else decode_bytes(chunk, charset)
        for chunk, charset in chunks
    )


def _unfold(value: str) -> str:
    return " ".join(value.split())


def msg_ids(value: str) -> list[str]:
    """The ids of a Message-ID, References or In-Reply-To header, with angle brackets
    (added when a client left them out)."""
    ids: list[str] = re.findall(r"<[^<>\s]+>", value)
    if ids:
        return ids
    return [f"<{value.strip()}>"] if value.strip() and " " not in value.strip() else []


def from_address(msg: Message, name: str = "from") -> str:
    """The addr-spec of an address header (From, Reply-To), lower-case; "" when none. Read
    from the raw value: a display name decoded first could pose as an address."""
    value = _unfold(raw_header(msg, name))
    try:
        addresses = [addr for _, addr in getaddresses([value]) if "@" in addr]
    except Exception:
        addresses = []
    return addresses[0].strip().lower() if addresses else ""
