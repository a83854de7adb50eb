"""Header values of an email as plain text, whatever the client put in them.

Headers arrive RFC 2047-encoded, folded over several lines, or as raw 8-bit bytes in a
charset nobody declared (old clients, some Russian webmail). ``header`` gives each one as
a single line of text; ``decode_bytes`` is the charset fallback it shares with bodies.
Everything here is total: what cannot be decoded comes back as close to the original as
possible, never as an exception.
"""

from __future__ import annotations

import re
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses

# Charsets Russian mail declares wrongly or not at all, tried in this order.
FALLBACK_CHARSETS = ("utf-8", "windows-1251", "koi8-r")


def header(msg: Message, name: str) -> str:
    """A header as text, also when a client sent raw 8-bit bytes instead of RFC 2047."""
    raw = next((v for k, v in msg.raw_items() if k.lower() == name), None)
    if raw is None:
        return ""
    # the stdlib keeps undecodable header bytes as lone surrogates (surrogateescape)
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        raw = decode_bytes(raw.encode("ascii", "surrogateescape"), None)
        return _unfold(decode_2047(raw))
    try:
        return _unfold(str(msg[name]))
    except Exception:
        return _unfold(decode_2047(raw))


def decode_2047(value: str) -> str:
    """RFC 2047 encoded words (``=?koi8-r?B?...?=``) decoded; ``value`` itself if broken."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        return value


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
    """The addr-spec of an address header (From, Reply-To), lower-case; "" when none."""
    value = header(msg, name)
    try:
        addresses = [addr for _, addr in getaddresses([value]) if "@" in addr]
    except Exception:
        addresses = []
    return addresses[0].strip().lower() if addresses else ""


def decode_bytes(data: bytes, declared: str | None) -> str:
    """``data`` in the declared charset, else the first of ``FALLBACK_CHARSETS`` that fits."""
    candidates = [declared] if declared and declared not in ("us-ascii", "ascii") else []
    for charset in [*candidates, *FALLBACK_CHARSETS]:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", "replace")  # unreachable: koi8-r decodes any byte
