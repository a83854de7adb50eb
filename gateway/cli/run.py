"""``run [--demo] [--workers N]``: migrate, then serve HTTP (and the mail channels)."""

from __future__ import annotations

import argparse
import json
import shlex
from typing import Any

from aiohttp import web

from channels.sms.generic import hmac_signature
from gateway.bootstrap import init_app, run_with_database
from gateway.cli import workers
from gateway.cli.errors import CliError
from gateway.config import Config
from gateway.domain.clock import utc_now
from gateway.service.demo import load_demo
from storage.db import Database

DEMO_SECRET = "demo-secret"
DEMO_TOKEN = "demo-token"


def add_commands(sub: Any, config_opt: argparse.ArgumentParser) -> None:
    run = sub.add_parser("run", parents=[config_opt], help="start the gateway")
    run.add_argument("--demo", action="store_true", help="load demo accounts, print a first curl")
    run.add_argument(
        "--workers",
        type=_count,
        default=1,
        metavar="N",
        help="N processes serving one port (SO_REUSEPORT; PostgreSQL only; default 1)",
    )


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return value


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    if args.workers > 1 and not config.database_url.startswith("postgresql"):
        # several processes writing one SQLite file take turns on its lock: slower than one
        raise CliError("--workers needs PostgreSQL (database.url is SQLite)")
    if args.demo:
        config = demo_config(config)
        run_with_database(config, lambda db: load_demo(db.uow, config.rules, utc_now()))
    else:

        async def migrated(_: Database) -> None:
            return None

        run_with_database(config, migrated)
    if args.demo:
        print(demo_instructions(config))
    if args.workers > 1:
        return workers.supervise(config, args.workers)
    web.run_app(
        init_app(config),
        host=config.http.host,
        port=config.http.port,
        shutdown_timeout=config.http.shutdown_timeout,
        access_log=web.access_logger if config.http.access_log else None,
        print=lambda text: print(text, flush=True),
    )
    return 0


def demo_config(config: Config) -> Config:
    """The demo's secret and token where the configuration has none."""
    overrides: dict[str, Any] = {}
    if not config.sms.generic.secret:
        overrides.setdefault("sms", {})["generic"] = {"secret": DEMO_SECRET}
    if not config.api.tokens:
        overrides["api"] = {"tokens": [DEMO_TOKEN]}
    return config.with_overrides(overrides)


def demo_instructions(config: Config) -> str:
    base = f"http://{config.http.host}:{config.http.port}"
    body = json.dumps(
        {"id": "demo-1", "from": "+79990000001", "to": "7377", "text": "1234567 05123 02010"}
    )
    signature = hmac_signature(body.encode(), config.sms.generic.secret)
    token = config.api.tokens[0]
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
