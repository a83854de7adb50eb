"""``run [--demo] [--workers N]``: migrate, then serve HTTP (and the mail channels)."""

from __future__ import annotations

import argparse
import json
import shlex
import socket
from typing import Any

from aiohttp import web

from channels.sms.generic import hmac_signature
from gateway.app.channel_settings import check_channels
from gateway.app.factory import init_app, run_with_database
from gateway.app.lifecycle import StartupError, settled
from gateway.cli import listen, workers
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
    if args.workers > 1:
        workers.metrics_dir(rerun_args(args))  # may start this command afresh (exec)
    if args.demo:
        config = demo_config(config)
    # everything that can be checked before anything starts: one line naming the key
    check_channels(config)
    if config.smtp.enabled:
        listen.check_free("smtp", config.smtp.host, config.smtp.port)
    if args.workers > 1:
        listen.check_free("http", config.http.host, config.http.port, reuse_port=True)
        http_sockets = []
    else:
        http_sockets = listen.bind("http", config.http.host, config.http.port)
    try:
        return _run(args, config, http_sockets)
    finally:
        for sock in http_sockets:
            sock.close()


def _run(args: argparse.Namespace, config: Config, http_sockets: list[socket.socket]) -> int:
    if args.demo:
        run_with_database(config, lambda db: load_demo(db.uow, config.rules, utc_now()))
    else:

        async def migrated(_: Database) -> None:
            return None

        run_with_database(config, migrated)
    if args.demo:
        print(demo_instructions(config))
    if args.workers > 1:
        return workers.supervise(config, args.workers)
    try:
        web.run_app(
            settled(init_app(config)),
            sock=http_sockets,
            shutdown_timeout=config.http.shutdown_timeout,
            access_log=web.access_logger if config.http.access_log else None,
            print=lambda text: print(text, flush=True),
        )
    except StartupError as e:  # the SMTP port taken meanwhile, say
        raise CliError(str(e)) from None
    return 0


def rerun_args(args: argparse.Namespace) -> list[str]:
    """This ``run`` command's arguments, to start it afresh."""
    again = ["run", "--workers", str(args.workers)]
    if args.demo:
        again.append("--demo")
    if args.config:
        again += ["--config", args.config]
    return again


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
