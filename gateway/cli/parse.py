"""``parse [--json] TEXT``: how the parser reads a message."""

from __future__ import annotations

import argparse
import json
from typing import Any

from gateway.config import Config
from parsers import parse
from parsers.explain import explain


def add_commands(sub: Any, config_opt: argparse.ArgumentParser) -> None:
    p = sub.add_parser("parse", parents=[config_opt], help="show how a message text parses")
    p.add_argument("--json", action="store_true", help="print the parse as JSON")
    p.add_argument("text")


def cmd_parse(args: argparse.Namespace, config: Config) -> int:
    result = parse(args.text)
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        print(explain(args.text, result))
    return 0
