"""A parse in words, for ``meter-gateway parse TEXT``."""

from __future__ import annotations

from parsers.readings import ParseResult

REASONS = {
    "empty": "the message is empty",
    "no_uin": "no UIN: the message must start with the account number",
    "not_a_number": "a word that is neither a label nor a number",
    "reading_count_mismatch": "a UIN but no readings",
    "ambiguous": "a value that can be read two ways",
}


def explain(text: str, result: ParseResult) -> str:
    lines = [f"text:     {text!r}"]
    lines.append(f"UIN:      {result.uin or '-'}")
    for i, reading in enumerate(result.readings, 1):
        how = f"labelled {reading.label}" if reading.label else "by position"
        lines.append(f"reading {i}: {reading.value} ({how})")
    if result.error:
        lines.append(f"error:    {result.error} ({REASONS.get(result.error, result.error)})")
    else:
        lines.append("result:   readable; the validator matches the readings to the account")
    return "\n".join(lines)
