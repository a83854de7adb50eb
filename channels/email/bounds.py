"""The one place where an email is bounded before the standard library's parser sees it.

The stdlib's header parser costs time and memory that grow with the square of a header's
length (a folded ``Subject:`` of many encoded words: 150 KB took 300 MB, 1.4 MB took the
process down), and its line-by-line reader costs a Python loop per line. So the parser is
never given the raw message, only a bounded view of it (``bound``):

- of the top-level header block, only the headers the gateway reads (``READ``), the first
  of each, found in the first ``MAX_HEAD`` bytes; each at most ``MAX_HEADER`` bytes and
  ``MAX_WORDS`` RFC 2047 encoded words. A header over a bound is left out of the view (never
  cut: half a subject could read as a wrong number) and named in ``Bounded.cut``;
- of the body, at most ``MAX_BODY`` bytes and ``MAX_LINES`` lines (people write the readings
  at the top; attachments past that are not listed);
- every header of a MIME part passes the same check (``POLICY``) as the parser reads it.

Everything here works on bytes with C-speed scans (regular expressions, ``find``), so a
10 MB hostile mail costs milliseconds. The message itself is stored whole, as received.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email.policy import EmailPolicy

# The headers any of the email modules read; the view holds nothing else.
READ = (
    "from", "reply-to", "subject", "date", "message-id", "references", "in-reply-to",
    "received", "return-path", "auto-submitted", "precedence", "x-autoreply",
    "x-autorespond", "list-id", "mime-version", "content-type", "content-transfer-encoding",
    "content-disposition",
)  # fmt: skip
MAX_HEADER = 16 * 1024  # bytes of one header, folded lines included (RFC 5322: 998 a line)
MAX_WORDS = 64  # encoded words in one header (a long Cyrillic subject takes about ten)
MAX_HEAD = 256 * 1024  # bytes of the header block searched for the headers in READ
MAX_BODY = 1024 * 1024  # bytes of the body the parser reads
MAX_LINES = 10_000  # lines of the body the parser reads

# a line that is neither a header nor a continuation starts the body, as in the stdlib
_NOT_HEADER = re.compile(rb"^(?!From |[\x21-\x39\x3b-\x7e]*:|[ \t])", re.M)
_NAMES = re.compile(rb"^(" + b"|".join(n.encode() for n in READ) + rb")[ \t]*:", re.M | re.I)
_NEXT = re.compile(rb"\n(?![ \t])")
_DIGESTED = ("from", "subject", "date")


@dataclass(frozen=True)
class Bounded:
    view: bytes  # what the stdlib parser is given
    cut: tuple[str, ...]  # what was left out of the view and why, for the message's meta
    digest: str  # the content: who, subject, date and body; the same however delivered


def too_big(value: str) -> bool:
    """A header value over ``MAX_HEADER`` characters or ``MAX_WORDS`` encoded words."""
    return len(value) > MAX_HEADER or value.count("=?") > MAX_WORDS


def bound(raw: bytes) -> Bounded:
    """The bounded view of ``raw`` for the parser, what it leaves out, and the digest."""
    head, body = split(raw)
    cut: list[str] = []
    kept: dict[str, bytes] = {}
    for m in _NAMES.finditer(head, 0, MAX_HEAD):
        name = m.group(1).decode().lower()
        if name in kept or any(c.startswith(f"{name}:") for c in cut):
            continue  # the first of each, as the parser reads it
        nxt = _NEXT.search(head, m.start())
        end = nxt.start() + 1 if nxt else len(head)
        words = head.count(b"=?", m.start(), end)
        if end - m.start() > MAX_HEADER or words > MAX_WORDS:
            cut.append(f"{name}: {end - m.start()} bytes, {words} encoded words")
        else:
            kept[name] = head[m.start() : end].rstrip(b"\r\n") + b"\r\n"
    if len(head) > MAX_HEAD:
        cut.append(f"headers: {len(head)} bytes, searched the first {MAX_HEAD}")
    shown = body_view(body)
    if len(shown) < len(body):
        cut.append(f"body: {len(body)} bytes, read the first {len(shown)}")
    view = b"".join(kept.values()) + b"\r\n" + shown
    return Bounded(view, tuple(cut), digest(kept, body))


def split(raw: bytes) -> tuple[bytes, bytes]:
    """The header block and the body, where the stdlib's parser would split them (a line
    that is not a header starts the body; looked for in the first ``MAX_HEAD`` bytes)."""
    if raw.startswith((b"\n", b"\r\n")):
        return b"", raw.split(b"\n", 1)[1]
    ends = [(i, i + len(sep)) for sep in (b"\n\n", b"\n\r\n") if (i := raw.find(sep)) >= 0]
    start, stop = min(ends) if ends else (len(raw), len(raw))
    odd = _NOT_HEADER.search(raw, 0, min(start, MAX_HEAD))
    if odd is not None and odd.start() < start:
        return raw[: odd.start()], raw[odd.start() :]
    return raw[:start], raw[stop:]


def body_view(body: bytes) -> bytes:
    """The first ``MAX_BODY`` bytes and ``MAX_LINES`` lines of ``body``, cut at a line end."""
    if len(body) <= MAX_BODY and body.count(b"\n") <= MAX_LINES:
        return body
    end = min(len(body), MAX_BODY)
    if body.count(b"\n", 0, end) > MAX_LINES:
        low, high = 0, end  # the shortest prefix holding MAX_LINES line ends
        while low < high:
            mid = (low + high) // 2
            low, high = (mid + 1, high) if body.count(b"\n", 0, mid) < MAX_LINES else (low, mid)
        end = low
    cut = body.rfind(b"\n", 0, end)
    return body[: cut + 1 if cut >= 0 else end]


def digest(kept: dict[str, bytes], body: bytes) -> str:
    """The sha256 of the sender, subject, date and body: two deliveries of one mail (an MTA's
    retry, SMTP and IMAP, another relay adding its ``Received:``) share it, two mails that
    share only a ``Message-ID`` do not. Line ends and folding do not count."""
    h = hashlib.sha256()
    for name in _DIGESTED:
        value = kept.get(name, b"").partition(b":")[2]
        h.update(b" ".join(value.split()) + b"\n")
    step = 1 << 20  # a chunk at a time: no copy of a large body
    for i in range(0, len(body), step):
        h.update(body[i : i + step].translate(None, b"\r"))
    return "sha256:" + h.hexdigest()


class _BoundedPolicy(EmailPolicy):
    """``policy.default`` whose every header, of the message and of each MIME part, is
    checked as the parser reads it: one over a bound is read as empty."""

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        return (name, "") if too_big(value) else (name, value)


POLICY = _BoundedPolicy()
