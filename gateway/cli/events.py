"""``replacements import``, ``acts import``, ``residents import`` (docs/billing.md, "Events")."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from gateway.app.factory import run_with_database
from gateway.config import Config
from gateway.domain.clock import utc_now
from gateway.service import event_rows as er
from gateway.service.csv_files import CsvImportError
from gateway.service.events import record_acts, record_replacements, record_residents
from storage.db import Database

GROUPS = (
    ("replacements", "meter replacements"),
    ("acts", "inspection, access refused, failure and recommissioning acts"),
    ("residents", "changes in the number of residents"),
)


def add_commands(sub: Any, config_opt: argparse.ArgumentParser) -> None:
    for name, what in GROUPS:
        group = sub.add_parser(name, help=what).add_subparsers(dest="action", required=True)
        imp = group.add_parser("import", parents=[config_opt], help=f"import {what} from CSV")
        imp.add_argument("file", type=Path)


def _run(config: Config, path: Path, write: Callable[[Database], Awaitable[int]]) -> int:
    async def checked(db: Database) -> int:
        try:
            return await write(db)
        except er.RowError as e:
            raise CsvImportError(f"{path}: row {e.row}: {e}") from None

    return run_with_database(config, checked)


def cmd_replacements_import(args: argparse.Namespace, config: Config) -> int:
    rows = er.read_file(args.file, er.REPLACEMENT_COLUMNS, er.parse_replacement, er.replacement_key)
    now = utc_now()
    done = _run(config, args.file, lambda db: record_replacements(db.uow, rows, now))
    print(f"imported {done} replacement row(s) from {args.file}")
    return 0


def cmd_acts_import(args: argparse.Namespace, config: Config) -> int:
    rows = er.read_file(args.file, er.ACT_COLUMNS, er.parse_act, er.act_key)
    now = utc_now()
    done = _run(config, args.file, lambda db: record_acts(db.uow, rows, now))
    print(f"imported {done} act(s) from {args.file}")
    return 0


def cmd_residents_import(args: argparse.Namespace, config: Config) -> int:
    rows = er.read_file(args.file, er.RESIDENTS_COLUMNS, er.parse_residents, er.residents_key)
    done = _run(config, args.file, lambda db: record_residents(db.uow, rows))
    print(f"imported {done} residents change(s) from {args.file}")
    return 0
