"""OCR of meter photos on the synthetic corpus of bench/ocr_corpus.py: one JSON line.

    .venv/bin/python bench/ocr.py --count 90          # needs the ocr extra

Each photo is read as the gateway reads it (``gateway.service.ocr.read_photo``, one thread,
pinned to one core) with its register's digits and decimals, as the account would give
them. Reported: exact-match accuracy (the suggestion is the true reading), accuracy of the
integer part, photos with no suggestion, seconds per photo (the engine's load apart), peak
resident memory, and the misses (``--misses``) to look at.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ocr_corpus import corpus  # noqa: E402

from gateway.service.ocr import engine, read_photo  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=90)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--misses", action="store_true", help="print each miss to stderr")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    samples = corpus(args.count, args.seed)
    started = time.perf_counter()
    engine()
    load = time.perf_counter() - started
    exact = integer = none = 0
    by_kind: dict[str, list[int]] = {}
    started = time.perf_counter()
    for s in samples:
        found = read_photo(s.png, (s.digits, s.decimals), 20_000_000)
        value = Decimal(found["value"]) if found else None
        ok = value == s.value
        exact += ok
        integer += value is not None and int(value) == int(s.value)
        none += found is None
        by_kind.setdefault(s.kind, [0, 0])[0] += ok
        by_kind[s.kind][1] += 1
        if not ok and args.misses:
            print(s.name, s.reading, found and found["value"], s.spoil, file=sys.stderr)
    seconds = time.perf_counter() - started
    n = len(samples)
    print(json.dumps({
        "bench": "ocr",
        "photos": n,
        "exact": round(exact / n, 3),
        "integer_part": round(integer / n, 3),
        "no_suggestion": none,
        "by_kind": {k: f"{ok}/{total}" for k, (ok, total) in sorted(by_kind.items())},
        "seconds_per_photo": round(seconds / n, 3),
        "engine_load_seconds": round(load, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "target": {"exact": 0.9, "seconds_per_photo": 1.0},
    }))  # fmt: skip


if __name__ == "__main__":
    main()
