"""Message parsers: pure functions from text to a parsed submission or a reason."""

from parsers.readings import ParsedReading, ParseResult, parse

__all__ = ["ParseResult", "ParsedReading", "parse"]
