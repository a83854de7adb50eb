"""``meter-gateway`` command line (also ``python -m gateway``), SPEC section 6."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shlex
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import IO, Any, TypeVar
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.config import Config, ConfigError, load_config
from gateway.service.csv_files import CsvImportError
from parsers import parse
from storage.db import make_engine, make_sessionmaker, upgrade

T = TypeVar("T")

DEMO_SECRET = "demo-secret"
DEMO_TOKEN = "demo-token"
CLOSE_PROGRESS_FROM = 100_000  # registers: a close this large reports its progress


class CliError(Exception):
    """Bad input from the user: printed as one line, exit code 1."""


def build_parser() -> argparse.ArgumentParser:
    config_opt = argparse.ArgumentParser(add_help=False)
    config_opt.add_argument("--config", metavar="F", help="TOML config file")

    parser = argparse.ArgumentParser(
        prog="meter-gateway", parents=[config_opt], description="Meter readings gateway"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", parents=[config_opt], help="start the gateway")
    run.add_argument("--demo", action="store_true", help="load demo accounts, print a first curl")

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", parents=[config_opt], help="apply migrations")

    for name, what in (("accounts", "accounts and meters"), ("readings", "reading history")):
        group = sub.add_parser(name, help=f"{what}").add_subparsers(dest="action", required=True)
        imp = group.add_parser("import", parents=[config_opt], help=f"import {what} from CSV")
        imp.add_argument("file", type=Path)

    add_period_commands(sub, config_opt)

    p = sub.add_parser("parse", parents=[config_opt], help="show how a message text parses")
    p.add_argument("--json", action="store_true", help="print the parse as JSON")
    p.add_argument("text")
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
    except (SQLAlchemyError, OSError) as e:
        print(f"meter-gateway: error: database: {str(e).splitlines()[0]}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _command_name(args: argparse.Namespace) -> str:
    action = getattr(args, "action", None)
    return f"{args.command} {action}" if action else args.command


def with_db(config: Config, work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
    """Run ``work`` on a migrated database, then dispose the engine."""

    async def go() -> T:
        engine = make_engine(config.database_url)
        try:
            await upgrade(engine)
            return await work(make_sessionmaker(engine))
        finally:
            await engine.dispose()

    return asyncio.run(go())


def cmd_db_upgrade(args: argparse.Namespace, config: Config) -> int:
    async def nothing(_: Any) -> None:
        return None

    with_db(config, nothing)
    print("database is up to date")
    return 0


def cmd_accounts_import(args: argparse.Namespace, config: Config) -> int:
    from gateway.service.imports import import_accounts

    print(with_db(config, lambda s: import_accounts(s, args.file)))
    return 0


def cmd_readings_import(args: argparse.Namespace, config: Config) -> int:
    from gateway.service.imports import import_readings

    print(with_db(config, lambda s: import_readings(s, args.file, config.rules)))
    return 0


def cmd_parse(args: argparse.Namespace, config: Config) -> int:
    result = parse(args.text)
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
        return 0
    from parsers.explain import explain

    print(explain(args.text, result))
    return 0


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    from gateway.http.app import init_app
    from gateway.service.imports import load_demo

    if args.demo:
        overrides: dict[str, Any] = {}
        if not config.section("sms.generic")["secret"]:
            overrides.setdefault("sms", {})["generic"] = {"secret": DEMO_SECRET}
        if not config.section("api")["tokens"]:
            overrides["api"] = {"tokens": [DEMO_TOKEN]}
        config = config.with_overrides(overrides)
        with_db(config, lambda s: load_demo(s, config.rules))
    else:
        with_db(config, lambda s: asyncio.sleep(0))
    http = config.section("http")
    if args.demo:
        print(demo_instructions(config))
    web.run_app(
        init_app(config),
        host=str(http["host"]),
        port=int(http["port"]),
        print=lambda text: print(text, flush=True),
    )
    return 0


def demo_instructions(config: Config) -> str:
    from channels.sms import hmac_signature

    http = config.section("http")
    base = f"http://{http['host']}:{http['port']}"
    body = json.dumps(
        {"id": "demo-1", "from": "+79990000001", "to": "7377", "text": "1234567 05123 02010"}
    )
    signature = hmac_signature(body.encode(), str(config.section("sms.generic")["secret"]))
    token = config.section("api")["tokens"][0]
    return "\n".join(
        [
            "Demo accounts loaded: 1234567 (two-zone electricity), 7654321 (cold + hot water),",
            "1111111 (electricity), 2222222 (closed).",
            "Send a first reading as an SMS provider would:",
            f"  curl -s {base}/sms/inbound -H 'Content-Type: application/json' "
            f"-H 'X-Signature: {signature}' --data-binary {shlex.quote(body)}",
            "Then look it up in the API:",
            f"  curl -s -H 'Authorization: Bearer {token}' "
            f"'{base}/api/v1/messages?channel=sms&external_id=demo-1'",
        ]
    )


def add_period_commands(sub: Any, config_opt: argparse.ArgumentParser) -> None:
    group = sub.add_parser("period", help="billing periods: close and export volumes")
    actions = group.add_subparsers(dest="action", required=True)
    close = actions.add_parser(
        "close", parents=[config_opt], help="compute the billed volume of every register"
    )
    close.add_argument("period", metavar="YYYY-MM")
    close.add_argument(
        "--reopen", action="store_true", help="close again a period already exported as final"
    )
    # tests and dry runs on another date; not part of the documented interface
    close.add_argument("--today", type=date.fromisoformat, help=argparse.SUPPRESS)
    export = actions.add_parser(
        "export", parents=[config_opt], help="write a closed period's volumes (final)"
    )
    export.add_argument("period", metavar="YYYY-MM")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--output", metavar="F", type=Path, help="file to write (default stdout)")


def cmd_period_close(args: argparse.Namespace, config: Config) -> int:
    from gateway.service.closing import PeriodError, close_period

    rules = config.rules
    today = args.today or datetime.now(ZoneInfo(rules.timezone)).date()

    def progress(done: int, total: int) -> None:
        if total > CLOSE_PROGRESS_FROM or sys.stderr.isatty():
            print(f"closing {args.period}: {done}/{total} registers", file=sys.stderr, flush=True)

    work = partial(
        close_period,
        period=args.period,
        rules=rules,
        normatives=config.normatives,
        today=today,
        now=datetime.now(UTC),
        reopen=args.reopen,
        progress=progress,
    )
    try:
        summary = with_db(config, work)
    except PeriodError as e:
        raise CliError(str(e)) from None
    print("\n".join(summary.lines()))
    return 0


def cmd_period_export(args: argparse.Namespace, config: Config) -> int:
    from gateway.service.closing import PeriodError, export_period

    def write(out: IO[str]) -> int:
        return with_db(
            config, lambda s: export_period(s, args.period, args.format, out, datetime.now(UTC))
        )

    try:
        if args.output is None:
            write(sys.stdout)
            return 0
        # written beside the target and renamed: a failed export leaves no half file
        part = args.output.with_name(args.output.name + ".part")
        try:
            with part.open("w", encoding="utf-8", newline="") as out:
                count = write(out)
            part.replace(args.output)
        finally:
            part.unlink(missing_ok=True)
    except PeriodError as e:
        raise CliError(str(e)) from None
    print(f"exported {count} volume(s) of {args.period} to {args.output}")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace, Config], int]] = {
    "run": cmd_run,
    "db upgrade": cmd_db_upgrade,
    "accounts import": cmd_accounts_import,
    "readings import": cmd_readings_import,
    "parse": cmd_parse,
    "period close": cmd_period_close,
    "period export": cmd_period_export,
}
