"""``meter-gateway`` command line (also ``python -m gateway``), docs/operations.md "Commands"."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from sqlalchemy.exc import SQLAlchemyError

from gateway.cli import data, events, parse, period, run, staff
from gateway.cli.errors import CliError
from gateway.config import Config, ConfigError, load_config
from gateway.service.csv_files import CsvImportError
from gateway.service.uow import StorageUnavailable
from storage.uow import REFUSED

COMMANDS: dict[str, Callable[[argparse.Namespace, Config], int]] = {
    "run": run.cmd_run,
    "db upgrade": data.cmd_db_upgrade,
    "accounts import": data.cmd_accounts_import,
    "readings import": data.cmd_readings_import,
    "replacements import": events.cmd_replacements_import,
    "acts import": events.cmd_acts_import,
    "residents import": events.cmd_residents_import,
    "parse": parse.cmd_parse,
    "period close": period.cmd_period_close,
    "period export": period.cmd_period_export,
    "staff add": staff.cmd_staff_add,
    "staff list": staff.cmd_staff_list,
    "staff disable": staff.cmd_staff_disable,
}


def build_parser() -> argparse.ArgumentParser:
    config_opt = argparse.ArgumentParser(add_help=False)
    config_opt.add_argument("--config", metavar="F", help="TOML config file")
    parser = argparse.ArgumentParser(
        prog="meter-gateway", parents=[config_opt], description="Meter readings gateway"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (run, data, events, period, parse, staff):
        module.add_commands(sub, config_opt)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # the server logs what it does; one-shot commands print only their result or one error
    level = logging.INFO if args.command == "run" else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(args.config)
        return COMMANDS[_command_name(args)](args, config)
    except (CliError, ConfigError, CsvImportError) as e:
        print(f"meter-gateway: error: {e}", file=sys.stderr)
        return 1
    except (SQLAlchemyError, OSError, StorageUnavailable, *REFUSED) as e:
        print(f"meter-gateway: error: database: {str(e).splitlines()[0]}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _command_name(args: argparse.Namespace) -> str:
    action = getattr(args, "action", None)
    return f"{args.command} {action}" if action else args.command
