"""CSV imports of accounts and reading history (docs/operations.md, "Commands"), all or nothing.

The whole file is read and checked first; only a file without a single bad row is written,
in one transaction. Errors name the row as a spreadsheet shows it (the header is row 1).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from gateway.domain.model import SERVICES
from gateway.domain.records import MeterRow, ReadingRow

ACCOUNT_COLUMNS = [
    "uin",
    "meter",
    "position",
    "service",
    "zones",
    "digits",
    "decimals",
    "verified_until",
    "residents",
    "status",
]
READING_COLUMNS = ["uin", "meter", "zone", "date", "value"]


class CsvImportError(Exception):
    """A file that cannot be imported; the message is one line naming the row."""


def read_rows(path: Path, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CsvImportError(f"{path}: no such file") from None
    except OSError as e:
        raise CsvImportError(f"{path}: cannot read ({e.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CsvImportError(f"{path}: not UTF-8 (byte {e.start})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in columns if c not in header]
    if missing:
        raise CsvImportError(f"{path}: row 1: missing column(s) {', '.join(missing)}")
    reader.fieldnames = header
    out = []
    try:
        for record in reader:
            if None in record:
                raise CsvImportError(f"{path}: row {reader.line_num}: too many fields")
            if all(not (v or "").strip() for v in record.values()):
                continue
            out.append((reader.line_num, {k: (v or "").strip() for k, v in record.items()}))
    except csv.Error as e:
        raise CsvImportError(f"{path}: row {reader.line_num}: {e}") from None
    if not out:
        raise CsvImportError(f"{path}: no data rows")
    return out


def int_field(rec: Mapping[str, str], key: str, low: int, high: int) -> int:
    try:
        value = int(rec[key])
    except ValueError:
        raise ValueError(f"{key} must be a whole number, got {rec[key]!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{key} must be between {low} and {high}, got {value}")
    return value


def date_field(text: str, key: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{key} must be a date YYYY-MM-DD, got {text!r}") from None


def read_accounts(path: Path) -> list[MeterRow]:
    rows: list[MeterRow] = []
    seen: dict[tuple[str, str], int] = {}
    account_of: dict[str, MeterRow] = {}
    for line, rec in read_rows(path, ACCOUNT_COLUMNS):
        try:
            if not rec["uin"].isdigit():
                raise ValueError(f"uin must be digits, got {rec['uin']!r}")
            if not rec["meter"]:
                raise ValueError("meter is empty")
            if rec["service"] not in SERVICES:
                raise ValueError(
                    f"service must be one of {'|'.join(SERVICES)}, got {rec['service']!r}"
                )
            if rec["status"] not in ("open", "closed"):
                raise ValueError(f"status must be open or closed, got {rec['status']!r}")
            row = MeterRow(
                row=line,
                uin=rec["uin"],
                meter=rec["meter"],
                position=int_field(rec, "position", 1, 99),
                service=rec["service"],
                zones=int_field(rec, "zones", 1, 3),
                digits=int_field(rec, "digits", 1, 12),
                decimals=int_field(rec, "decimals", 0, 4),
                verified_until=date_field(rec["verified_until"], "verified_until")
                if rec["verified_until"]
                else None,
                residents=int_field(rec, "residents", 0, 1000),
                status=rec["status"],
                failed_on=date_field(rec["failed_on"], "failed_on")
                if rec.get("failed_on")
                else None,
            )
            key = (row.uin, row.meter)
            if key in seen:
                raise ValueError(f"meter {row.meter} of {row.uin} already on row {seen[key]}")
            seen[key] = line
            first = account_of.setdefault(row.uin, row)
            if (first.residents, first.status) != (row.residents, row.status):
                raise ValueError(f"residents/status differ from row {first.row} of the same uin")
        except ValueError as e:
            raise CsvImportError(f"{path}: row {line}: {e}") from None
        rows.append(row)
    return rows


def read_readings(path: Path) -> list[ReadingRow]:
    rows: list[ReadingRow] = []
    for line, rec in read_rows(path, READING_COLUMNS):
        try:
            try:
                value = Decimal(rec["value"])
            except InvalidOperation:
                raise ValueError(f"value must be a number, got {rec['value']!r}") from None
            if not value.is_finite() or value < 0:
                raise ValueError(f"value must be a non-negative number, got {rec['value']!r}")
            rows.append(
                ReadingRow(
                    row=line,
                    uin=rec["uin"],
                    meter=rec["meter"],
                    zone=int_field(rec, "zone", 1, 3),
                    taken_on=date_field(rec["date"], "date"),
                    value=value,
                )
            )
        except ValueError as e:
            raise CsvImportError(f"{path}: row {line}: {e}") from None
    return rows
