"""Parser throughput over a realistic mix of messages (target >= 200,000/s on one core:
docs/operations.md, "Performance targets").

Prints one JSON line. The mix follows what utilities report: about eight senders in ten use
the published form (``UIN reading reading``), the rest add labels, prefixes, decimals,
Cyrillic look-alikes, signatures, quotes and mistakes. Every message is distinct (random
UINs and readings), so no cache could help.

    python bench/parser.py [--messages N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from parsers import parse  # noqa: E402

TARGET = 200_000


def _uin(r: random.Random) -> str:
    return str(r.randrange(10**6, 10**10))


def _value(r: random.Random, digits: int = 5) -> str:
    return str(r.randrange(0, 10**digits)).zfill(r.choice((0, digits)))


def _water(r: random.Random) -> str:
    return f"{r.randrange(0, 1000)}{r.choice('.,')}{r.randrange(0, 1000):03d}"[: r.randint(3, 8)]


Template = Callable[[random.Random], str]

PLAIN: list[Template] = [
    lambda r: f"{_uin(r)} {_value(r)}",
    lambda r: f"{_uin(r)} {_value(r)} {_value(r)}",
    lambda r: f"{_uin(r)} {_value(r)} {_value(r)} {_value(r)}",
    lambda r: f"{_uin(r)}#{_value(r)}#{_value(r)}",
    lambda r: f"{_uin(r)} {r.randrange(0, 999)}.{r.randrange(0, 999)} {r.randrange(0, 99)}.5",
]
OTHER: list[Template] = [
    lambda r: f"УИН {_uin(r)} показания {_value(r)} {_value(r)}",
    lambda r: f"ЛС {_uin(r)} Х {_water(r)} Г {_water(r)}",
    lambda r: f"{_uin(r)} Т1={_value(r)}; Т2={_value(r)}",
    lambda r: f"{_uin(r)} день {_value(r)} ночь {_value(r)}",
    lambda r: f"{_uin(r)} ХВС {_water(r)} ГВС {_water(r)}",
    lambda r: f"{_uin(r)} {_value(r)} {_value(r)}\n\nОтправлено с iPhone",
    lambda r: f"  {_uin(r)}  {_value(r)}\t{_value(r)}. ",
    lambda r: f"л/с {_uin(r)} XBC {_water(r)}",
    lambda r: f"Добрый день! {_uin(r)} {_value(r)}",
    lambda r: f"{_uin(r)} {_value(r)} abc",
    lambda r: f"Т1 {_value(r)} Т2 {_value(r)}",
    lambda r: f"{_uin(r)} {r.randrange(1, 999)},{r.randrange(0, 999):03d}",
]


def mix(n: int, seed: int) -> list[str]:
    r = random.Random(seed)
    return [r.choice(PLAIN if r.random() < 0.8 else OTHER)(r) for _ in range(n)]


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--messages", type=int, default=200_000)
    args.add_argument("--seed", type=int, default=1)
    opts = args.parse_args()
    messages = mix(opts.messages, opts.seed)
    for text in messages[:1000]:  # warm up
        parse(text)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for text in messages:
            parse(text)
        best = min(best, time.perf_counter() - start)
    print(
        json.dumps(
            {
                "bench": "parser",
                "messages": len(messages),
                "seconds": round(best, 3),
                "messages_per_second": round(len(messages) / best),
                "target": TARGET,
            }
        )
    )


if __name__ == "__main__":
    main()
