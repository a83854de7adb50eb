"""``scripts/mutants`` (docs/development.md, "Mutation check") still fits the code: each of
its faults names text that is in the file it patches, and each test file it runs exists.
A refactor that moves that code fails here, in the normal run, instead of leaving the
mutation check to say "does not apply" the next time someone runs it."""

from __future__ import annotations

import importlib.machinery
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def mutants() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("mutants", str(ROOT / "scripts" / "mutants"))
    spec = importlib.util.spec_from_loader("mutants", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


MUTANTS = mutants().MUTANTS


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_the_fault_applies_and_its_tests_exist(name: str) -> None:
    _, edits, tests = MUTANTS[name]
    for path, before, after in edits:
        source = (ROOT / path).read_text()
        assert source.count(before) >= 1, f"{name}: {path} no longer holds the text to patch"
        assert before != after
    assert all((ROOT / t).is_file() for t in tests), tests
