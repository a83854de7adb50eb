"""``staff add LOGIN --role reviewer|admin``, ``staff list``, ``staff disable LOGIN``."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from gateway.app.factory import run_with_database
from gateway.cli.errors import CliError
from gateway.config import Config
from gateway.domain.clock import utc_now
from gateway.domain.staff import Role
from gateway.service.staff import StaffError, add_staff, disable_staff, list_staff


def add_commands(sub: Any, config_opt: argparse.ArgumentParser) -> None:
    group = sub.add_parser("staff", help="staff users of the web UI").add_subparsers(
        dest="action", required=True
    )
    add = group.add_parser("add", parents=[config_opt], help="add a staff user")
    add.add_argument("login")
    add.add_argument("--role", choices=[str(r) for r in Role], default=str(Role.REVIEWER))
    group.add_parser("list", parents=[config_opt], help="list staff users")
    disable = group.add_parser("disable", parents=[config_opt], help="disable a staff user")
    disable.add_argument("login")


def read_password() -> str:
    """Prompted twice on a terminal; otherwise one line from standard input."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise CliError("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_staff_add(args: argparse.Namespace, config: Config) -> int:
    password = read_password()
    now = utc_now()
    try:
        run_with_database(
            config, lambda db: add_staff(db.uow, args.login, password, Role(args.role), now)
        )
    except StaffError as e:
        raise CliError(str(e)) from None
    print(f"staff user {args.login} added ({args.role})")
    return 0


def cmd_staff_list(args: argparse.Namespace, config: Config) -> int:
    for user in run_with_database(config, lambda db: list_staff(db.uow)):
        print(f"{user.login}\t{user.role}\t{'disabled' if user.disabled else 'active'}")
    return 0


def cmd_staff_disable(args: argparse.Namespace, config: Config) -> int:
    try:
        run_with_database(config, lambda db: disable_staff(db.uow, args.login, utc_now()))
    except StaffError as e:
        raise CliError(str(e)) from None
    print(f"staff user {args.login} disabled, logged out everywhere")
    return 0
