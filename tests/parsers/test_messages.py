"""The table of real-world messages in ``messages.txt``: each must parse as written there."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pytest

from parsers import parse

TABLE = Path(__file__).with_name("messages.txt")
_ESCAPE = re.compile(r"\\(n|t|r|u[0-9a-fA-F]{4})")
_EXPECTED = re.compile(
    r"(?P<uin>\S+)(?P<readings>(?: [^!«\s]+)*)(?: ! (?P<error>\w+)(?: «(?P<token>.*)»)?)?"
)


class Case(NamedTuple):
    id: str
    text: str
    uin: str | None
    readings: list[tuple[str | None, str, tuple[str, ...]]]
    error: str | None
    token: str | None


def _unescape(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        return {"n": "\n", "t": "\t", "r": "\r"}.get(code) or chr(int(code[1:], 16))

    return _ESCAPE.sub(one, text)


def _reading(spec: str) -> tuple[str | None, str, tuple[str, ...]]:
    label, _, value = spec.rpartition(":")
    value, _, other = value.partition("~")
    return (label or None, value, (value, other) if other else ())


def load(path: Path = TABLE) -> list[Case]:
    cases = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        case_id, text, expected = line.split(" :: ")
        m = _EXPECTED.fullmatch(expected)
        assert m, f"{path.name}:{n}: cannot read the expected parse {expected!r}"
        uin = None if m["uin"] == "-" else m["uin"]
        readings = [_reading(s) for s in m["readings"].split()]
        cases.append(Case(case_id, _unescape(text), uin, readings, m["error"], m["token"]))
    return cases


CASES = load()


def test_the_table_is_large_and_ids_are_unique() -> None:
    assert len(CASES) >= 300
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_message(case: Case) -> None:
    result = parse(case.text)
    assert (result.uin, result.error) == (case.uin, case.error), result
    if case.token is not None:
        assert result.token == case.token
    if case.error is None:
        got = [(r.label, r.value, r.candidates) for r in result.readings]
        assert got == case.readings
