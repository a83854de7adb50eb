"""The rows of the three event imports (docs/billing.md, "Events"): replacements, acts,
residents. One parser per kind reads a record of text fields, from a CSV row or an API list
item alike, so both say the same ``row N: why``; checks against the stored meters are
``gateway.service.events``'."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar

from gateway.domain.events import Act, ActRow, ReplacementRow, ResidentsRow
from gateway.service.csv_files import CsvImportError, date_field, int_field, read_rows

REPLACEMENT_COLUMNS = [
    "uin",
    "meter",
    "zone",
    "removed_on",
    "removal_value",
    "new_meter",
    "installed_on",
    "installation_value",
    "verified_until",
    "digits",
    "decimals",
]
ACT_COLUMNS = ["uin", "meter", "zone", "date", "act", "value"]
RESIDENTS_COLUMNS = ["uin", "date", "residents", "owners"]
ACTS = "|".join(Act)

Row = TypeVar("Row", ReplacementRow, ActRow, ResidentsRow)


class RowError(Exception):
    """A row that cannot be imported; ``str()`` is the why, ``row`` the row."""

    def __init__(self, row: int, why: str) -> None:
        super().__init__(why)
        self.row = row


def _uin(rec: Mapping[str, str]) -> str:
    if not rec["uin"].isdigit():
        raise ValueError(f"uin must be digits, got {rec['uin']!r}")
    return rec["uin"]


def _meter(rec: Mapping[str, str], key: str = "meter") -> str:
    if not rec[key]:
        raise ValueError(f"{key} is empty")
    return rec[key]


def _value(rec: Mapping[str, str], key: str) -> Decimal | None:
    if not rec[key]:
        return None
    try:
        value = Decimal(rec[key])
    except InvalidOperation:
        raise ValueError(f"{key} must be a number, got {rec[key]!r}") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{key} must be a non-negative number, got {rec[key]!r}")
    return value


def _optional_int(rec: Mapping[str, str], key: str, low: int, high: int) -> int | None:
    return int_field(rec, key, low, high) if rec[key] else None


def _optional_date(rec: Mapping[str, str], key: str) -> date | None:
    return date_field(rec[key], key) if rec[key] else None


def parse_replacement(row: int, rec: Mapping[str, str]) -> ReplacementRow:
    removal = _value(rec, "removal_value")
    if removal is None:
        raise ValueError("removal_value is empty")
    if not rec["removed_on"]:
        raise ValueError("removed_on is empty")
    out = ReplacementRow(
        row=row,
        uin=_uin(rec),
        meter=_meter(rec),
        zone=int_field(rec, "zone", 1, 3),
        removed_on=date_field(rec["removed_on"], "removed_on"),
        removal_value=removal,
        new_meter=rec["new_meter"] or None,
        installed_on=_optional_date(rec, "installed_on"),
        installation_value=_value(rec, "installation_value"),
        verified_until=_optional_date(rec, "verified_until"),
        digits=_optional_int(rec, "digits", 1, 12),
        decimals=_optional_int(rec, "decimals", 0, 4),
    )
    installed = (out.new_meter, out.installed_on, out.installation_value)
    if any(v is not None for v in installed) and any(v is None for v in installed):
        raise ValueError("new_meter, installed_on and installation_value go together")
    if out.new_meter == out.meter:
        raise ValueError(f"new_meter must differ from meter {out.meter}")
    if out.installed_on is not None and out.installed_on < out.removed_on:
        raise ValueError(f"installed on {out.installed_on}, before removed on {out.removed_on}")
    return out


def parse_act(row: int, rec: Mapping[str, str]) -> ActRow:
    if rec["act"] not in set(Act):
        raise ValueError(f"act must be one of {ACTS}, got {rec['act']!r}")
    act = Act(rec["act"])
    if not rec["date"]:
        raise ValueError("date is empty")
    value = _value(rec, "value")
    if act in (Act.INSPECTION, Act.RECOMMISSIONED) and value is None:
        raise ValueError(f"an {act} act needs a value")
    if act == Act.ACCESS_REFUSED and value is not None:
        raise ValueError("an access_refused act has no value")
    return ActRow(
        row=row,
        uin=_uin(rec),
        meter=_meter(rec),
        zone=int_field(rec, "zone", 1, 3),
        acted_on=date_field(rec["date"], "date"),
        act=act,
        value=value,
    )


def parse_residents(row: int, rec: Mapping[str, str]) -> ResidentsRow:
    if not rec["date"]:
        raise ValueError("date is empty")
    return ResidentsRow(
        row=row,
        uin=_uin(rec),
        since=date_field(rec["date"], "date"),
        residents=int_field(rec, "residents", 0, 1000),
        owners=_optional_int(rec, "owners", 1, 1000),
    )


def parse_all(
    records: Sequence[tuple[int, Mapping[str, str]]],
    parse: Callable[[int, Mapping[str, str]], Row],
    key: Callable[[Row], tuple[object, ...]],
) -> list[Row]:
    """Every record parsed, or a ``RowError`` for the first bad one (a key twice too)."""
    out: list[Row] = []
    seen: dict[tuple[object, ...], int] = {}
    for line, rec in records:
        try:
            row = parse(line, rec)
        except ValueError as e:
            raise RowError(line, str(e)) from None
        first = seen.setdefault(key(row), line)
        if first != line:
            raise RowError(line, f"the same {'/'.join(map(str, key(row)))} as row {first}")
        out.append(row)
    return out


def replacement_key(r: ReplacementRow) -> tuple[object, ...]:
    return (r.uin, r.meter, r.zone, r.removed_on)


def act_key(r: ActRow) -> tuple[object, ...]:
    return (r.uin, r.meter, r.zone, r.acted_on, r.act)


def residents_key(r: ResidentsRow) -> tuple[object, ...]:
    return (r.uin, r.since)


def read_file(
    path: Path,
    columns: list[str],
    parse: Callable[[int, Mapping[str, str]], Row],
    key: Callable[[Row], tuple[object, ...]],
) -> list[Row]:
    try:
        return parse_all(read_rows(path, columns), parse, key)
    except RowError as e:
        raise CsvImportError(f"{path}: row {e.row}: {e}") from None
