"""An HTML-only email body -> plain lines the reading parser can look at.

Gmail, webmail and phones often send HTML alone (SPEC section 2: "text/html converted").
Blocks become lines, ``<blockquote>`` becomes ``>`` lines (so the quote of an earlier email
is dropped like a plain-text one), scripts and styles vanish.
"""

from __future__ import annotations

import logging
from html.parser import HTMLParser

log = logging.getLogger(__name__)


class _HtmlText(HTMLParser):
    """HTML -> plain lines: blocks become lines, quotes become ``>`` lines (dropped later),
    scripts and styles vanish. Entities are resolved by the parser."""

    BLOCKS = frozenset(
        {
            "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
            "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
            "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
        }
    )  # fmt: skip
    SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote_depth = 0
        self.skip_depth = 0

    def flush(self) -> None:
        line = " ".join("".join(self.current).split())
        self.lines.append(("> " if self.quote_depth else "") + line if line else "")
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip_depth += 1
        elif tag in self.BLOCKS:
            self.flush()
        if tag == "blockquote":
            self.quote_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in self.BLOCKS:
            self.flush()
        if tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.current.append(data)


def html_to_text(html: str) -> str:
    """The text of ``html``, one line per block, runs of empty lines collapsed to one."""
    converter = _HtmlText()
    try:
        converter.feed(html)
        converter.close()
    except Exception:  # HTMLParser is lenient; keep whatever it had read
        log.warning("HTML body could not be fully converted")
    converter.flush()
    lines: list[str] = []
    for line in converter.lines:
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip()
