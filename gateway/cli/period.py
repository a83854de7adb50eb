"""``period close YYYY-MM`` and ``period export YYYY-MM``."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import IO, Any

from gateway.app.close_pool import ClosePool
from gateway.app.factory import run_with_database, sms_notices
from gateway.cli.errors import CliError
from gateway.config import Config
from gateway.domain.clock import local_day, utc_now
from gateway.service.closing import CloseSummary, PeriodError, close_period, export_period
from gateway.service.reminders import Reminders
from storage.db import Database, schema_is_current

CLOSE_PROGRESS_FROM = 100_000  # registers: a close this large reports its progress


def add_commands(sub: Any, config_opt: argparse.ArgumentParser) -> None:
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
    rules = config.rules
    today = args.today or local_day(utc_now(), rules.timezone)

    def progress(done: int, total: int) -> None:
        if total > CLOSE_PROGRESS_FROM or sys.stderr.isatty():
            print(f"closing {args.period}: {done}/{total} registers", file=sys.stderr, flush=True)

    async def close(db: Database) -> tuple[CloseSummary, int]:
        summary = await close_period(
            db.uow,
            args.period,
            rules,
            config.normatives,
            today=today,
            now=utc_now(),
            reopen=args.reopen,
            progress=progress,
            chunk_meters=config.period.close_chunk,
            pool=ClosePool.of(config, db.url),
        )
        # the verified contacts' notices, once per period (docs/channels.md)
        notices = Reminders(db.uow, rules, config.telegram.reminder_day, utc_now,
                            sms_notices(config))  # fmt: skip
        return summary, await notices.send_close_notices(args.period)

    try:
        summary, sent = run_with_database(config, close)
    except PeriodError as e:
        raise CliError(str(e)) from None
    print("\n".join(summary.lines()))
    if sent:
        print(f"notices to verified contacts queued: {sent}")
    return 0


def cmd_period_export(args: argparse.Namespace, config: Config) -> int:
    async def work(db: Database, out: IO[str]) -> int:
        # an export reads production data: it never changes the schema under a running gateway
        if not await schema_is_current(db.engine):
            raise CliError(
                "the database schema is not at the current version; run: meter-gateway db upgrade"
            )
        return await export_period(db.uow, args.period, args.format, out, utc_now())

    def write(out: IO[str]) -> int:
        return run_with_database(config, lambda db: work(db, out), migrate=False)

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
