"""What a queue card shows of one item (docs/staff.md, "A card"): the parse, and per
register the last accepted reading, the value to accept (prefilled from the parse), the
consumption it means, the register's usual monthly consumption and the ratio of the two."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.domain.model import Register, plain
from gateway.domain.periods import consumption, months_between, period_of
from gateway.domain.rules import Rules
from gateway.domain.staff import ReviewItem
from gateway.domain.validation import match_registers
from gateway.http.texts import register_label
from gateway.service.queue_queries import QueueEntry
from parsers import ParseResult, parse


def has_photo(item: ReviewItem) -> bool:
    """A photo of the meter came with the message (kept with it, or an MMS link): the card
    carries the photo partial (docs/staff.md, "Photos")."""
    return bool(item.photos or item.media)


def _prefill(parsed: ParseResult, registers: tuple[Register, ...]) -> dict[tuple[str, int], str]:
    """The parse's value for each register it matches, unless the value is ambiguous there."""
    out: dict[tuple[str, int], str] = {}
    if parsed.error is None:
        for reg, reading in match_registers(parsed.readings, registers, True) or ():
            if not reading.candidates or reg.decimals:
                out[(reg.meter, reg.zone)] = reading.value
    return out


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _figures(
    reg: Register, value: str, average: Decimal | None, period: str, rules: Rules
) -> dict[str, Any]:
    """Consumption of ``value`` since the last accepted reading, over how many months, and
    its ratio to the usual monthly consumption for as many months."""
    out: dict[str, Any] = {"used": None, "months": None, "ratio": None}
    last, typed = reg.last, _number(value)
    if last is None or typed is None:
        return out
    used = consumption(last.value, typed, reg.digits)
    months = max(months_between(period_of(last.taken_on, rules.cutoff_day), period), 1)
    out.update(used=None if used is None else plain(used), months=months)
    if used is not None and average:
        out["ratio"] = f"{used / (average * months):.1f}"
    return out


def card_view(
    entry: QueueEntry,
    lang: str,
    rules: Rules,
    reassigning: bool = False,
    typed: dict[tuple[str, int], str] | None = None,
) -> dict[str, Any]:
    """The template's view of one item. ``reassigning``: the registers are those of the
    account the reviewer typed (nothing prefilled from the parse); ``typed``: the values a
    decision that failed was given, shown again."""
    item = entry.item
    parsed = parse(item.text)
    prefill = typed or ({} if reassigning else _prefill(parsed, entry.registers))
    ocr = item.ocr if len(entry.registers) == 1 and not prefill else None
    if ocr is not None:  # the photo's reading, pre-filled: accepting it is one key (Enter)
        prefill = {(entry.registers[0].meter, entry.registers[0].zone): ocr.value}
    candidates = {(a.get("meter"), a.get("zone")): a.get("candidates") for a in item.ambiguous}
    period = period_of(entry.day, rules.cutoff_day)
    rows = []
    for reg, average in zip(entry.registers, entry.averages, strict=True):
        value = prefill.get((reg.meter, reg.zone), "")
        rows.append(
            {
                "meter": reg.meter,
                "zone": reg.zone,
                "label": register_label(reg.service, reg.zone, reg.zones, lang),
                "last": reg.last,
                "value": value,
                "decimals": reg.decimals,
                "candidates": candidates.get((reg.meter, reg.zone)) or [],
                "average": None if average is None else plain(average),
                "ocr": ocr,
                **_figures(reg, value, average, period, rules),
            }
        )
    return {
        "item": item,
        "m": item.record,
        "parsed": parsed,
        "uin": entry.uin,
        "verified": entry.verified,
        # the account the photo partial loads at once (a verified contact's, once known); not
        # when the card lists the message's own account's registers already, but the UIN
        # typed before when the card comes back from a refused decision (it must be sent)
        "suggested_uin": (entry.uin if reassigning or not rows else None) or entry.suggested,
        "reassigning": reassigning,
        "photo": has_photo(item),
        "registers": rows,
    }
