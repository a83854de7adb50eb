"""A parse in words, for ``meter-gateway parse TEXT``."""

from __future__ import annotations

from parsers.result import ParsedReading, ParseResult

REASONS = {
    "empty": "the message is empty (or only a signature or a quoted email)",
    "no_uin": "no UIN: the message must start with the account number (or name it: УИН, ЛС)",
    "not_a_number": "a word or number that is neither a label nor a reading",
    "reading_count_mismatch": "a UIN but no readings",
    "ambiguous": "the message can be read more than one way; it goes to staff",
}

LABELS = {
    "T1": "zone T1",
    "T2": "zone T2",
    "T3": "zone T3",
    "day": "day (T1 of a two-zone meter)",
    "night": "night (T2)",
    "cold": "cold water",
    "hot": "hot water",
    "electricity": "electricity (a single-zone meter)",
    "gas": "gas",
    "heating": "heating",
}


def explain(text: str, result: ParseResult) -> str:
    lines = [f"text:     {text!r}"]
    lines.append(f"UIN:      {result.uin or '-'}")
    for i, reading in enumerate(result.readings, 1):
        lines.append(f"reading {i}: {_reading(reading)}")
    lines.extend(f"note:     {note}" for note in result.notes)
    if result.error:
        about = f" at {result.token!r}" if result.token else ""
        lines.append(f"error:    {result.error}{about} ({REASONS.get(result.error, result.error)})")
    else:
        lines.append("result:   readable; the validator matches the readings to the account")
    return "\n".join(lines)


def _reading(reading: ParsedReading) -> str:
    how = f"labelled {LABELS.get(reading.label, reading.label)}" if reading.label else "by position"
    text = f"{reading.value} ({how})"
    if reading.raw:
        text += f", typed {reading.raw!r}"
    if reading.candidates:
        whole, _, tail = reading.raw.rpartition(",")
        text += (
            f"; two ways: {' or '.join(reading.candidates)}, or two readings {whole} and {tail}"
            " - a register with decimals takes the decimal, else staff decide (ambiguous)"
        )
    return text
