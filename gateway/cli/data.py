"""``db upgrade``, ``accounts import``, ``readings import``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gateway.app.factory import run_with_database
from gateway.config import Config
from gateway.domain.clock import utc_now
from gateway.service.imports import import_accounts, import_readings
from storage.db import Database


def add_commands(sub: Any, config_opt: argparse.ArgumentParser) -> None:
    db = sub.add_parser("db", help="database schema").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", parents=[config_opt], help="apply migrations")
    for name, what in (("accounts", "accounts and meters"), ("readings", "reading history")):
        group = sub.add_parser(name, help=f"{what}").add_subparsers(dest="action", required=True)
        imp = group.add_parser("import", parents=[config_opt], help=f"import {what} from CSV")
        imp.add_argument("file", type=Path)


def cmd_db_upgrade(args: argparse.Namespace, config: Config) -> int:
    async def nothing(_: Database) -> None:
        return None

    run_with_database(config, nothing)
    print("database is up to date")
    return 0


def cmd_accounts_import(args: argparse.Namespace, config: Config) -> int:
    print(run_with_database(config, lambda db: import_accounts(db.uow, args.file)))
    return 0


def cmd_readings_import(args: argparse.Namespace, config: Config) -> int:
    now = utc_now()
    print(
        run_with_database(config, lambda db: import_readings(db.uow, args.file, config.rules, now))
    )
    return 0
