"""Message parsers: pure functions from text to a parsed submission or a reason."""

from parsers.readings import parse
from parsers.result import ParsedReading, ParseResult

__all__ = ["ParseResult", "ParsedReading", "parse"]
